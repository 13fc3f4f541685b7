#!/usr/bin/env node
// npm run demo: opens the bundled example Gin project in VS Code with Gopher Reload loaded and
// hot reload on. Desktop VS Code when `code` is on PATH; otherwise VS Code Server (the test host,
// installed offline on first use) at a printed local URL, to open in any browser.
// `npm run demo:cli` runs the same project with the gopher-reload CLI instead.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, isFree } from '../support/index.mjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = path.join(root, 'test', 'fixtures', 'gin-api');

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const appPort = process.env.PORT ?? ((await isFree(8080)) ? 8080 : await freePort());
const settings = { 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(appPort) } };

const hasCode = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['code'], { stdio: 'ignore' }).status === 0;
if (hasCode && !process.env.GOPHER_RELOAD_DEMO_SERVER) {
  // A throwaway user-data-dir carries the demo settings, so the user's own VS Code is untouched.
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-demo-'));
  fs.mkdirSync(path.join(udd, 'User'), { recursive: true });
  fs.writeFileSync(path.join(udd, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  console.log(`Opening ${project} in VS Code with Gopher Reload; the app will answer on http://localhost:${appPort}`);
  spawnSync('code', ['--user-data-dir', udd, `--extensionDevelopmentPath=${root}`, '--new-window', project], { stdio: 'inherit' });
  process.exit(0);
}

const { ensureCodeServer } = await import('../host/install.mjs');
const { startCodeServer, workbenchUrl } = await import('../host/codeServer.mjs');
console.log('No `code` on PATH: using VS Code Server (installed on first use, about a minute).');
await ensureCodeServer();
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-demo-'));
const server = await startCodeServer({ runDir, settings });
const url = workbenchUrl({ port: server.port, folder: project, extensionDevelopmentPath: root });
console.log(`
  VS Code with Gopher Reload:  ${url}
  The example Gin app:         http://localhost:${appPort}

Open the first link in a browser. The status bar shows the server; edit handlers/message.go and
save to see it reload, or break it to see the error in Problems. Ctrl-C here stops everything.
`);
// Ctrl-C: the harness stops VS Code Server gracefully (Gopher Reload's deactivate() stops the app).
process.on('exit', () => fs.rmSync(runDir, { recursive: true, force: true }));
