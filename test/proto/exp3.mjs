// Experiment 3: dlv exec --headless --accept-multiclient; a DAP client attaches with mode "remote".
// usage: node exp3.mjs <binary> <appdir> <port> [--continue]
import { spawn, execSync } from 'node:child_process';
import { DapClient } from './dapClient.mjs';
const [bin, appDir, port, cont] = process.argv.slice(2);
const t0 = Date.now();
const T = () => `+${Date.now() - t0}ms`;
const log = (...a) => console.log(T(), ...a);
const dlvArgs = ['exec', '--headless', '--accept-multiclient', '--api-version=2', '--listen=127.0.0.1:0', bin, ...(cont ? ['--continue'] : [])];
const dlv = spawn(`${process.env.HOME}/go/bin/dlv`, dlvArgs, { cwd: appDir, env: { ...process.env, PORT: port }, stdio: ['ignore', 'pipe', 'pipe'] });
let all = '';
dlv.stdout.on('data', (d) => {
  all += d;
  log('dlv stdout:', JSON.stringify(d.toString()).slice(0, 160));
});
dlv.stderr.on('data', (d) => log('dlv stderr:', JSON.stringify(d.toString())));
dlv.on('exit', (c, s) => log('dlv exited', c, s));
const dapPort = await new Promise((res) => {
  const f = () => {
    const m = /listening at: ([\d.]+):(\d+)/.exec(all);
    if (m) res(Number(m[2]));
    else setTimeout(f, 5);
  };
  f();
});
log('headless port', dapPort);
const ping = () => {
  try {
    execSync(`curl -s -m 1 -o /dev/null http://127.0.0.1:${port}/ping`);
    return true;
  } catch {
    return false;
  }
};
log('app answers before any client?', ping());
async function session(n, terminate) {
  const c = new DapClient((...a) => log(`[c${n}]`, ...a));
  await c.connect(dapPort);
  await c.request('initialize', { clientID: 'proto', adapterID: 'go', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await c.request('attach', { request: 'attach', mode: 'remote', stopOnEntry: false });
  await c.waitEvent('initialized');
  const bp = await c.request('setBreakpoints', { source: { path: `${appDir}/handlers/users.go` }, breakpoints: [{ line: 46 }] });
  log(`[c${n}] bp`, JSON.stringify(bp.body.breakpoints[0].verified));
  await c.request('configurationDone');
  for (let i = 0; i < 100 && !ping(); i++) await new Promise((r) => setTimeout(r, 50));
  log(`[c${n}] app answers after configurationDone?`, ping());
  const curl = spawn('curl', ['-s', `http://127.0.0.1:${port}/users/1`]);
  const st = await c.waitEvent('stopped');
  const tr = await c.request('stackTrace', { threadId: st.body.threadId, levels: 1 });
  log(`[c${n}] top frame`, tr.body.stackFrames[0].source.path, tr.body.stackFrames[0].line);
  await c.request('continue', { threadId: st.body.threadId });
  await new Promise((r) => curl.on('exit', r));
  const td = Date.now();
  await c.request('disconnect', { terminateDebuggee: terminate }).catch((e) => log('disconnect err', e.message));
  log(`[c${n}] disconnect(terminate=${terminate}) answered in`, Date.now() - td, 'ms');
  await new Promise((r) => setTimeout(r, 300));
  c.close();
}
await session(1, false);
log('after c1 detached: dlv alive?', dlv.exitCode === null, 'app answers?', ping());
await session(2, true);
await new Promise((r) => setTimeout(r, 500));
log('after c2 terminate: dlv alive?', dlv.exitCode === null, 'app answers?', ping());
if (dlv.exitCode === null) {
  const tk = Date.now();
  dlv.kill('SIGTERM');
  await new Promise((r) => dlv.on('exit', r));
  log('SIGTERM → dlv exit in', Date.now() - tk, 'ms; app answers?', ping());
}
log('leftover:', execSync(`pgrep -af ${bin} | grep -v node || echo none`).toString().trim());
