import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { defaultBuildArgv, resolveConfig } from '../../src/core/config/config';
import { compileOnlyArgv, Speculation } from '../../src/core/engine/speculation';
import { body, copyFixture, harness, processesUnder, waitState, waitUntil, type Harness } from '../support/helpers';

/**
 * Pre-build while typing: the unsaved text is built with `go build -overlay`; a save of exactly
 * that text swaps to the candidate without building, and anything else builds as usual.
 * Real go builds of test/fixtures/nethttp, real servers.
 */
describe('pre-build while typing (go build -overlay)', function () {
  const version = (text: string, v: string) => text.replace(/^const message = "nethttp v\d+"/m, `const message = "nethttp ${v}"`);
  // The build line names the go the engine found ($ /usr/local/go/bin/go build …) or plain go.
  const builds = (h: Harness) => (h.output().match(/\$ \S*\bgo build/g) ?? []).length;

  async function running(): Promise<{ h: Harness; main: string; original: string }> {
    const h = await harness('nethttp');
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    await h.engine.idle();
    const main = path.join(h.dir, 'main.go');
    return { h, main, original: fs.readFileSync(main, 'utf8') };
  }

  /** Saves text the way the editor does, then reports the change; resolves with the next running state. */
  async function save(h: Harness, file: string, text: string) {
    const from = h.states.length;
    fs.writeFileSync(file, text);
    assert.equal(h.engine.fileChanged(file), true);
    return waitState(h, 'running', 90_000, from);
  }

  it('a save of exactly the pre-built text swaps to it without a build; disk is never touched before', async () => {
    const { h, main, original } = await running();
    const typed = version(original, 'v2');
    assert.equal(h.engine.speculate(new Map([[main, typed]])), true);
    await h.engine.idle(); // the candidate is built
    assert.equal(fs.readFileSync(main, 'utf8'), original, 'the unsaved text stays in the editor');
    assert.equal(await body(h.port), 'nethttp v1');
    const before = builds(h);
    const r = await save(h, main, typed);
    assert.equal(r.timings.prebuilt, true);
    assert.equal(builds(h), before, 'no build ran for the save');
    assert.equal(await body(h.port), 'nethttp v2');
    await h.dispose();
  });

  it('a save that differs from the pre-built text builds as usual', async () => {
    const { h, main, original } = await running();
    h.engine.speculate(new Map([[main, version(original, 'v3')]]));
    await h.engine.idle();
    const before = builds(h);
    const r = await save(h, main, version(original, 'v4'));
    assert.equal(r.timings.prebuilt, undefined);
    assert.equal(builds(h), before + 1);
    assert.equal(await body(h.port), 'nethttp v4');
    await h.dispose();
  });

  it('another file changed on disk since the pre-build: it builds as usual', async () => {
    const { h, main, original } = await running();
    const typed = version(original, 'v5');
    h.engine.speculate(new Map([[main, typed]]));
    await h.engine.idle();
    const extra = path.join(h.dir, 'extra.go');
    fs.writeFileSync(extra, 'package main\n\nconst extra = 1\n');
    h.engine.fileChanged(extra);
    await waitState(h, 'running', 90_000, h.states.length); // that change builds on its own
    const r = await save(h, main, typed);
    assert.equal(r.timings.prebuilt, undefined, 'the candidate was built without extra.go');
    assert.equal(await body(h.port), 'nethttp v5');
    await h.dispose();
  });

  it('a keystroke cancels the pre-build; a save while it still builds waits for it when it matches', async () => {
    const { h, main, original } = await running();
    h.engine.speculate(new Map([[main, version(original, 'v6')]]));
    h.engine.cancelSpeculation();
    let r = await save(h, main, version(original, 'v6'));
    assert.equal(r.timings.prebuilt, undefined, 'cancelled: nothing to use');
    const typed = version(original, 'v7');
    h.engine.speculate(new Map([[main, typed]]));
    r = await save(h, main, typed); // at once, while the candidate is still building
    assert.equal(r.timings.prebuilt, true);
    assert.equal(await body(h.port), 'nethttp v7');
    await h.dispose();
  });

  it('not with a custom build command, preBuild steps, or the setting off', async () => {
    for (const raw of [{ buildCommand: ['go', 'build', '-o', '${binary}', '.'] }, { preBuild: [['go', 'version']] }, { buildWhileTyping: false }]) {
      const h = await harness('nethttp', raw);
      h.engine.start();
      await waitState(h, 'running', 90_000, 0);
      const main = path.join(h.dir, 'main.go');
      assert.equal(h.engine.speculate(new Map([[main, 'package main']])), false, JSON.stringify(raw));
      await h.dispose();
    }
  });
  describe('the compile-only pass (go list -export) fills the build cache the build then uses', () => {
    const quiet = { trace: () => {}, info: () => {}, warn: () => {}, error: () => {} };

    /** `go build -x` of main.go holding `text` (through an overlay, as the save's build would not need): the packages it compiled. */
    function compiledBy(dir: string, text: string, flags: Record<string, unknown> = {}): string[] {
      const { config } = resolveConfig(dir, flags);
      const copy = path.join(dir, `check-${randomBytes(4).toString('hex')}.go.txt`);
      fs.writeFileSync(copy, text);
      const overlay = path.join(dir, 'check-overlay.json');
      fs.writeFileSync(overlay, JSON.stringify({ Replace: { [path.join(dir, 'main.go')]: copy } }));
      const argv = defaultBuildArgv(config, path.join(dir, 'check-bin'));
      argv.splice(2, 0, '-x', `-overlay=${overlay}`);
      const r = spawnSync(argv[0], argv.slice(1), { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return [...r.stderr.matchAll(/\/compile .* -p (\S+)/g)].map((m) => m[1]);
    }

    for (const flags of [{}, { debugInfo: true }]) {
      it(`after it, the build of the same text compiles nothing, only links; other text compiles (${JSON.stringify(flags)})`, async () => {
        const dir = copyFixture('nethttp');
        const { config } = resolveConfig(dir, flags);
        const main = path.join(dir, 'main.go');
        // Unique per run: the go build cache outlives the test, so a fixed text could be cached already.
        const original = fs.readFileSync(main, 'utf8');
        const text = (tag: string) => original.replace(/^const message = "nethttp v\d+"/m, `const message = "nethttp ${tag}"`);
        const typed = text(randomBytes(6).toString('hex'));
        const s = new Speculation(() => config, quiet, 3_600_000); // the link pause never ends: compile only
        s.start(new Map([[main, typed]]), process.env);
        assert.equal(await s.compiled(), true, 'the compile-only pass succeeded');
        s.cancel();
        assert.deepEqual(compiledBy(dir, typed, flags), [], 'the same text: every package came from the cache');
        assert.deepEqual(compiledBy(dir, text(randomBytes(6).toString('hex')), flags), ['main'], 'control: other text is compiled');
        assert.equal(fs.readFileSync(main, 'utf8'), original, 'disk untouched');
        await s.dispose();
      });
    }

    it('a keystroke during the compile pass kills it: its package is not compiled, nothing keeps running', async () => {
      const dir = copyFixture('nethttp');
      const { config } = resolveConfig(dir, {});
      const main = path.join(dir, 'main.go');
      const typed = fs.readFileSync(main, 'utf8').replace('nethttp v1', `nethttp ${randomBytes(6).toString('hex')}`);
      const s = new Speculation(() => config, quiet, 60_000);
      s.start(new Map([[main, typed]]), process.env);
      s.cancel(); // the next keystroke, at once
      assert.equal(await s.take(), undefined, 'no candidate');
      await waitUntil('nothing left', () => processesUnder(dir).length === 0, 10_000);
      // Had the pass run on, the build cache would hold main for this text.
      assert.deepEqual(compiledBy(dir, typed), ['main']);
      await s.dispose();
    });

    it('matchesDisk: true only while the disk holds exactly the candidate text and nothing else changed', async () => {
      const dir = copyFixture('nethttp');
      const { config } = resolveConfig(dir, {});
      const main = path.join(dir, 'main.go');
      const original = fs.readFileSync(main, 'utf8');
      const typed = original.replace('nethttp v1', 'nethttp v9');
      const s = new Speculation(() => config, quiet, 60_000);
      assert.equal(s.matchesDisk(), false, 'no candidate');
      s.start(new Map([[main, typed]]), process.env);
      assert.equal(s.matchesDisk(), false, 'not saved yet');
      fs.writeFileSync(main, typed);
      s.noteChange(main);
      assert.equal(s.matchesDisk(), true, 'saved as typed');
      fs.writeFileSync(main, typed + '\n');
      assert.equal(s.matchesDisk(), false, 'saved with one more byte');
      fs.writeFileSync(main, typed);
      const extra = path.join(dir, 'extra.go');
      fs.writeFileSync(extra, 'package main\n');
      s.noteChange(extra);
      assert.equal(s.matchesDisk(), false, 'another file changed since');
      await s.dispose();
    });

    it('uses the build flags, the package, and no -o', () => {
      assert.deepEqual(compileOnlyArgv(['go', 'build', '-overlay=/o.json', '-ldflags=-s -w', '-tags=dev', '-o', '/bin/x', './cmd/api']), [
        'go',
        'list',
        '-export',
        '-f',
        '{{.Export}}',
        '-overlay=/o.json',
        '-ldflags=-s -w',
        '-tags=dev',
        './cmd/api',
      ]);
    });
  });
});
