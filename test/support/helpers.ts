import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { resolveConfig, type RawSettings } from '../../src/core/config/config';
import { ReloadEngine } from '../../src/core/engine/engine';
import type { EngineState, EngineStateKind } from '../../src/core/engine/state';
import { freePort } from '../../src/core/run/ports';
import { readStat } from '../../src/core/run/procScan';

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** Every test works on a copy of a fixture under this folder; the leak check looks for processes here. */
export const TEST_TMP = path.join(os.tmpdir(), `gopher-reload-tests-${process.pid}`);

export function copyFixture(name: string): string {
  const dest = fs.mkdtempSync(path.join(TEST_TMP + path.sep, `${name}-`));
  fs.cpSync(path.join(repoRoot(), 'test', 'fixtures', name), dest, { recursive: true });
  return dest;
}
fs.mkdirSync(TEST_TMP, { recursive: true });

export interface Harness {
  engine: ReloadEngine;
  dir: string;
  port: number;
  states: EngineState[];
  output: () => string;
  dispose(): Promise<void>;
}

const live = new Set<Harness>();

/** An engine over a fresh copy of a fixture, its server on a free port (passed as PORT). */
export async function harness(fixture: string, raw: RawSettings = {}, dir = copyFixture(fixture)): Promise<Harness> {
  const port = await freePort();
  const { config, issues } = resolveConfig(dir, { killDelayMs: 500, ...raw, env: { PORT: String(port), ...(raw.env as object) } });
  if (issues.length) throw new Error(`config issues: ${JSON.stringify(issues)}`);
  const engine = new ReloadEngine(config);
  const states: EngineState[] = [];
  let out = '';
  engine.onState((s) => states.push(s));
  // Bounded like everything else that holds server output (a test server may log 200 MB).
  engine.onOutput((o) => {
    out += o.text;
    if (out.length > 2 << 20) out = out.slice(-(1 << 20));
  });
  const h: Harness = {
    engine,
    dir,
    port,
    states,
    output: () => out,
    async dispose() {
      live.delete(h);
      await engine.dispose();
    },
  };
  live.add(h);
  return h;
}

export async function disposeAll(): Promise<void> {
  await Promise.all([...live].map((h) => h.dispose()));
}

export async function waitUntil<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the first state of `kind` emitted after index `from` (default: from now). */
export function waitState<K extends EngineStateKind>(h: Harness, kind: K, timeoutMs = 90_000, from = h.states.length) {
  return waitUntil(
    `state ${kind} (states so far: ${h.states
      .slice(from)
      .map((s) => s.kind)
      .join(' → ')})`,
    () => h.states.slice(from).find((s) => s.kind === kind) as Extract<EngineState, { kind: K }> | undefined,
    timeoutMs,
  );
}

export function get(port: number, urlPath = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function body(port: number, urlPath = '/'): Promise<string | undefined> {
  try {
    return (await get(port, urlPath)).body;
  } catch {
    return undefined;
  }
}

/** Replaces text in a fixture file the way an editor save does (write in place). */
export function edit(file: string, from: string | RegExp, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit: ${from} not found in ${file}`);
  fs.writeFileSync(file, next);
}

/** Pids of live (non-zombie) processes whose executable or command line mentions `dir`. */
export function processesUnder(dir: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  if (process.platform !== 'linux') return found;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const state = readStat(Number(name))?.state;
      if (state === undefined || state === 'Z' || state === 'X') continue;
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let exe = '';
      try {
        exe = fs.readlinkSync(`/proc/${name}/exe`);
      } catch {
        // kernel threads, other users
      }
      if (cmd.includes(dir) || exe.includes(dir)) found.push({ pid: Number(name), cmd: cmd.trim() });
    } catch {
      // exited while looking
    }
  }
  return found;
}
