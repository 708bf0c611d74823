// Lint: the recommended JavaScript and TypeScript rules, kept fast (no type-aware rules;
// `tsc --noEmit` does the type checking).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.scratch*/**', '.data/**', '.tap/**', 'coverage/**', 'test/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off'
    }
  },
  {
    // The dashboard runs in the browser; `tsc -p dashboard` checks its names with the DOM library.
    files: ['dashboard/**/*.js'],
    rules: { 'no-undef': 'off' }
  }
)
