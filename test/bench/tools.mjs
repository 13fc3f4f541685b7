// The contenders, each able to start on a project dir and serve on a port:
// ours (the gopher-reload CLI), air at a pinned version (defaults, no delay, our build flags),
// and the floor: a plain `go build -o` + start done by hand, measured in the same run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ROOT, WORK, sleep, startTool, stopTool, untilServes, writeMessage, isAlive } from './lib.mjs';

export const AIR_VERSION = 'v1.67.2';
const AIR = path.join(WORK, 'bin', 'air');

/** Installs air through the Go module proxy (cached in test/bench/work/bin). */
export function ensureAir(log = console.log) {
  if (fs.existsSync(AIR)) return AIR;
  log(`installing air ${AIR_VERSION} with go install (Go module proxy)…`);
  const r = spawnSync('go', ['install', `github.com/air-verse/air@${AIR_VERSION}`], { env: { ...process.env, GOBIN: path.dirname(AIR) }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go install air failed:\n${r.stderr}`);
  return AIR;
}

/** Lines of a tool's log that match `re` (builds started, from its own output). */
export const countLines = (log, re) =>
  fs.existsSync(log)
    ? fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => re.test(l)).length
    : 0;

/** A long-running tool (ours, air): started once, then edits are made and timed. */
function watcherTool(name, label, cmd, args, buildLine) {
  return {
    name,
    label,
    async start(dir, port) {
      this.log = path.join(WORK, `${name}.log`);
      this.child = startTool(cmd(), args(dir, port), { cwd: dir, env: { PORT: String(port) }, log: this.log });
    },
    /** The time from the save to the new text being served. */
    async reload(dir, port, text) {
      writeMessage(dir, text);
      return untilServes(port, text, performance.now());
    },
    builds() {
      return countLines(this.log, buildLine);
    },
    async stop(dir) {
      await stopTool(this.child, dir);
    },
  };
}

export const ours = () =>
  watcherTool(
    'ours',
    'Gopher Reload (CLI)',
    () => process.execPath,
    (dir) => [path.join(ROOT, 'dist', 'cli.js'), dir, '--kill-delay-ms', '1000'],
    /⟳ building/,
  );

/** Ours with the request-holding proxy on the port the requests go to; the app gets a free port in PORT. */
export const oursProxy = () =>
  watcherTool(
    'ours-proxy',
    'Gopher Reload (CLI, --proxy-port)',
    () => process.execPath,
    (dir, port) => [path.join(ROOT, 'dist', 'cli.js'), dir, '--kill-delay-ms', '1000', '--proxy-port', String(port)],
    /⟳ building/,
  );

/**
 * air with its own defaults written out (as `air init` would), plus variants. A zero in the TOML
 * is merged away as "unset" (delay = 0 still waits 1000 ms), so the delay goes on the command line
 * as `--build.delay=0`, the way air's users turn it off.
 */
function airTool(name, label, extra) {
  const flags = extra.delay === 0 ? ['--build.delay=0'] : [];
  const t = watcherTool(
    name,
    label,
    () => AIR,
    (dir) => ['-c', path.join(dir, '.air.toml'), ...flags],
    /building\.\.\./,
  );
  const start = t.start;
  t.start = async function (dir, port) {
    fs.writeFileSync(path.join(dir, '.air.toml'), airToml(extra));
    return start.call(this, dir, port);
  };
  return t;
}

/** air's own defaults, with overrides. send_interrupt=false and delay=1000 are air's defaults. */
function airToml({ cmd = 'go build -o ./tmp/main .' } = {}) {
  return `root = "."\ntmp_dir = "tmp"\n[build]\ncmd = ${JSON.stringify(cmd)}\nbin = "./tmp/main"\ndelay = 1000\nexclude_dir = ["assets", "tmp", "vendor", "testdata"]\ninclude_ext = ["go", "tpl", "tmpl", "html"]\nexclude_regex = ["_test.go"]\n[log]\ntime = false\n[misc]\nclean_on_exit = true\n[screen]\nclear_on_rebuild = false\n`;
}

export const airDefault = () => airTool('air-default', `air ${AIR_VERSION} (defaults: delay 1000 ms)`, {});
export const airNoDelay = () => airTool('air-delay0', `air ${AIR_VERSION} (delay 0)`, { delay: 0 });
export const airOurFlags = () =>
  airTool('air-sw', `air ${AIR_VERSION} (delay 0, -ldflags="-s -w")`, { delay: 0, cmd: 'go build -ldflags="-s -w" -o ./tmp/main .' });

/** The floor: what a developer gets by hand. Build (old server still up), stop it, start, first 200. */
export const floor = () => floorWith([], 'floor', 'floor (go build -o, then restart by hand)');

/** The floor with our default flags: what the flags alone are worth, against the same restart by hand. */
export const floorOurFlags = () => floorWith(['-ldflags=-s -w'], 'floor-sw', 'floor (go build -ldflags="-s -w" -o, then restart by hand)');

const floorWith = (flags, name, label) => ({
  name,
  label,
  server: undefined,
  buildCount: 0,
  bin: undefined,
  async build(dir) {
    this.buildCount++;
    const r = await new Promise((resolve) => {
      const c = spawn('go', ['build', ...flags, '-o', this.bin, '.'], { cwd: dir, stdio: 'ignore' });
      c.on('exit', resolve);
    });
    if (r !== 0) throw new Error(`${name}: go build failed`);
  },
  async run(dir, port) {
    if (this.server) {
      const old = this.server;
      try {
        process.kill(-old.pid, 'SIGINT');
      } catch {}
      while (isAlive(old.pid)) await sleep(1);
    }
    this.server = spawn(this.bin, [], { cwd: dir, env: { ...process.env, PORT: String(port) }, detached: true, stdio: 'ignore' });
  },
  async start(dir, port) {
    this.bin = path.join(dir, 'bin', 'app');
    await this.build(dir);
    await this.run(dir, port);
  },
  async reload(dir, port, text) {
    writeMessage(dir, text);
    const t0 = performance.now();
    await this.build(dir);
    await this.run(dir, port);
    return untilServes(port, text, t0);
  },
  builds() {
    return this.buildCount;
  },
  async stop(dir) {
    if (this.server) await stopTool(this.server, dir);
  },
});
