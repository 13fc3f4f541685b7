// Issue 14 prototype: one debugging loop across a reload, outside VS Code.
// build -N -l → dlv dap (exec) → breakpoint → curl → stopped → continue → edit → rebuild →
// end the old session (terminateDebuggee) → new dlv dap → the same breakpoint stops the NEW pid.
// usage: node test/proto/debugLoop.mjs   (needs go, curl, dlv; uses /tmp/d14loop)
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { DapClient } from './dapClient.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const out = '/tmp/d14loop';
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: [path.join(repo, 'src/core/run/delve.ts')],
  outfile: `${out}/delve.mjs`,
  format: 'esm',
  platform: 'node',
  bundle: true,
  logLevel: 'error',
});
const delve = await import(`${out}/delve.mjs`);

const t0 = Date.now();
let tStep = Date.now();
const step = (msg) => {
  const now = Date.now();
  console.log(`[${String(now - t0).padStart(6)} ms] (+${String(now - tStep).padStart(5)}) ${msg}`);
  tStep = now;
};
const app = `${out}/app`;
fs.cpSync(path.join(repo, 'test/fixtures/gin-api'), app, { recursive: true });
const PORT = String(18800 + Math.floor(Math.random() * 100));
const BP_FILE = `${app}/handlers/users.go`;
const BP_LINE = 46; // id, err := strconv.Atoi(c.Param("id")) in GetUser
const tree = `d14-${process.pid}`;

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });
const portOpen = () => {
  try {
    sh('curl', ['-s', '-m', '1', '-o', '/dev/null', `http://127.0.0.1:${PORT}/ping`]);
    return true;
  } catch {
    return false;
  }
};
const listeners = () => sh('sh', ['-c', `ss -ltnpH 'sport = :${PORT}' || true`]).trim();

function build(n, flags) {
  const bin = `${out}/app-${n}`;
  const t = Date.now();
  sh('go', ['build', ...flags, '-o', bin, '.'], { cwd: app });
  return { bin, ms: Date.now() - t };
}

const found = await delve.findDlv();
if (!found) throw new Error('dlv not found: ' + delve.INSTALL_DLV.join(' '));
step(`dlv found via ${found.via}: ${found.path}`);

async function session(bin, n) {
  const dlv = await delve.startDlvDap({
    dlvPath: found.path,
    cwd: app,
    env: { ...process.env, GOPHER_RELOAD_TREE: tree },
    onStdout: (d) =>
      process.stdout.write(
        d
          .toString()
          .split('\n')
          .filter((l) => l && !l.includes('[GIN-debug]'))
          .map((l) => `      app> ${l}\n`)
          .join(''),
      ),
    onStderr: (d) => process.stdout.write(`      dlv stderr> ${d}`),
  });
  step(`session ${n}: dlv dap pid ${dlv.process.pid} listening on ${dlv.host}:${dlv.port}`);
  const c = new DapClient();
  await c.connect(dlv.port, dlv.host);
  await c.request('initialize', { clientID: 'gopher-reload-proto', adapterID: 'go', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await c.request('launch', delve.execLaunchArguments(bin, app, { PORT, GIN_MODE: 'release' }));
  const proc = await c.waitEvent('process');
  await c.waitEvent('initialized');
  step(`session ${n}: launched ${path.basename(bin)}, debuggee pid ${proc.body.systemProcessId}`);
  const bp = await c.request('setBreakpoints', { source: { path: BP_FILE }, breakpoints: [{ line: BP_LINE }] });
  await c.request('configurationDone');
  step(`session ${n}: breakpoint ${path.basename(BP_FILE)}:${BP_LINE} verified=${bp.body.breakpoints[0].verified}, configurationDone`);
  while (!portOpen()) await new Promise((r) => setTimeout(r, 20));
  step(`session ${n}: app listening on :${PORT} (${listeners().replace(/\s+/g, ' ')})`);
  const curl = spawn('curl', ['-s', `http://127.0.0.1:${PORT}/users/999`]);
  let body = '';
  curl.stdout.on('data', (d) => (body += d));
  const stopped = await c.waitEvent('stopped', 30000, (e) => e.body.reason === 'breakpoint');
  const st = await c.request('stackTrace', { threadId: stopped.body.threadId, startFrame: 0, levels: 1 });
  const top = st.body.stackFrames[0];
  step(`session ${n}: STOPPED (${stopped.body.reason}) in pid ${proc.body.systemProcessId} at ${top.name} ${top.source.path}:${top.line}`);
  await c.request('continue', { threadId: stopped.body.threadId });
  await new Promise((r) => curl.on('exit', r));
  step(`session ${n}: continued; response ${body}`);
  return { dlv, c, pid: proc.body.systemProcessId, top };
}

async function end(s, n) {
  const t = Date.now();
  await s.c.request('disconnect', { terminateDebuggee: true });
  const tAns = Date.now() - t;
  await s.dlv.exited;
  const tDlv = Date.now() - t;
  while (portOpen() || listeners()) await new Promise((r) => setTimeout(r, 10));
  let alive = true;
  try {
    process.kill(s.pid, 0);
  } catch {
    alive = false;
  }
  step(`session ${n}: disconnect answered ${tAns} ms, dlv exited ${tDlv} ms, port free ${Date.now() - t} ms; old pid ${s.pid} alive=${alive}`);
  s.c.close();
}

let b = build(1, [delve.DEBUG_GCFLAGS]);
step(`build 1 (-gcflags=all=-N -l): ${b.ms} ms`);
const s1 = await session(b.bin, 1);

// The edit: a line below the breakpoint, so line 46 is still GetUser's first statement.
const src = fs.readFileSync(BP_FILE, 'utf8');
fs.writeFileSync(BP_FILE, src.replace('"user not found"', '"user not found (edited)"'));
step("edited handlers/users.go (GetUser's 404 message)");
const rel = build('rel', ['-ldflags=-s -w']);
step(`for comparison, a default -s -w build of the edit: ${rel.ms} ms`);
b = build(2, [delve.DEBUG_GCFLAGS]);
step(`build 2 (-gcflags=all=-N -l) of the edit: ${b.ms} ms`);
await end(s1, 1);
const s2 = await session(b.bin, 2);
if (s2.pid === s1.pid) throw new Error('same pid');
if (s2.top.line !== BP_LINE || s2.top.source.path !== BP_FILE) throw new Error('wrong frame');
step(`OK: stopped at the same breakpoint in a new process (pid ${s1.pid} → ${s2.pid})`);
await end(s2, 2);
const left = sh('sh', ['-c', `grep -l ${tree} /proc/[0-9]*/environ 2>/dev/null || true`]).trim();
step(`processes with tree marker ${tree} left: ${left || 'none'}`);
