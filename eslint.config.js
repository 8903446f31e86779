// Type-aware lint for every TypeScript file in the repository (run by `npm test`: test/unit/code-quality.test.ts).
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/dist-demo/**',
      '**/dist-example/**',
      '**/node_modules/**',
      '.tap/**',
      '.hoist/**',
      'scratch/**',
      'test/integration/packages/consumer/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // One program for every file (tsconfig.lint.json says why); each project's own environment is typecheck's.
        project: ['./tsconfig.lint.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A promise nobody awaits loses its error: the class of bug that loses uploads. tap tracks its own subtests.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: ['@tapjs/core', '@tapjs/test'].map((tapPackage) => ({
            from: 'package',
            name: ['test', 'teardown'],
            package: tapPackage,
          })),
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Fastify plugins and tap tests are async functions by convention, awaiting or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The browser packages run in browsers. Their type check cannot catch a Node.js global: node-put.ts (the web
    // client's Node transport) brings Node's types into the web client's program, and tsconfig.lint.json has them all.
    files: ['web-client/src/**/*.ts', 'react/src/**/*.{ts,tsx}', 'uppy/src/**/*.ts'],
    ignores: ['web-client/src/node-put.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['Buffer', 'process', 'global', 'require', 'module', '__dirname', '__filename'],
        ...['setImmediate', 'clearImmediate'],
      ],
    },
  },
  {
    // Tests read untyped JSON answers (`response.json().error.code`): that is what they check.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
)
