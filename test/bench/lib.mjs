// Shared pieces of the benchmarks: fixtures, HTTP polling, process trees, statistics.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, processesUnder } from '../support/index.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WORK = path.join(ROOT, 'test', 'bench', 'work');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export { freePort };

/** A fresh copy of the Gin fixture for one tool, so tools never see each other's files. */
export function ginCopy(name) {
  const dir = path.join(WORK, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'gin-api'), dir, { recursive: true });
  return dir;
}

export const messageFile = (dir) => path.join(dir, 'handlers', 'message.go');

/** Writes the handler's greeting the way an editor save does (one write of the whole file). */
export function writeMessage(dir, text) {
  fs.writeFileSync(messageFile(dir), `package handlers\n\n// Message is the greeting served by GET /.\nconst Message = ${JSON.stringify(text)}\n`);
}

/** One GET with a short timeout; resolves {ok, body} and never throws. */
export function get(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ ok: res.statusCode === 200, body }));
      res.on('error', () => resolve({ ok: false, body: '' }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ ok: false, body: '' }));
  });
}

/** Polls every `everyMs` until the body contains `text`; returns ms since `t0`, or undefined on timeout. */
export async function untilServes(port, text, t0, timeoutMs = 60_000, everyMs = 3) {
  while (performance.now() - t0 < timeoutMs) {
    const r = await get(port, 500);
    if (r.ok && r.body.includes(text)) return performance.now() - t0;
    await sleep(everyMs);
  }
  return undefined;
}

/** Starts a tool in its own process group; output goes to a log file (and is kept for parsing). */
export function startTool(cmd, args, { cwd, env, log }) {
  const out = fs.openSync(log, 'w');
  const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

/** Stops a tool: SIGINT to its group, then SIGKILL to whatever is left, then any leftover under `dir`. */
export async function stopTool(child, dir) {
  if (!child) return;
  try {
    process.kill(-child.pid, 'SIGINT');
  } catch {}
  for (let i = 0; i < 60 && isAlive(child.pid); i++) await sleep(50);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  killUnder(dir);
}

export function isAlive(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(s);
  } catch {
    return false;
  }
}

/** Kills any process whose executable or command line is under dir (the servers tools started). */
export function killUnder(dir) {
  const left = processesUnder(dir);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return left.length;
}

export function stats(values) {
  const v = values.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (!v.length) return { n: 0 };
  const q = (p) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
  const r = (x) => Math.round(x * 10) / 10;
  return { n: v.length, min: r(v[0]), median: r(q(0.5)), p90: r(q(0.9)), max: r(v[v.length - 1]), failed: values.length - v.length };
}

export function goVersion() {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim();
}

/**
 * A bounded stream of requests at a fixed rate while `during()` runs: counts failed requests and
 * the longest window with no successful answer. Loopback only.
 */
export async function requestStream(port, during, { everyMs = 5, maxRequests = 20_000 } = {}) {
  let failed = 0;
  let sent = 0;
  let lastOk = performance.now();
  let longestGap = 0;
  let running = true;
  const inflight = new Set();
  const loop = (async () => {
    while (running && sent < maxRequests) {
      sent++;
      const p = get(port, 2000).then((r) => {
        const now = performance.now();
        if (r.ok) {
          longestGap = Math.max(longestGap, now - lastOk);
          lastOk = now;
        } else failed++;
        inflight.delete(p);
      });
      inflight.add(p);
      await sleep(everyMs);
    }
  })();
  try {
    await during();
  } finally {
    running = false;
    await loop;
    await Promise.all(inflight);
  }
  return { sent, failed, longestGapMs: Math.round(longestGap) };
}
