// One lint config for the whole repository (see ../shared/style.md, Tooling).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // What the .gitignore keeps out of the repository (build output, scratch and data folders the tests and the bench write).
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.tmp-*/**',
      '**/.data/**',
      '**/.connector/**',
      '**/coverage/**',
      'bench/results/**',
      'bench/.scratch/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
);
