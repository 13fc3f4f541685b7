import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { watchTree } from '../../src/core/watch/watcher';
import { body, copyFixture, edit, harness, TEST_TMP, waitState, waitUntil, type Harness } from '../support/helpers';
import { expected, initialState, mainGo, pkgGo, writeProject, type ModelState } from './model';
import { record } from './record';

const served = (h: Harness, want: string, ms = 30_000) => waitUntil(`served: ${want}`, async () => (await body(h.port)) === want, ms);
async function watched(h: Harness, dir: string) {
  const w = watchTree(dir, h.engine.changeFilter, { onChange: (f) => h.engine.fileChanged(f) });
  await w.ready;
  return w;
}

/**
 * The stale-code cases of "the last save always wins", each as the user met it: a package main
 * only just started importing (after a failed build, and right after a good one), files that
 * arrive with old mtimes (cp -p, mv, tar x, unzip), and files compiled in with //go:embed.
 * Real engine, real chokidar watcher (as the CLI runs it), real go builds.
 */
describe('faults: stale code', function () {
  async function project(name: string, s: ModelState = initialState()): Promise<{ h: Harness; dir: string; close(): Promise<void> }> {
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, `${name}-`));
    writeProject(dir, s);
    const h = await harness('', {}, dir);
    const w = watchTree(dir, h.engine.changeFilter, { onChange: (f) => h.engine.fileChanged(f) });
    await w.ready;
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    await h.engine.idle();
    assert.equal(await body(h.port), expected(s));
    return { h, dir, close: async () => (await w.close(), await h.dispose()) };
  }

  it('main calls a function of a package it only just imports, which does not exist yet: adding it is served', async () => {
    const { h, dir, close } = await project('newimport');
    try {
      // pb exists but main does not import it. main now calls pb.Greeting(): undefined.
      const s = { ...initialState(), imp: 'pb' };
      fs.writeFileSync(path.join(dir, 'main.go'), mainGo(s).replace('${s.imp}.V()', 'pb.Greeting()').replace('pb.V()', 'pb.Greeting()'));
      await waitState(h, 'build-failed', 60_000);
      assert.equal(await body(h.port), expected(initialState()), 'the old server keeps serving');
      // Re-saving main.go unchanged, after a failed build, retries (the user's "save again").
      const from = h.states.length;
      await new Promise((r) => setTimeout(r, 1100));
      fs.writeFileSync(path.join(dir, 'main.go'), fs.readFileSync(path.join(dir, 'main.go')));
      await waitState(h, 'build-failed', 60_000, from);
      // Now add Greeting to pb: a package the last good build did not import.
      fs.writeFileSync(path.join(dir, 'pb', 'pb.go'), pkgGo('pb', 'b0') + '\nfunc Greeting() string { return "hello from pb" }\n');
      await served(h, 'm0|hello from pb|e0');
      // A brand-new package folder created after main imports it.
      const s2 = { ...initialState(), imp: 'pnew', pkgs: { ...initialState().pkgs, pnew: 'n1' } };
      fs.writeFileSync(path.join(dir, 'main.go'), mainGo(s2));
      await waitState(h, 'build-failed', 60_000);
      fs.mkdirSync(path.join(dir, 'pnew'));
      fs.writeFileSync(path.join(dir, 'pnew', 'pnew.go'), pkgGo('pnew', 'n1'));
      await served(h, expected(s2));
      record({
        group: 'Load and faults',
        test: 'main calls a package it only just imports, before the function (or the package) exists',
        figure:
          'build failed, old server kept serving; an unchanged re-save retried; adding the function, then creating a new package folder, were each served',
      });
    } finally {
      await close();
    }
  });

  it('edits to a newly imported package 100-700 ms after the importing save are served', async () => {
    const { h, dir, close } = await project('race');
    try {
      let s = initialState();
      const delays = [100, 300, 500, 700];
      for (const [i, d] of delays.entries()) {
        const to = s.imp === 'pa' ? 'pb' : 'pa';
        s = { ...s, imp: to, pkgs: { ...s.pkgs } };
        fs.writeFileSync(path.join(dir, 'main.go'), mainGo(s));
        await new Promise((r) => setTimeout(r, d));
        s.pkgs[to] = `race${i}`;
        fs.writeFileSync(path.join(dir, to, `${to}.go`), pkgGo(to, s.pkgs[to]));
        await served(h, expected(s));
        await h.engine.idle();
        assert.equal(await body(h.port), expected(s));
      }
      record({
        group: 'Load and faults',
        test: 'An edit to a newly imported package 100, 300, 500 and 700 ms after the importing save',
        figure: `${delays.length} of ${delays.length} served`,
      });
    } finally {
      await close();
    }
  });

  it('files that arrive with old mtimes rebuild: cp -p, mv, tar x, unzip', async function () {
    const { h, dir, close } = await project('mtimes');
    const outside = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'outside-'));
    try {
      const s = initialState();
      const tools: string[] = [];
      const old = Date.now() / 1000 - 86_400;
      const stage = (v: string) => {
        s.pkgs.pa = v;
        const f = path.join(outside, 'pa', 'pa.go');
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, pkgGo('pa', v));
        fs.utimesSync(f, old, old);
        return f;
      };
      const target = path.join(dir, 'pa', 'pa.go');
      execFileSync('cp', ['-p', stage('cp'), target]);
      await served(h, expected(s));
      tools.push('cp -p');
      execFileSync('mv', [stage('mv'), target]);
      await served(h, expected(s));
      tools.push('mv');
      stage('tar');
      execFileSync('tar', ['-cf', path.join(outside, 'a.tar'), '-C', outside, 'pa']);
      execFileSync('tar', ['-xf', path.join(outside, 'a.tar'), '-C', dir]);
      await served(h, expected(s));
      tools.push('tar x');
      stage('unzip');
      execFileSync('zip', ['-q', '-r', path.join(outside, 'a.zip'), 'pa'], { cwd: outside });
      execFileSync('unzip', ['-q', '-o', path.join(outside, 'a.zip'), '-d', dir]);
      await served(h, expected(s));
      tools.push('unzip');
      // A .bak restored over the file: the content the server ran two steps ago, with its old mtime.
      const bak = path.join(outside, 'main.go.bak');
      fs.copyFileSync(path.join(dir, 'main.go'), bak);
      fs.utimesSync(bak, old, old);
      fs.writeFileSync(path.join(dir, 'main.go'), mainGo({ ...s, m: 'edited' }));
      await served(h, expected({ ...s, m: 'edited' }));
      execFileSync('cp', ['-p', bak, path.join(dir, 'main.go')]);
      await served(h, expected(s));
      tools.push('a restored .bak');
      record({ group: 'Load and faults', test: 'Files that arrive with an old mtime', figure: `${tools.join(', ')}: each rebuilt and served` });
    } finally {
      await close();
    }
  });

  it('a file compiled in with //go:embed rebuilds whatever its extension; a file nothing embeds does not', async () => {
    const { h, dir, close } = await project('embed');
    try {
      fs.writeFileSync(path.join(dir, 'static', 'version.txt'), 'e1\n');
      await served(h, expected({ ...initialState(), embed: 'e1' }));
      await h.engine.idle();
      const builds = h.states.filter((s) => s.kind === 'building').length;
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not embedded\n');
      fs.writeFileSync(path.join(dir, 'static', '..', 'data.json'), '{}\n');
      await new Promise((r) => setTimeout(r, 400));
      await h.engine.idle();
      assert.equal(h.states.filter((s) => s.kind === 'building').length, builds, 'files nothing embeds do not build');
      // A new //go:embed of a .json folder pattern: the .go save builds, and later edits of files it matches too.
      const main = path.join(dir, 'main.go');
      fs.mkdirSync(path.join(dir, 'conf'));
      fs.writeFileSync(path.join(dir, 'conf', 'a.json'), '"a1"');
      fs.writeFileSync(
        main,
        fs
          .readFileSync(main, 'utf8')
          .replace('var embedded string', 'var embedded string\n\n//go:embed conf\nvar conf embed.FS')
          .replace('_ "embed"', '"embed"')
          .replace('strings.TrimSpace(embedded))', 'strings.TrimSpace(embedded)+func() string { b, _ := conf.ReadFile("conf/a.json"); return string(b) }())'),
      );
      await served(h, 'm0|pa:a0|e1"a1"');
      fs.writeFileSync(path.join(dir, 'conf', 'a.json'), '"a2"');
      await served(h, 'm0|pa:a0|e1"a2"');
      record({
        group: 'Load and faults',
        test: 'Files compiled in with //go:embed (.txt, a folder of .json)',
        figure: 'each edit rebuilt and served; files nothing embeds built nothing',
      });
    } finally {
      await close();
    }
  });
});

describe('faults: stale environment', function () {
  it('an edit of the .env file the server runs with restarts it with the new values', async () => {
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'envfile-'));
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/envfile\n\ngo 1.22\n');
    fs.writeFileSync(
      path.join(dir, 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n\t"os"\n)\n\nfunc main() {\n\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, os.Getenv("GREETING")) })\n\t_ = http.ListenAndServe(":"+os.Getenv("PORT"), nil)\n}\n',
    );
    fs.writeFileSync(path.join(dir, '.env'), 'GREETING=one\n');
    const h = await harness('', {}, dir);
    const w = watchTree(dir, h.engine.changeFilter, { onChange: (f) => h.engine.fileChanged(f) });
    await w.ready;
    try {
      h.engine.start();
      await waitUntil('one', async () => (await body(h.port)) === 'one', 90_000);
      fs.writeFileSync(path.join(dir, '.env'), 'GREETING=two\n');
      await waitUntil('two', async () => (await body(h.port)) === 'two', 30_000);
      record({
        group: 'Load and faults',
        test: 'An edit of the .env file the server runs with',
        figure: 'the server restarted with the new value and served it',
      });
    } finally {
      await w.close();
      await h.dispose();
    }
  });
});

/** Found by a hostile test run of the CLI: each was stale code served, reproduced before the fix. */
describe('faults: stale code (found by attacking the engine)', function () {
  it('a package edited while main did not import it, imported, then reverted: the revert is served', async () => {
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'revert-'));
    writeProject(dir, initialState());
    const h = await harness('', {}, dir);
    const w = await watched(h, dir);
    try {
      h.engine.start();
      await served(h, expected(initialState()), 90_000);
      await h.engine.idle();
      fs.writeFileSync(path.join(dir, 'pb', 'pb.go'), pkgGo('pb', 'b2')); // not imported: nothing to build
      await new Promise((r) => setTimeout(r, 300));
      const s = { ...initialState(), imp: 'pb', pkgs: { pa: 'a0', pb: 'b2' } };
      fs.writeFileSync(path.join(dir, 'main.go'), mainGo(s));
      await served(h, expected(s));
      fs.writeFileSync(path.join(dir, 'pb', 'pb.go'), pkgGo('pb', 'b0')); // back to what it was at start
      await served(h, expected({ ...s, pkgs: { pa: 'a0', pb: 'b0' } }));
      record({
        group: 'Load and faults',
        test: 'A package edited before main imports it, then reverted to its content at start (git checkout)',
        figure: 'the revert rebuilt and was served',
      });
    } finally {
      await w.close();
      await h.dispose();
    }
  });

  it('a save while a pre-build step runs is built: a step that failed on the old content, a generator that read it', async () => {
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'duringstep-'));
    writeProject(dir, initialState());
    // The step fails while pa.go says BROKEN, and generates gen/gen.go from input.txt (slowly).
    fs.mkdirSync(path.join(dir, 'gen'));
    fs.writeFileSync(path.join(dir, 'gen', 'input.tmpl'), 'in0');
    const step = `if grep -q BROKEN pa/pa.go; then echo "step: BROKEN found"; sleep 1; exit 1; fi; v=$(cat gen/input.tmpl); sleep 1; printf 'package gen\\n\\nconst V = "%s"\\n' "$v" > gen/gen.go`;
    const h = await harness('', { preBuild: [['sh', '-c', step]] }, dir);
    const w = await watched(h, dir);
    try {
      // main also prints gen.V.
      const withGen = (s: ReturnType<typeof initialState>) =>
        mainGo(s)
          .replace('"example.com/model/pa"', '"example.com/model/gen"\n\t"example.com/model/pa"')
          .replace('strings.TrimSpace(embedded))', 'strings.TrimSpace(embedded)+"|"+gen.V)');
      fs.writeFileSync(path.join(dir, 'main.go'), withGen(initialState()));
      h.engine.start();
      await served(h, `${expected(initialState())}|in0`, 90_000);
      await h.engine.idle();
      // 1. A save that makes the step fail, fixed while the step still runs.
      fs.writeFileSync(path.join(dir, 'pa', 'pa.go'), pkgGo('pa', 'a1') + '// BROKEN\n');
      await waitUntil('the step runs', () => h.output().includes('step: BROKEN found') || undefined, 30_000);
      fs.writeFileSync(path.join(dir, 'pa', 'pa.go'), pkgGo('pa', 'a1'));
      const s1 = { ...initialState(), pkgs: { pa: 'a1', pb: 'b0' } };
      await served(h, `${expected(s1)}|in0`);
      await h.engine.idle();
      // 2. The generator's input saved again while the generator (which already read it) runs.
      fs.writeFileSync(path.join(dir, 'gen', 'input.tmpl'), 'in1');
      await new Promise((r) => setTimeout(r, 400));
      fs.writeFileSync(path.join(dir, 'gen', 'input.tmpl'), 'in2');
      await served(h, `${expected(s1)}|in2`);
      await h.engine.idle();
      // The generator's own output never loops: it is quiet once served.
      const builds = h.states.filter((x) => x.kind === 'building').length;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(h.states.filter((x) => x.kind === 'building').length, builds, 'no build loop on the generated file');
      record({
        group: 'Load and faults',
        test: 'A save while a pre-build step runs (a step that fails on the old content; a generator that already read it)',
        figure: 'both ran again and served the saved content; the generated file caused no build loop',
      });
    } finally {
      await w.close();
      await h.dispose();
    }
  });

  it('an edit of a go.work in the folder above the module moves the watch and rebuilds', async () => {
    const top = copyFixture('gowork');
    const h = await harness('gowork', {}, path.join(top, 'app'));
    const w = await watched(h, path.join(top, 'app'));
    try {
      h.engine.start();
      await served(h, 'wapp: wlib v1', 90_000);
      await h.engine.idle();
      fs.cpSync(path.join(top, 'lib'), path.join(top, 'lib2'), { recursive: true });
      edit(path.join(top, 'lib2', 'lib.go'), 'wlib v1', 'wlib v2');
      edit(path.join(top, 'go.work'), './lib', './lib2');
      await served(h, 'wapp: wlib v2');
      await waitUntil('the watch moved to lib2', () => h.engine.localModuleDirs.join() === path.join(top, 'lib2'));
      edit(path.join(top, 'lib2', 'lib.go'), 'wlib v2', 'wlib v3');
      await served(h, 'wapp: wlib v3');
      record({
        group: 'Load and faults',
        test: 'An edit of a go.work in the folder above the module',
        figure: 'rebuilt with the module it now names, whose edits then rebuilt too',
      });
    } finally {
      await w.close();
      await h.dispose();
    }
  });
});

describe('faults: a crash while the build is broken (found by attacking the proxy)', function () {
  it('the old binary restarted after a crash is not called "running": the build errors stay', async () => {
    const h = await harness('nethttp');
    h.engine.start();
    const first = await waitState(h, 'running', 90_000, 0);
    const main = path.join(h.dir, 'main.go');
    edit(main, 'message = "nethttp v1"', 'message = "nethttp v2" + undefinedThing');
    h.engine.fileChanged(main);
    await waitState(h, 'build-failed', 60_000);
    const from = h.states.length;
    process.kill(first.pid, 'SIGKILL');
    await waitState(h, 'crashed', 10_000, from);
    await waitUntil(
      'the crash restart settled',
      () => {
        const last = h.states[h.states.length - 1];
        return h.states.slice(from).some((s) => s.kind === 'starting') && last.kind !== 'starting' && last.kind !== 'crashed' ? last : undefined;
      },
      30_000,
    );
    await h.engine.idle();
    const last = h.states[h.states.length - 1];
    assert.equal(
      last.kind,
      'build-failed',
      `after the crash restart: ${h.states
        .slice(from)
        .map((s) => s.kind)
        .join(' → ')}`,
    );
    assert.equal((last as Extract<typeof last, { kind: 'build-failed' }>).serving, true, 'the old binary serves again');
    assert.equal(await body(h.port), 'nethttp v1');
    record({
      group: 'Load and faults',
      test: 'The old server crashes while the build is broken',
      figure: `restarted; the state went ${h.states
        .slice(from)
        .map((s) => s.kind)
        .join(' → ')}: the errors stay shown`,
    });
  });
});
