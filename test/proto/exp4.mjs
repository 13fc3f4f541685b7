// Experiment 4: env merge, abrupt client close, disconnect while paused, panic / exit of the debuggee.
// usage: node exp4.mjs <delve.mjs bundle> <gin binary> <gin dir> <port> <panic binary>
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { DapClient } from './dapClient.mjs';
const [bundle, bin, appDir, port, panicBin] = process.argv.slice(2);
const delve = await import(bundle);
const t0 = Date.now();
const log = (...a) => console.log(`+${Date.now() - t0}ms`, ...a);
const dlvPath = (await delve.findDlv()).path;
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return false;
  }
};
const portOpen = () => {
  try {
    execSync(`curl -s -m 1 -o /dev/null http://127.0.0.1:${port}/ping`);
    return true;
  } catch {
    return false;
  }
};

async function start(binary, args = [], logOut = false) {
  const dlv = await delve.startDlvDap({
    dlvPath,
    cwd: appDir,
    env: { ...process.env, GOPHER_RELOAD_TREE: 'exp4', FROM_DLV_ENV: 'yes' },
    onStdout: (d) => logOut && log('stdout>', JSON.stringify(d.toString())),
    onStderr: (d) => logOut && log('stderr>', JSON.stringify(d.toString())),
  });
  const c = new DapClient(logOut ? (...a) => log('  dap', ...a) : () => {});
  await c.connect(dlv.port);
  await c.request('initialize', { adapterID: 'go', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await c.request('launch', delve.execLaunchArguments(binary, appDir, { PORT: port, FROM_LAUNCH: 'yes' }, args));
  const pid = (await c.waitEvent('process')).body.systemProcessId;
  await c.waitEvent('initialized');
  return { dlv, c, pid };
}

// A: env
{
  const s = await start(bin);
  await s.c.request('configurationDone');
  while (!portOpen()) await new Promise((r) => setTimeout(r, 20));
  const env = fs.readFileSync(`/proc/${s.pid}/environ`, 'utf8').split('\0');
  log(
    'A env of debuggee: PORT',
    env.includes(`PORT=${port}`),
    'FROM_LAUNCH',
    env.includes('FROM_LAUNCH=yes'),
    'FROM_DLV_ENV',
    env.includes('FROM_DLV_ENV=yes'),
    'marker',
    env.includes('GOPHER_RELOAD_TREE=exp4'),
    'cwd',
    fs.readlinkSync(`/proc/${s.pid}/cwd`),
  );
  // B: abrupt close of the DAP socket (VS Code window crash)
  const t = Date.now();
  s.c.close();
  const r = await s.dlv.exited;
  log(
    'B client socket closed without disconnect: dlv exited',
    JSON.stringify(r),
    'in',
    Date.now() - t,
    'ms; debuggee alive',
    alive(s.pid),
    'port open',
    portOpen(),
  );
}
// C: disconnect while paused at a breakpoint
{
  const s = await start(bin);
  await s.c.request('setBreakpoints', { source: { path: `${appDir}/handlers/users.go` }, breakpoints: [{ line: 46 }] });
  await s.c.request('configurationDone');
  while (!portOpen()) await new Promise((r) => setTimeout(r, 20));
  const curl = spawn('curl', ['-s', '-m', '10', `http://127.0.0.1:${port}/users/1`]);
  await s.c.waitEvent('stopped');
  log('C paused at breakpoint; a second request while paused answers?', portOpen());
  const t = Date.now();
  await s.c.request('disconnect', { terminateDebuggee: true });
  await s.dlv.exited;
  log('C disconnect while paused: dlv exited in', Date.now() - t, 'ms; debuggee alive', alive(s.pid), 'port open', portOpen());
  if (curl.exitCode === null) await new Promise((r) => curl.on('exit', r));
  log('C held curl exit code', curl.exitCode);
}
// D: SIGTERM to dlv dap while the app runs (engine kill path)
{
  const s = await start(bin);
  await s.c.request('configurationDone');
  while (!portOpen()) await new Promise((r) => setTimeout(r, 20));
  const t = Date.now();
  process.kill(s.dlv.process.pid, 'SIGTERM');
  const r = await s.dlv.exited;
  await new Promise((r) => setTimeout(r, 100));
  log('D SIGTERM to dlv dap: dlv', JSON.stringify(r), 'in', Date.now() - t, 'ms; debuggee alive', alive(s.pid), 'port open', portOpen());
  s.c.close();
  if (alive(s.pid)) process.kill(s.pid, 'SIGKILL');
}
// E: debuggee exits normally / panics
for (const args of [[], ['panic']]) {
  const s = await start(panicBin, args, true);
  await s.c.request('configurationDone');
  const ev = await Promise.race([s.c.waitEvent('stopped', 10000).then((e) => e), s.c.waitEvent('terminated', 10000).then((e) => e)]);
  log(`E ${args.join(' ') || 'normal exit'}: first event`, ev.event, JSON.stringify(ev.body ?? {}));
  if (ev.event === 'stopped') {
    const info = await s.c.request('exceptionInfo', { threadId: ev.body.threadId }).catch((e) => ({ body: e.message }));
    log('E exceptionInfo', JSON.stringify(info.body).slice(0, 200));
    await s.c.request('continue', { threadId: ev.body.threadId });
    const ev2 = await s.c.waitEvent('terminated', 10000).catch((e) => ({ event: e.message }));
    log('E after continue:', ev2.event);
  }
  await s.c.request('disconnect', { terminateDebuggee: true }).catch(() => {});
  log('E dlv exit', JSON.stringify(await s.dlv.exited));
  s.c.close();
}
