import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BuildProgressTracker, mainImportPath, PackageLineFilter, progressSummary, withoutPackageLines } from '../../src/core/build/buildProgress';
import { runCommand } from '../../src/core/build/command';
import { listPackagesToCompile } from '../../src/core/build/packagesToCompile';
import { resolveConfig, type RawSettings } from '../../src/core/config/config';
import { Builder } from '../../src/core/engine/builder';
import { ProgressTicker } from '../../src/core/engine/progressTicker';
import type { BuildProgress, EngineOutput } from '../../src/core/engine/state';
import { copyFixture, repoRoot, TEST_TMP } from '../support/helpers';
import { seeded } from '../support/random';

// Real outputs of Go 1.26, `2>&1`: gin-cold*.txt is `go build -v -ldflags=-s -w -o bin .` of
// test/fixtures/gin-api with an empty GOCACHE (-downloading: an empty module cache too, served by a
// file:// GOPROXY); gin-deps.txt is `go list -deps .` of it; broken-cold-v.txt and broken-plain.txt
// are the build of test/fixtures/broken with -v (empty GOCACHE) and without.
const DATA = path.join(repoRoot(), 'test', 'unit', 'testdata', 'build-progress');
const captured = (name: string) => fs.readFileSync(path.join(DATA, name), 'utf8');
const GIN_DEPS = captured('gin-deps.txt').trim().split('\n');
/** A cold build compiles every dependency but "unsafe" (nothing to compile). */
const GIN_COMPILED = GIN_DEPS.filter((p) => p !== 'unsafe');

/** The text cut at random points, as a pipe may deliver it. */
function chunks(text: string, random: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(random() * (random() < 0.2 ? 3 : 400));
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Every snapshot after each chunk, then the final one. */
function feed(text: string, random: () => number, opts = {}): BuildProgress[] {
  let t = 0;
  const tracker = new BuildProgressTracker({ ...opts, now: () => t });
  const seen: BuildProgress[] = [];
  for (const c of chunks(text, random)) {
    t += 1;
    tracker.write(c);
    seen.push(tracker.snapshot());
  }
  tracker.end();
  seen.push(tracker.snapshot());
  return seen;
}

const ORDER = { downloading: 0, compiling: 1, linking: 2 };

describe('build progress: go build -v output', () => {
  it('a cold gin build split anywhere: every compiled package counted once, in order, then linking', () => {
    const random = seeded('BUILD_PROGRESS');
    const text = captured('gin-cold.txt');
    for (let round = 0; round < 20; round++) {
      const seen = feed(text, random, { total: GIN_COMPILED.length, mainPackage: 'example.com/gin-api' });
      const last = seen[seen.length - 1];
      assert.equal(last.done, GIN_COMPILED.length, 'one per package go list -deps names, but unsafe');
      assert.equal(last.total, GIN_COMPILED.length);
      assert.equal(last.phase, 'linking');
      assert.equal(last.current, 'example.com/gin-api');
      for (let i = 1; i < seen.length; i++) {
        assert.ok(seen[i].done >= seen[i - 1].done, 'done never goes back');
        assert.ok(seen[i].elapsedMs >= seen[i - 1].elapsedMs);
        assert.ok(ORDER[seen[i].phase] >= ORDER[seen[i - 1].phase], `phase ${seen[i - 1].phase} → ${seen[i].phase}`);
      }
      // Linking only once the main package was printed, which is the last line.
      assert.ok(seen.filter((p) => p.phase === 'linking').every((p) => p.done === GIN_COMPILED.length));
    }
  });

  it('counts the same packages go list -deps names (the total is the cold build, std included)', () => {
    const printed = captured('gin-cold.txt').trim().split('\n');
    assert.deepEqual([...printed].sort(), [...GIN_COMPILED].sort());
    const counted: string[] = [];
    const tracker = new BuildProgressTracker();
    for (const line of printed) {
      tracker.write(line + '\n');
      counted.push(tracker.snapshot().current!);
    }
    assert.deepEqual(counted, printed);
    // Without the main package's path nor a total, the phase stays compiling: no guess.
    assert.equal(tracker.snapshot().phase, 'compiling');
    assert.equal(tracker.snapshot().total, undefined);
  });

  it('module downloads are their own phase, before the compile; they are not packages', () => {
    const random = seeded('BUILD_PROGRESS_DL');
    const text = captured('gin-cold-downloading.txt');
    const downloads = text.split('\n').filter((l) => l.startsWith('go: downloading ')).length;
    assert.ok(downloads > 5, 'the capture has downloads');
    const seen = feed(text, random, { total: GIN_COMPILED.length, mainPackage: 'example.com/gin-api' });
    const last = seen[seen.length - 1];
    assert.equal(last.done, GIN_COMPILED.length);
    assert.equal(last.downloaded, downloads);
    assert.equal(last.phase, 'linking');
    const downloading = seen.filter((p) => p.phase === 'downloading');
    assert.ok(downloading.length > 0);
    assert.ok(downloading.every((p) => p.done === 0 && /@?v?\S+/.test(p.current ?? '')));
    assert.match(progressSummary(downloading[downloading.length - 1]), /^downloading modules \(\d+\)$/);
  });

  it('a failed build: headers, file:line errors and their continuation lines are not packages', () => {
    const v = captured('broken-cold-v.txt');
    const tracker = new BuildProgressTracker({ mainPackage: 'example.com/broken' });
    tracker.write(v);
    tracker.end();
    const plainLines = captured('broken-plain.txt').split('\n').filter(Boolean).length;
    assert.equal(tracker.snapshot().done, v.split('\n').filter(Boolean).length - plainLines);
    assert.equal(tracker.snapshot().phase, 'compiling', 'main was never compiled');
  });

  it('the filter takes out exactly the package lines: what is left is the output without -v', () => {
    const random = seeded('BUILD_PROGRESS_FILTER');
    const v = captured('broken-cold-v.txt');
    const plain = captured('broken-plain.txt');
    for (let round = 0; round < 30; round++) {
      const f = new PackageLineFilter();
      let shown = '';
      for (const c of chunks(v, random)) shown += f.write(c);
      shown += f.flush();
      assert.equal(shown, plain);
    }
    assert.equal(withoutPackageLines(v), plain);
    assert.equal(withoutPackageLines(captured('gin-cold.txt')), '');
    // An error line is passed on as soon as it cannot be a package (no waiting for its newline).
    const f = new PackageLineFilter();
    assert.equal(f.write('main.go:3'), 'main.go:3');
    assert.equal(f.write(': bad\nexample.com/x'), ': bad\n');
    assert.equal(f.write('\r\nlast words'), 'last words');
    assert.equal(f.write('\nexample.com/y'), '\n');
    assert.equal(f.flush(), '', 'an unterminated package line at the end is one too');
  });

  it("go list's plan makes the total exact: the union of what it calls stale and what was printed", () => {
    const t = new BuildProgressTracker();
    t.write('a\nb\n');
    assert.equal(t.snapshot().total, undefined);
    // b was compiled before go list looked at it (not stale any more), c and m are still to come.
    t.plan(['a', 'c', 'm'], 'm');
    assert.deepEqual([t.snapshot().done, t.snapshot().total, t.snapshot().phase], [2, 4, 'compiling']);
    t.write('c\nm\n');
    assert.deepEqual([t.snapshot().done, t.snapshot().total, t.snapshot().phase], [4, 4, 'linking']);
    // Told after the main package was printed: linking at once.
    const late = new BuildProgressTracker();
    late.write('x\nexample.com/app\n');
    late.plan([], 'example.com/app');
    assert.deepEqual([late.snapshot().total, late.snapshot().phase], [2, 'linking']);
  });

  it("names the main package's import path as go build -v prints it", () => {
    const gin = path.join(repoRoot(), 'test', 'fixtures', 'gin-api');
    assert.equal(mainImportPath(gin, '.'), 'example.com/gin-api');
    assert.equal(mainImportPath(gin, './handlers'), 'example.com/gin-api/handlers');
    assert.equal(mainImportPath(path.join(gin, 'handlers'), '..'), 'example.com/gin-api');
    assert.equal(mainImportPath(gin, 'main.go'), 'command-line-arguments');
    assert.equal(mainImportPath(gin, 'example.com/other/cmd'), 'example.com/other/cmd');
    assert.equal(mainImportPath(path.parse(gin).root, '.'), undefined);
  });
});

describe('build progress: real builds', function () {
  this.timeout(400_000);

  it('a real cold go build -v of gin-api through runCommand: done climbs to every package, then linking', async () => {
    const dir = copyFixture('gin-api');
    const cache = fs.mkdtempSync(path.join(TEST_TMP, 'gocache-'));
    const deps = spawnSync('go', ['list', '-deps', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(deps.status, 0, deps.stderr);
    const compiled = deps.stdout
      .trim()
      .split('\n')
      .filter((p) => p !== 'unsafe');
    const seen: (BuildProgress | undefined)[] = [];
    const ticker = new ProgressTicker((p) => seen.push(p), { total: compiled.length, mainPackage: mainImportPath(dir, '.') });
    try {
      const r = await runCommand(['go', 'build', '-v', '-o', path.join(dir, 'app'), '.'], {
        cwd: dir,
        env: { ...process.env, GOCACHE: cache },
        onOutput: (t) => ticker.write(t),
      }).done;
      assert.ok(r.ok, r.output);
    } finally {
      ticker.end();
      fs.rmSync(cache, { recursive: true, force: true });
    }
    assert.equal(seen.pop(), undefined, 'the last update says the build is over');
    const all = seen as BuildProgress[];
    const last = all[all.length - 1];
    assert.equal(last.done, compiled.length, 'an empty cache compiles every dependency');
    assert.equal(last.phase, 'linking');
    assert.ok(all.length >= 4, `${all.length} updates`);
    for (let i = 1; i < all.length; i++) assert.ok(all[i].done >= all[i - 1].done && all[i].elapsedMs >= all[i - 1].elapsedMs);
    assert.ok(
      all.some((p) => p.done > 0 && p.done < compiled.length),
      'seen part way',
    );
    // Throttled: never more than ~4 a second (plus the final one).
    assert.ok(all.length <= (last.elapsedMs / 1000) * 4 + 3, `${all.length} updates in ${last.elapsedMs} ms`);
    assert.ok(last.elapsedMs > 1000, `${last.elapsedMs} ms`);
  });

  it('the elapsed time ticks every second with no output; nothing comes after end()', async () => {
    const seen: (BuildProgress | undefined)[] = [];
    const ticker = new ProgressTicker((p) => seen.push(p), {});
    await new Promise((r) => setTimeout(r, 2300));
    ticker.end();
    const n = seen.length;
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(seen.length, n, 'the timer stopped');
    assert.equal(seen[n - 1], undefined);
    const ticks = seen.slice(0, -1) as BuildProgress[];
    assert.ok(ticks.length >= 3 && ticks.length <= 5, `${ticks.length} updates in 2.3 s`);
    assert.ok(ticks[ticks.length - 1].elapsedMs >= 2000);
    assert.ok(ticks.every((p) => p.done === 0 && p.phase === 'compiling'));
  });

  const quiet = { trace() {}, info() {}, warn() {}, error() {} };
  const builder = (dir: string, seen: (BuildProgress | undefined)[], out: EngineOutput[], raw: RawSettings = {}) =>
    new Builder({
      config: () => resolveConfig(dir, raw).config,
      buildStep: () => undefined,
      log: quiet,
      out: (o) => out.push(o),
      requeue: () => undefined,
      progress: (p) => seen.push(p),
    });

  it("the builder: a custom build command's one-word lines are shown, never counted as packages", async () => {
    const dir = copyFixture('crash');
    const seen: (BuildProgress | undefined)[] = [];
    const out: EngineOutput[] = [];
    const cmd = ['sh', '-c', 'echo Building; echo fmt; sleep 1.3; echo done; go build -o "$GOPHER_RELOAD_BINARY" .'];
    const built = await builder(dir, seen, out, { buildCommand: cmd }).run(process.env, new AbortController().signal);
    assert.ok(built.result?.ok, built.result?.output);
    assert.match(out.map((o) => o.text).join(''), /Building\nfmt\n/);
    assert.ok(seen.length >= 2, 'the elapsed time was reported');
    assert.ok(
      seen.every((p) => !p || p.done === 0),
      `counted: ${JSON.stringify(seen.map((p) => p?.done))}`,
    );
  });

  it('the builder: a cold default build reports progress to linking, and no package line reaches the output', async () => {
    const dir = copyFixture('crash'); // few std packages: a short cold build
    const cache = fs.mkdtempSync(path.join(TEST_TMP, 'gocache-'));
    const seen: (BuildProgress | undefined)[] = [];
    const out: EngineOutput[] = [];
    try {
      const built = await builder(dir, seen, out).run({ ...process.env, GOCACHE: cache }, new AbortController().signal);
      assert.ok(built.result?.ok, built.result?.output);
      assert.equal(built.result!.output, '', 'the package lines are progress, not output');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
    assert.equal(seen.pop(), undefined);
    const last = seen[seen.length - 1]!;
    const deps = spawnSync('go', ['list', '-deps', '.'], { cwd: dir, encoding: 'utf8' }).stdout.trim().split('\n');
    assert.equal(last.done, deps.filter((p) => p !== 'unsafe').length);
    assert.equal(last.total, last.done, 'go list, asked after a second, gave the exact total');
    assert.ok(
      seen.some((p) => p!.total !== undefined && p!.done < p!.total),
      'the total was known part way',
    );
    assert.equal(last.phase, 'linking');
    assert.equal(last.current, deps[deps.length - 1], 'the main package, listed last');
    const shown = out.filter((o) => o.source === 'build').map((o) => o.text);
    assert.deepEqual(shown, []);
    assert.match(out.map((o) => o.text).join(''), /\$ go build -v /);
  });

  it('the builder: a build cancelled part way ends its progress and its go list; nothing runs on, nothing more is emitted', async () => {
    const dir = copyFixture('crash');
    const cache = fs.mkdtempSync(path.join(TEST_TMP, 'gocache-'));
    const seen: (BuildProgress | undefined)[] = [];
    const abort = new AbortController();
    try {
      const run = builder(dir, seen, []).run({ ...process.env, GOCACHE: cache }, abort.signal);
      // After the go list for the total started (1 s), before a cold build can end.
      await new Promise((r) => setTimeout(r, 1300));
      abort.abort();
      const built = await run;
      assert.equal(built.result?.cancelled, true);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
    const n = seen.length;
    assert.equal(seen[n - 1], undefined, 'the build is over');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(seen.length, n, 'no update after the end');
    // Neither go build nor go list (nor their children) still works in the project.
    if (process.platform !== 'linux') return;
    const inDir = fs.readdirSync('/proc').filter((pid) => {
      try {
        return /^\d+$/.test(pid) && fs.readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    });
    assert.deepEqual(inDir, []);
  });

  it('the builder asks go list for the total only while compiling: not during a long link', async function () {
    if (process.platform === 'win32') this.skip(); // a shell script stands in for go
    // A `go` in front of the real one on PATH: its build first prints what it is given in
    // GR_FIRST (as go build -v would), then waits 2 s (a long link), then runs the real build;
    // its list leaves a mark, then runs the real list.
    const real = spawnSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).stdout.trim();
    const bin = fs.mkdtempSync(path.join(TEST_TMP, 'fakego-'));
    const mark = path.join(bin, 'listed');
    fs.writeFileSync(
      path.join(bin, 'go'),
      `#!/bin/sh\nif [ "$1" = list ]; then touch "${mark}"; else printf "$GR_FIRST" >&2; sleep 2; fi\nexec "${real}/bin/go" "$@"\n`,
      { mode: 0o755 },
    );
    const dir = copyFixture('crash');
    const env = (first: string) => ({ ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, GR_FIRST: first });
    const seen: (BuildProgress | undefined)[] = [];
    const linked = await builder(dir, seen, []).run(env('example.com/crash\\n'), new AbortController().signal);
    assert.ok(linked.result?.ok, linked.result?.output);
    assert.ok(seen.some((p) => p?.phase === 'linking' && p.elapsedMs >= 1000));
    assert.equal(fs.existsSync(mark), false, 'no go list while linking');
    // Control: the same 2 s spent before anything was compiled asks go list (so the check above can fail).
    const compiling = await builder(dir, [], []).run(env(''), new AbortController().signal);
    assert.ok(compiling.result?.ok, compiling.result?.output);
    assert.equal(fs.existsSync(mark), true, 'go list asked while compiling');
  });

  it('the builder: a failed build gives the output of a build without -v, streamed and in the result', async () => {
    const dir = copyFixture('broken');
    const plain = spawnSync('go', ['build', '-o', path.join(dir, 'x'), '.'], { cwd: dir, encoding: 'utf8' });
    assert.notEqual(plain.status, 0);
    const seen: (BuildProgress | undefined)[] = [];
    const out: EngineOutput[] = [];
    const built = await builder(dir, seen, out).run(process.env, new AbortController().signal);
    assert.equal(built.result?.ok, false);
    assert.equal(built.result!.output, plain.stderr);
    const streamed = out
      .filter((o) => o.source === 'build')
      .map((o) => o.text)
      .join('');
    assert.equal(streamed, plain.stderr);
    assert.equal(seen.pop(), undefined);
    assert.ok((seen[seen.length - 1]?.done ?? 0) >= 2, 'the two failing packages were compiled');
  });

  it('go list names as stale what go build -v then compiles, on a warm cache after an edit (an upper bound)', async () => {
    const dir = copyFixture('gin-api');
    const argv = ['go', 'build', '-v', '-ldflags=-s -w', '-o', path.join(dir, 'app'), '.'];
    const build = () => spawnSync(argv[0], argv.slice(1), { cwd: dir, encoding: 'utf8' });
    assert.equal(build().status, 0, 'warm the cache');
    const file = path.join(dir, 'handlers', 'general.go');
    const stamp = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const both = ['example.com/gin-api/handlers', 'example.com/gin-api'];
    // A new exported function changes what main compiles against: both are compiled.
    fs.appendFileSync(file, `\nfunc Stamp${stamp}() {}\n`);
    const plan = await listPackagesToCompile(argv, dir, process.env).done;
    const r = build();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n'), both);
    assert.deepEqual(plan, { stale: both, main: 'example.com/gin-api' });
    // A body-only change: go list still calls main stale (it cannot know before compiling), but
    // go build finds main's compile in the cache: the total is then an upper bound.
    fs.appendFileSync(file, `\n// ${stamp}\n`);
    const plan2 = await listPackagesToCompile(argv, dir, process.env).done;
    const r2 = build();
    assert.deepEqual(plan2, { stale: both, main: 'example.com/gin-api' });
    assert.deepEqual(r2.stderr.trim().split('\n'), ['example.com/gin-api/handlers']);
  });
});
