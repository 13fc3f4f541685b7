import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../src/core/config/config';
import { ReloadEngine } from '../../src/core/engine/engine';
import { listProcesses } from '../../src/core/run/processTree';
import { body, copyFixture, edit, harness, processesUnder, repoRoot, waitState, waitUntil } from '../support/helpers';
import { record } from './record';

const wrap = path.join(repoRoot(), 'test', 'fixtures', 'tools', 'buildwrap.sh');
const save = (h: { dir: string; engine: ReloadEngine }, v: string) => {
  edit(path.join(h.dir, 'main.go'), /^const message = "[^"]*"/m, `const message = "${v}"`);
  h.engine.fileChanged(path.join(h.dir, 'main.go'));
};

/** Faults from outside, each reported clearly, each followed by a save that recovers. */
describe('faults: recovery', function () {
  it('the server killed from outside: reported as a crash, restarted, and the next save works', async () => {
    const h = await harness('nethttp');
    h.engine.start();
    const s = await waitState(h, 'running');
    const t0 = Date.now();
    let from = h.states.length;
    process.kill(s.pid, 'SIGKILL');
    const crash = await waitState(h, 'crashed', 10_000, from);
    assert.equal(crash.signal, 'SIGKILL');
    await waitState(h, 'running', 30_000, from);
    const back = Date.now() - t0;
    from = h.states.length;
    save(h, 'after kill');
    await waitUntil('saved code served', async () => (await body(h.port)) === 'after kill');
    record({
      group: 'Load and faults',
      test: 'The server killed from outside (SIGKILL)',
      figure: `reported as "crashed: SIGKILL", serving again after ${back} ms (backoff restart); next save served`,
    });
  });

  it('the build tool killed mid-build: reported, old server untouched, the next save works', async function () {
    if (process.platform !== 'linux') this.skip();
    const dir = copyFixture('nethttp');
    const stateDir = fs.mkdtempSync(path.join(dir, '.wrap-'));
    const h = await harness(
      'nethttp',
      { buildCommand: [wrap, stateDir, 'go', 'build', '-o', '${binary}', '.'], exclude: ['**/.wrap-*/**'], env: { BUILDWRAP_SLEEP: '1' } },
      dir,
    );
    h.engine.start();
    await waitState(h, 'running');
    const from = h.states.length;
    save(h, 'never built');
    await waitState(h, 'building', 10_000, from);
    await new Promise((r) => setTimeout(r, 300));
    const buildPid = Number(fs.readFileSync(path.join(stateDir, 'current.pid'), 'utf8'));
    process.kill(buildPid, 'SIGKILL');
    const err = await waitState(h, 'error', 10_000, from);
    assert.match(err.message, /killed from outside/);
    assert.equal(await body(h.port), 'nethttp v1', 'the old server keeps serving');
    save(h, 'recovered');
    await waitUntil('recovered', async () => (await body(h.port)) === 'recovered', 60_000);
    record({
      group: 'Load and faults',
      test: 'The build killed from outside mid-build',
      figure: `"${err.message}"; old server kept serving; next save served`,
    });
  });

  it('the output folder deleted while running: the next save recreates it', async () => {
    const h = await harness('nethttp');
    h.engine.start();
    await waitState(h, 'running');
    fs.rmSync(path.join(h.dir, '.gopher-reload'), { recursive: true, force: true });
    save(h, 'recreated');
    await waitUntil('served', async () => (await body(h.port)) === 'recreated', 60_000);
    assert.ok(fs.existsSync(path.join(h.dir, '.gopher-reload')));
    record({
      group: 'Load and faults',
      test: 'The output folder deleted while the server runs',
      figure: 'next save rebuilt into a recreated folder and served',
    });
  });

  it('a build that hangs: stopped at the timeout, reported, and the next save works', async () => {
    const dir = copyFixture('nethttp');
    const h = await harness('nethttp', { buildCommand: ['sleep', '30'], buildTimeoutMs: 1000 }, dir);
    h.engine.start();
    const t0 = Date.now();
    const err = await waitState(h, 'error', 10_000);
    const after = Date.now() - t0;
    assert.match(err.message, /did not finish within 1 s/);
    assert.deepEqual(
      processesUnder(dir).filter((p) => p.cmd.includes('sleep')),
      [],
    );
    assert.ok(
      !listProcesses().some(
        (p) => p.pid > 0 && fs.existsSync(`/proc/${p.pid}/cmdline`) && fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8') === 'sleep\u000030\u0000',
      ),
      'the hung build is killed',
    );
    h.engine.reconfigure(resolveConfig(dir, { env: { PORT: String(h.port) } }).config, false);
    save(h, 'after hang');
    await waitUntil('served', async () => (await body(h.port)) === 'after hang', 60_000);
    record({ group: 'Load and faults', test: 'A build that hangs', figure: `stopped and reported after ${after} ms (timeout 1 s); next save served` });
  });

  it('stopped mid-build and mid-restart: nothing survives', async function () {
    // Mid-build: a slow build in progress when the engine is disposed (the extension deactivates).
    const dir = copyFixture('nethttp');
    const stateDir = fs.mkdtempSync(path.join(dir, '.wrap-'));
    const h = await harness(
      'nethttp',
      { buildCommand: [wrap, stateDir, 'go', 'build', '-o', '${binary}', '.'], exclude: ['**/.wrap-*/**'], env: { BUILDWRAP_SLEEP: '3' } },
      dir,
    );
    h.engine.start();
    await waitState(h, 'building', 10_000, 0);
    await new Promise((r) => setTimeout(r, 500));
    await h.dispose();
    const midBuild = processesUnder(dir).length + processesUnder(stateDir).length;
    // Mid-restart: a server that ignores SIGINT is being stopped (kill delay 1 s) when disposed.
    const h2 = await harness('stubborn', { killDelayMs: 1000 });
    h2.engine.start();
    await waitState(h2, 'running');
    const from = h2.states.length;
    edit(path.join(h2.dir, 'main.go'), 'message = "stubborn v1"', 'message = "stubborn v2"');
    h2.engine.fileChanged(path.join(h2.dir, 'main.go'));
    await waitState(h2, 'building', 10_000, from);
    const mark = h2.output().length;
    // "built in" is printed as the swap begins: the old server ignores SIGINT, so its stop takes 1 s.
    await waitUntil('the swap', () => h2.output().slice(mark).includes('built in'), 60_000);
    await new Promise((r) => setTimeout(r, 200));
    await h2.dispose();
    await new Promise((r) => setTimeout(r, 200));
    const midRestart = processesUnder(h2.dir).length;
    record({
      group: 'Load and faults',
      test: 'Engine stopped (extension deactivated) mid-build and mid-restart',
      figure: `${midBuild} processes left after mid-build, ${midRestart} after mid-restart`,
    });
    assert.equal(midBuild, 0);
    assert.equal(midRestart, 0);
  });

  it('the Go toolchain nowhere: every place looked is listed, and the next save works once it is back', async () => {
    const h = await harness('nethttp', { env: { PATH: '/nonexistent' } });
    // Go at a default location is found even without PATH (next test): name a go that is nowhere.
    h.engine.reconfigure({ ...h.engine.configuration, goAlternateTool: 'go-nowhere' }, false);
    h.engine.start();
    const err = await waitState(h, 'error');
    const looked = err.hint.split('\n').filter((l) => l.startsWith('  /')).length;
    assert.ok(looked >= 8, err.hint);
    h.engine.reconfigure(resolveConfig(h.dir, { env: { PORT: String(h.port) } }).config, false);
    save(h, 'go is back');
    await waitUntil('served', async () => (await body(h.port)) === 'go is back', 60_000);
    record({
      group: 'Load and faults',
      test: 'The Go toolchain nowhere to be found',
      figure: `"${err.message}" with ${looked} places listed; next save after the fix served`,
    });
  });

  it('Go not on PATH, GOROOT unset (VS Code started from a dock): found at its default install location and served', async function () {
    if (!fs.existsSync('/usr/local/go/bin/go')) this.skip();
    const h = await harness('nethttp', { env: { PATH: '/usr/bin:/bin', GOROOT: '' } });
    const t0 = performance.now();
    h.engine.start();
    await waitState(h, 'running', 90_000);
    const ms = Math.round(performance.now() - t0);
    assert.equal(await body(h.port), 'nethttp v1');
    assert.equal(h.engine.goBinary, '/usr/local/go/bin/go');
    record({
      group: 'Load and faults',
      test: 'Go not on PATH and GOROOT unset (VS Code started from a dock)',
      figure: `served from ${h.engine.goBinary} in ${ms} ms`,
    });
  });
});
