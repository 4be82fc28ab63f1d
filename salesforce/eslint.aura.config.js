// ESLint flat config for the Aura bundles under force-app/**/aura. Used only by
// scripts/check-salesforce.mjs (through --config / overrideConfigFile), so the repository's root
// eslint.config.js stays as it is. Aura controllers and helpers are bare object literals,
// `({ ... })`, hence the two rules switched off (as @salesforce/eslint-plugin-aura's docs advise),
// and every action has the fixed signature (component, event, helper), so unused arguments are fine.
import eslintAura from '@salesforce/eslint-plugin-aura';

const AURA_FILES = ['**/aura/**/*.js'];
const scoped = (configs) => configs.map((config) => ({ ...config, files: AURA_FILES }));

export default [
  ...scoped(eslintAura.configs.recommended),
  ...scoped(eslintAura.configs.locker),
  {
    files: AURA_FILES,
    rules: {
      'vars-on-top': 'off',
      'no-unused-expressions': 'off',
      'no-unused-vars': ['error', { args: 'none' }],
    },
  },
];
