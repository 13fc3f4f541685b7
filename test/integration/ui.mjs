#!/usr/bin/env node
// What a person sees, in the real VS Code workbench (VS Code Server + Chromium): the status bar
// while running, a broken save in the status bar and the Problems panel, and the reload after the
// fix; then the Gin Routes view and a recovered panic in Problems; then several services summed up
// in one status bar item with a table of them in its tooltip. Edits are typed through the editor
// like a person would. Screenshots go to media/ when GOPHER_RELOAD_SCREENSHOTS=1 (to refresh the
// README's pictures), otherwise to a temp folder.
// Prints "ui: N passed, N failed, N skipped": the total is the number of checks registered below,
// and anything that fails outside a check (code-server, a workbench that never opens) is a failure.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from '../host/install.mjs';
import { spawn } from 'node:child_process';
import { launchBrowser } from '../host/codeServer.mjs';
import { openWorkbench, STATUSBAR } from '../host/screenshot.mjs';
import { freePort, getBody as get, processesUnder } from '../support/index.mjs';
import { checkPlan } from '../support/checks.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-ui-'));
const shots = process.env.GOPHER_RELOAD_SCREENSHOTS === '1' ? path.join(root, 'media') : work;

// Every check, registered before anything runs: the summary's total is this list.
const plan = checkPlan('ui');
const statusRunning = plan.add('the status bar shows the Gin server running on its port');
const brokenSave = plan.add('a broken save shows "Build failed (1)" and the Go error in the Problems panel');
const fixReloads = plan.add('fixing it reloads: "reloaded in N ms", the new code answers, Problems is empty');
const routesView = plan.add('the "Gin Routes" view in the Explorer lists GET /boom and GET /users/:id');
const panicProblem = plan.add('a panic Gin recovered on GET /boom is in Problems ("index out of range [5] with length 3", source "panic")');
const oneSummary = plan.add('several services: ONE status bar item says "2 running, 1 crashed" (no item per service)');
const summaryTable = plan.add('hovering it shows a table of the three servers, crasher "crashing: exit 1"');
const liveReload = plan.add('a page open in Chromium through the proxy reloads itself after a save, shows the build errors, and recovers');
const nothingLeft = plan.add('the CLI stopped its server and the proxy on Ctrl-C: nothing left running');
// ——— Debugging across reloads (issue 14): registered here, run in its own block below. ———
const debugPaused = plan.add(
  'debugging: after a reload the new server stops at the breakpoint set with F9; the status bar says "paused at handlers/general.go:N", the call stack shows handlers.Index',
);
const debugContinue = plan.add('debugging: Continue (F5) answers the held request with the reloaded code');
const debugNothingLeft = plan.add('debugging: closing the window leaves no dlv and no server process');
// ——— The Get Started walkthrough (issue 17 part 4). ———
const walkthroughShown = plan.add('the Get Started walkthrough opens (Welcome: Open Walkthrough…) with its six steps, each with its screenshot');
const walkthroughStep = plan.add('its "Turn on hot reload" link starts the server and ticks the step off');
const walkthroughEvents = plan.add('opening Problems and setting gopherReload.proxyPort tick off their steps, and only those');

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

if (process.platform !== 'linux') process.exit(plan.summary()); // every check skipped, none failed

// The gin-api fixture: running, a broken save, the fix.
await plan.section('the gin-api workbench', async () => {
  await ensureCodeServer();
  const port = await freePort();
  const folder = fixture('gin-api', { 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 });
  const original = fs.readFileSync(path.join(folder, 'handlers', 'message.go'), 'utf8');
  let wb;
  try {
    wb = await openWorkbench({ extensionDevelopmentPath: root, folder, viewport: { width: 1280, height: 720 } });
    const { page } = wb;
    await statusRunning(async () => {
      await waitStatus(page, new RegExp(`:${port}`));
      if ((await get(port)) !== 'Hello from Gin v1') throw new Error('server does not answer v1');
      await page.screenshot({ path: path.join(shots, 'status-running.png') });
    });
    await brokenSave(async () => {
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
    await fixReloads(async () => {
      await typeFile(page, 'message.go', original.replace('Gin v1', 'Gin v2'));
      await waitStatus(page, /reloaded in \d+ ms/);
      if ((await get(port)) !== 'Hello from Gin v2') throw new Error('server does not answer v2');
      await page.waitForFunction(() => !document.querySelector('.markers-panel .monaco-list-row'), null, { timeout: 30_000 });
      await page.hover(`${STATUSBAR} .statusbar-item:has-text("reloaded in")`);
      await page.waitForTimeout(1200);
      await page.screenshot({ path: path.join(shots, 'reloaded-tooltip.png') });
    });
  } finally {
    await wb?.close();
  }
});

/** Copies a fixture into the temp folder with the given .vscode/settings.json. */
function fixture(name, settings) {
  const dir = path.join(work, name);
  fs.cpSync(path.join(root, 'test', 'fixtures', name), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return dir;
}

/** GET http://127.0.0.1:port/path → the status code, or undefined when nothing answers. */
function status(port, urlPath) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Polls fn (→ { ok, seen }) until ok; the error says what was seen last. */
async function until(page, what, fn, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last?.ok) return last;
    await page.waitForTimeout(150);
  }
  throw new Error(`${what}; last seen: ${JSON.stringify(last?.seen ?? last)}`);
}

// Gin routes in the Explorer and a recovered panic in Problems (the panicky fixture).
await plan.section('the panicky workbench', async () => {
  const panickyPort = await freePort();
  const panicky = fixture('panicky', {
    'gopherReload.startOnOpen': true,
    'gopherReload.env': { PORT: String(panickyPort), GIN_MODE: 'debug' },
    'gopherReload.killDelayMs': 500,
  });
  let wb;
  try {
    wb = await openWorkbench({ extensionDevelopmentPath: root, folder: panicky, viewport: { width: 1280, height: 720 } });
    const { page } = wb;
    // The view pane whose header says "Gin Routes", and its tree rows.
    const routesPane = page.locator('.split-view-view .pane', { has: page.locator('.pane-header .title', { hasText: /^Gin Routes$/i }) });
    const routeRows = () => routesPane.locator('.pane-body .monaco-list-row').allInnerTexts();
    await routesView(async () => {
      await waitStatus(page, new RegExp(`:${panickyPort}`));
      await page.keyboard.press('Control+Shift+E');
      const header = routesPane.locator('.pane-header');
      await header.waitFor({ state: 'visible', timeout: 30_000 });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      await until(page, 'the Gin Routes view never showed GET /boom and GET /users/:id', async () => {
        const rows = (await routeRows()).map((r) => r.replace(/\s+/g, ' ').trim());
        return { ok: rows.some((r) => r.includes('GET /boom')) && rows.some((r) => r.includes('GET /users/:id')), seen: rows };
      });
    });
    await panicProblem(async () => {
      const code = await status(panickyPort, '/boom');
      if (code !== 500) throw new Error(`GET /boom answered ${code}, not 500`);
      // boom.go at the line that panicked, then Problems below it.
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget', { state: 'visible' });
      await page.keyboard.type('boom.go');
      // Typed at once, "boom.go:18" can find nothing: the line goes in once the file is listed.
      await page.waitForSelector('.quick-input-list .monaco-list-row', { state: 'visible', timeout: 30_000 });
      await page.keyboard.type(':18');
      await page.waitForTimeout(500);
      await page.keyboard.press('Enter');
      await page.waitForSelector('.monaco-editor .view-lines', { state: 'visible' });
      await page.locator('.monaco-editor .view-lines', { hasText: 'tests expect the panic site at this line (18)' }).waitFor({ timeout: 10_000 });
      await page.keyboard.press('Control+Shift+M');
      await until(page, 'Problems never showed the panic', async () => {
        const rows = await page.$$eval('.markers-panel .monaco-list-row', (els) => els.map((e) => e.innerText));
        return { ok: rows.some((r) => r.includes('panic: runtime error: index out of range [5] with length 3') && /\bpanic\b(?!:)/.test(r)), seen: rows };
      });
      const rows = await routeRows();
      if (!rows.some((r) => r.includes('GET /boom'))) throw new Error(`the Gin Routes view is not visible any more: ${JSON.stringify(rows)}`);
      await page.mouse.move(24, 450); // the empty part of the activity bar: no hover anywhere
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(shots, 'routes-panic.png') });
    });
  } finally {
    await wb?.close();
  }
});

// Several services: one summary item in the status bar, its tooltip a table of the servers.
await plan.section('the services workbench', async () => {
  const [apiPort, workerPort] = [await freePort(), await freePort()];
  const services = fixture('services', {
    'gopherReload.startOnOpen': true,
    'gopherReload.killDelayMs': 500,
    'gopherReload.services': [
      { name: 'api', package: './cmd/api', env: { PORT: String(apiPort) } },
      { name: 'worker', package: './cmd/worker', env: { PORT: String(workerPort) } },
      { name: 'crasher', package: './cmd/crasher' },
    ],
  });
  let wb;
  try {
    wb = await openWorkbench({ extensionDevelopmentPath: root, folder: services, viewport: { width: 1280, height: 720 } });
    const { page } = wb;
    const summaryRe = /2 running, 1 crashed/;
    await oneSummary(async () => {
      // crasher restarts after 0.5, 1 and 2 s, then gives up. Each restart is only a short blip of
      // "1 building" (which polling can miss), so wait until the summary has said "2 running,
      // 1 crashed" for longer than the whole backoff (3.5 s from the first crash to the last).
      let since = 0;
      await until(
        page,
        'the summary never settled on "2 running, 1 crashed"',
        async () => {
          const items = await statusItems(page);
          if (items.filter((t) => summaryRe.test(t)).length === 1) since ||= Date.now();
          else since = 0;
          return { ok: since && Date.now() - since > 4500, seen: items };
        },
        90_000,
      );
      const items = await statusItems(page);
      const perService = items.filter(
        (t) => t.includes(`:${apiPort}`) || t.includes(`:${workerPort}`) || (/crash|Gopher Reload/.test(t) && !summaryRe.test(t)),
      );
      if (perService.length) throw new Error(`per-service items in the status bar: ${JSON.stringify(items)}`);
      if ((await get(apiPort)) !== 'api: shared v1 / apionly v1') throw new Error('api does not answer');
      if ((await get(workerPort)) !== 'worker: shared v1 / workeronly v1') throw new Error('worker does not answer');
    });
    await summaryTable(async () => {
      await page.hover(`${STATUSBAR} .statusbar-item:has-text("2 running, 1 crashed")`);
      const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'crasher' }).last();
      await hover.waitFor({ state: 'visible', timeout: 10_000 });
      const text = await hover.innerText();
      for (const s of ['api', 'worker', 'crasher', `:${apiPort}`, `:${workerPort}`, 'crashing: exit 1']) {
        if (!text.includes(s)) throw new Error(`the tooltip lacks ${JSON.stringify(s)}: ${JSON.stringify(text)}`);
      }
      if ((await hover.locator('table tr').count()) !== 4) throw new Error(`the tooltip has no table of three servers: ${await hover.innerHTML()}`);
      await page.waitForTimeout(600);
      await page.screenshot({ path: path.join(shots, 'services-summary.png') });
    });
  } finally {
    await wb?.close();
  }
});
// ——— Debugging across reloads (issue 14) ———
// gopherReload.debug on from the start, a breakpoint set the way a person does (F9 on the Index
// handler's line), a save of another file (a reload: a new server under a new Delve), then GET /
// stops in the new server: the workbench paused there, with the status bar and the call stack.
await plan.section('the gin-api workbench with the debugger', async () => {
  const port = await freePort();
  // Its own copy (the first section's gin-api folder holds that section's edits).
  const dir = path.join(work, 'gin-api-debug');
  fs.cpSync(path.join(root, 'test', 'fixtures', 'gin-api'), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.vscode'));
  const settings = {
    'gopherReload.startOnOpen': true,
    'gopherReload.debug': true,
    'gopherReload.env': { PORT: String(port) },
    'gopherReload.killDelayMs': 500,
  };
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  const general = fs.readFileSync(path.join(dir, 'handlers', 'general.go'), 'utf8').split('\n');
  const line = general.findIndex((l) => l.includes('c.String(http.StatusOK, Message)')) + 1;
  const message = fs.readFileSync(path.join(dir, 'handlers', 'message.go'), 'utf8');
  let wb;
  let held;
  try {
    wb = await openWorkbench({ extensionDevelopmentPath: root, folder: dir, viewport: { width: 1280, height: 720 } });
    const { page } = wb;
    await debugPaused(async () => {
      await waitStatus(page, /debugging/);
      // The breakpoint: Quick Open "general.go:<line>", then F9 (Toggle Breakpoint).
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget', { state: 'visible' });
      await page.keyboard.type('general.go');
      await page.waitForSelector('.quick-input-list .monaco-list-row', { state: 'visible', timeout: 30_000 });
      await page.keyboard.type(`:${line}`);
      await page.waitForTimeout(500);
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .view-lines', { hasText: 'c.String(http.StatusOK, Message)' }).waitFor({ timeout: 10_000 });
      await page.keyboard.press('F9');
      await page.waitForSelector('.monaco-editor .codicon-debug-breakpoint', { state: 'visible', timeout: 10_000 });
      // A reload: the greeting saved in message.go (a new server, a new Delve, the breakpoint set again).
      await typeFile(page, 'message.go', message.replace('Gin v1', 'Gin v2'));
      await until(
        page,
        'the reloaded server never rendered v2 on /home',
        async () => {
          const body = await get(port, '/home');
          return { ok: body?.includes('Hello from Gin v2'), seen: body?.slice(0, 200) };
        },
        90_000,
      );
      // The new server listens before its debug session has set the breakpoints (Delve runs it with
      // --continue): "· debugging" again means the engine saw the session attach and called it ready.
      await waitStatus(page, /· debugging/);
      // Back to the handler, then the request that stops there.
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget', { state: 'visible' });
      await page.keyboard.type('general.go');
      await page.waitForSelector('.quick-input-list .monaco-list-row', { state: 'visible', timeout: 30_000 });
      await page.keyboard.press('Enter');
      held = get(port, '/', 60_000); // waits as long as the paused server holds it
      const paused = await waitStatus(page, new RegExp(`paused at handlers/general\\.go:${line}`), 30_000);
      await page.keyboard.press('Control+Shift+D');
      const stack = page.locator('.debug-call-stack .monaco-list-row');
      // The session, then the goroutine that stopped, may be shown collapsed, and with twenty-odd
      // goroutines listed only the rows in view exist: open them with their twisties and scroll, as a
      // person would. Each step gets time to land (children load asynchronously: a second click on a
      // twistie before the first one's children arrived would fold it again).
      // A folded row on the way: the session (its paused badge may not be drawn yet) or the goroutine that stopped.
      const folded = page
        .locator('.debug-call-stack .monaco-list-row[aria-expanded="false"]', { hasText: /PAUSED ON BREAKPOINT|handlers\.Index|^Gopher Reload:/ })
        .first();
      let acted = 0;
      await until(page, 'the call stack never showed handlers.Index in general.go', async () => {
        const rows = (await stack.allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
        const ok = rows.some((r) => r.includes('handlers.Index') && r.includes('general.go'));
        if (!ok && Date.now() - acted > 1500) {
          acted = Date.now();
          if (await folded.count()) await folded.locator('.monaco-tl-twistie').click();
          else {
            await page.locator('.debug-call-stack .monaco-list-rows').hover();
            await page.mouse.wheel(0, 66);
          }
        }
        return { ok, seen: { paused, rows } };
      });
      // For the picture only (not checked): the empty Watch pane folded, the handler's locals open.
      const watch = page.locator('.split-view-view .pane', { has: page.locator('.pane-header .title', { hasText: /^Watch$/i }) }).locator('.pane-header');
      if ((await watch.getAttribute('aria-expanded', { timeout: 5000 }).catch(() => null)) === 'true') await watch.click();
      await page
        .locator('.debug-variables .monaco-list-row', { hasText: 'Locals' })
        .locator('.monaco-tl-twistie')
        .click({ timeout: 5000 })
        .catch(() => undefined);
      // The editor shows the stopped line (VS Code's "top stack frame" highlight).
      await page.waitForSelector('.monaco-editor .debug-top-stack-frame-line', { state: 'attached', timeout: 10_000 });
      await page.mouse.move(640, 700);
      await page.waitForTimeout(600);
      await page.screenshot({ path: path.join(shots, 'debug-paused.png') });
    });
    await debugContinue(async () => {
      await page.keyboard.press('F5');
      const body = await held;
      if (body !== 'Hello from Gin v2') throw new Error(`the held request got ${JSON.stringify(body)}`);
      await waitStatus(page, /debugging/);
    });
  } finally {
    await wb?.close();
    await debugNothingLeft(async () => {
      // The window is closed: nothing of this workspace may run, and no dlv that names it.
      await new Promise((r) => setTimeout(r, 500));
      const left = processesUnder(dir);
      for (const p of left)
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {}
      if (left.length) throw new Error(`left behind: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
    }).catch(() => undefined); // counted by the check
  }
});

// ——— end of the debugging block ———

fs.rmSync(work, { recursive: true, force: true });

// Live reload in the real browser: the CLI with --proxy-port on the Gin app, its /home page open in
// Chromium. Nobody calls page.reload(): the page must refresh itself after each save, show the build
// errors when a build fails, and come back once it is fixed.
await plan.section('the CLI with --proxy-port in Chromium', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-live-'));
  const app = path.join(dir, 'gin-api');
  fs.cpSync(path.join(root, 'test', 'fixtures', 'gin-api'), app, { recursive: true });
  const message = path.join(app, 'handlers', 'message.go');
  const text = fs.readFileSync(message, 'utf8');
  const setMessage = (m) => fs.writeFileSync(message, text.replace('const Message = "Hello from Gin v1"', `const Message = ${m}`));
  const proxyPort = await freePort();
  const cli = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), app, '--proxy-port', String(proxyPort), '--kill-delay-ms', '500'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  cli.stdout.on('data', (b) => (out += b));
  cli.stderr.on('data', (b) => (out += b));
  let browser;
  try {
    await liveReload(async () => {
      for (const t0 = Date.now(); !out.includes('● running');) {
        if (Date.now() - t0 > 120_000) throw new Error(`the CLI never ran the server:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(`http://localhost:${proxyPort}/home`);
      const h1 = () => page.locator('h1').first().textContent();
      if ((await h1()) !== 'Hello from Gin v1') throw new Error(`the page shows ${await h1()}`);
      await page.evaluate(() => (window.__notReloaded = true));
      setMessage('"Hello from Gin v2"');
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Hello from Gin v2', null, { timeout: 60_000 });
      if (await page.evaluate(() => window.__notReloaded === true)) throw new Error('the text changed without a reload?');
      setMessage('"Hello from Gin v3" + missingName');
      await page.waitForFunction(() => document.body.innerText.includes('undefined: missingName'), null, { timeout: 60_000 });
      await page.screenshot({ path: path.join(shots, 'live-reload-error.png') });
      setMessage('"Hello from Gin v4"');
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Hello from Gin v4', null, { timeout: 60_000 });
    });
  } finally {
    await browser?.close();
    cli.kill('SIGINT');
    await new Promise((r) => (cli.exitCode !== null ? r() : cli.once('exit', r)));
    const left = processesUnder(dir);
    for (const p of left)
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    fs.rmSync(dir, { recursive: true, force: true });
    await nothingLeft(async () => {
      if (left.length) throw new Error(`left behind: ${left.map((p) => p.cmd).join('; ')}`);
    }).catch(() => undefined); // counted by the check; the live-reload failure, if any, goes on up
  }
});

/** Waits until exactly these walkthrough steps are done: a done step's button says aria-checked="true". */
async function ticked(page, want) {
  await until(page, `the walkthrough steps done should be ${JSON.stringify(want)}`, async () => {
    const done = await page.$$eval('.getting-started-step[aria-checked="true"] .step-title', (els) => els.map((e) => e.innerText.trim()));
    return { ok: JSON.stringify(done) === JSON.stringify(want), seen: done };
  });
}

// Walkthrough (issue 17 part 4): Welcome: Open Walkthrough… lists ours; it shows its six steps with
// their screenshots; the first step's link turns hot reload on and the step is ticked off.
await plan.section('the Get Started walkthrough', async () => {
  const port = await freePort();
  const folder = path.join(work, 'walkthrough');
  fs.cpSync(path.join(root, 'test', 'fixtures', 'gin-api'), folder, { recursive: true });
  fs.mkdirSync(path.join(folder, '.vscode'));
  fs.writeFileSync(
    path.join(folder, '.vscode', 'settings.json'),
    JSON.stringify({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }),
  );
  let wb;
  try {
    wb = await openWorkbench({ extensionDevelopmentPath: root, folder, viewport: { width: 1280, height: 720 } });
    const { page } = wb;
    const steps = () => page.$$eval('.gettingStartedContainer .getting-started-step .step-title', (els) => els.map((e) => e.innerText.trim()));
    await walkthroughShown(async () => {
      await page.keyboard.press('Control+B'); // no side bar: the walkthrough shows each step's picture beside it
      await page.keyboard.press('F1');
      await page.waitForSelector('.quick-input-widget', { state: 'visible' });
      await page.keyboard.type('Welcome: Open Walkthrough');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Walkthrough' }).first().click();
      await page.keyboard.type('Gopher Reload');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Gopher Reload' }).first().click();
      const want = ['Turn on hot reload', 'Edit and save', 'Break the build', 'Errors in Problems', 'Proxy and live reload', 'Debug across reloads'];
      await until(page, 'the walkthrough never listed its six steps', async () => {
        const seen = await steps();
        return { ok: JSON.stringify(seen) === JSON.stringify(want), seen };
      });
      // Each step's picture loads (a wrong path in package.json shows a broken image).
      for (const title of want) {
        await page.locator('.getting-started-step .step-title', { hasText: title }).click();
        await until(page, `the picture of "${title}" never loaded`, async () => {
          const img = await page.$$eval('.getting-started-media img', (els) =>
            els.filter((e) => e.offsetParent !== null).map((e) => ({ src: e.getAttribute('src'), w: e.naturalWidth, alt: e.alt })),
          );
          return { ok: img.length > 0 && img.every((i) => i.w > 0 && i.alt), seen: img };
        });
      }
      await page.locator('.getting-started-step .step-title', { hasText: want[0] }).click();
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(shots, 'walkthrough.png') });
    });
    await walkthroughStep(async () => {
      await page.locator('.getting-started-step.expanded a', { hasText: 'Turn on hot reload' }).first().click();
      await waitStatus(page, new RegExp(`:${port}`));
      if ((await get(port)) !== 'Hello from Gin v1') throw new Error('server does not answer');
      await ticked(page, ['Turn on hot reload']);
    });
    await walkthroughEvents(async () => {
      await page.keyboard.press('Control+Shift+M');
      await ticked(page, ['Turn on hot reload', 'Errors in Problems']);
      const settings = path.join(folder, '.vscode', 'settings.json');
      fs.writeFileSync(settings, JSON.stringify({ ...JSON.parse(fs.readFileSync(settings, 'utf8')), 'gopherReload.proxyPort': await freePort() }));
      await ticked(page, ['Turn on hot reload', 'Errors in Problems', 'Proxy and live reload']);
    });
  } finally {
    await wb?.close();
  }
});

process.exit(plan.summary());
