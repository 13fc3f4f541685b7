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

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-vsix-'));
const plan = checkPlan('vsix');
const packaged = plan.add('npm run package builds a .vsix holding only the allow-listed files');
const installed = plan.add('VS Code Server installs it with --install-extension');
const activated = plan.add('the installed extension activates on a Go workspace and runs the server');

if (process.platform !== 'linux') process.exit(plan.summary()); // every check skipped, none failed
const vsix = path.join(work, 'gopher-reload.vsix');
const runDir = path.join(work, 'run');
let wb;
await plan.section('the packaged extension in VS Code Server', async () => {
  const { entry } = await ensureCodeServer();
  await packaged(async () => {
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/@vscode/vsce/vsce'),
        'package',
        '--no-dependencies',
        '--allow-missing-repository',
        '--readme-path',
        'dist/README.md',
        '--out',
        vsix,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`vsce failed:\n${r.stdout}\n${r.stderr}`);
    const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.startsWith('extension/'))
      .sort();
    const want = [
      'extension/LICENSE.txt',
      'extension/changelog.md',
      'extension/dist/cli.js',
      'extension/dist/extension.js',
      'extension/dist/reaper.js',
      'extension/media/icon.png',
      'extension/package.json',
      'extension/readme.md',
    ];
    if (JSON.stringify(list) !== JSON.stringify(want)) throw new Error(`vsix holds ${JSON.stringify(list)}`);
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
