import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../src/core/run/ports';
import { isAlive } from '../../src/core/run/processTree';
import type { EngineState } from '../../src/core/engine/state';
import { body, copyFixture, edit, harness, processesUnder, repoRoot, waitState, waitUntil, type Harness } from '../support/helpers';
import { record } from './record';

/**
 * Nothing left behind: a daemon that escaped to its own session with the listening socket,
 * orphans of a crashed server, a pre-build step that leaves a background process.
 */

/** A variable only this test's processes carry (sleep's command line does not name the test folder). */
const tagged = (tag: string): number[] =>
  fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .map(Number)
    .filter((pid) => {
      try {
        if (/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
        return fs.readFileSync(`/proc/${pid}/environ`).includes(`GR_TEST_TAG=${tag}\0`);
      } catch {
        return false;
      }
    });
const newTag = () => randomBytes(6).toString('hex');
/** Pids printed by the daemon fixture's daemons ("daemon <pid> serving"). */
const daemons = (out: string) => [...out.matchAll(/^daemon (\d+) serving$/gm)].map((m) => Number(m[1]));
/** Running, and done with what follows a start (go list of the imports carries the tag too). */
const running = async (h: Harness, from: number) => {
  const s = await waitState(h, 'running', 90_000, from);
  await h.engine.idle();
  return s;
};
const save = (h: Harness, v: string) => {
  edit(path.join(h.dir, 'main.go'), /^const message = "[^"]*"/m, `const message = "${v}"`);
  h.engine.fileChanged(path.join(h.dir, 'main.go'));
};

describe('faults: processes that escape', function () {
  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  it('a daemon that double-forked into its own session with the listening socket: killed on reload, crash and dispose', async () => {
    const tag = newTag();
    const h = await harness('daemon', { env: { GR_TEST_TAG: tag } });
    h.engine.start();
    await running(h, 0);
    const d1 = await waitUntil('the first daemon', () => daemons(h.output())[0]);
    const tree1 = [...tagged(tag)];
    assert.ok(tree1.includes(d1) && tree1.length === 2, `server and daemon, nothing else: ${tree1.map((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8'))}`);
    const pgid = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
    const ppid = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    assert.ok(!h.engine.serverPids().includes(d1) && pgid(d1) !== pgid(tree1.find((p) => p !== d1)!), 'the daemon is outside the group and the tree');
    const adoptedBy = ppid(d1);

    // Reload: the old daemon held the port; the new code must be what answers.
    let from = h.states.length;
    save(h, 'daemon v2');
    await running(h, from);
    const answers = await Promise.all(Array.from({ length: 20 }, () => body(h.port)));
    assert.deepEqual(new Set(answers), new Set(['daemon v2']), 'every answer is the new code');
    const afterReload = tree1.filter(isAlive);
    assert.deepEqual(afterReload, [], 'the old server and its daemon are gone');

    // Crash: the server dies on its own; its daemon must go with it before the restart.
    const d2 = await waitUntil('the new daemon', () => daemons(h.output())[1]);
    const tree2 = tagged(tag);
    assert.ok(tree2.includes(d2) && tree2.length === 2, `${tree2}`);
    from = h.states.length;
    process.kill(
      tree2.find((p) => p !== d2)!,
      'SIGKILL',
    );
    await waitState(h, 'crashed', 10_000, from);
    const afterCrash = tree2.filter(isAlive);
    assert.deepEqual(afterCrash, [], 'the crashed server left no daemon');
    await running(h, from);
    assert.equal(await body(h.port), 'daemon v2');

    // Dispose: nothing of ours is left, wherever it went.
    const d3 = await waitUntil('the daemon after the restart', () => daemons(h.output())[2]);
    const tree3 = tagged(tag);
    assert.ok(tree3.includes(d3) && tree3.length === 2, `${tree3}`);
    await h.dispose();
    await waitUntil('everything gone', () => tagged(tag).length === 0 || undefined, 3000).catch(() => undefined);
    const afterDispose = tagged(tag);
    assert.deepEqual(afterDispose, []);
    record({
      group: 'Load and faults',
      test: 'A server whose daemon double-forks into its own session with the listening socket',
      figure: `the daemon (adopted by pid ${adoptedBy}) was killed: after a save ${answers.length} of ${answers.length} answers were the new code; processes left after the reload ${afterReload.length}, after a crash ${afterCrash.length}, after dispose ${afterDispose.length}`,
    });
  });

  it('the same daemon ignoring SIGINT and SIGTERM: killed after the kill delay, the new code served', async () => {
    const tag = newTag();
    const h = await harness('daemon', { killDelayMs: 300, env: { GR_TEST_TAG: tag, DAEMON_STUBBORN: '1' } });
    h.engine.start();
    await running(h, 0);
    await waitUntil('the daemon', () => daemons(h.output())[0]);
    const old = tagged(tag);
    const from = h.states.length;
    save(h, 'daemon v2');
    const s = await running(h, from);
    const answers = await Promise.all(Array.from({ length: 20 }, () => body(h.port)));
    assert.deepEqual(new Set(answers), new Set(['daemon v2']));
    assert.deepEqual(old.filter(isAlive), []);
    assert.ok(s.timings.stopMs! >= 300, `waited the kill delay, then killed (${s.timings.stopMs} ms)`);
    record({
      group: 'Load and faults',
      test: 'A daemon in its own session that ignores SIGINT and SIGTERM',
      figure: `killed after the kill delay (stop took ${s.timings.stopMs} ms, delay 300 ms); after a save ${answers.length} of ${answers.length} answers were the new code`,
    });
  });

  for (const how of ['SIGINT', 'SIGKILL'] as const) {
    it(`the same daemon with the real CLI: nothing left after ${how} to the CLI`, async () => {
      const dir = copyFixture('daemon');
      const port = await freePort();
      const cli: ChildProcess = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), dir, '--kill-delay-ms', '300'], {
        env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      cli.stdout!.on('data', (b) => (out += b));
      cli.stderr!.on('data', (b) => (out += b));
      const exited = new Promise((r) => cli.once('exit', r));
      await waitUntil('running', () => out.includes('● running') && daemons(out).length > 0, 90_000);
      const tree = processesUnder(dir)
        .map((p) => p.pid)
        .filter((p) => p !== cli.pid);
      const d = daemons(out)[0];
      assert.ok(tree.includes(d) && tree.length === 2, `server and daemon are up: ${JSON.stringify(processesUnder(dir))}`);
      const t0 = Date.now();
      cli.kill(how);
      await exited;
      await waitUntil('the server and its daemon are gone', () => tree.every((p) => !isAlive(p)), 5000);
      const ms = Date.now() - t0;
      const left = processesUnder(dir).filter((p) => p.pid !== cli.pid);
      assert.deepEqual(left, []);
      record({
        group: 'Load and faults',
        test: `The CLI stopped with ${how} while a server's daemon holds the port in its own session`,
        figure: `server and daemon gone ${ms} ms after ${how}${how === 'SIGKILL' ? ' (by the reaper)' : ''}; processes left: ${left.length}`,
      });
    });
  }

  it('a server that starts children in their own process group and crashes: no orphan after 3 crash restarts', async () => {
    const tag = newTag();
    const h = await harness('orphan', { env: { GR_TEST_TAG: tag } });
    h.engine.start();
    await waitUntil(
      'the last crash (no more restarts)',
      () => h.states.find((s): s is Extract<EngineState, { kind: 'crashed' }> => s.kind === 'crashed' && s.retryInMs === undefined),
      30_000,
    );
    const runs = [...h.output().matchAll(/^orphan \d+ started sleeps (\d+) (\d+)$/gm)];
    const sleeps = runs.flatMap((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(runs.length, 4, 'the first start and 3 crash restarts');
    // SIGKILL is delivered asynchronously: give the last crash's orphans a moment to be gone.
    const leftNow = () => [...new Set([...sleeps.filter(isAlive), ...tagged(tag)])];
    await waitUntil('the orphans gone', () => leftNow().length === 0 || undefined, 2000).catch(() => undefined);
    const left = leftNow();
    assert.deepEqual(left, [], `no sleep left of ${sleeps.length}`);
    record({
      group: 'Load and faults',
      test: 'A crashing server that starts children in their own process group',
      figure: `${runs.length} crashes (3 restarts) left ${left.length} of ${sleeps.length} sleep processes`,
    });
  });

  it('a pre-build step that starts a background process: the build does not wait for it, and dispose stops it', async () => {
    const tag = newTag();
    const h = await harness('nethttp', { preBuild: ['sleep 1000 &'], buildTimeoutMs: 60_000, env: { GR_TEST_TAG: tag } });
    h.engine.start();
    const first = await running(h, 0);
    assert.ok(first.timings.buildMs! < 5000, `built in ${first.timings.buildMs} ms`);
    assert.equal(await body(h.port), 'nethttp v1');
    const from = h.states.length;
    save(h, 'nethttp v2');
    const second = await running(h, from);
    assert.ok(second.timings.buildMs! < 5000, `rebuilt in ${second.timings.buildMs} ms`);
    assert.equal(await body(h.port), 'nethttp v2');
    const sleeping = tagged(tag).filter((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep\0'));
    assert.equal(sleeping.length, 2, 'the background processes the user started keep running meanwhile');
    assert.match(h.output(), /still holds? its output.*not waited for/, 'and the log says so');
    await h.dispose();
    await waitUntil('background processes stopped', () => tagged(tag).length === 0 || undefined, 3000).catch(() => undefined);
    const left = tagged(tag);
    assert.deepEqual(left, []);
    record({
      group: 'Load and faults',
      test: 'A pre-build step that starts a background process (`sleep 1000 &`)',
      figure: `builds done in ${first.timings.buildMs} and ${second.timings.buildMs} ms (timeout 60 s), not waiting for the background process; left after dispose: ${left.length} of ${sleeping.length}`,
    });
  });

  it('the CLI killed with SIGKILL after a pre-build step left a background process: the reaper stops it', async () => {
    const dir = copyFixture('nethttp');
    const tag = newTag();
    const port = await freePort();
    const cli: ChildProcess = spawn(
      process.execPath,
      [path.join(repoRoot(), 'dist', 'cli.js'), dir, '--pre-build', 'sleep 1000 &', '-e', `GR_TEST_TAG=${tag}`],
      {
        env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    cli.stdout!.on('data', (b) => (out += b));
    cli.stderr!.on('data', (b) => (out += b));
    const exited = new Promise((r) => cli.once('exit', r));
    await waitUntil('running', () => out.includes('● running'), 90_000);
    const sleeping = tagged(tag).filter((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep\0'));
    assert.equal(sleeping.length, 1, 'the background sleep runs');
    const t0 = Date.now();
    cli.kill('SIGKILL');
    await exited;
    const gone = await waitUntil('the sleep is gone', () => tagged(tag).length === 0 || undefined, 5000).catch(() => false);
    const ms = Date.now() - t0;
    const left = tagged(tag);
    for (const p of left) process.kill(p, 'SIGKILL');
    assert.ok(gone, `left: ${left}`);
    record({
      group: 'Load and faults',
      test: "The CLI killed (SIGKILL) while a pre-build step's background process runs",
      figure: `the reaper stopped it ${ms} ms later; processes left: ${left.length}`,
    });
  });
});
