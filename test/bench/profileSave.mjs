#!/usr/bin/env node
// Where a quick save's time goes in the real editor (VS Code Server + headless Chromium, the
// gin-api fixture): a line typed at human speed (seeded 80-250 ms between keys), then Ctrl+S after
// each of the delays, save → the new text served (polled every 5 ms), and the CPU each part of the
// machine spent on that reload: the browser (workbench rendering), and everything else we started
// (extension host, go build, the server). The floor is measured in the same run, under the same
// load: `go build` of the same edit in a copy of the app plus starting it until it answers.
//
//   node test/bench/profileSave.mjs [--n 2] [--delays 0,150,300,600] [--ext <extension dir>] [--seed 1] [--out file.json] [--terminal] [--log]
//
// --terminal opens the output terminal first (Show Build and Server Output); --log prints the
// extension's log lines of each reload.
//
// --ext compares another build of the extension (e.g. an older commit unpacked with git archive).
// Small N only while other work shares the machine; it prints medians and writes every sample.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from '../host/install.mjs';
import { openWorkbench, STATUSBAR } from '../host/screenshot.mjs';
import { freePort, getBody } from '../support/index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1];
};
const N = Number(arg('n', 2));
const DELAYS = arg('delays', '0,150,300,600').split(',').map(Number);
const EXT = path.resolve(arg('ext', root));
let seed = Number(arg('seed', 1)) >>> 0;
const random = () => {
  // mulberry32, as test/support/random.ts: the same keystroke gaps on every run.
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const TICK_MS = 1000 / 100; // USER_HZ: /proc times are in clock ticks

/** CPU ms of every process below this one, split into the browser's and the rest. */
function cpuBelow() {
  const procs = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      // With the reaped children's time (cutime, cstime): a go build that ended still counts.
      procs.push({ pid: Number(d), comm, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS });
    } catch {
      // gone meanwhile
    }
  }
  const below = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs)
      if (!below.has(p.pid) && below.has(p.ppid)) {
        below.add(p.pid);
        grew = true;
      }
  }
  let browser = 0;
  let rest = 0;
  for (const p of procs) {
    if (p.pid === process.pid || !below.has(p.pid)) continue;
    if (/chrom|headless_shell/i.test(p.comm)) browser += p.cpu;
    else rest += p.cpu;
  }
  return { browser, rest };
}

async function until(what, fn, timeoutMs = 60_000, everyMs = 5) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The floor, by hand: build this text in a copy of the app, start it, until it answers. */
async function floor(copy, text) {
  fs.writeFileSync(path.join(copy, 'handlers', 'message.go'), messageGo(text));
  const port = await freePort();
  const t0 = performance.now();
  const b = spawnSync('go', ['build', '-ldflags=-s -w', '-o', path.join(copy, 'floor-bin'), '.'], { cwd: copy, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
  const buildMs = performance.now() - t0;
  const server = spawn(path.join(copy, 'floor-bin'), { cwd: copy, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  try {
    await until('the floor server', async () => (await getBody(port)) === text);
    return { totalMs: performance.now() - t0, buildMs };
  } finally {
    server.kill('SIGKILL');
  }
}

/** The extension's log lines (its output channel's file) from `since` on, with ms since then. */
function logSince(runDir, since) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/Gopher Reload\.log$/.test(e.name)) files.push(p);
    }
  };
  walk(runDir);
  return files
    .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'))
    .map((l) => ({ l, t: Date.parse(l.slice(0, 23).replace(' ', 'T')) }))
    .filter((x) => x.t >= since)
    .map((x) => `  +${x.t - since} ms ${x.l.slice(24)}`)
    .join('\n');
}

let original;
const messageGo = (text) => original.replace(/const Message = "[^"]*"/, `const Message = ${JSON.stringify(text)}`);
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? Math.round(v[Math.floor((v.length - 1) / 2)]) : undefined;
};

await ensureCodeServer();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-profile-'));
const app = path.join(work, 'app');
const copy = path.join(work, 'floor');
fs.cpSync(path.join(root, 'test', 'fixtures', 'gin-api'), app, { recursive: true });
fs.cpSync(app, copy, { recursive: true });
original = fs.readFileSync(path.join(app, 'handlers', 'message.go'), 'utf8');
const port = await freePort();
fs.mkdirSync(path.join(app, '.vscode'));
fs.writeFileSync(
  path.join(app, '.vscode', 'settings.json'),
  JSON.stringify({ 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }),
);
const samples = [];
let wb;
try {
  wb = await openWorkbench({ extensionDevelopmentPath: EXT, folder: app, viewport: { width: 1280, height: 720 } });
  const { page } = wb;
  await until('the server', async () => (await getBody(port)) === 'Hello from Gin v1', 180_000, 200);
  if (process.argv.includes('--terminal')) {
    // The output panel open, as after Show Build and Server Output: what its drawing costs a reload.
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget', { state: 'visible' });
    await page.keyboard.type('Gopher Reload: Show Build and Server Output');
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.terminal-wrapper', { state: 'visible', timeout: 30_000 });
    await page.waitForTimeout(500);
  }
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget', { state: 'visible' });
  await page.keyboard.type('message.go');
  await page.waitForTimeout(500);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .view-lines', { state: 'visible' });
  await page.waitForTimeout(500);
  const line = original.split('\n').findIndex((l) => l.startsWith('const Message')) + 1;
  let k = 0;
  for (let i = 0; i < N; i++) {
    for (const delay of DELAYS) {
      const text = `typed ${++k} after ${delay}`;
      // Select the Message line and type a new one over it, key by key.
      await page.keyboard.press('Control+G');
      await page.keyboard.type(String(line));
      await page.keyboard.press('Enter');
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      const typed = `const Message = "${text}`; // the editor closes the quote
      for (const ch of typed) {
        await page.keyboard.type(ch);
        await page.waitForTimeout(80 + Math.floor(random() * 170));
      }
      await page.waitForTimeout(delay);
      const c0 = cpuBelow();
      const t0Wall = Date.now();
      const t0 = performance.now();
      await page.keyboard.press('Control+S');
      await until(text, async () => (await getBody(port)) === text);
      const savedMs = performance.now() - t0;
      const c1 = cpuBelow();
      await page.waitForTimeout(1200); // what the reload costs after it served (held output drawn)
      const c2 = cpuBelow();
      const status = (await page.$$eval(`${STATUSBAR} .statusbar-item`, (els) => els.map((e) => e.innerText.trim()))).find((t) =>
        /reloaded|running|:\d+/.test(t),
      );
      const f = await floor(copy, text);
      const s = {
        delay,
        saveToServingMs: Math.round(savedMs),
        browserCpuMs: Math.round(c1.browser - c0.browser),
        browserCpuMsAfter: Math.round(c2.browser - c1.browser),
        restCpuMs: Math.round(c1.rest - c0.rest),
        floorMs: Math.round(f.totalMs),
        floorBuildMs: Math.round(f.buildMs),
        status,
      };
      samples.push(s);
      console.log(JSON.stringify(s));
      if (process.argv.includes('--log')) console.log(logSince(wb.runDir, t0Wall));
    }
  }
} finally {
  await wb?.close();
  fs.rmSync(work, { recursive: true, force: true });
}
const summary = DELAYS.map((delay) => {
  const xs = samples.filter((s) => s.delay === delay);
  const m = (k) => median(xs.map((s) => s[k]));
  return {
    delay,
    n: xs.length,
    saveToServingMs: m('saveToServingMs'),
    floorMs: m('floorMs'),
    ratio: +(m('saveToServingMs') / m('floorMs')).toFixed(2),
    browserCpuMs: m('browserCpuMs'),
    browserCpuMsAfter: m('browserCpuMsAfter'),
    restCpuMs: m('restCpuMs'),
  };
});
console.table(summary);
const out = arg('out');
if (out) fs.writeFileSync(out, JSON.stringify({ ext: EXT, samples, summary }, null, 2));
