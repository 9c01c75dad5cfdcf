// Flat ESLint config: typed typescript-eslint rules, plus the architecture rules
// from the house style (the core never imports the Functions runtime or tests).
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

// The layers of shared/, lowest first (app/ is the composition root). A folder may import its own layer's folders
// and any layer below, never one above: so there are no folder cycles, and a kind
// (say) can never reach back into failover orchestration. docs/architecture.md
// draws the same picture.
const LAYERS = [
  ['codec', 'errors'],
  ['log'],
  ['databricks'],
  ['snapshot'],
  ['config'],
  ['kinds'],
  ['runs'],
  ['backup', 'failover'],
  ['ops'],
  ['app'],
  ['cli'],
];
const layerElements = LAYERS.flat().map((folder) => ({ type: folder, pattern: `shared/${folder}` }));
const layerPolicies = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => ({
    from: { element: { type: folder } },
    allow: { to: { element: { types: { anyOf: [folder, ...LAYERS.slice(0, index).flat()] } } } },
  })),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'max-len': ['error', { code: 140, ignoreUrls: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@azure/functions'], message: 'The core (shared/) never imports the Functions runtime; adapt in functions/.' },
            { group: ['**/functions/**', '**/test/**'], message: 'shared/ may not import functions/ or test/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': layerElements,
      'import/resolver': { typescript: { alwaysTryTypes: true } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies: layerPolicies }],
      'boundaries/no-unknown-files': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', globalThis: 'readonly' },
    },
  },
);
