#!/usr/bin/env node
// Gopher Reload in Chinese, in the real VS Code workbench (VS Code Server with --locale zh-cn and a
// stand-in language pack, see test/host/langpack.mjs; Chromium): the extension host's display
// language, the status bar and its tooltip while running, a broken save typed through the editor
// ("构建失败 (1)" and a Chinese tooltip), a screenshot for the README, our commands in the command
// palette (package.nls.zh-cn.json), nothing left running.
// VS Code's own UI stays English (the stand-in pack translates nothing of VS Code); only our strings
// are Chinese. Screenshot: media/zh-cn-build-failed.png when GOPHER_RELOAD_SCREENSHOTS=1 or when
// that file is missing, otherwise into the temp folder.
// Prints "locale: N passed, N failed, N skipped".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { installExtensionFolder } from '../host/extensionInstall.mjs';
import { ensureCodeServer } from '../host/install.mjs';
import { startCodeServer, workbenchUrl, launchBrowser } from '../host/codeServer.mjs';
import { STATUSBAR } from '../host/screenshot.mjs';
import { freePort, getBody as get, processesUnder } from '../support/index.mjs';
import { checkPlan } from '../support/checks.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-locale-'));
const readmeShot = path.join(root, 'media', 'zh-cn-build-failed.png');
const shot = process.env.GOPHER_RELOAD_SCREENSHOTS === '1' || !fs.existsSync(readmeShot) ? readmeShot : path.join(work, 'zh-cn-build-failed.png');
const CJK = /[\u4e00-\u9fff]/;

const plan = checkPlan('locale');
const language = plan.add('with --locale zh-cn, vscode.env.language in the extension host is "zh-cn"');
const running = plan.add('running: the status bar shows the port, and its tooltip is Chinese ("运行于 http://localhost:PORT")');
const failed = plan.add('a broken save typed in the editor: the status bar says "构建失败 (1)"');
const failedTip = plan.add('its hover tooltip is Chinese ("构建失败，有 1 个问题", the previous server keeps serving) and names the Go error');
const screenshot = plan.add('screenshot: the Chinese build-failed tooltip over the status bar, Problems open (1280×720)');
const palette = plan.add('the command palette lists our commands in Chinese ("Gopher Reload: 开启/关闭热重载", package.nls.zh-cn.json)');
const nothingLeft = plan.add('closing the window leaves no process running: neither the Go server nor VS Code Server');

if (process.platform !== 'linux') process.exit(plan.summary()); // every check skipped, none failed

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

/** Hovers the status bar item whose text matches `re` and returns its hover's text. */
async function hoverText(page, re) {
  await page.mouse.move(640, 300); // away first, so an open hover closes and the next one is fresh
  await page.waitForTimeout(300);
  await page.locator(`${STATUSBAR} .statusbar-item`, { hasText: re }).first().hover();
  const hover = page.locator('.monaco-hover:visible, .workbench-hover:visible').last();
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  await page.waitForTimeout(300); // the markdown renders after the box appears
  return hover.innerText();
}

/** Opens a file with Quick Open and replaces its whole text by typing, then saves (as ui.mjs). */
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

/**
 * A second extension that writes what the extension host reports as its display language: the
 * direct answer to "is VS Code in Chinese", independent of our own strings. Installed into the
 * run's extensions dir, not passed as a second development path (only the last one would load:
 * see extensionInstall.mjs).
 */
function installLanguageProbe({ entry, runDir, out }) {
  const dir = path.join(work, 'probe');
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'locale-probe',
    publisher: 'gopher-reload-tests',
    version: '0.0.1',
    engines: { vscode: '^1.100.0' },
    main: './extension.js',
    activationEvents: ['*'],
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  fs.writeFileSync(
    path.join(dir, 'extension.js'),
    `const vscode = require('vscode');\nexports.activate = () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ language: vscode.env.language }));\n`,
  );
  const udd = path.join(runDir, 'udd');
  installExtensionFolder({ dir, entry, runDir: work, udd, exts: path.join(runDir, 'exts'), env: { ...process.env, HOME: work } });
}

const port = await freePort();
const folder = path.join(work, 'gin-api');
let server, browser;
await plan.section('the gin-api workbench in Chinese', async () => {
  const { entry } = await ensureCodeServer();
  fs.cpSync(path.join(root, 'test', 'fixtures', 'gin-api'), folder, { recursive: true });
  fs.mkdirSync(path.join(folder, '.vscode'));
  const settings = { 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 };
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  const runDir = path.join(work, 'run');
  const probeOut = path.join(work, 'language.json');
  installLanguageProbe({ entry, runDir, out: probeOut });
  const original = fs.readFileSync(path.join(folder, 'handlers', 'message.go'), 'utf8');

  [server, browser] = await Promise.all([startCodeServer({ runDir, locale: 'zh-cn' }), launchBrowser()]);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(workbenchUrl({ port: server.port, folder, extensionDevelopmentPath: root }), { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector(STATUSBAR, { state: 'visible', timeout: 60_000 });

  await language(async () => {
    for (const t0 = Date.now(); !fs.existsSync(probeOut); await page.waitForTimeout(200)) {
      if (Date.now() - t0 > 60_000) throw new Error('the probe extension never activated');
    }
    const { language: lang } = JSON.parse(fs.readFileSync(probeOut, 'utf8'));
    if (lang !== 'zh-cn') throw new Error(`vscode.env.language is ${JSON.stringify(lang)}`);
  });
  await running(async () => {
    await waitStatus(page, new RegExp(`:${port}\\b`));
    if ((await get(port)) !== 'Hello from Gin v1') throw new Error('the server does not answer v1');
    const tip = await hoverText(page, new RegExp(`:${port}\\b`));
    if (!tip.includes(`运行于 http://localhost:${port}`)) throw new Error(`the tooltip reads: ${JSON.stringify(tip)}`);
  });
  await failed(async () => {
    await typeFile(page, 'message.go', original.replace('const Message = "Hello from Gin v1"', 'const Message = "Hello from Gin v2" + missingName'));
    await waitStatus(page, /构建失败 \(1\)/);
  });
  await failedTip(async () => {
    await page.keyboard.press('Control+Shift+M');
    await page.waitForSelector('.markers-panel .monaco-list-row', { state: 'visible', timeout: 30_000 });
    const tip = await hoverText(page, /构建失败/);
    for (const want of ['构建失败，有 1 个问题', '问题面板', '之前的服务器继续提供服务', 'undefined: missingName']) {
      if (!tip.includes(want)) throw new Error(`the tooltip lacks ${JSON.stringify(want)}: ${JSON.stringify(tip)}`);
    }
    // Every sentence of ours is translated: no English sentence left apart from Go's own message
    // and the command links' names checked above.
    const english = tip.split('\n').filter((l) => /\b(the|is|was|with|see|and)\b/i.test(l) && !l.includes('missingName') && !CJK.test(l));
    if (english.length) throw new Error(`English left in the tooltip: ${JSON.stringify(english)}`);
    if ((await get(port)) !== 'Hello from Gin v1') throw new Error('the old server stopped answering');
  });
  await screenshot(async () => {
    // Without a CJK font Chromium draws every Chinese character as a box: a README picture of boxes.
    const fonts = spawnSync('fc-list', [':lang=zh-cn', 'family'], { encoding: 'utf8' }).stdout ?? '';
    if (!fonts.trim()) throw new Error('no Chinese font installed (fc-list :lang=zh-cn is empty): apt-get install -y fonts-noto-cjk');
    // The tooltip is still open from the last check.
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });
    if (fs.statSync(shot).size < 10_000) throw new Error(`${shot} is too small to hold the workbench`);
  });
  await palette(async () => {
    // The workbench (not the extension host) translates the manifest, with the browser's language.
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget', { state: 'visible' });
    await page.keyboard.type('Gopher Reload');
    const rows = () => page.$$eval('.quick-input-list .monaco-list-row', (els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
    let seen = [];
    for (const t0 = Date.now(); Date.now() - t0 < 10_000; await page.waitForTimeout(200)) {
      seen = await rows();
      if (seen.some((r) => r.includes('Gopher Reload: 开启/关闭热重载'))) break;
    }
    await page.keyboard.press('Escape');
    if (!seen.some((r) => r.includes('Gopher Reload: 开启/关闭热重载'))) {
      const nls = fs.existsSync(path.join(root, 'package.nls.zh-cn.json')) ? '' : ' (there is no package.nls.zh-cn.json)';
      throw new Error(`the palette lists${nls}: ${JSON.stringify(seen)}`);
    }
  });
});

// Graceful first (deactivate() stops the Go server), then the browser; then nothing may be left.
await server?.stop();
await browser?.close().catch(() => {});
await nothingLeft(async () => {
  await new Promise((r) => setTimeout(r, 500));
  const left = processesUnder(work); // the Go server, and code-server with its extension host (their run dir is in work)
  for (const p of left)
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
  if (left.length) throw new Error(`left behind: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
}).catch(() => undefined); // counted by the check
// Keep only a screenshot that went to the temp folder (it is printed), nothing else of the run.
for (const name of fs.readdirSync(work)) if (path.join(work, name) !== shot) fs.rmSync(path.join(work, name), { recursive: true, force: true });
if (shot === readmeShot || !fs.existsSync(shot)) fs.rmSync(work, { recursive: true, force: true });
else console.log(`  (screenshot: ${shot}; GOPHER_RELOAD_SCREENSHOTS=1 writes ${path.relative(root, readmeShot)})`);
process.exit(plan.summary());
