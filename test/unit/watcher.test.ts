import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { watchTree } from '../../src/core/watch/watcher';
import { ChangeFilter } from '../../src/core/watch/filter';
import { freePort } from '../../src/core/run/ports';
import { body, copyFixture, edit, harness, processesUnder, repoRoot, TEST_TMP, waitState, waitUntil, type Harness } from '../support/helpers';

async function watched(h: Harness) {
  const w = watchTree(h.dir, h.engine.changeFilter, { onChange: (p) => h.engine.fileChanged(p) });
  await w.ready;
  return w;
}

/** The file watcher in front of the engine, and the CLI as a user runs it. */
describe('watcher and CLI', function () {
  it('a second save 20 ms after the first is reported (chokidar drops it: a trailing check reports the path again)', async () => {
    fs.mkdirSync(TEST_TMP, { recursive: true });
    const dir = fs.mkdtempSync(path.join(TEST_TMP, 'trailing-'));
    const file = path.join(dir, 'main.go');
    fs.writeFileSync(file, 'v0');
    const seen: string[] = [];
    const w = watchTree(dir, new ChangeFilter(dir, ['**/*.go'], []), { onChange: (p) => p === file && seen.push(fs.readFileSync(p, 'utf8')) });
    await w.ready;
    try {
      for (let round = 1; round <= 3; round++) {
        fs.writeFileSync(file, `a${round}`);
        await new Promise((r) => setTimeout(r, 20));
        fs.writeFileSync(file, `b${round}`);
        // What the engine reads at the last report is what is on disk: the second save.
        await waitUntil(`b${round} reported`, () => seen.at(-1) === `b${round}` && seen.length > 0, 2000);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await w.close();
    }
  });

  it('rebuilds on a real file write seen by the watcher', async () => {
    const h = await harness('nethttp');
    const w = await watched(h);
    try {
      h.engine.start();
      await waitState(h, 'running');
      edit(path.join(h.dir, 'main.go'), 'message = "nethttp v1"', 'message = "nethttp v2"');
      await waitUntil('v2 served', async () => (await body(h.port)) === 'nethttp v2');
    } finally {
      await w.close();
    }
  });

  it('does not rebuild in a loop on files its pre-build step generates', async () => {
    // The generator writes new content every time, as `go generate` with a timestamp would.
    const gen = `printf 'package main\\n\\nconst generatedAt = "%s"\\n' "$(date +%s%N)" > zz_generated.go`;
    const h = await harness('nethttp', { preBuild: [['sh', '-c', gen]] });
    const w = await watched(h);
    try {
      h.engine.start();
      await waitState(h, 'running');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(h.states.filter((s) => s.kind === 'building').length, 1, 'generated files did not trigger another build');
      const from = h.states.length;
      edit(path.join(h.dir, 'main.go'), 'message = "nethttp v1"', 'message = "nethttp v2"');
      await waitState(h, 'running', 60_000, from);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(h.states.slice(from).filter((s) => s.kind === 'building').length, 1, 'one save, one build');
      assert.equal(await body(h.port), 'nethttp v2');
    } finally {
      await w.close();
    }
  });

  it('a template in testdata/ counts as a change; a .go file there does not (as the go command sees it)', async () => {
    const dir = copyFixture('nethttp');
    fs.mkdirSync(path.join(dir, 'testdata'));
    fs.writeFileSync(path.join(dir, 'testdata', 'page.tmpl'), 'v1');
    fs.writeFileSync(path.join(dir, 'testdata', 'fixture.go'), 'package testdata\n');
    const h = await harness('nethttp', {}, dir);
    const w = await watched(h);
    try {
      h.engine.start();
      await waitState(h, 'running');
      let from = h.states.length;
      fs.writeFileSync(path.join(dir, 'testdata', 'fixture.go'), 'package testdata\n\nconst X = 1\n');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(h.states.slice(from).filter((s) => s.kind === 'building').length, 0, 'a .go file in testdata/ is not built by go, so no rebuild');
      from = h.states.length;
      fs.writeFileSync(path.join(dir, 'testdata', 'page.tmpl'), 'v2');
      // It counts: not compiled into the binary, so the same binary restarts (no build).
      const r = await waitState(h, 'running', 10_000, from);
      assert.match(r.timings.trigger, /page\.tmpl \(restart only, no build\)/);
    } finally {
      await w.close();
    }
  });

  it('CLI: prints the URL, reloads on save, and leaves nothing behind on Ctrl-C', async function () {
    const cli = path.join(repoRoot(), 'dist', 'cli.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
    const dir = copyFixture('gin-api');
    const port = await freePort();
    const child = spawn(process.execPath, [cli, dir], { env: { ...process.env, PORT: String(port), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    try {
      await waitUntil('first running line', () => out.includes(`● running on http://localhost:${port}`), 90_000);
      assert.equal(await body(port), 'Hello from Gin v1');
      edit(path.join(dir, 'handlers', 'message.go'), 'Gin v1', 'Gin v2');
      await waitUntil('second running line', () => out.split('● running').length === 3, 60_000);
      assert.equal(await body(port), 'Hello from Gin v2');
      assert.match(out, /save→ready \d+ ms/);
      fs.writeFileSync(path.join(dir, 'handlers', 'message.go'), 'package handlers\n\nconst Message = 1 +\n');
      await waitUntil('build error line', () => /handlers\/message\.go:\d+:\d+: /.test(out), 60_000);
      assert.equal(await body(port), 'Hello from Gin v2', 'old server keeps serving');
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    assert.match(out, /stopped/);
    assert.deepEqual(processesUnder(dir), []);
  });
});
