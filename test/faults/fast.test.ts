import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { DEFAULT_INCLUDE, type RawSettings } from '../../src/core/config/config';
import type { EngineState } from '../../src/core/engine/state';
import { freePort } from '../../src/core/run/ports';
import { body, edit, harness, TEST_TMP, waitState, waitUntil, type Harness } from '../support/helpers';
import { record } from './record';

/**
 * Changes that need no build (issue 15), against a real Gin app (test/fixtures/gin-tmpl, debug
 * mode), real go builds and real processes: a template Gin re-reads on every request reloads the
 * pages only; a file read at startup restarts the same binary; an embedded file builds. And the
 * hostile cases of "the last save always wins": a template saved while Go code builds, after a
 * failed build, after a cancelled build, with a custom build or a pre-build step: all build.
 */
const INCLUDE = [...DEFAULT_INCLUDE, '**/*.txt', '**/*.css'];

async function ginTmpl(raw: RawSettings = {}): Promise<Harness> {
  const h = await harness('gin-tmpl', { include: INCLUDE, ...raw });
  h.engine.start();
  await waitState(h, 'running', 120_000, 0);
  // What the classification relies on: go's answer (embedded files) and Gin's printed template list.
  await h.engine.idle();
  return h;
}

/** Writes and tells the engine, as a watcher would. */
function save(h: Harness, rel: string, from: string | RegExp, to: string): number {
  const file = path.join(h.dir, rel);
  edit(file, from, to);
  h.engine.fileChanged(file);
  return performance.now();
}

const builds = (h: Harness, from: number) => h.states.slice(from).filter((s) => s.kind === 'building').length;
const running = (h: Harness) => [...h.states].reverse().find((s) => s.kind === 'running') as Extract<EngineState, { kind: 'running' }>;

describe('faults: changes that need no build (Gin templates, startup files, embedded files)', function () {
  const timings: Record<string, number[]> = { reload: [], restart: [] };

  it('a Gin debug-mode template edit: no build, no restart, the page shows it (state says page reload only)', async function () {
    const h = await ginTmpl();
    try {
      await waitUntil('Gin printed its templates', () => h.engine.insights.ginDebugTemplates?.has('index.tmpl'));
      const pid = running(h).pid;
      for (let v = 2; v <= 4; v++) {
        const from = h.states.length;
        const t0 = save(h, 'templates/index.tmpl', /template v\d/, `template v${v}`);
        const s = await waitState(h, 'running', 30_000, from);
        timings.reload.push(Math.round(performance.now() - t0));
        assert.match(s.timings.trigger, /templates\/index\.tmpl \(page reload only, no restart\)/);
        assert.equal(s.pid, pid, 'same server process');
        assert.equal(builds(h, from), 0, 'no build');
        assert.match((await body(h.port, '/'))!, new RegExp(`template v${v}`));
      }
      assert.deepEqual(h.engine.serverPids().includes(pid), true);
    } finally {
      await h.dispose();
    }
  });

  it('behind the proxy, the template edit sends the open pages a reload (server-sent event), still no restart', async function () {
    const proxyPort = await freePort();
    const h = await ginTmpl({ proxyPort });
    const events: string[] = [];
    const req = http.get({ host: '127.0.0.1', port: proxyPort, path: '/__gopher_reload/events', agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => events.push(d));
    });
    req.on('error', () => undefined);
    try {
      await waitUntil('Gin printed its templates', () => h.engine.insights.ginDebugTemplates?.has('index.tmpl'));
      await waitUntil('the event stream is open', () => events.length > 0 || undefined, 10_000).catch(() => undefined);
      const pid = running(h).pid;
      const before = events.join('').split('event: reload').length;
      const from = h.states.length;
      save(h, 'templates/index.tmpl', /template v\d/, 'template v9');
      await waitState(h, 'running', 30_000, from);
      await waitUntil('a reload event', () => events.join('').split('event: reload').length > before, 10_000);
      assert.equal(running(h).pid, pid);
      assert.equal(builds(h, from), 0);
      assert.match((await body(proxyPort, '/'))!, /template v9/);
    } finally {
      req.destroy();
      await h.dispose();
    }
  });

  it('a file read once at startup: the same binary restarts (new pid), no build, the new content is served', async function () {
    const h = await ginTmpl();
    try {
      for (let v = 2; v <= 3; v++) {
        const pid = running(h).pid;
        const from = h.states.length;
        const t0 = save(h, 'greeting.txt', /greeting v\d/, `greeting v${v}`);
        const s = await waitState(h, 'running', 30_000, from);
        timings.restart.push(Math.round(performance.now() - t0));
        assert.notEqual(s.pid, pid, 'restarted');
        assert.equal(builds(h, from), 0, 'no build');
        assert.equal(s.timings.trigger, 'greeting.txt (restart only, no build)');
        assert.equal(await body(h.port, '/greeting'), `greeting v${v}`);
      }
      // A template nobody printed (a new file) restarts too: Gin's list is from the start.
      const from = h.states.length;
      fs.writeFileSync(path.join(h.dir, 'templates', 'new.tmpl'), 'new\n');
      h.engine.fileChanged(path.join(h.dir, 'templates', 'new.tmpl'));
      const s = await waitState(h, 'running', 30_000, from);
      assert.match(s.timings.trigger, /restart only/);
      assert.equal(builds(h, from), 0);
    } finally {
      await h.dispose();
    }
  });

  it('an embedded file (//go:embed) builds, as a Go change does', async function () {
    const h = await ginTmpl();
    try {
      const from = h.states.length;
      save(h, 'embedded/version.txt', 'embedded v1', 'embedded v2');
      const s = await waitState(h, 'running', 120_000, from);
      assert.equal(builds(h, from), 1, 'built');
      assert.equal(s.timings.trigger, 'embedded/version.txt');
      assert.equal(await body(h.port, '/version'), 'embedded v2');
    } finally {
      await h.dispose();
    }
  });

  it('hostile: a Go edit, then a template edit while it builds: the Go change is served (and the template)', async function () {
    const h = await ginTmpl();
    try {
      const from = h.states.length;
      save(h, 'main.go', 'code v1', 'code v2');
      await waitState(h, 'building', 30_000, from);
      save(h, 'templates/index.tmpl', /template v\d/, 'template v7');
      await waitUntil('code v2 served', async () => (await body(h.port, '/code')) === 'code v2', 120_000);
      await h.engine.idle();
      assert.equal(await body(h.port, '/code'), 'code v2');
      assert.match((await body(h.port, '/'))!, /template v7/);
    } finally {
      await h.dispose();
    }
  });

  it('hostile: unsaved text pre-built while typing starts embedding a file, that file changes on disk, then exactly the text is saved: it builds, the new file is served', async function () {
    const h = await ginTmpl();
    try {
      const main = path.join(h.dir, 'main.go');
      const extra = path.join(h.dir, 'extra.json');
      fs.writeFileSync(extra, '{"v":1}');
      h.engine.fileChanged(extra); // counts for nothing yet: no glob names it, nothing embeds it
      const text = fs
        .readFileSync(main, 'utf8')
        .replace('var embedded embed.FS', 'var embedded embed.FS\n\n//go:embed extra.json\nvar extra string')
        .replace('\tr.GET("/code"', '\tr.GET("/extra", func(c *gin.Context) { c.String(200, extra) })\n\tr.GET("/code"');
      assert.equal(h.engine.speculate(new Map([[main, text]])), true, 'the pre-build started');
      await h.engine.idle(); // built, with {"v":1} inside
      fs.writeFileSync(extra, '{"v":2}');
      h.engine.fileChanged(extra); // still nothing on disk embeds it: only the candidate does
      const from = h.states.length;
      fs.writeFileSync(main, text);
      h.engine.fileChanged(main);
      const r = await waitState(h, 'running', 120_000, from);
      assert.notEqual(r.timings.prebuilt, true, 'the pre-built binary (with {"v":1}) was not used');
      assert.equal(await body(h.port, '/extra'), '{"v":2}');
    } finally {
      await h.dispose();
    }
  });

  it('hostile: after a failed build, a template edit builds again (never restarts the old binary as if current); fixing builds', async function () {
    const h = await ginTmpl();
    try {
      const pid = running(h).pid;
      let from = h.states.length;
      save(h, 'main.go', 'const Code = "code v1"', 'const Code = "code v2" +');
      await waitState(h, 'build-failed', 120_000, from);
      from = h.states.length;
      save(h, 'templates/index.tmpl', /template v\d/, 'template v5');
      const failed = await waitState(h, 'build-failed', 120_000, from);
      assert.equal(builds(h, from), 1, 'the template edit built (and failed again)');
      assert.equal(failed.serving, true);
      assert.deepEqual(h.engine.serverPids().includes(pid), true, 'the old server keeps serving');
      assert.equal(await body(h.port, '/code'), 'code v1');
      from = h.states.length;
      save(h, 'main.go', 'const Code = "code v2" +', 'const Code = "code v3"');
      await waitState(h, 'running', 120_000, from);
      assert.equal(await body(h.port, '/code'), 'code v3');
      assert.match((await body(h.port, '/'))!, /template v5/);
    } finally {
      await h.dispose();
    }
  });

  for (const [what, raw] of [
    ['a pre-build step', { preBuild: [['go', 'env', 'GOVERSION']] }],
    ['a custom build command', { buildCommand: ['go', 'build', '-o', '${binary}', '.'] }],
  ] as [string, RawSettings][]) {
    it(`with ${what} (a generator may read templates), a template edit builds`, async function () {
      const h = await ginTmpl(raw);
      try {
        const from = h.states.length;
        save(h, 'templates/index.tmpl', /template v\d/, 'template v3');
        const s = await waitState(h, 'running', 120_000, from);
        assert.equal(builds(h, from), 1);
        assert.equal(s.timings.trigger, 'templates/index.tmpl');
      } finally {
        await h.dispose();
      }
    });
  }

  it('after a configuration change applied without a restart (flags, env may differ), the next template edit builds; the one after only restarts', async function () {
    const h = await ginTmpl();
    try {
      h.engine.reconfigure(h.engine.configuration, false);
      let from = h.states.length;
      save(h, 'greeting.txt', /greeting v\d/, 'greeting v2');
      await waitState(h, 'running', 120_000, from);
      assert.equal(builds(h, from), 1);
      await h.engine.idle();
      from = h.states.length;
      save(h, 'greeting.txt', /greeting v\d/, 'greeting v3');
      const s = await waitState(h, 'running', 30_000, from);
      assert.equal(builds(h, from), 0);
      assert.match(s.timings.trigger, /restart only/);
      assert.equal(await body(h.port, '/greeting'), 'greeting v3');
    } finally {
      await h.dispose();
    }
  });

  it('cancelBuild stops a slow build, the old server keeps serving (the proxy forwards to it), and the next template edit still builds the Go change', async function () {
    // Only the link is slow (4 s): a real go build, cancellable mid-way.
    fs.mkdirSync(TEST_TMP, { recursive: true });
    const slow = path.join(TEST_TMP, `slowlink-${process.pid}.sh`);
    fs.writeFileSync(slow, '#!/bin/sh\ncase "$1" in */link) sleep 4;; esac\nexec "$@"\n', { mode: 0o755 });
    const proxyPort = await freePort();
    const h = await ginTmpl({ buildFlags: [`-toolexec=${slow}`], proxyPort });
    try {
      assert.equal(h.engine.cancelBuild(), false, 'nothing to cancel');
      const pid = running(h).pid;
      let from = h.states.length;
      save(h, 'main.go', 'code v1', 'code v2');
      await waitState(h, 'building', 30_000, from);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(h.engine.cancelBuild(), true);
      const e = await waitState(h, 'error', 10_000, from);
      assert.equal(e.message, 'Build cancelled.');
      assert.match(e.hint, /previous server keeps serving/);
      await h.engine.idle();
      assert.equal(await body(proxyPort, '/code'), 'code v1', 'the proxy forwards to the old server, no error page');
      assert.deepEqual(h.engine.serverPids().includes(pid), true);
      from = h.states.length;
      save(h, 'templates/index.tmpl', /template v\d/, 'template v8');
      await waitState(h, 'running', 120_000, from);
      assert.equal(builds(h, from), 1, 'the template edit built, because the running binary is older than main.go');
      assert.equal(await body(proxyPort, '/code'), 'code v2');
    } finally {
      await h.dispose();
    }
  });

  after(() => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    if (timings.reload.length)
      record({
        group: 'Load and faults',
        test: 'A Gin debug-mode template edit: no build and no restart (same pid), the page shows it',
        figure: `${timings.reload.length} edits, median ${median(timings.reload)} ms from the save to the state saying so, 0 builds`,
      });
    if (timings.restart.length)
      record({
        group: 'Load and faults',
        test: 'A file the server reads at startup: the same binary restarts, no build',
        figure: `${timings.restart.length} edits, median ${median(timings.restart)} ms from the save to the new server ready, 0 builds`,
      });
  });
});
