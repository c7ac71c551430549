// The first half of `npm run lint` (knip.jsonc is the second): eslint with
// typescript-eslint's recommended rules over every TypeScript file and script
// in the tree, with unused variables, imports, parameters and caught errors as
// errors so that dead code fails `npm test` instead of piling up. The rules
// run without type information, which keeps lint quick on a small machine;
// `npm run typecheck` already does the type-aware checking.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'bench/results/'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          caughtErrors: 'all',
          ignoreRestSiblings: true,
          // A leading underscore marks a parameter a signature needs but the
          // body does not (a callback's first argument, an interface method).
          argsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // Tests read raw JSON-RPC replies and documents whose shape is what they
    // assert; typing each one would repeat shared/api.ts without checking more.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
