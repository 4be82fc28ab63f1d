// The customer app's build: relative asset paths (`base: './'`) so the same dist/ works from any
// path or host, everything bundled (no CDN), and config.json copied from public/ as a default
// that each deployment replaces.
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * UIKit's stylesheet starts with `@import "https://fonts.googleapis.com/..."`: a runtime fetch
 * from a CDN, which a locked-down page (or a Lightning Container) refuses. Drop remote CSS
 * imports; the UIKit font stack falls back to the system sans-serif.
 */
function dropRemoteCssImports(): Plugin {
  const REMOTE_IMPORT = /@import\s+(?:url\()?\s*["']?https?:\/\/[^;]*;/g;
  return {
    name: 'sbsf-drop-remote-css-imports',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.css(\?|$)/.test(id) || !code.includes('@import')) return null;
      const out = code.replace(REMOTE_IMPORT, '');
      return out === code ? null : { code: out, map: null };
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [dropRemoteCssImports(), react()],
  resolve: { dedupe: ['react', 'react-dom'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // UIKit and the Sendbird SDK are one large lazy chunk, loaded only with chat "uikit".
    chunkSizeWarningLimit: 2500,
  },
});
