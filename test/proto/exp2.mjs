// Experiment 2: dlv dap, launch mode exec, breakpoint in a Gin handler, disconnect.
// usage: node exp2.mjs <binary> <appdir> <port>
import { spawn, execSync } from 'node:child_process';
import { DapClient } from './dapClient.mjs';
const [bin, appDir, port] = process.argv.slice(2);
const t0 = Date.now();
const T = () => `+${Date.now() - t0}ms`;
const log = (...a) => console.log(T(), ...a);
const dlvPath = process.env.DLV ?? `${process.env.HOME}/go/bin/dlv`;
const dlv = spawn(dlvPath, ['dap', '--listen=127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
dlv.stdout.on('data', (d) => log('dlv stdout:', JSON.stringify(d.toString())));
dlv.stderr.on('data', (d) => log('dlv stderr:', JSON.stringify(d.toString())));
dlv.on('exit', (c, s) => log('dlv exited', c, s));
const dapPort = await new Promise((res) => {
  let acc = '';
  dlv.stdout.on('data', (d) => {
    acc += d;
    const m = /listening at: ([\d.]+):(\d+)/.exec(acc);
    if (m) res(Number(m[2]));
  });
});
log('dlv dap port', dapPort);
const c = new DapClient(log);
await c.connect(dapPort);
const init = await c.request('initialize', {
  clientID: 'gopher-reload',
  adapterID: 'go',
  linesStartAt1: true,
  columnsStartAt1: true,
  pathFormat: 'path',
  supportsRunInTerminalRequest: false,
});
log(
  'capabilities',
  Object.keys(init.body)
    .filter((k) => init.body[k] === true)
    .join(','),
);
await c.request('launch', {
  request: 'launch',
  mode: 'exec',
  program: bin,
  cwd: appDir,
  env: { PORT: port, GIN_MODE: 'debug', MARKER: 'd14' },
  args: ['--x'],
  stopOnEntry: false,
  outputMode: process.env.OUTPUT_MODE,
});
log('launched');
await c.waitEvent('initialized');
const file = `${appDir}/handlers/users.go`;
const bp = await c.request('setBreakpoints', { source: { path: file }, breakpoints: [{ line: 46 }] });
log('setBreakpoints', JSON.stringify(bp.body));
await c.request('configurationDone');
log('configurationDone');
// wait until app listens
for (;;) {
  try {
    execSync(`curl -s -o /dev/null http://127.0.0.1:${port}/ping`);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
log('app listening on', port);
const pids = execSync(`pgrep -f ${bin} || true`).toString().trim();
log('pids of binary:', pids);
log('dlv children:', execSync(`ps -o pid,ppid,pgid,sid,args --ppid ${dlv.pid} || true`).toString());
const curl = spawn('curl', ['-s', `http://127.0.0.1:${port}/users/1`]);
let curlOut = '';
curl.stdout.on('data', (d) => (curlOut += d));
const stopped = await c.waitEvent('stopped');
log('STOPPED', JSON.stringify(stopped.body));
const st = await c.request('stackTrace', { threadId: stopped.body.threadId, startFrame: 0, levels: 3 });
const f = st.body.stackFrames[0];
log('top frame', f.name, f.source?.path, f.line);
await c.request('continue', { threadId: stopped.body.threadId });
await new Promise((r) => curl.on('exit', r));
log('curl got', curlOut);
const tD = Date.now();
await c.request('disconnect', { terminateDebuggee: true });
log('disconnect answered');
await new Promise((r) => (dlv.exitCode !== null ? r() : dlv.on('exit', r)));
log('dlv gone after', Date.now() - tD, 'ms');
log('pids of binary now:', execSync(`pgrep -f ${bin} || echo none`).toString().trim());
log('port now:', execSync(`ss -ltnp | grep :${port} || echo free`).toString().trim());
c.close();
