import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { body, copyFixture, edit, harness, processesUnder, repoRoot, waitState, waitUntil } from '../support/helpers';
import { watchTree } from '../../src/core/watch/watcher';
import { OutputThrottle } from '../../src/core/util/outputThrottle';
import { record } from './record';
import { seeded } from '../support/random';

const RELOADS = Number(process.env.GOPHER_RELOAD_FAULT_RELOADS ?? 300);
const ITERATIONS = Number(process.env.GOPHER_RELOAD_FAULT_ITERATIONS ?? 200);

describe('faults: load', function () {
  it(`${RELOADS} reloads of a server that ignores SIGINT and whose child holds the port`, async function () {
    if (process.platform !== 'linux') this.skip();
    const dir = copyFixture('stubborn');
    // Built once; each reload restarts it (no rebuild) and it serves the message file as read at start.
    const bin = path.join(dir, 'bin', 'stubborn');
    assert.equal(spawnSync('go', ['build', '-o', bin, '.'], { cwd: dir }).status, 0);
    const msgFile = path.join(dir, 'message.txt');
    fs.writeFileSync(msgFile, 'reload 0');
    const h = await harness('stubborn', { buildCommand: ['true'], binary: bin, killDelayMs: 50, env: { STUBBORN_MESSAGE_FILE: msgFile } }, dir);
    h.engine.start();
    await waitState(h, 'running');
    let stale = 0;
    const allPids = new Set<number>();
    for (let i = 1; i <= RELOADS; i++) {
      for (const p of h.engine.serverPids()) allPids.add(p);
      fs.writeFileSync(msgFile, `reload ${i}`);
      const from = h.states.length;
      h.engine.start('restart');
      await waitState(h, 'running', 30_000, from);
      if ((await body(h.port)) !== `reload ${i}`) stale++;
    }
    for (const p of h.engine.serverPids()) allPids.add(p);
    await h.engine.stop();
    const left = processesUnder(dir);
    const inUse = (h.output().match(/address already in use/g) ?? []).length;
    record({
      group: 'Load and faults',
      test: `${RELOADS} consecutive reloads of a server that ignores SIGINT and has a child holding the port`,
      figure: `${RELOADS} reloads, ${allPids.size} processes started, ${left.length} left, ${inUse} "address already in use", ${RELOADS - stale}/${RELOADS} served the newest code`,
    });
    assert.deepEqual(left, []);
    assert.equal(inUse, 0);
    assert.equal(stale, 0);
  });

  it(`${ITERATIONS} saves at random moments, during builds and restarts: the last save is served, never two builds at once`, async function () {
    const random = seeded('LOAD');
    if (process.platform === 'win32') this.skip();
    // The stubborn server ignores SIGINT, so every restart lasts the kill delay (300 ms): saves
    // land inside restarts as well as inside builds.
    const dir = copyFixture('stubborn');
    const stateDir = fs.mkdtempSync(path.join(dir, '.wrap-'));
    const wrap = path.join(repoRoot(), 'test', 'fixtures', 'tools', 'buildwrap.sh');
    const h = await harness(
      'stubborn',
      { buildCommand: [wrap, stateDir, 'go', 'build', '-o', '${binary}', '.'], exclude: ['**/.wrap-*/**'], killDelayMs: 300 },
      dir,
    );
    let phase: 'idle' | 'build' | 'restart' = 'idle';
    h.engine.onState((st) => (phase = st.kind === 'building' ? 'build' : 'idle'));
    h.engine.onOutput((o) => {
      if (o.source === 'engine' && o.text.startsWith('built in')) phase = 'restart';
    });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const main = path.join(dir, 'main.go');
    const landed = { idle: 0, build: 0, restart: 0 };
    for (let i = 1; i <= ITERATIONS; i++) {
      edit(main, /^const message = "[^"]*"/m, `const message = "save ${i}"`);
      landed[phase]++;
      h.engine.fileChanged(main);
      // Mostly quick saves (typing and saving), now and then a pause long enough to finish a build.
      await new Promise((r) => setTimeout(r, i % 8 === 0 ? 500 + random() * 500 : random() * 250));
    }
    await waitUntil('the last save served', async () => h.engine.state.kind === 'running' && (await body(h.port)) === `save ${ITERATIONS}`, 120_000);
    await h.engine.idle();
    const overlaps = fs.existsSync(path.join(stateDir, 'overlaps.log'))
      ? fs.readFileSync(path.join(stateDir, 'overlaps.log'), 'utf8').trim().split('\n').length
      : 0;
    const builds = fs.readFileSync(path.join(stateDir, 'builds.log'), 'utf8').trim().split('\n').length;
    const served = h.states.filter((st) => st.kind === 'running').length;
    record({
      group: 'Load and faults',
      test: `${ITERATIONS} saves at random intervals, landing in builds, in restarts and in between`,
      figure: `${landed.build} saves during a build, ${landed.restart} during a restart, ${landed.idle} while idle; ${builds} builds started, ${served} servers started; the last save served at the end; ${overlaps} overlapping builds`,
    });
    assert.equal(await body(h.port), `save ${ITERATIONS}`);
    assert.equal(overlaps, 0);
    assert.ok(landed.restart > 0 && landed.build > 0, JSON.stringify(landed));
  });

  it('a branch switch: 1,000 file events within a second give at most two builds', async () => {
    const h = await harness('nethttp');
    const w = watchTree(h.dir, h.engine.changeFilter, { onChange: (p) => h.engine.fileChanged(p) });
    await w.ready;
    try {
      h.engine.start();
      await waitState(h, 'running');
      const from = h.states.length;
      const gen = path.join(h.dir, 'gen');
      fs.mkdirSync(gen);
      const t0 = Date.now();
      for (let i = 0; i < 999; i++) {
        fs.writeFileSync(path.join(gen, `f${i}.go`), `package gen\n\nconst F${i} = ${i}\n`);
        if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      edit(path.join(h.dir, 'main.go'), 'message = "nethttp v1"', 'message = "nethttp v2"');
      const spread = Date.now() - t0;
      await waitUntil('v2', async () => (await body(h.port)) === 'nethttp v2');
      await new Promise((r) => setTimeout(r, 1500));
      const builds = h.states.slice(from).filter((s) => s.kind === 'building').length;
      record({
        group: 'Load and faults',
        test: 'Branch switch: 1,000 files written within a second',
        figure: `${builds} build(s) for 1,000 events over ${spread} ms`,
      });
      assert.ok(builds <= 2, `${builds} builds`);
    } finally {
      await w.close();
    }
  });

  it('a server that writes 200 MB of logs: memory stays bounded, the display is paced', async () => {
    const MB = Number(process.env.GOPHER_RELOAD_FAULT_LOG_MB ?? 200);
    const h = await harness('chatty', { env: { CHATTY_MB: String(MB) } });
    let displayed = 0;
    let largestWrite = 0;
    const throttle = new OutputThrottle((t) => {
      displayed += t.length;
      largestWrite = Math.max(largestWrite, t.length);
    });
    let received = 0;
    h.engine.onOutput((o) => {
      if (o.source === 'server') {
        received += o.text.length;
        throttle.push(o.text);
      }
    });
    const retained = () => {
      global.gc?.();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const kept0 = retained();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t0 = Date.now();
    try {
      h.engine.start();
      await waitState(h, 'running');
      await waitUntil('all logs read', () => received >= MB * 1024 * 1024, 120_000);
      assert.equal(await body(h.port), 'chatty v1', 'still serving');
    } finally {
      clearInterval(sampler);
      throttle.dispose();
    }
    const growth = Math.round((peak - rss0) / 2 ** 20);
    const kept = Math.round((retained() - kept0) / 2 ** 20);
    record({
      group: 'Load and faults',
      test: `A server that writes ${MB} MB of logs`,
      figure: `${Math.round(received / 2 ** 20)} MB read in ${((Date.now() - t0) / 1000).toFixed(1)} s while serving; ${kept} MB retained afterwards (peak RSS +${growth} MB before garbage collection); ${(displayed / 2 ** 20).toFixed(1)} MB displayed, at most ${Math.round(largestWrite / 1024)} KB per 16 ms frame`,
    });
    assert.ok(kept < 50, `${kept} MB retained after ${MB} MB of logs`);
    assert.ok(largestWrite <= 70 * 1024);
  });
});
