// Experiment 6: headless multiclient: after a client detaches, do its breakpoints still stop the app
// (which would hang requests with nobody attached)? And how fast does each stop path free the port?
// usage: node exp6.mjs <delve.mjs bundle> <debug binary> <app dir> <port>
import { spawn, execSync } from 'node:child_process';
import { DapClient } from './dapClient.mjs';
const [bundle, dbg, appDir, port] = process.argv.slice(2);
const delve = await import(bundle);
const dlvPath = (await delve.findDlv()).path;
const t0 = Date.now();
const log = (...a) => console.log(`+${Date.now() - t0}ms`, ...a);
const portOpen = () => {
  try {
    execSync(`curl -s -m 1 -o /dev/null http://127.0.0.1:${port}/ping`);
    return true;
  } catch {
    return false;
  }
};
const until = async (f) => {
  while (!f()) await new Promise((r) => setTimeout(r, 5));
};
const env = { ...process.env, PORT: port, GIN_MODE: 'release' };
async function attach(d) {
  const c = new DapClient();
  await c.connect(d.port);
  await c.request('initialize', { adapterID: 'go', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await c.request('attach', { request: 'attach', mode: 'remote' });
  await c.waitEvent('initialized');
  return c;
}
{
  const d = await delve.startDlvHeadless(dbg, [], { dlvPath, cwd: appDir, env, continueAtStart: true });
  await until(portOpen);
  const c = await attach(d);
  await c.request('setBreakpoints', { source: { path: `${appDir}/handlers/users.go` }, breakpoints: [{ line: 46 }] });
  await c.request('configurationDone');
  await c.request('disconnect', { terminateDebuggee: false });
  c.close();
  await new Promise((r) => setTimeout(r, 200));
  let code;
  try {
    execSync(`curl -s -m 3 -o /dev/null http://127.0.0.1:${port}/users/1`);
    code = 0;
  } catch (e) {
    code = e.status;
  }
  log(
    "request to the breakpoint's route after the client detached: curl exit",
    code,
    code === 0 ? '(answered: breakpoints cleared on detach)' : '(HUNG: breakpoint still active)',
  );
  const c2 = await attach(d);
  await c2.request('configurationDone');
  const t = Date.now();
  await c2.request('disconnect', { terminateDebuggee: true });
  await d.exited;
  await until(() => !portOpen());
  log("engine's own DAP client disconnect(terminateDebuggee) → dlv gone + port free:", Date.now() - t, 'ms');
  c2.close();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  const d = await delve.startDlvHeadless(dbg, [], { dlvPath, cwd: appDir, env, continueAtStart: true });
  await until(portOpen);
  const t = Date.now();
  d.process.kill(sig);
  const r = await d.exited;
  await until(() => !portOpen());
  log(`${sig} to headless dlv → exit ${JSON.stringify(r)}, port free in`, Date.now() - t, 'ms');
}
