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

/**
 * UIKit's voice recorder (mounted by SendbirdProvider) loads its MP3 encoder, lamejs (160 KB),
 * with one dynamic import, made on its first render whatever the options say (UIKit's initial
 * state has voice messages on until the panel's uikitOptions apply). Only recording a voice
 * message calls the encoder's two functions, and voice messages are off in the panel, so the
 * import becomes an at-once stand-in whose functions throw an error naming this plugin, and the
 * encoder is not bundled. A UIKit whose voice recorder no longer has exactly that one import
 * fails the build.
 */
function dropVoiceEncoder(): Plugin {
  const recorder = /[\\/]@sendbird[\\/]uikit-react[\\/]VoiceRecorder[\\/]context\.js$/;
  const lazyImport = /\bimport\(\s*(['"])\.\.\/chunks\/[\w-]+\.js\1\s*\)/g;
  const message = JSON.stringify('sbsf-drop-voice-encoder: the agent panel has no MP3 encoder (voice messages are off)');
  const fail = `function () { throw new Error(${message}); }`;
  const standIn = `Promise.resolve({ downsampleToWav: ${fail}, encodeMp3: ${fail} })`;
  return {
    name: 'sbsf-drop-voice-encoder',
    transform(code, id) {
      if (!recorder.test(id)) return null;
      const found = code.match(lazyImport)?.length ?? 0;
      if (found !== 1) this.error(`expected one dynamic import (the MP3 encoder) in ${id}, found ${found}`);
      return { code: code.replace(lazyImport, standIn), map: null };
    },
  };
}

/**
 * @sendbird/chat loads its fetch and AbortController polyfills with dynamic imports, made only
 * when the browser lacks them. The package declares `sideEffects: false`, so the bundler drops
 * the polyfills' code and leaves two empty chunks: loading one does nothing. This removes every
 * empty chunk and makes each import of one resolve at once instead, which does the same nothing
 * without a request. A reference to a removed chunk left anywhere else fails the build.
 */
function dropEmptyChunks(): Plugin {
  return {
    name: 'sbsf-drop-empty-chunks',
    apply: 'build',
    generateBundle(_options, bundle) {
      const empty = Object.values(bundle).filter((out) => out.type === 'chunk' && !out.isEntry && out.code.trim() === '');
      for (const chunk of empty) {
        delete bundle[chunk.fileName];
        const file = chunk.fileName.slice(chunk.fileName.lastIndexOf('/') + 1);
        const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const lazyImport = new RegExp(`\\bimport\\(\\s*(['"\`])\\.{1,2}/(?:[^'"\`]*/)?${escaped}\\1\\s*\\)`, 'g');
        for (const out of Object.values(bundle)) {
          if (out.type !== 'chunk') continue;
          out.code = out.code.replace(lazyImport, 'Promise.resolve({})');
          out.dynamicImports = out.dynamicImports.filter((name) => name !== chunk.fileName);
          if (out.code.includes(file)) this.error(`${out.fileName} still refers to the empty chunk ${chunk.fileName}`);
        }
      }
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [dropRemoteCssImports(), dropVoiceEncoder(), dropEmptyChunks(), react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // UIKit is one large lazy chunk; the zip size is what counts (checked by build:panel).
    chunkSizeWarningLimit: 2_500,
  },
});
