#!/usr/bin/env node
// The packaged extension, as a user gets it: the `npm run package` command builds the .vsix from the
// allow-list, VS Code Server installs it (--install-extension), and a Go workspace opened in the
// workbench activates it and runs the server. Prints "vsix: N passed, N failed, N skipped".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from '../host/install.mjs';
import { openWorkbench, STATUSBAR } from '../host/screenshot.mjs';
import { freePort, getBody as get } from '../support/index.mjs';
import { checkPlan } from '../support/checks.mjs';
import { zipEntries } from '../../scripts/zip-entries.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-vsix-'));
const plan = checkPlan('vsix');
const refused = plan.add('npm run package -- --release refuses while a Marketplace link is a placeholder, naming each one');
const packaged = plan.add(
  'npm run package builds a .vsix of the extension, the CLI, the manifest in both languages, l10n/ and the pictures it shows; no sources, tests, maps or docs',
);
// Measured 758 KiB on 2026-11-30 (the six walkthrough screenshots are 540 KiB of it); about 35% headroom.
const BUDGET = 1024 * 1024;
const small = plan.add(`the .vsix is under its size budget of ${BUDGET / 1024} KiB`);
const installed = plan.add('VS Code Server installs it with --install-extension');
const activated = plan.add('the installed extension activates on a Go workspace and runs the server');

/**
 * What is wrong with the .vsix's entry list: junk a user should never download (sources, tests,
 * fixtures, source maps, build output, docs, the test host), anything outside the allow-list, and
 * anything the extension needs at run time that is missing.
 */
function vsixProblems(entries) {
  const files = entries.filter((e) => e.startsWith('extension/') && !e.endsWith('/')).map((e) => e.slice('extension/'.length));
  const junk = /(^|\/)(src|test|fixtures|out|node_modules|\.vscode-test|docs|scripts|\.git|\.github)\/|\.map$|\.ts$|\.vsix$/;
  const allowed =
    /^(package\.json|package\.nls(\.[\w-]+)?\.json|readme\.md|changelog\.md|LICENSE\.txt|dist\/(extension|cli|reaper)\.js|media\/[\w-]+\.png|l10n\/bundle\.l10n(\.[\w-]+)?\.json)$/;
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const l10nDir = path.join(root, 'l10n');
  const need = [
    'package.json',
    'package.nls.json',
    'package.nls.zh-cn.json',
    'dist/extension.js',
    'dist/cli.js',
    'dist/reaper.js',
    pkg.icon,
    ...pkg.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.image)),
    ...(fs.existsSync(l10nDir)
      ? fs
          .readdirSync(l10nDir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => `l10n/${f}`)
      : []),
  ];
  return [
    ...files.filter((f) => junk.test(f)).map((f) => `${f} should not ship (sources, tests, maps and docs stay out of the .vsix)`),
    ...files
      .filter((f) => !junk.test(f) && !allowed.test(f))
      .map((f) => `${f} is not on the list of what ships: add it to .vscodeignore's allow-list and to this test, or keep it out`),
    ...need.filter((f) => !files.includes(f)).map((f) => `${f} is missing from the .vsix (the extension needs it)`),
  ];
}

if (process.platform !== 'linux') process.exit(plan.summary()); // every check skipped, none failed
const vsix = path.join(work, 'gopher-reload.vsix');
const runDir = path.join(work, 'run');
let wb;
await plan.section('the packaged extension in VS Code Server', async () => {
  const { entry } = await ensureCodeServer();
  await refused(async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const fields = { 'repository.url': pkg.repository?.url, 'bugs.url': pkg.bugs?.url, homepage: pkg.homepage };
    const unfilled = Object.keys(fields).filter((k) => /PLACEHOLDER/.test(fields[k] ?? 'PLACEHOLDER'));
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'package.mjs'), '--release', '--out', vsix], { cwd: root, encoding: 'utf8' });
    if (unfilled.length === 0) return; // real links: --release packages, which the check below does anyway
    if (r.status !== 1) throw new Error(`--release exited ${r.status} with placeholders in ${unfilled.join(', ')}`);
    for (const f of unfilled) if (!r.stderr.includes(`${f}: `)) throw new Error(`--release did not name ${f}:\n${r.stderr}`);
    if (fs.existsSync(vsix)) throw new Error('--release refused, yet wrote a .vsix');
    // vsce deletes its out file first: a typo such as --out package.json must cost nothing.
    const keep = path.join(work, 'keep.json');
    fs.writeFileSync(keep, '{"mine": true}');
    const typo = spawnSync(process.execPath, [path.join(root, 'scripts', 'package.mjs'), '--out', keep], { cwd: root, encoding: 'utf8' });
    if (typo.status !== 2 || fs.readFileSync(keep, 'utf8') !== '{"mine": true}') throw new Error(`--out keep.json: exit ${typo.status}, ${typo.stderr}`);
  });
  await packaged(async () => {
    // What `npm run package` runs, with the .vsix written to this test's folder.
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'package.mjs'), '--out', vsix], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
    if (!/gopher-reload\.vsix: [\d.]+ KiB, \d+ files/.test(r.stdout)) throw new Error(`no size line in:\n${r.stdout.slice(-500)}`);
    const problems = vsixProblems(zipEntries(vsix));
    if (problems.length) throw new Error(problems.join('\n'));
  });
  await small(async () => {
    const size = fs.statSync(vsix).size;
    if (size > BUDGET) throw new Error(`the .vsix is ${(size / 1024).toFixed(0)} KiB, over its ${BUDGET / 1024} KiB budget: what grew?`);
  });
  await installed(async () => {
    fs.mkdirSync(path.join(runDir, 'udd'), { recursive: true });
    const r = spawnSync(
      process.execPath,
      [entry, '--extensions-dir', path.join(runDir, 'exts'), '--user-data-dir', path.join(runDir, 'udd'), '--install-extension', vsix],
      { encoding: 'utf8', env: { ...process.env, HOME: work } },
    );
    if (!/successfully installed/.test(r.stdout + r.stderr)) throw new Error(`install said:\n${r.stdout}\n${r.stderr}`);
  });
  const port = await freePort();
  const folder = path.join(work, 'ws');
  fs.cpSync(path.join(root, 'test', 'fixtures', 'nethttp'), folder, { recursive: true });
  fs.mkdirSync(path.join(folder, '.vscode'));
  fs.writeFileSync(
    path.join(folder, '.vscode', 'settings.json'),
    JSON.stringify({ 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(port) } }),
  );
  await activated(async () => {
    wb = await openWorkbench({ folder, runDir, keepRunDir: true });
    const deadline = Date.now() + 90_000;
    let items = [];
    while (Date.now() < deadline) {
      items = await wb.page.$$eval(`${STATUSBAR} .statusbar-item`, (els) => els.map((e) => e.innerText.trim()));
      if (items.some((t) => t.includes(`:${port}`)) && (await get(port)) === 'nethttp v1') return;
      await wb.page.waitForTimeout(200);
    }
    throw new Error(`status bar: ${JSON.stringify(items)}; server: ${await get(port)}`);
  });
});
await wb?.close();
fs.rmSync(work, { recursive: true, force: true });
process.exit(plan.summary());
