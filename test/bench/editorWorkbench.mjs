// The editor bench's hands in the workbench: open the handler file, type a token one key at a time
// at human intervals, save; and its eyes on the extension: the "Gopher Reload" log file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, messageFile, sleep } from './lib.mjs';

/** The text area of the editor part (not the Output panel's or a quick input's editor). */
const EDITOR_LINES = '#workbench\\.parts\\.editor .monaco-editor .view-lines';
const MESSAGE_LINE = /^const Message = "([^"\\]*)"$/m;

/** The greeting's text as it is on disk (what the last save wrote), and its 1-based line. */
export function messageOnDisk(dir) {
  const text = fs.readFileSync(messageFile(dir), 'utf8');
  const m = MESSAGE_LINE.exec(text);
  if (!m) throw new Error(`${messageFile(dir)} has no line 'const Message = "…"' any more:\n${text}`);
  return { value: m[1], line: text.slice(0, m.index).split('\n').length };
}

/** mulberry32, as in test/support/random.ts: the same seed gives the same tokens and intervals. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fresh token of 8–12 lowercase letters and digits, never used before in this run. Letters and
 * digits only: no auto-closing pair, no word boundary, no escaping inside a Go string.
 */
export function tokenMaker(random) {
  const used = new Set();
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return () => {
    for (;;) {
      const len = 8 + Math.floor(random() * 5);
      let t = abc[Math.floor(random() * 26)]; // a letter first: reads as a word
      while (t.length < len) t += abc[Math.floor(random() * abc.length)];
      if (!used.has(t)) {
        used.add(t);
        return t;
      }
    }
  };
}

/** Opens the handler file through Quick Open, as a person would, and waits for its text. */
export async function openMessageFile(page) {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget', { state: 'visible' });
  await page.keyboard.type('message.go');
  await page.waitForSelector('.quick-input-list .monaco-list-row', { state: 'visible', timeout: 30_000 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  await page.locator(EDITOR_LINES, { hasText: 'const Message' }).waitFor({ timeout: 30_000 });
}

/**
 * Shows the Gopher Reload terminal (the build and server output) through the command palette, as a
 * user who watches the server's log does; the automatic start at open does not reveal it.
 */
export async function showServerOutput(page) {
  await page.keyboard.press('Control+Shift+P');
  await page.waitForSelector('.quick-input-widget', { state: 'visible' });
  await page.keyboard.type('Gopher Reload: Show Build and Server Output');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Build and Server Output' }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  // Visible is all that can be checked: xterm may draw on a canvas, with no text in the page.
  await page.locator('.terminal-wrapper .xterm').first().waitFor({ state: 'visible', timeout: 30_000 });
}

/**
 * Puts the cursor before the greeting's closing quote and selects the text between the quotes
 * (its length read from disk, which the editor matches after a save): the first key typed then
 * replaces it. Go to Line, not a click: a click's position depends on fonts and layout.
 */
export async function selectMessage(page, dir) {
  const { value, line } = messageOnDisk(dir);
  // Focus the editor, wherever focus was; at its top edge, far from notifications (bottom right).
  await page
    .locator(EDITOR_LINES)
    .first()
    .click({ position: { x: 200, y: 5 } });
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget', { state: 'visible' });
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.waitForSelector('.quick-input-widget', { state: 'hidden' });
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  for (let i = 0; i < value.length; i++) await page.keyboard.press('Shift+ArrowLeft');
}

/**
 * Types `token` one key at a time, each key `80 + random() * 170` ms after the previous one (the
 * schedule is absolute, so slow key dispatch does not stretch the intervals). Resolves when the
 * browser has handled the last key, with the intervals used.
 */
export async function typeHuman(page, token, random) {
  const intervals = [];
  let next = performance.now();
  for (const ch of token) {
    const gap = 80 + random() * 170;
    intervals.push(Math.round(gap));
    next += gap;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    await page.keyboard.type(ch);
  }
  return intervals;
}

/**
 * The extension's "Gopher Reload" log (a LogOutputChannel writes it under the user data dir:
 * <runDir>/udd/logs/<time>/exthost<N>/<publisher>.<name>/Gopher Reload.log). `mark()` remembers
 * the end of the file, `since()` returns what the extension did after it: builds started and saves
 * served by the binary pre-built while typing (the engine's info lines; info is the default level).
 */
export function extensionLog(runDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`;
  const find = () => {
    const logs = path.join(runDir, 'udd', 'logs');
    const found = [];
    for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
      for (const host of fs.readdirSync(path.join(logs, session)).filter((h) => h.startsWith('exthost'))) {
        const f = path.join(logs, session, host, id, 'Gopher Reload.log');
        if (fs.existsSync(f)) found.push(f);
      }
    }
    return found.sort().at(-1); // the newest session's
  };
  const read = () => {
    const f = find();
    return f ? fs.readFileSync(f, 'utf8') : '';
  };
  let offset = 0;
  return {
    file: find,
    mark() {
      offset = read().length;
    },
    /** The lines written since mark(), and what they say about the last save. */
    since() {
      const text = read().slice(offset);
      const prebuilt = [...text.matchAll(/served by the binary pre-built while typing(?: \(waited (\d+) ms)?/g)];
      return {
        text,
        timeline: timeline(text),
        prebuiltUsed: prebuilt.length > 0,
        prebuiltWaitedMs: prebuilt.length ? Number(prebuilt.at(-1)[1] ?? 0) : undefined,
        builds: (text.match(/\] build \(/g) ?? []).length,
      };
    },
    /** Resolves once the log has not grown for `quietMs` (the engine is idle), at most `maxMs`. */
    async quiet(quietMs = 500, maxMs = 10_000) {
      const t0 = Date.now();
      let len = read().length;
      let since = Date.now();
      while (Date.now() - t0 < maxMs && Date.now() - since < quietMs) {
        await sleep(100);
        const l = read().length;
        if (l !== len) [len, since] = [l, Date.now()];
      }
    },
  };
}

/**
 * Where a save's time went, from the log's timestamps (local time, to the millisecond) against
 * `savedAt` (Date.now() at Ctrl+S): when the engine decided (a build, or the pre-built binary), when
 * the new server was ready, and the engine's own save→ready (from its change event). Undefined where
 * a line is missing (the wording changed, or the save failed).
 */
export function saveTimeline(lines, savedAt) {
  const at = (re) => lines.find((l) => re.test(l.text));
  const decision = at(/served by the binary pre-built while typing|\] build \(/);
  const ready = at(/ready on .*save→ready \d+ ms/);
  const num = (line, re) => (line && re.test(line.text) ? Number(re.exec(line.text)[1]) : undefined);
  return {
    decisionMs: decision ? decision.at - savedAt : undefined,
    readyMs: ready ? ready.at - savedAt : undefined,
    engineSaveToReadyMs: num(ready, /save→ready (\d+) ms/),
    stopMs: num(ready, /stop (\d+) ms/),
    startMs: num(ready, /start (\d+) ms/),
  };
}

/** The log's lines with their time: "2026-11-30 16:44:31.973 [info] …" (the host's local time). */
function timeline(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) (.*)$/.exec(line);
    if (m) out.push({ at: new Date(`${m[1]}T${m[2]}`).getTime(), text: m[3] });
  }
  return out;
}
