// Flat config. Besides the usual TypeScript rules it enforces Baleen's layering (DESIGN §1–2):
// - `electron` is imported only under src-main/electron/;
// - src-shared/ and src-renderer/ use no node:* (nor bare Node built-ins);
// - a renderer feature is imported only through its index.ts;
// - nothing outside src-renderer reaches into it, and the renderer never reaches into src-main;
// - BSON comes from src-main/core/bson/bson.ts (the driver's instance), never `bson` itself.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const noElectron = { name: 'electron', message: 'electron may be imported only under src-main/electron/ (DESIGN §1).' };
const noBson = { name: 'bson', message: "Import BSON from src-main/core/bson/bson.ts: the driver's own instance, never a second copy." };
const noNodeMsg = 'src-shared and src-renderer run anywhere: no Node built-ins.';
const noNode = [{ group: ['node:*'], message: noNodeMsg }];
const noNodePaths = nodeBuiltins.map((name) => ({ name, message: noNodeMsg }));
const noMainFromOutside = { group: ['**/src-main/**', '../src-main/**'], message: 'Only the Node side may import src-main.' };
const noEval = [
  { selector: "CallExpression[callee.name='eval']", message: 'Never eval.' },
  { selector: "NewExpression[callee.name='Function']", message: 'Never new Function.' },
];
const featureDeep = {
  group: ['**/features/*/*', '!**/features/*/index', '!**/features/*/index.ts'],
  message: 'Import a renderer feature only through its index.ts.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**', 'playwright-report/**', '.electron-native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { paths: [noElectron, noBson] }],
      'no-restricted-syntax': ['error', ...noEval],
    },
  },
  {
    files: ['src-main/core/bson/bson.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    files: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': 'off',
      'no-restricted-syntax': [
        'error',
        ...noEval,
        // SEC-E2: windows are made by createWindow() only.
        { selector: "NewExpression[callee.name='BrowserWindow']", message: 'Use createWindow() (SEC-E2).' },
        { selector: "NewExpression[callee.name='WebContentsView']", message: 'Use createWindow() (SEC-E2).' },
      ],
    },
  },
  {
    files: ['src-main/electron/create-window.ts'],
    rules: { 'no-restricted-syntax': ['error', ...noEval] },
  },
  {
    files: ['src-preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src-shared/**'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noNodePaths], patterns: [...noNode, noMainFromOutside, { group: ['**/src-renderer/**'], message: 'src-shared depends on nothing else.' }] }] },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { paths: [noElectron, ...noNodePaths], patterns: [...noNode, noMainFromOutside, featureDeep] }],
      'no-restricted-syntax': [
        'error',
        ...noEval,
        { selector: 'JSXAttribute[name.name="dangerouslySetInnerHTML"]', message: 'Text nodes only (FUZZ criterion e).' },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.test.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noNodePaths], patterns: [...noNode, noMainFromOutside] }] },
  },
);
