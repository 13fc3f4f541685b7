// Lint rules that keep the architecture visible (docs/ARCHITECTURE.md): who may import what, no
// import cycles, no promise dropped by accident. Style is Prettier's job, not this file's.
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

const VSCODE = {
  name: 'vscode',
  message: 'src/core, src/cli, src/reaper and the pure views never import vscode: the engine runs in plain Node (the CLI, the tests).',
};
// The adapters see the engine only through core/index.ts, so its surface is one file to read.
const CORE_INSIDE = {
  group: ['**/core/*/**', '**/core/*/*'],
  message: 'Adapters import only core/index.ts (import from "../core"); export what you need there.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test/**', '*.mjs', '*.js'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: {
      // import-x must parse the imported .ts files too, or no-cycle sees no edges and passes silently.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      // A promise nobody awaits loses its rejection; `void p` says it is dropped on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The engine knows no front end: it is told of changes and emits states.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [VSCODE], patterns: [{ regex: '^(\\.\\./)+(extension|cli|reaper)(/|$)', message: 'src/core never imports an adapter or the reaper.' }] },
      ],
    },
  },
  {
    // The VS Code adapter may import vscode, but sees the engine only through core/index.ts.
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CORE_INSIDE] }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [VSCODE], patterns: [CORE_INSIDE] }] },
  },
  {
    // The pure views (after the adapter block: the later block wins for these two files).
    files: ['src/extension/statusView.ts', 'src/extension/summaryView.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [VSCODE], patterns: [CORE_INSIDE] }] },
  },
  {
    // The reaper outlives the engine and must stay tiny: only the process scan.
    files: ['src/reaper/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [VSCODE],
          patterns: [{ regex: '^\\.\\./(?!core/run/procScan$)', message: 'The reaper imports only core/run/procScan.' }],
        },
      ],
    },
  },
);
