// Bundles the CLI and the extension entry into dist/ (CommonJS, Node).
// `vscode` stays external: the extension host provides it at run time.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints errors as file:line:col so a problem matcher can pick them up. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

// Three programs: the CLI, the extension, and the reaper the other two start (src/reaper).
const entries = [
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/extension/main.ts', out: 'extension' },
  { in: 'src/reaper/main.ts', out: 'reaper' },
];
// A missing entry is a build error, never a silently missing program (a reaper that is not
// there would leave servers behind when VS Code is killed).
const missing = entries.filter((e) => !existsSync(e.in));
if (missing.length) {
  console.error(`✘ [ERROR] entry point missing: ${missing.map((e) => e.in).join(', ')}`);
  process.exit(1);
}

const ctx = await esbuild.context({
  entryPoints: entries,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [problemMatcherPlugin],
});

if (production) {
  // The packaged README: the marketplace and VS Code's extension page cannot show images that are
  // relative paths in a repository we do not publish, so they are replaced by their alt text.
  mkdirSync('dist', { recursive: true });
  const readme = readFileSync('README.md', 'utf8')
    .replace(/^!\[([^\]]*)\]\([^)]*\)$/gm, '*($1: see the screenshots in the project repository.)*')
    // Links to files of the repository (docs/ARCHITECTURE.md) cannot resolve either: name the file.
    .replace(/\[([^\]]+)\]\((?!https?:|#|mailto:|vscode:)([^)\s]+)\)/g, '$1 (`$2` in the project repository)');
  writeFileSync('dist/README.md', readme);
}

if (watch) {
  await ctx.watch();
} else {
  await ctx.rebuild();
  await ctx.dispose();
}
