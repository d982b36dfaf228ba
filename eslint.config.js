// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'migrations/**', '.tap/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // fastify and aedes hand us loosely typed objects at the edges; we validate them there.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
      'no-restricted-globals': ['error', { name: 'parseFloat', message: 'Money is integer fen; parse with kernel/money.' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tap tracks its own subtests: t.test() at the top of a file needs no await.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: ['tap', '@tapjs/core', '@tapjs/test'].map((pkg) => ({ from: 'package', name: ['test'], package: pkg })) }],
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain scripts node runs before anything is compiled (test/engine-files.mjs): outside the TypeScript project.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false }, globals: { process: 'readonly' } },
  },
)
