#!/usr/bin/env node
// What a person sees, in the real VS Code workbench (VS Code Server + Chromium): the status bar
// while running, a broken save in the status bar and the Problems panel, and the reload after the
// fix. Edits are typed through the editor like a person would. Screenshots go to media/ when
// GOPHER_RELOAD_SCREENSHOTS=1 (to refresh the README's pictures), otherwise to a temp folder.
// Prints "ui: N passed, N failed, N skipped".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from '../host/install.mjs';
import { openWorkbench, STATUSBAR } from '../host/screenshot.mjs';
import { checks, freePort, getBody as get } from '../support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-ui-'));
const shots = process.env.GOPHER_RELOAD_SCREENSHOTS === '1' ? path.join(root, 'media') : work;
const { check, summary } = checks();

const statusItems = (page) => page.$$eval(`${STATUSBAR} .statusbar-item`, (els) => els.map((e) => e.innerText.trim()).filter(Boolean));
async function waitStatus(page, re, timeout = 90_000) {
  const deadline = Date.now() + timeout;
  let items = [];
  while (Date.now() < deadline) {
    items = await statusItems(page);
    const hit = items.find((t) => re.test(t));
    if (hit) return hit;
    await page.waitForTimeout(100);
  }
  throw new Error(`status bar never matched ${re}; it shows: ${JSON.stringify(items)}`);
}

/** Opens a file with Quick Open and replaces its whole text by typing, then saves (Ctrl+S). */
async function typeFile(page, name, text) {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget', { state: 'visible' });
  await page.keyboard.type(name);
  await page.waitForTimeout(500);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .view-lines', { state: 'visible' });
  await page.waitForTimeout(300);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Control+S');
}

if (process.platform !== 'linux') {
  console.log('ui: 0 passed, 0 failed, 1 skipped');
  process.exit(0);
}
await ensureCodeServer();
const port = await freePort();
const folder = path.join(work, 'gin-api');
fs.cpSync(path.join(root, 'test', 'fixtures', 'gin-api'), folder, { recursive: true });
fs.mkdirSync(path.join(folder, '.vscode'));
fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }, null, 2));
const messageFile = path.join(folder, 'handlers', 'message.go');
const original = fs.readFileSync(messageFile, 'utf8');

let wb;
try {
  wb = await openWorkbench({ extensionDevelopmentPath: root, folder, viewport: { width: 1280, height: 720 } });
  const { page } = wb;
  await check(`the status bar shows the Gin server running on :${port}`, async () => {
    await waitStatus(page, new RegExp(`:${port}`));
    if ((await get(port)) !== 'Hello from Gin v1') throw new Error('server does not answer v1');
    await page.screenshot({ path: path.join(shots, 'status-running.png') });
  });
  await check('a broken save shows "Build failed (1)" and the Go error in the Problems panel', async () => {
    await typeFile(page, 'message.go', original.replace('const Message = "Hello from Gin v1"', 'const Message = "Hello from Gin v2" + missingName'));
    await waitStatus(page, /Build failed \(1\)/);
    await page.keyboard.press('Control+Shift+M');
    await page.waitForSelector('.markers-panel .monaco-list-row', { state: 'visible', timeout: 30_000 });
    const rows = await page.$$eval('.markers-panel .monaco-list-row', (els) => els.map((e) => e.innerText));
    if (!rows.some((r) => r.includes('undefined: missingName'))) throw new Error(`Problems shows: ${JSON.stringify(rows)}`);
    if (!rows.some((r) => /go build/.test(r))) throw new Error(`no "go build" source in: ${JSON.stringify(rows)}`);
    if ((await get(port)) !== 'Hello from Gin v1') throw new Error('the old server stopped answering');
    await page.screenshot({ path: path.join(shots, 'build-failed.png') });
  });
  await check('fixing it reloads: "reloaded in N ms", the new code answers, Problems is empty', async () => {
    await typeFile(page, 'message.go', original.replace('Gin v1', 'Gin v2'));
    await waitStatus(page, /reloaded in \d+ ms/);
    if ((await get(port)) !== 'Hello from Gin v2') throw new Error('server does not answer v2');
    await page.waitForFunction(() => !document.querySelector('.markers-panel .monaco-list-row'), null, { timeout: 30_000 });
    await page.hover(`${STATUSBAR} .statusbar-item:has-text("reloaded in")`);
    await page.waitForTimeout(1200);
    await page.screenshot({ path: path.join(shots, 'reloaded-tooltip.png') });
  });
} catch {
  // counted by check()
} finally {
  await wb?.close();
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(summary('ui', 3));
