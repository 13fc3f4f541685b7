// Template edits: save → served, ours against air, on test/fixtures/gin-tmpl (issue 15).
//
//   node test/bench/templates.mjs [--n 10] [--out test/bench/results]
//
// Two cases, because Gin itself decides what a template edit needs:
// - release mode (GIN_MODE=release): templates are parsed once at startup, so the server must
//   restart. Ours restarts the same binary (no build); air rebuilds (tmpl is in its include_ext).
//   Timed: the save → the new text answered on GET / (polled every 3 ms), as every bench here.
// - debug mode (Gin's default): render.HTMLDebug parses the templates on every request, so the
//   new text is answered at once whoever watches; what the user waits for is the page reloading.
//   Timed for ours behind --proxy-port: the save → the live-reload event reaching an open page's
//   event stream. Builds and restarts are counted too (there should be none).
// Writes templates.json to the --out folder. Not wired into run.mjs/report.mjs.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, WORK, freePort, goVersion, sleep, startTool, stopTool, stats, untilServes } from './lib.mjs';
import { AIR_VERSION, countLines, ensureAir } from './tools.mjs';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'gin-tmpl');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function copy(name) {
  const dir = path.join(WORK, `tmpl-${name}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/** The template as an editor saves it: one write of the whole file. */
function writeTemplate(dir, text) {
  fs.writeFileSync(
    path.join(dir, 'templates', 'index.tmpl'),
    `<!doctype html>\n<html><head><title>{{ .title }}</title></head><body><p id="msg">${text}</p></body></html>\n`,
  );
}

/** air with its defaults written out (as tools.mjs does), optionally without the 1 s delay. */
function airToml() {
  return `root = "."\ntmp_dir = "tmp"\n[build]\ncmd = "go build -o ./tmp/main ."\nbin = "./tmp/main"\ndelay = 1000\nexclude_dir = ["assets", "tmp", "vendor", "testdata"]\ninclude_ext = ["go", "tpl", "tmpl", "html"]\nexclude_regex = ["_test.go"]\n[log]\ntime = false\n[misc]\nclean_on_exit = true\n[screen]\nclear_on_rebuild = false\n`;
}

/** The contenders: how to start each on a project folder (the port is where requests go). */
const contenders = {
  ours: { label: 'Gopher Reload (CLI)', cmd: () => process.execPath, args: (dir) => [CLI, dir, '--kill-delay-ms', '1000'], build: /⟳ building/ },
  'ours-proxy': {
    label: 'Gopher Reload (CLI, --proxy-port, live reload)',
    cmd: () => process.execPath,
    args: (dir, port) => [CLI, dir, '--kill-delay-ms', '1000', '--proxy-port', String(port)],
    build: /⟳ building/,
  },
  'air-default': {
    label: `air ${AIR_VERSION} (defaults: delay 1000 ms)`,
    cmd: () => ensureAir(),
    args: (dir) => ['-c', path.join(dir, '.air.toml')],
    build: /building\.\.\./,
  },
  'air-delay0': {
    label: `air ${AIR_VERSION} (delay 0)`,
    cmd: () => ensureAir(),
    args: (dir) => ['-c', path.join(dir, '.air.toml'), '--build.delay=0'],
    build: /building\.\.\./,
  },
};

/** Waits for `event: reload` on an open page's event stream (through the proxy); resolves ms since t0. */
function openStream(port) {
  let buf = '';
  let waiter;
  const req = http.get({ host: '127.0.0.1', port, path: '/__gopher_reload/events', agent: false }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (d) => {
      buf += d;
      if (waiter && buf.includes('event: reload')) {
        buf = '';
        const w = waiter;
        waiter = undefined;
        w();
      }
    });
  });
  req.on('error', () => undefined);
  return {
    next(t0, timeoutMs = 10_000) {
      buf = '';
      return new Promise((resolve) => {
        const timer = setTimeout(() => ((waiter = undefined), resolve(undefined)), timeoutMs);
        waiter = () => (clearTimeout(timer), resolve(performance.now() - t0));
      });
    },
    close: () => req.destroy(),
  };
}

async function runCase({ name, mode, n, log }) {
  const c = contenders[name];
  const dir = copy(`${name}-${mode}`);
  if (name.startsWith('air')) fs.writeFileSync(path.join(dir, '.air.toml'), airToml());
  const port = await freePort();
  const logFile = path.join(WORK, `tmpl-${name}-${mode}.log`);
  const env = { PORT: String(port), GIN_MODE: mode };
  writeTemplate(dir, 'template start');
  const child = startTool(c.cmd(), c.args(dir, port), { cwd: dir, env, log: logFile });
  const times = [];
  let stream;
  try {
    if ((await untilServes(port, 'template start', performance.now(), 180_000, 20)) === undefined) throw new Error(`${name}: never served (see ${logFile})`);
    await sleep(1500); // the first build's go list and the like are done
    const buildsBefore = countLines(logFile, c.build);
    if (mode === 'debug') stream = openStream(port);
    await sleep(300);
    for (let i = 1; i <= n; i++) {
      const text = `template ${mode} ${i}`;
      const t0 = performance.now();
      const reloaded = stream?.next(t0);
      writeTemplate(dir, text);
      const served = await untilServes(port, text, t0, 60_000, 3);
      const ms = stream ? await reloaded : served;
      times.push(ms);
      log(`  ${name} (${mode}) edit ${i}: ${ms === undefined ? 'timed out' : `${Math.round(ms)} ms`}`);
      await sleep(name.startsWith('air') ? 2500 : 800); // let the tool settle before the next save
    }
    return {
      name,
      label: c.label,
      mode,
      what: stream ? 'save → live-reload event at the page' : 'save → new text served',
      ...stats(times),
      builds: countLines(logFile, c.build) - buildsBefore,
    };
  } finally {
    stream?.close();
    await stopTool(child, dir);
  }
}

/** Runs every case n times each; writes `templates.json` to `out`; returns the rows. */
export async function templateBench({ n = 10, out = path.join(ROOT, 'test', 'bench', 'results'), log = console.log } = {}) {
  fs.mkdirSync(WORK, { recursive: true });
  const built = spawnSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`esbuild failed:\n${built.stderr}`);
  const cases = [
    { name: 'ours', mode: 'release' },
    { name: 'ours-proxy', mode: 'release' },
    { name: 'air-default', mode: 'release' },
    { name: 'air-delay0', mode: 'release' },
    { name: 'ours-proxy', mode: 'debug' },
  ];
  const rows = [];
  for (const k of cases) {
    log(`${contenders[k.name].label}, Gin ${k.mode} mode:`);
    rows.push(await runCase({ ...k, n, log }));
  }
  const result = { go: goVersion(), air: AIR_VERSION, n, at: new Date().toISOString(), rows };
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'templates.json'), JSON.stringify(result, null, 2) + '\n');
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (k, d) => {
    const i = process.argv.indexOf(`--${k}`);
    return i > 0 ? process.argv[i + 1] : d;
  };
  const rows = await templateBench({ n: Number(arg('n', 10)), out: path.resolve(arg('out', path.join(ROOT, 'test', 'bench', 'results'))) });
  for (const r of rows) console.log(`${r.label}, Gin ${r.mode}: ${r.what}: median ${r.median} ms (n ${r.n}, failed ${r.failed ?? 0}), builds ${r.builds}`);
}
