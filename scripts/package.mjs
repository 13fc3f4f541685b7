#!/usr/bin/env node
// npm run package: builds gopher-reload.vsix with vsce (which runs vscode:prepublish, the production
// build), then says how big it is and how many files it holds.
//   --out <file>  write the .vsix there (default gopher-reload.vsix in the project folder)
//   --release     for publishing: refuse, before building, while a Marketplace link in package.json
//                 is still a placeholder. A local .vsix is fine with placeholders; a published one is not.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { zipEntries } from './zip-entries.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const fail = (m) => {
  console.error(`npm run package: ${m}`);
  process.exit(2);
};
const outAt = args.indexOf('--out');
if (outAt >= 0 && !args[outAt + 1]) fail('--out needs a file name, for example --out dist/gopher-reload.vsix');
for (const [i, a] of args.entries())
  if ((outAt < 0 || i !== outAt + 1) && a !== '--out' && a !== '--release') fail(`unknown argument "${a}" (known: --out <file>, --release)`);
const out = outAt >= 0 ? path.resolve(args[outAt + 1]) : path.join(root, 'gopher-reload.vsix');
// vsce deletes the out file before writing it: never let a typo (--out package.json) cost a file.
if (!out.endsWith('.vsix')) fail(`--out ${args[outAt + 1]}: the file name must end in .vsix`);
if (fs.existsSync(out) && !fs.lstatSync(out).isFile()) fail(`--out ${args[outAt + 1]}: exists and is not a regular file`);
const release = args.includes('--release');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Marketplace fields whose value still holds the PLACEHOLDER marker, as "field: value". */
function placeholders(manifest) {
  // npm allows a string for repository ("github:owner/name") and bugs ("https://…") too.
  const url = (v) => (typeof v === 'string' ? v : v?.url);
  const fields = { 'repository.url': url(manifest.repository), 'bugs.url': url(manifest.bugs), homepage: manifest.homepage };
  return Object.entries(fields)
    .filter(([, v]) => typeof v !== 'string' || /PLACEHOLDER/i.test(v))
    .map(([k, v]) => `${k}: ${v ?? '(missing)'}`);
}

const unfilled = placeholders(pkg);
if (release && unfilled.length) {
  console.error(
    [
      'npm run package -- --release: package.json still has placeholder Marketplace links; the Marketplace page would point nowhere.',
      ...unfilled.map((f) => `  ${f}`),
      "Put the real repository's URLs there (repository.url, bugs.url, homepage), then run it again.",
    ].join('\n'),
  );
  process.exit(1);
}

const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--no-gitHubIssueLinking', '--readme-path', 'dist/README.md', '--out', out], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);

const files = zipEntries(out).filter((e) => e.startsWith('extension/') && !e.endsWith('/'));
const kb = (fs.statSync(out).size / 1024).toFixed(1);
console.log(`${path.relative(process.cwd(), out) || out}: ${kb} KiB, ${files.length} files`);
if (unfilled.length)
  console.log(
    `Marketplace links are placeholders (${unfilled.map((f) => f.split(':')[0]).join(', ')}): fine for installing this .vsix, but \`npm run package -- --release\` refuses until they are filled.`,
  );
