#!/usr/bin/env node
// The debug bench's own checks can fail (node test/bench/debugSelfCheck.mjs): the "under dlv"
// test tells a plain server from one under Delve, the leftover scan sees a dlv that still runs,
// the floor's Ctrl-C leaves nothing (Delve's telemetry child included), and debugProblems()
// reports a row in the wrong mode, a leftover, and a skipped row.
// Prints "debug bench self-check: N passed, N failed, 0 skipped".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { WORK, freePort, ginCopy, sleep, untilServes, writeMessage } from './lib.mjs';
import { debugFloor, findDlv, running, servingTree, tracker } from './debugTools.mjs';
import { debugProblems } from './debugCheck.mjs';
import { processesUnder } from '../support/index.mjs';

let passed = 0;
let failed = 0;
const check = (title, ok, detail = '') => {
  ok ? passed++ : failed++;
  console.log(`  ${ok ? '✔' : '✗'} ${title}${ok || !detail ? '' : `: ${detail}`}`);
};

fs.mkdirSync(WORK, { recursive: true });
const dir = ginCopy('debug-selfcheck');
const track = tracker();
track.dirs.add(dir);
try {
  const port = await freePort();
  writeMessage(dir, 'plain');
  const bin = path.join(dir, 'bin', 'plain');
  if (spawnSync('go', ['build', '-o', bin, '.'], { cwd: dir }).status !== 0) throw new Error(`go build failed in ${dir}`);
  const plain = spawn(bin, [], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  await untilServes(port, 'plain', performance.now(), 30_000, 10);
  const t1 = servingTree(dir);
  check('a plain server is found and is not under dlv', t1.apps === 1 && !t1.underDlv && t1.dlvPids.length === 0, JSON.stringify(t1));
  plain.kill('SIGKILL');
  await new Promise((r) => plain.once('exit', r));

  const floor = debugFloor(findDlv());
  writeMessage(dir, 'under dlv');
  await floor.start(dir, port);
  await untilServes(port, 'under dlv', performance.now(), 60_000, 10);
  const t2 = servingTree(dir);
  track.see(dir, t2);
  check('a server under dlv exec is found under dlv, with its dlv', t2.apps === 1 && t2.underDlv && t2.dlvPids.length === 1, JSON.stringify(t2));
  const d = { n: 1, dlvSeen: 1, saveToServing: {}, leftRunning: [], loadavgStart: [0], machine: { cpus: 2 }, versions: {}, firstSwitch: { rows: {} } };
  for (const k of ['ours-debug', 'ours', 'floor-debug']) {
    d.saveToServing[k] = { label: k, n: 1, failed: 0, median: 1, underDlv: k === 'ours' ? 0 : 1 };
    if (k !== 'ours') d.firstSwitch.rows[k] = { label: k, ms: 1, underDlv: true };
  }
  const whileRunning = debugProblems(d);
  check(
    'debugProblems() reports a dlv still running in the bench folders',
    whileRunning.some((p) => p.startsWith('running now:') && p.includes('dlv')),
    whileRunning.join('; '),
  );
  const left = track.left(dir);
  check('the tracker lists the running dlv and its app as left', left.length >= 2, JSON.stringify(left));

  await floor.interrupt(); // Ctrl-C, as the floor does between saves
  let after = track.left(dir);
  for (let i = 0; i < 50 && after.length; i++) {
    await sleep(100);
    after = track.left(dir);
  }
  check(
    `after the floor's Ctrl-C nothing of it runs (dlv, its ${t2.children.length} child process(es): the app, Delve's telemetry)`,
    after.length === 0 && t2.children.every((p) => !running(p)),
    JSON.stringify(after),
  );
  check('debugProblems() finds nothing wrong in a complete result', debugProblems(d).length === 0, debugProblems(d).join('; '));

  const wrongMode = structuredClone(d);
  wrongMode.saveToServing['ours-debug'].underDlv = 0;
  check(
    'debugProblems() reports a debug row that was not served under dlv',
    debugProblems(wrongMode).some((p) => p.startsWith('ours-debug: served under dlv 0')),
  );
  const leak = structuredClone(d);
  leak.leftRunning = [{ tool: 'ours-debug', pid: 1, cmd: 'dlv exec …' }];
  check(
    'debugProblems() reports a process left after Ctrl-C',
    debugProblems(leak).some((p) => p.startsWith('left running')),
  );
  const skipped = structuredClone(d);
  skipped.saveToServing['ours-debug'] = { label: 'x', skipped: 'no --debug' };
  check(
    'debugProblems() reports a skipped row',
    debugProblems(skipped).some((p) => p.includes('not measured')),
  );
} finally {
  track.killAll();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(`${dir}.log`, { force: true });
}
const left = processesUnder(dir);
check('nothing of the self-check is left', left.length === 0, JSON.stringify(left));
console.log(`debug bench self-check: ${passed} passed, ${failed} failed, 0 skipped`);
process.exit(failed ? 1 : 0);
