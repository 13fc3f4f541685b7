// The debug bench's contenders (test/bench/debug.mjs) and how it tells what is running.
// - the CLI with --debug: each server generation under `dlv exec --headless` (the engine starts the program);
// - the CLI in normal mode, the same flags otherwise;
// - the debug floor by hand: `go build -gcflags=all=-N -l`, Ctrl-C the running dlv (SIGINT to
//   its process group, as a terminal does; the app is in a group of its own, Delve stops it), wait
//   for the prompt (dlv exited), then `dlv exec --headless ... --continue` again.
// Every edit is timed from the file write to the first answer with the new text, polled every
// 10 ms: 3 ms polls fill Gin's access log (editorPoll.mjs) and dlv passes every line on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ROOT, killUnder, startTool, untilServes, writeMessage } from './lib.mjs';
import { ours } from './tools.mjs';
import { processesUnder } from '../support/index.mjs';

export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const POLL_MS = 10;
export const DEBUG_GCFLAGS = '-gcflags=all=-N -l';
const INSTALL = 'go install github.com/go-delve/delve/cmd/dlv@latest';

/** Delve as a person finds it: on PATH, else in $GOBIN or $GOPATH/bin. Throws what to do when missing. */
export function findDlv() {
  const env = spawnSync('go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' }).stdout?.split('\n') ?? [];
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), env[0], ...(env[1] ?? '').split(path.delimiter).map((p) => p && path.join(p, 'bin'))];
  for (const d of dirs.filter(Boolean)) {
    const f = path.join(d, 'dlv');
    if (fs.existsSync(f)) return f;
  }
  throw new Error(`the debug bench needs Delve (dlv), found neither on PATH nor in GOBIN or GOPATH/bin. Install it with: ${INSTALL}`);
}

export const dlvVersion = (dlv) => /Version: (\S+)/.exec(spawnSync(dlv, ['version'], { encoding: 'utf8' }).stdout ?? '')?.[1];

/** What the CLI's --help offers: --debug (and a fixed --debug-port) arrive with issue 14. */
export function cliDebugFlags() {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout ?? '';
  return { debug: /^\s*--debug\s/m.test(help), debugPort: /--debug-port\b/.test(help) };
}

/** A save, then the time until the new text is served. */
async function timedEdit(dir, port, text) {
  writeMessage(dir, text);
  return untilServes(port, text, performance.now(), 60_000, POLL_MS);
}

/** ours() from tools.mjs (its log, build count and stop), started with `extra` flags and env. */
function cli(name, label, extra) {
  const t = ours();
  return Object.assign(t, {
    name,
    label,
    async start(dir, port, env = {}) {
      this.log = `${dir}.log`;
      const more = typeof extra === 'function' ? await extra() : extra;
      this.child = startTool(process.execPath, [CLI, dir, '--kill-delay-ms', '1000', ...more], {
        cwd: dir,
        env: { PORT: String(port), ...env },
        log: this.log,
      });
    },
    reload: timedEdit,
    /** The CLI's own account of each reload: "● running on … — build N ms, restart N ms, save→ready N ms". */
    readyLines() {
      const text = fs.existsSync(this.log) ? fs.readFileSync(this.log, 'utf8') : '';
      return [...text.matchAll(/— build (\d+) ms, restart (\d+) ms, save→ready (\d+) ms/g)].map((m) => ({
        buildMs: Number(m[1]),
        restartMs: Number(m[2]),
        readyMs: Number(m[3]),
      }));
    },
    /** Ctrl-C in the terminal: SIGINT to the CLI's process group. */
    interrupt() {
      try {
        process.kill(-this.child.pid, 'SIGINT');
      } catch {}
      return exited(this.child);
    },
  });
}

export const oursNormal = () => cli('ours', 'Gopher Reload (CLI)', []);

/** `debugPort` (a free port, when the CLI takes --debug-port) is fixed for the whole run, as a user would. */
export const oursDebug = (debugPort) =>
  cli('ours-debug', 'Gopher Reload (CLI, --debug)', debugPort ? ['--debug', '--debug-port', String(debugPort)] : ['--debug']);

/** Resolves when the child has exited (at once if it already has). */
function exited(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

function run(cmd, args, opts) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { ...opts, stdio: 'ignore' });
    c.on('exit', (code) => resolve(code));
    c.on('error', () => resolve(-1));
  });
}

/** The debug floor by hand; `last` holds the last reload's parts (build, Ctrl-C → dlv gone, dlv exec → served). */
export function debugFloor(dlv) {
  return {
    name: 'floor-debug',
    label: 'floor (go build -gcflags=all=-N -l, Ctrl-C dlv, dlv exec again, by hand)',
    buildCount: 0,
    env: {},
    builds() {
      return this.buildCount;
    },
    async build(dir) {
      this.buildCount++;
      const code = await run('go', ['build', DEBUG_GCFLAGS, '-o', this.bin, '.'], { cwd: dir, env: { ...process.env, ...this.env } });
      if (code !== 0) throw new Error(`floor-debug: go build ${DEBUG_GCFLAGS} failed in ${dir}`);
    },
    exec(dir, port) {
      const args = ['exec', '--headless', '--accept-multiclient', '--api-version=2', '--listen=127.0.0.1:0', '--continue', this.bin];
      this.child = startTool(dlv, args, { cwd: dir, env: { PORT: String(port), ...this.env }, log: this.log });
    },
    async interrupt() {
      if (!this.child) return;
      try {
        process.kill(-this.child.pid, 'SIGINT');
      } catch {}
      await exited(this.child);
    },
    async start(dir, port, env = {}) {
      this.env = env;
      this.bin = path.join(dir, 'bin', 'app');
      this.log = `${dir}.log`;
      fs.writeFileSync(this.log, '');
      await this.build(dir);
      this.exec(dir, port);
    },
    async reload(dir, port, text) {
      writeMessage(dir, text);
      const t0 = performance.now();
      await this.build(dir);
      const t1 = performance.now();
      await this.interrupt();
      const t2 = performance.now();
      this.exec(dir, port);
      const ms = await untilServes(port, text, t0, 60_000, POLL_MS);
      this.last = { buildMs: t1 - t0, stopMs: t2 - t1, startMs: ms === undefined ? undefined : ms - (t2 - t0) };
      return ms;
    },
  };
}

function stat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]) };
  } catch {
    return undefined;
  }
}

const exe = (pid) => {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
};

export const isDlv = (pid) => path.basename(exe(pid)) === 'dlv';

/** True while `pid` runs (not a zombie). */
export function running(pid) {
  const s = stat(pid);
  return !!s && s.state !== 'Z' && s.state !== 'X';
}

/**
 * What serves a project folder now: the app processes (their executable is in `dir`), whether
 * every one is a child of dlv, and the dlv processes with their own children (Delve's telemetry
 * sidecar), to check at the end that none is left.
 */
export function servingTree(dir) {
  const apps = processesUnder(dir).filter((p) => exe(p.pid).startsWith(dir));
  const dlvPids = [...new Set(apps.map((p) => stat(p.pid)?.ppid).filter((pp) => pp && isDlv(pp)))];
  const children = [];
  for (const name of fs.readdirSync('/proc')) {
    if (/^\d+$/.test(name) && dlvPids.includes(stat(name)?.ppid)) children.push(Number(name));
  }
  return { apps: apps.length, underDlv: apps.length > 0 && dlvPids.length > 0 && apps.every((p) => dlvPids.includes(stat(p.pid)?.ppid)), dlvPids, children };
}

/** The bench's processes and folders, so a stop (or a Ctrl-C of the bench) finds them all. */
export function tracker() {
  const dirs = new Set();
  const pids = new Map(); // per folder: the dlv processes and their children seen serving it
  const dlvs = new Set();
  const kill = (dir) => {
    killUnder(dir);
    for (const p of pids.get(dir) ?? []) {
      if (running(p) && isDlv(p)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
    }
  };
  return {
    dirs,
    see(dir, tree) {
      if (!pids.has(dir)) pids.set(dir, new Set());
      for (const p of [...tree.dlvPids, ...tree.children]) pids.get(dir).add(p);
      for (const p of tree.dlvPids) dlvs.add(p);
    },
    /** Live processes in `dir`, and any dlv seen serving it that still runs. */
    left(dir) {
      const under = processesUnder(dir);
      const seen = [...(pids.get(dir) ?? [])].filter((p) => running(p) && isDlv(p) && !under.some((u) => u.pid === p));
      return [...under, ...seen.map((pid) => ({ pid, cmd: 'dlv (seen serving this folder)' }))];
    },
    dlvSeen: () => dlvs.size,
    kill,
    killAll: () => dirs.forEach(kill),
  };
}
