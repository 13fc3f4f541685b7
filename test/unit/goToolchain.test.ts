import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig, type EngineConfig, type RawSettings } from '../../src/core/config/config';
import { defaultGoDirs, type GoFound } from '../../src/core/config/goTool';
import { ReloadEngine } from '../../src/core/engine/engine';
import { goEnvironment } from '../../src/core/engine/goToolchain';
import type { EngineState } from '../../src/core/engine/state';
import { freePort } from '../../src/core/run/ports';
import { body, copyFixture, waitUntil } from '../support/helpers';

/**
 * The engine finds go the way the Go extension does (GoToolchain over findGo) and runs that one go
 * for the build, `go list`, pre-build steps and the -overlay builds. Real go, real servers: a
 * wrapper named `go` records each invocation, so "the same go" is what ran, not what was meant.
 */
describe('the go the engine runs (GoToolchain)', function () {
  const realGoroot = spawnSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).stdout.trim();
  const realGo = path.join(realGoroot, 'bin', 'go');
  // The extension host's PATH when VS Code starts from a dock: no Go folder, no GOROOT.
  const noGoEnv = { PATH: '/usr/bin:/bin', GOROOT: '' };
  const engines: ReloadEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.dispose()));
  });

  async function start(raw: RawSettings, extra: Partial<EngineConfig> = {}) {
    const dir = copyFixture('nethttp');
    const port = await freePort();
    const { config } = resolveConfig(dir, { killDelayMs: 500, ...raw, env: { PORT: String(port), ...(raw.env as object) } });
    const log: string[] = [];
    const states: EngineState[] = [];
    const capture = (m: string) => log.push(m);
    const engine = new ReloadEngine({ ...config, ...extra }, { trace() {}, info: capture, warn: capture, error: capture });
    engines.push(engine);
    engine.onState((s) => states.push(s));
    engine.start();
    const running = () => waitUntil(`running (states: ${states.map((s) => s.kind).join(', ')})`, () => states.find((s) => s.kind === 'running'), 90_000);
    return { dir, port, log, states, engine, running };
  }

  /** A `go` in its own folder that logs its arguments, then runs the real go. */
  function wrapper(): { go: string; calls: () => string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-go-wrapper-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const record = path.join(dir, 'calls.txt');
    const go = path.join(bin, 'go');
    fs.writeFileSync(go, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${record}'\nexec '${realGo}' "$@"\n`, { mode: 0o755 });
    return { go, calls: () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean) : []) };
  }

  it('builds and serves when PATH lacks Go, with the go at its default install location, and logs which and why', async function () {
    const defaults = defaultGoDirs({ env: {}, platform: process.platform, home: os.homedir() });
    if (!defaults.includes(path.dirname(realGo))) this.skip(); // this machine's go is not at a default location
    const h = await start({ env: noGoEnv });
    await h.running();
    assert.equal(await body(h.port), 'nethttp v1');
    assert.ok(
      h.log.includes(`Using go at ${realGo}, found through a default install location (it is not on PATH).`),
      `the log names the go and why:\n${h.log.join('\n')}`,
    );
    assert.equal(h.engine.goBinary, realGo);
  });

  it('runs go.alternateTools.go for the build, go list and a pre-build step, all the same binary', async () => {
    const w = wrapper();
    const h = await start({ env: noGoEnv, preBuild: [['go', 'env', 'GOVERSION']] }, { goAlternateTool: w.go });
    await h.running();
    await h.engine.idle();
    const calls = w.calls();
    assert.ok(
      calls.some((c) => c.startsWith('build ')),
      `the build ran the wrapper: ${calls.join(' | ')}`,
    );
    assert.ok(
      calls.some((c) => c.startsWith('list ')),
      `go list ran the wrapper: ${calls.join(' | ')}`,
    );
    assert.ok(calls.includes('env GOVERSION'), `the pre-build step's go is the same go: ${calls.join(' | ')}`);
    assert.ok(h.log.includes(`Using go at ${w.go}, found through the go.alternateTools.go setting.`), h.log.join('\n'));
  });

  it('runs the same go for the -overlay build of unsaved text', async () => {
    const w = wrapper();
    const h = await start({ env: noGoEnv }, { goAlternateTool: w.go });
    await h.running();
    await h.engine.idle();
    const main = path.join(h.dir, 'main.go');
    const typed = fs.readFileSync(main, 'utf8').replace('nethttp v1', 'nethttp v2');
    assert.equal(h.engine.speculate(new Map([[main, typed]])), true);
    await h.engine.idle();
    assert.ok(
      w.calls().some((c) => c.includes('-overlay')),
      `the overlay build ran the wrapper: ${w.calls().join(' | ')}`,
    );
  });

  it('takes go.goroot over a GOROOT that points elsewhere, and gives the build that GOROOT', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-goroot-'));
    const goroot = path.join(dir, 'go');
    fs.symlinkSync(realGoroot, goroot);
    const out = path.join(dir, 'goroot.txt');
    const h = await start(
      { env: { PATH: '/usr/bin:/bin', GOROOT: '/nonexistent/goroot' }, preBuild: [['sh', '-c', `printf %s "$GOROOT" > '${out}'`]] },
      { goroot },
    );
    await h.running();
    assert.equal(await body(h.port), 'nethttp v1');
    assert.ok(h.log.includes(`Using go at ${path.join(goroot, 'bin', 'go')}, found through the go.goroot setting.`), h.log.join('\n'));
    assert.equal(fs.readFileSync(out, 'utf8'), goroot, 'the build environment has GOROOT from go.goroot, not the stale one');
  });

  it('says the toolchain was not found and lists every place it looked, without starting anything', async () => {
    const h = await start({ env: noGoEnv }, { goAlternateTool: 'go-nowhere' });
    const s = await waitUntil('error', () => h.states.find((x) => x.kind === 'error'), 60_000);
    assert.equal(s.kind === 'error' && s.message, 'The Go toolchain was not found. Looked for it at:');
    const hint = s.kind === 'error' ? s.hint : '';
    for (const place of ['/usr/bin/go-nowhere', '/bin/go-nowhere', '/usr/local/go/bin/go-nowhere', path.join(os.homedir(), 'go', 'bin', 'go-nowhere')])
      assert.ok(hint.includes(place), `"${place}" is listed:\n${hint}`);
    assert.match(hint, /go\.goroot or go\.alternateTools\.go/);
    assert.ok(
      h.log.some((l) => l.startsWith('The Go toolchain was not found.')),
      h.log.join('\n'),
    );
  });

  /** A package only a build tag brings in: main imports ./devonly from dev.go (//go:build dev). */
  function tagged(dir: string): string {
    fs.mkdirSync(path.join(dir, 'devonly'));
    const msg = path.join(dir, 'devonly', 'msg.go');
    fs.writeFileSync(msg, 'package devonly\n\nconst Msg = "dev one"\n');
    fs.writeFileSync(
      path.join(dir, 'dev.go'),
      '//go:build dev\n\npackage main\n\nimport (\n\t"net/http"\n\n\t"example.com/nethttp/devonly"\n)\n\nfunc init() {\n\thttp.HandleFunc("/dev", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(devonly.Msg)) })\n}\n',
    );
    return msg;
  }

  it('the last save wins when .env sets GOFLAGS=-tags: go list is asked with the env files too', async () => {
    const dir = copyFixture('nethttp');
    const msg = tagged(dir);
    fs.writeFileSync(path.join(dir, '.env'), 'GOFLAGS=-tags=dev\n');
    const port = await freePort();
    const { config } = resolveConfig(dir, { killDelayMs: 500, env: { PORT: String(port) } });
    const engine = new ReloadEngine(config);
    engines.push(engine);
    engine.start();
    await waitUntil('dev one', async () => (await body(port, '/dev')) === 'dev one', 90_000);
    await engine.idle();
    fs.writeFileSync(msg, 'package devonly\n\nconst Msg = "dev two"\n');
    assert.equal(engine.fileChanged(msg), true, 'a save in the package the tag brings in is a change');
    await waitUntil('dev two', async () => (await body(port, '/dev')) === 'dev two', 90_000);
  });

  it('after go.buildTags arrives (reconfigure), a save in the package that tag brings in rebuilds', async () => {
    const dir = copyFixture('nethttp');
    const msg = tagged(dir);
    const port = await freePort();
    const base = resolveConfig(dir, { killDelayMs: 500, env: { PORT: String(port) } }).config;
    const engine = new ReloadEngine(base);
    engines.push(engine);
    engine.start();
    await waitUntil('served', async () => (await body(port)) === 'nethttp v1', 90_000);
    await engine.idle();
    engine.reconfigure(resolveConfig(dir, { killDelayMs: 500, env: { PORT: String(port) }, buildFlags: ['-tags', 'dev'] }).config, true);
    await waitUntil('dev one', async () => (await body(port, '/dev')) === 'dev one', 90_000);
    await engine.idle();
    fs.writeFileSync(msg, 'package devonly\n\nconst Msg = "dev two"\n');
    assert.equal(engine.fileChanged(msg), true, 'the tagged package counts once the flags say so');
    await waitUntil('dev two', async () => (await body(port, '/dev')) === 'dev two', 90_000);
  });

  it("never runs a project's own go through a relative PATH entry", async () => {
    const dir = copyFixture('nethttp');
    fs.mkdirSync(path.join(dir, 'bin'));
    const evil = path.join(dir, 'RAN-evil-go');
    fs.writeFileSync(path.join(dir, 'bin', 'go'), `#!/bin/sh\ntouch '${evil}'\nexit 1\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'go'), `#!/bin/sh\ntouch '${evil}'\nexit 1\n`, { mode: 0o755 });
    const port = await freePort();
    const { config } = resolveConfig(dir, { killDelayMs: 500, env: { PORT: String(port), PATH: `bin:.:${path.dirname(realGo)}:/usr/bin:/bin` } });
    const log: string[] = [];
    const engine = new ReloadEngine(config, { trace() {}, info: (m) => log.push(m), warn: (m) => log.push(m), error: (m) => log.push(m) });
    engines.push(engine);
    engine.start();
    await waitUntil('served', async () => (await body(port)) === 'nethttp v1', 90_000);
    await engine.idle();
    assert.equal(fs.existsSync(evil), false, "the project's go never ran");
    assert.equal(engine.goBinary, realGo);
    assert.ok(
      log.some((l) => l.includes('the PATH entry "bin" is relative, so it was not searched')),
      log.join('\n'),
    );
  });

  it("a go.alternateTools.go not named go (a go.sh wrapper) runs a pre-build step's and a build command's go too", async () => {
    const w = wrapper();
    const sh = path.join(path.dirname(w.go), 'go.sh');
    fs.renameSync(w.go, sh);
    const h = await start(
      { env: noGoEnv, preBuild: [['go', 'env', 'GOVERSION']], buildCommand: ['go', 'build', '-o', '${binary}', '.'] },
      { goAlternateTool: sh },
    );
    await h.running();
    const calls = w.calls();
    assert.ok(calls.includes('env GOVERSION'), calls.join(' | '));
    assert.ok(
      calls.some((c) => c.startsWith('build -o')),
      calls.join(' | '),
    );
  });

  it("drops an exported GOROOT that is another go's, so the go found builds against its own", async () => {
    const w = wrapper();
    const h = await start({ env: { PATH: '/usr/bin:/bin', GOROOT: '/nonexistent/other-goroot' } }, { goAlternateTool: w.go });
    await h.running();
    assert.equal(await body(h.port), 'nethttp v1');
    assert.ok(
      h.log.some((l) => l.includes('GOROOT=/nonexistent/other-goroot is another go')),
      h.log.join('\n'),
    );
  });

  describe('goEnvironment', () => {
    const found = (p: string, via: GoFound['via']): GoFound => ({ path: p, via, name: 'go', looked: [], notes: [] });
    it('puts the found folder first on PATH, and leaves PATH alone when PATH gave that go', () => {
      assert.equal(
        goEnvironment({ PATH: '/usr/bin' }, found('/usr/local/go/bin/go', 'default location'), undefined, 'linux').PATH,
        '/usr/local/go/bin:/usr/bin',
      );
      assert.equal(goEnvironment({ PATH: '/opt/go/bin:/usr/bin' }, found('/opt/go/bin/go', 'PATH'), undefined, 'linux').PATH, '/opt/go/bin:/usr/bin');
      assert.equal(goEnvironment({}, found('/usr/local/go/bin/go', 'default location'), undefined, 'linux').PATH, '/usr/local/go/bin');
    });
    it("puts the folder on both Path and PATH when a setting added PATH over Windows' Path", () => {
      const env = goEnvironment({ Path: 'C:\\Windows', PATH: 'C:\\Tools' }, found('C:\\Go\\bin\\go.exe', 'default location'), undefined, 'win32');
      assert.deepEqual([env.Path, env.PATH], ['C:\\Go\\bin;C:\\Windows', 'C:\\Go\\bin;C:\\Tools']);
    });
    it('keeps the Windows spelling of Path and its separator', () => {
      const env = goEnvironment({ Path: 'C:\\Windows' }, found('C:\\Program Files\\Go\\bin\\go.exe', 'default location'), undefined, 'win32');
      assert.equal(env.Path, 'C:\\Program Files\\Go\\bin;C:\\Windows');
      assert.equal(env.PATH, undefined);
    });
    it('sets GOROOT from go.goroot only when go was found there', () => {
      assert.equal(goEnvironment({ GOROOT: '/old' }, found('/sdk/go/bin/go', 'go.goroot'), '/sdk/go', 'linux').GOROOT, '/sdk/go');
      // A GOROOT of another go is dropped (go then finds its own); the same go's GOROOT is kept.
      assert.equal(goEnvironment({ GOROOT: '/old' }, found('/usr/bin/go', 'PATH'), '/sdk/go', 'linux').GOROOT, undefined);
      const same = (a: string, b: string) => a === '/usr/lib/go/bin/go' && b === '/usr/bin/go';
      assert.equal(goEnvironment({ GOROOT: '/usr/lib/go' }, found('/usr/bin/go', 'PATH'), undefined, 'linux', same).GOROOT, '/usr/lib/go');
    });
  });
});
