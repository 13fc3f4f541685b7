// Experiment 5: start → app listening, and stop → port free: plain binary vs under dlv (dap exec, headless --continue).
// usage: node exp5.mjs <delve.mjs bundle> <rel binary> <debug binary> <app dir> <port> [rounds]
import { spawn, execSync } from 'node:child_process';
import { DapClient } from './dapClient.mjs';
const [bundle, rel, dbg, appDir, port, rounds = '3'] = process.argv.slice(2);
const delve = await import(bundle);
const dlvPath = (await delve.findDlv()).path;
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
const rows = [];
for (let i = 0; i < Number(rounds); i++) {
  for (const [name, bin] of [
    ['plain -s -w', rel],
    ['plain -N -l', dbg],
  ]) {
    let t = Date.now();
    const p = spawn(bin, [], { cwd: appDir, env, stdio: 'ignore' });
    await until(portOpen);
    const up = Date.now() - t;
    t = Date.now();
    p.kill('SIGTERM');
    await new Promise((r) => p.on('exit', r));
    await until(() => !portOpen());
    rows.push([name, up, Date.now() - t]);
  }
  {
    let t = Date.now();
    const d = await delve.startDlvDap({ dlvPath, cwd: appDir, env: process.env });
    const c = new DapClient();
    await c.connect(d.port);
    await c.request('initialize', { adapterID: 'go', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await c.request('launch', delve.execLaunchArguments(dbg, appDir, { PORT: port, GIN_MODE: 'release' }));
    await c.waitEvent('initialized');
    await c.request('configurationDone');
    await until(portOpen);
    const up = Date.now() - t;
    t = Date.now();
    await c.request('disconnect', { terminateDebuggee: true });
    await d.exited;
    await until(() => !portOpen());
    rows.push(['dlv dap exec', up, Date.now() - t]);
    c.close();
  }
  {
    let t = Date.now();
    const d = await delve.startDlvHeadless(dbg, [], { dlvPath, cwd: appDir, env, continueAtStart: true });
    await until(portOpen);
    const up = Date.now() - t;
    t = Date.now();
    d.process.kill('SIGTERM');
    await d.exited;
    await until(() => !portOpen());
    rows.push(['dlv exec --headless --continue (SIGTERM to stop)', up, Date.now() - t]);
  }
}
console.log('variant | start→listening ms | stop→port free ms');
for (const r of rows) console.log(r.join(' | '));
