// One lint config for the whole workspace. Web apps and the Aura bundle add their own blocks
// as they arrive; generated output is ignored.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'data/**',
      'coverage/**',
      '**/*.d.ts',
      'salesforce/.sfdx/**',
      // Aura controllers and helpers are bare `({...})` objects over Aura's globals: they are
      // linted by scripts/check-salesforce.mjs with @salesforce/eslint-plugin-aura instead.
      'salesforce/**/aura/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Browser code (the web apps and the sandbox chat pane): browser globals, and React's hook
    // rules (hooks called unconditionally, effect dependencies complete).
    files: ['apps/*/src/**/*.{ts,tsx}', 'packages/sandbox-chat/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Build configs run on Node.
    files: ['apps/*/vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Tests read JSON answers loosely; the assertions are the type check there.
    files: ['**/test/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The console simulator's page scripts: plain browser JavaScript served as files.
    files: ['packages/emulators/src/salesforce/console/client/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
);
