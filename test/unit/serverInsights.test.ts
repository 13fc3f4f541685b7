import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { edit, get, harness, waitState, waitUntil } from '../support/helpers';

/**
 * What the running server says about itself, through the real engine and a real Gin app that
 * panics on one route and crashes on another: its route table, and its panics located at the
 * deepest workspace frame, kept across a crash restart and cleared by the next reload.
 */
describe('server insights: Gin routes and runtime panics', function () {
  it('reads the route table, locates panics, keeps them across a crash restart, clears them on reload', async () => {
    const h = await harness('panicky', { env: { GIN_MODE: 'debug' } });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    // The table comes on the server's stdout, which can be read a moment after its socket listens.
    await waitUntil('the route table', () => h.engine.insights.routes.length >= 5 || undefined, 5000).catch(() => undefined);
    const routes = h.engine.insights.routes.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(routes, ['GET /', 'GET /health', 'GET /users/:id', 'GET /boom', 'GET /crash']);
    assert.equal(h.engine.insights.routes.find((r) => r.path === '/boom')?.handler, 'example.com/panicky/handlers.Boom');

    // Gin's Recovery middleware answers 500 and logs the panic; the server stays up.
    assert.equal((await get(h.port, '/boom')).status, 500);
    const boom = await waitUntil('the recovered panic', () => h.engine.insights.panics[0]);
    assert.equal(boom.kind, 'gin-recovery');
    assert.match(boom.message, /index out of range \[5\] with length 3/);
    assert.equal(boom.site?.file, path.join(h.dir, 'handlers', 'boom.go'));
    assert.equal(boom.site?.line, 18);
    assert.equal(h.engine.state.kind, 'running');

    // A panic in a goroutine kills the process: the trace is complete once it exits.
    const from = h.states.length;
    await get(h.port, '/crash').catch(() => undefined);
    await waitState(h, 'crashed', 30_000, from);
    const crash = await waitUntil('the fatal panic', () => h.engine.insights.panics.find((p) => p.kind === 'fatal'));
    assert.equal(crash.message, 'crash: worker exploded');
    assert.equal(crash.site?.line, 26);
    await waitState(h, 'running', 30_000, from); // the crash restart
    await waitUntil('the table printed again', () => h.engine.insights.routes.length >= 5 || undefined, 5000).catch(() => undefined);
    assert.equal(h.engine.insights.panics.length, 2, 'a crash restart keeps the panics that led to it');
    assert.equal(h.engine.insights.routes.length, 5, 'the restarted server printed its routes again');

    // A reload (new build) clears them.
    const file = path.join(h.dir, 'handlers', 'boom.go');
    edit(file, 'xs[i]', 'xs[i%len(xs)]');
    h.engine.fileChanged(file);
    await waitUntil('reloaded', () => h.states.slice(from).filter((s) => s.kind === 'running').length >= 2, 90_000);
    assert.deepEqual(h.engine.insights.panics, []);
    assert.equal((await get(h.port, '/boom')).status, 200);
    await h.dispose();
  });
});

describe('server insights in the CLI', function () {
  it('prints where a panic happened, after the trace', async () => {
    const { spawn } = await import('node:child_process');
    const { copyFixture, processesUnder, repoRoot } = await import('../support/helpers');
    const { freePort } = await import('../../src/core/run/ports');
    const dir = copyFixture('panicky');
    const port = await freePort();
    const cli = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), dir, '--post-stop', 'echo bye > post-stop.txt'], {
      env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout.on('data', (b) => (out += b));
    cli.stderr.on('data', (b) => (out += b));
    try {
      await waitUntil('running', () => out.includes('● running'), 90_000);
      await get(port, '/boom');
      await waitUntil(
        'the panic line',
        () => out.includes('✗ panic at handlers/boom.go:18: runtime error: index out of range [5] with length 3 (recovered by Gin)'),
        10_000,
      );
    } finally {
      cli.kill('SIGINT');
      await new Promise((r) => cli.once('exit', r));
    }
    assert.deepEqual(processesUnder(dir), []);
    const fs = await import('node:fs');
    assert.equal(fs.readFileSync(path.join(dir, 'post-stop.txt'), 'utf8').trim(), 'bye', '--post-stop ran at exit');
  });
});
