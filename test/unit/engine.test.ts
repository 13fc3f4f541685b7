import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { body, copyFixture, edit, harness, repoRoot, waitState, waitUntil } from '../support/helpers';
import { seeded } from '../support/random';

/**
 * The reload loop on real Go projects: real `go build`, real servers, real HTTP (integration).
 * The same cases in exact milliseconds, without Go, are in changeQueue.test.ts and loop.test.ts.
 */
describe('engine: save to serving', function () {
  it('serves the Gin app, then the new code after a save, with timings', async () => {
    const h = await harness('gin-api');
    h.engine.start();
    const first = await waitState(h, 'running');
    assert.equal(first.port, h.port, 'port detected from Gin\'s "Listening and serving HTTP on" line');
    assert.equal(await body(h.port), 'Hello from Gin v1');

    const from = h.states.length;
    edit(path.join(h.dir, 'handlers', 'message.go'), 'Gin v1', 'Gin v2');
    h.engine.fileChanged(path.join(h.dir, 'handlers', 'message.go'));
    const s = await waitState(h, 'running', 90_000, from);
    assert.equal(await body(h.port), 'Hello from Gin v2');
    assert.notEqual(s.pid, first.pid);
    assert.equal(s.timings.trigger, 'handlers/message.go');
    for (const k of ['buildMs', 'stopMs', 'startToReadyMs', 'saveToReadyMs'] as const) {
      assert.equal(typeof s.timings[k], 'number', k);
    }
    assert.ok(s.timings.saveToReadyMs! >= s.timings.buildMs!, 'save-to-ready covers the build');
  });

  it('detects the port of a server that prints nothing (from its sockets)', async function () {
    if (process.platform !== 'linux') this.skip();
    const h = await harness('nethttp');
    h.engine.start();
    const s = await waitState(h, 'running');
    assert.equal(s.port, h.port);
    assert.equal(await body(h.port), 'nethttp v1');
  });

  it('coalesces a burst of 20 saves (Save All) into one build', async () => {
    const h = await harness('nethttp');
    h.engine.start();
    await waitState(h, 'running');
    const from = h.states.length;
    const files = Array.from({ length: 20 }, (_, i) => path.join(h.dir, `gen${i}.go`));
    for (const f of files) fs.writeFileSync(f, 'package main\n');
    edit(path.join(h.dir, 'main.go'), 'message = "nethttp v1"', 'message = "nethttp v2"');
    for (const f of [...files, path.join(h.dir, 'main.go')]) h.engine.fileChanged(f);
    await waitState(h, 'running', 90_000, from);
    await h.engine.idle();
    assert.equal(h.states.slice(from).filter((s) => s.kind === 'building').length, 1);
    assert.equal(await body(h.port), 'nethttp v2');
  });

  it('a storm whose events come slower than the quiet window (60 ms apart for a second) still gives few builds', async () => {
    const dir = copyFixture('nethttp');
    const stateDir = fs.mkdtempSync(path.join(dir, '.wrap-'));
    const wrap = path.join(repoRoot(), 'test', 'fixtures', 'tools', 'buildwrap.sh');
    const h = await harness(
      'nethttp',
      { buildCommand: [wrap, stateDir, 'go', 'build', '-o', '${binary}', '.'], env: { BUILDWRAP_SLEEP: '0.3' }, exclude: ['**/.wrap-*/**'] },
      dir,
    );
    h.engine.start();
    await waitState(h, 'running');
    const from = h.states.length;
    for (let i = 0; i < 17; i++) {
      fs.writeFileSync(path.join(dir, `storm${i}.go`), 'package main\n');
      h.engine.fileChanged(path.join(dir, `storm${i}.go`));
      await new Promise((r) => setTimeout(r, 60));
    }
    await waitState(h, 'running', 90_000, from);
    await h.engine.idle();
    const builds = h.states.slice(from).filter((s) => s.kind === 'building').length;
    // Without the growing window every 60 ms gap would start a build (17).
    assert.ok(builds <= 3, `${builds} builds`);
  });

  it('reads env files once per reload: the build and the server share them, a bad one is reported once', async () => {
    const h = await harness('nethttp', { envFiles: ['missing.env'] });
    h.engine.start();
    await waitState(h, 'running');
    assert.equal(h.output().split('missing.env could not be read').length - 1, 1, h.output());
  });

  it('ignores saves that change nothing, test files and excluded folders', async () => {
    const h = await harness('nethttp');
    h.engine.start();
    await waitState(h, 'running');
    const main = path.join(h.dir, 'main.go');
    // A late event for content the running build already has (recorded by content at start).
    assert.equal(h.engine.fileChanged(main), false);
    const from = h.states.length;
    fs.writeFileSync(main, fs.readFileSync(main)); // format-on-save rewriting identical bytes
    assert.equal(h.engine.fileChanged(main), false);
    fs.writeFileSync(path.join(h.dir, 'main_test.go'), 'package main\n');
    assert.equal(h.engine.fileChanged(path.join(h.dir, 'main_test.go')), false);
    fs.mkdirSync(path.join(h.dir, 'vendor'));
    fs.writeFileSync(path.join(h.dir, 'vendor', 'x.go'), 'package x\n');
    assert.equal(h.engine.fileChanged(path.join(h.dir, 'vendor', 'x.go')), false);
    // Nothing was scheduled: idle() resolves at once; a change that counted would be built first.
    await h.engine.idle();
    assert.equal(h.states.length, from, 'no build started');
  });

  it('cancels a build when a newer save arrives and serves the last saved code; never two builds at once', async () => {
    const dir = copyFixture('nethttp');
    const stateDir = fs.mkdtempSync(path.join(dir, '.wrap-'));
    const wrap = path.join(repoRoot(), 'test', 'fixtures', 'tools', 'buildwrap.sh');
    // The wrapper sleeps 1 s before building, so saves 150-300 ms apart land mid-build.
    const h = await harness(
      'nethttp',
      { buildCommand: [wrap, stateDir, 'go', 'build', '-o', '${binary}', '.'], env: { BUILDWRAP_SLEEP: '1' }, exclude: ['**/.wrap-*/**'] },
      dir,
    );
    h.engine.start();
    await waitState(h, 'running');
    const main = path.join(dir, 'main.go');
    const from = h.states.length;
    const random = seeded('ENGINE');
    for (let v = 2; v <= 6; v++) {
      edit(main, /message = "nethttp v\d+"/, `message = "nethttp v${v}"`);
      h.engine.fileChanged(main);
      await new Promise((r) => setTimeout(r, 150 + random() * 150));
    }
    await waitUntil('v6 served', async () => (await body(h.port)) === 'nethttp v6' && h.engine.state.kind === 'running', 120_000);
    await h.engine.idle();
    assert.equal(await body(h.port), 'nethttp v6');
    const builds = h.states.slice(from).filter((s) => s.kind === 'building').length;
    assert.ok(builds >= 2, `several builds were started (${builds})`);
    assert.ok(builds < 6, `builds were cancelled rather than queued (${builds})`);
    const served = h.states.slice(from).filter((s) => s.kind === 'running').length;
    assert.equal(served, 1, 'only the last code was ever served');
    assert.equal(
      fs.existsSync(path.join(stateDir, 'overlaps.log')),
      false,
      fs.existsSync(path.join(stateDir, 'overlaps.log')) ? fs.readFileSync(path.join(stateDir, 'overlaps.log'), 'utf8') : '',
    );
  });
});

describe('engine: broken builds', function () {
  it('keeps the old server answering, reports problems in both packages, recovers on fix', async () => {
    const dir = copyFixture('broken');
    const fix = () => {
      for (const p of ['a/a.go', 'b/b.go']) fs.copyFileSync(path.join(dir, p + '.fixed'), path.join(dir, p));
    };
    const broken = { a: fs.readFileSync(path.join(dir, 'a/a.go')), b: fs.readFileSync(path.join(dir, 'b/b.go')) };
    fix();
    const h = await harness('broken', {}, dir);
    h.engine.start();
    await waitState(h, 'running');
    assert.equal(await body(h.port), 'broken fixed');

    let from = h.states.length;
    fs.writeFileSync(path.join(dir, 'a/a.go'), broken.a);
    fs.writeFileSync(path.join(dir, 'b/b.go'), broken.b);
    h.engine.fileChanged(path.join(dir, 'a/a.go'));
    h.engine.fileChanged(path.join(dir, 'b/b.go'));
    const failed = await waitState(h, 'build-failed', 90_000, from);
    assert.equal(failed.serving, true);
    assert.equal(await body(h.port), 'broken fixed', 'the old server still answers');
    const got = failed.problems.map((p) => `${path.relative(dir, p.file)}:${p.line}:${p.column}`).sort();
    assert.deepEqual(got, ['a/a.go:9:24', 'a/a.go:9:9', 'b/b.go:9:2']);
    const call = failed.problems.find((p) => p.message.startsWith('not enough arguments'))!;
    assert.match(call.message, /\n\s*have \(\)\n\s*want \(string\)/, 'continuation lines kept');

    from = h.states.length;
    fix();
    h.engine.fileChanged(path.join(dir, 'a/a.go'));
    h.engine.fileChanged(path.join(dir, 'b/b.go'));
    await waitState(h, 'running', 90_000, from);
    assert.equal(await body(h.port), 'broken fixed');
  });

  it('with stopOnBuildError, stops the old server when the build fails', async () => {
    const h = await harness('nethttp', { stopOnBuildError: true });
    h.engine.start();
    await waitState(h, 'running');
    const from = h.states.length;
    edit(path.join(h.dir, 'main.go'), 'package main', 'package main\nvar broken int = "x"');
    h.engine.fileChanged(path.join(h.dir, 'main.go'));
    const failed = await waitState(h, 'build-failed', 90_000, from);
    assert.equal(failed.serving, false);
    assert.equal(await body(h.port), undefined);
  });
});
