import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { body, copyFixture, edit, harness, TEST_TMP, waitState, waitUntil, type Harness } from '../support/helpers';

/**
 * What a change can affect, asked of the go command: several services sharing a package rebuild
 * exactly the services that import it; local modules outside the root (replace, go.work) are
 * watched and rebuild too. Real go builds, real servers.
 */
describe('change scope: services that import a package, local modules', function () {
  const builds = (h: Harness) => h.states.filter((s) => s.kind === 'building').length;

  it('a shared package rebuilds every service that imports it, and only those', async () => {
    const dir = copyFixture('services');
    const api = await harness('services', { package: './cmd/api', binary: '.gopher-reload/api' }, dir);
    const worker = await harness('services', { package: './cmd/worker', binary: '.gopher-reload/worker' }, dir);
    api.engine.start();
    worker.engine.start();
    await Promise.all([waitState(api, 'running', 90_000, 0), waitState(worker, 'running', 90_000, 0)]);
    await Promise.all([api.engine.idle(), worker.engine.idle()]); // the import lists are known
    assert.equal(await body(api.port), 'api: shared v1 / apionly v1');
    assert.equal(await body(worker.port), 'worker: shared v1 / workeronly v1');

    // Every save goes to both engines, as the extension and CLI deliver it.
    const save = (rel: string, from: string, to: string) => {
      const file = path.join(dir, rel);
      edit(file, from, to);
      return [api.engine.fileChanged(file), worker.engine.fileChanged(file)];
    };
    assert.deepEqual(save('internal/apionly/apionly.go', 'apionly v1', 'apionly v2'), [true, false], 'only api imports apionly');
    await waitUntil('api serves apionly v2', async () => (await body(api.port)) === 'api: shared v1 / apionly v2');
    assert.deepEqual(save('tools/unused/unused.go', 'unused v1', 'unused v2'), [false, false], 'nobody imports tools/unused');
    const before = [builds(api), builds(worker)];
    assert.deepEqual(save('internal/shared/shared.go', 'shared v1', 'shared v2'), [true, true]);
    await waitUntil(
      'both serve shared v2',
      async () => (await body(api.port))?.startsWith('api: shared v2') && (await body(worker.port))?.startsWith('worker: shared v2'),
    );
    await Promise.all([api.engine.idle(), worker.engine.idle()]);
    assert.deepEqual([builds(api), builds(worker)], [before[0] + 1, before[1] + 1], 'one build each for the shared change');
    await Promise.all([api.dispose(), worker.dispose()]);
  });

  it('a custom build command keeps every Go file relevant (we cannot know what it builds)', async () => {
    const h = await harness('services', { buildCommand: ['go', 'build', '-o', '${binary}', './cmd/api'] });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    await h.engine.idle();
    const file = path.join(h.dir, 'tools', 'unused', 'unused.go');
    edit(file, 'unused v1', 'unused v2');
    assert.equal(h.engine.fileChanged(file), true);
    await h.dispose();
  });

  it('a local replace outside the root is watched, and go.mod edits move the watch', async () => {
    const top = copyFixture('replaced');
    const app = path.join(top, 'app');
    const h = await harness('replaced', {}, app);
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    await h.engine.idle();
    assert.deepEqual(h.engine.localModuleDirs, [path.join(top, 'greet')]);
    assert.equal(await body(h.port), 'app: greet v1');

    // No editor event: the engine's own watcher sees the file outside the root.
    edit(path.join(top, 'greet', 'greet.go'), 'greet v1', 'greet v2');
    await waitUntil('app serves greet v2', async () => (await body(h.port)) === 'app: greet v2');

    // Point the replace somewhere else: go.mod changes (a rebuild), and the watch follows.
    fs.cpSync(path.join(top, 'greet'), path.join(top, 'greet2'), { recursive: true });
    edit(path.join(top, 'greet2', 'greet.go'), 'greet v2', 'greet v3');
    const gomod = path.join(app, 'go.mod');
    edit(gomod, '=> ../greet', '=> ../greet2');
    h.engine.fileChanged(gomod);
    await waitUntil('app serves greet v3', async () => (await body(h.port)) === 'app: greet v3');
    await waitUntil('the watch moved to greet2', () => h.engine.localModuleDirs.join() === path.join(top, 'greet2'));
    edit(path.join(top, 'greet2', 'greet.go'), 'greet v3', 'greet v4');
    await waitUntil('app serves greet v4', async () => (await body(h.port)) === 'app: greet v4');
    await h.dispose();
    assert.deepEqual(h.engine.localModuleDirs, [], 'the watchers close with the engine');
  });

  it('a go.work module is watched too', async () => {
    const top = copyFixture('gowork');
    const h = await harness('gowork', { package: './app' }, top);
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    await h.engine.idle();
    // lib/ is inside this root, so the root's watcher covers it: nothing extra to watch.
    assert.deepEqual(h.engine.localModuleDirs, []);
    await h.dispose();
    const app = await harness('gowork', {}, path.join(top, 'app'));
    app.engine.start();
    await waitState(app, 'running', 90_000, 0);
    await app.engine.idle();
    assert.deepEqual(app.engine.localModuleDirs, [path.join(top, 'lib')]);
    edit(path.join(top, 'lib', 'lib.go'), 'wlib v1', 'wlib v2');
    await waitUntil('app serves wlib v2', async () => (await body(app.port)) === 'wapp: wlib v2');
    await app.dispose();
  });
});

describe('change scope: an answer go gave while the code changed', function () {
  it('an import added while go list runs makes its answer stale (the newly imported package then counts)', async function () {
    if (process.platform === 'win32') this.skip();
    const { execFileSync } = await import('node:child_process');
    const { writeProject, initialState, mainGo, pkgGo, expected } = await import('../faults/model');
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'listrace-'));
    const s0 = { ...initialState(), pkgs: { pa: 'a0', pb: 'b0', pc: 'c0' } };
    writeProject(dir, s0);
    // A slow go: list answers after 0.8 s, a build takes 2 s more, so an answer about older code
    // lands while the build of the newer code still runs (the window a busy machine opens).
    const realGo = execFileSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).trim();
    const bin = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'slowgo-'));
    // list reads the code first and answers late, as a slow machine would.
    fs.writeFileSync(
      path.join(bin, 'go'),
      `#!/bin/sh\ncase "$1" in\n  list) out=$('${realGo}' "$@") || exit $?; sleep 0.8; printf '%s\\n' "$out"; exit 0;;\n  build) sleep 2;;\nesac\nexec '${realGo}' "$@"\n`,
      { mode: 0o755 },
    );
    const h = await harness('', { env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` } }, dir);
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    await h.engine.idle();
    const main = path.join(dir, 'main.go');
    // 1. main imports pb: the answer goes stale; after the swap go is asked again (0.8 s).
    const s1 = { ...s0, imp: 'pb' };
    fs.writeFileSync(main, mainGo(s1));
    h.engine.fileChanged(main);
    let from = h.states.length;
    await waitState(h, 'running', 60_000, from);
    await new Promise((r) => setTimeout(r, 200)); // the engine asks go right after the swap
    // 2. While go lists (main imports pb), main switches to pc.
    const s2 = { ...s1, imp: 'pc' };
    fs.writeFileSync(main, mainGo(s2));
    assert.equal(h.engine.fileChanged(main), true);
    from = h.states.length;
    await waitState(h, 'running', 60_000, from);
    // 3. pc is edited: it must count, though the answer go gave during step 2 did not list it.
    const s3 = { ...s2, pkgs: { ...s2.pkgs, pc: 'c1' } };
    fs.writeFileSync(path.join(dir, 'pc', 'pc.go'), pkgGo('pc', 'c1'));
    assert.equal(h.engine.fileChanged(path.join(dir, 'pc', 'pc.go')), true, 'pc counts');
    await waitUntil('pc c1 served', async () => (await body(h.port)) === expected(s3), 60_000);
  });
});
