#!/usr/bin/env node
// The same integration suite in desktop VS Code through @vscode/test-electron, for machines that
// can download VS Code (or set VSCODE_EXECUTABLE to an installed one). Not part of `npm test`
// here: this machine has no route to the VS Code download servers. Run with
//   GOPHER_RELOAD_DESKTOP=1 node test/integration/desktop.mjs
// Prints "desktop: N passed, N failed, N skipped".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { freePort } from '../support/index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-desktop-'));
const totals = { passed: 0, failed: 0 };
for (const scenario of ['go', 'plain']) {
  const ws = path.join(work, scenario);
  const port = await freePort();
  if (scenario === 'go') {
    fs.cpSync(path.join(root, 'test', 'fixtures', 'nethttp'), ws, { recursive: true });
    fs.mkdirSync(path.join(ws, '.vscode'));
    fs.writeFileSync(
      path.join(ws, '.vscode', 'settings.json'),
      JSON.stringify({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }),
    );
  } else {
    fs.mkdirSync(ws, { recursive: true });
  }
  const results = path.join(work, `${scenario}.json`);
  try {
    await runTests({
      version: '1.100.3',
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(work, `udd-${scenario}`)],
      extensionTestsEnv: { GOPHER_RELOAD_SCENARIO: scenario, GOPHER_RELOAD_PORT: String(port), GOPHER_RELOAD_TEST_RESULTS: results },
    });
  } catch (e) {
    console.error(`desktop scenario ${scenario}: ${e?.message ?? e}`);
  }
  const r = fs.existsSync(results) ? JSON.parse(fs.readFileSync(results, 'utf8')) : { passed: 0, failed: 1 };
  totals.passed += r.passed;
  totals.failed += r.failed;
}
fs.rmSync(work, { recursive: true, force: true });
console.log(`desktop: ${totals.passed} passed, ${totals.failed} failed, 0 skipped`);
process.exit(totals.failed ? 1 : 0);
