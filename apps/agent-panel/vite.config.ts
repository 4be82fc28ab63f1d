/**
 * The build that becomes the `sendbird_bar` static resource (`npm run build:panel` zips it).
 * Salesforce serves the zip from the container domain under a per-resource path, so every asset
 * path is relative (`base: './'`) and everything is bundled: the container's CSP blocks other
 * hosts (the tutorial: "external scripts do not load, even from CSP-trusted sites").
 */
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * UIKit's stylesheet @imports Open Sans from Google Fonts, which the container would block
 * (and which would leave the bundle). Drop the import; the font stack falls back to sans-serif.
 */
function dropRemoteCssImports(): Plugin {
  return {
    name: 'sbsf-drop-remote-css-imports',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.css') || !code.includes('@import')) return null;
      const stripped = code.replace(/@import\s+url\(\s*["']?https?:\/\/[^)]*\)\s*;/g, '');
      return stripped === code ? null : { code: stripped, map: null };
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [dropRemoteCssImports(), react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // UIKit is one large lazy chunk; the zip size is what counts (checked by build:panel).
    chunkSizeWarningLimit: 2_500,
  },
});
