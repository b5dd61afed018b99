import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // Suites of other test runners (pytest, mocha, jest, Ginkgo) that the tests run for real, in their own dialects.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'examples/**', '.tmp/**', '__tests__/fixtures/suites/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly' }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    files: ['src/cli/**', 'bench/**', 'scripts/**', '__tests__/**'],
    rules: { 'no-console': 'off' }
  }
)
