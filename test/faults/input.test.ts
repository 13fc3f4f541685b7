import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../src/core/config/config';
import { loadEnvFiles } from '../../src/core/config/envFiles';
import { body, copyFixture, harness, repoRoot, waitState, waitUntil } from '../support/helpers';
import { record } from './record';

/** Bad input: a clear message naming the problem and the fix, and nothing crashes. */
describe('faults: bad input', function () {
  const settingCases: { test: string; raw: Record<string, unknown>; setting: string; mentions: RegExp }[] = [
    { test: 'An unknown setting value (stopSignal "SIGSTOP")', raw: { stopSignal: 'SIGSTOP' }, setting: 'stopSignal', mentions: /SIGINT, SIGTERM/ },
    { test: 'An invalid glob in exclude ("foo/[bar")', raw: { exclude: ['foo/[bar'] }, setting: 'exclude', mentions: /invalid glob "foo\/\[bar"/ },
    {
      test: 'A health URL that is not a URL ("localhost:8080/health")',
      raw: { healthUrl: 'localhost:8080/health' },
      setting: 'healthUrl',
      mentions: /not an http:\/\/ or https:\/\/ URL \(example/,
    },
  ];
  for (const c of settingCases) {
    it(c.test, () => {
      const { issues } = resolveConfig('/w/app', c.raw);
      assert.equal(issues.length, 1);
      assert.equal(issues[0].setting, c.setting);
      assert.match(issues[0].message, c.mentions);
      record({ group: 'Bad input', test: c.test, figure: `gopherReload.${issues[0].setting}: ${issues[0].message}` });
    });
  }

  it('An env file that is missing, and one that is malformed', () => {
    const dir = copyFixture('nethttp');
    fs.writeFileSync(path.join(dir, 'bad.env'), 'GOOD=1\nthis is not a pair\n');
    const r = loadEnvFiles(dir, ['missing.env', 'bad.env'], true);
    assert.equal(r.warnings.length, 2);
    assert.equal(r.env.GOOD, '1');
    record({
      group: 'Bad input',
      test: 'An env file that is missing, and one that is malformed',
      figure: r.warnings.map((w) => w.replace(dir + path.sep, '')).join(' / '),
    });
  });

  it('A build command that does not exist', async () => {
    const h = await harness('nethttp', { buildCommand: ['no-such-build-tool'] });
    h.engine.start();
    const s = await waitState(h, 'error');
    record({ group: 'Bad input', test: 'A build command that does not exist', figure: `${s.message} ${s.hint}` });
  });

  it('A package path that does not exist', async () => {
    const h = await harness('nethttp', { package: './cmd/nope' });
    h.engine.start();
    const s = await waitState(h, 'build-failed');
    assert.ok(
      s.problems.some((p) => /cmd\/nope/.test(p.message)),
      JSON.stringify(s.problems),
    );
    record({ group: 'Bad input', test: 'A package path that does not exist (./cmd/nope)', figure: `build failed with: ${s.problems[0].message}` });
  });

  it('A binary path with spaces and non-ASCII characters', async () => {
    const h = await harness('nethttp', { outputDir: 'out dir/ünïcødé 名前', binary: 'out dir/ünïcødé 名前/my server' });
    h.engine.start();
    await waitState(h, 'running');
    assert.equal(await body(h.port), 'nethttp v1');
    record({
      group: 'Bad input',
      test: 'A binary path with spaces and non-ASCII characters',
      figure: 'built and served from "out dir/ünïcødé 名前/my server"',
    });
  });

  it('A go.mod with a syntax error', async () => {
    const dir = copyFixture('nethttp');
    fs.appendFileSync(path.join(dir, 'go.mod'), '\nrequire (\n  this is wrong\n');
    const h = await harness('nethttp', {}, dir);
    h.engine.start();
    const s = await waitState(h, 'build-failed');
    const p = s.problems.find((x) => x.file.endsWith('go.mod'));
    assert.ok(p && p.line > 0, JSON.stringify(s.problems));
    record({ group: 'Bad input', test: 'A go.mod with a syntax error', figure: `Problems: go.mod:${p!.line}: ${p!.message}` });
  });

  it('A .air.toml with a syntax error', async () => {
    const { spawnSync } = await import('node:child_process');
    const dir = copyFixture('nethttp');
    fs.copyFileSync(path.join(repoRoot(), 'test', 'fixtures', 'air', 'broken.air.toml'), path.join(dir, '.air.toml'));
    const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), dir], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 30_000,
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\.air\.toml line 5/);
    record({
      group: 'Bad input',
      test: 'A `.air.toml` with a syntax error',
      figure: `CLI exits 2 with "${r.stderr.trim().replace(/^✗ /, '').split('\n')[0]}"; the extension shows the same in the status bar tooltip and uses its defaults`,
    });
  });

  it('A port already held by a process that is not ours', async () => {
    const net = await import('node:net');
    const blocker = net.createServer().listen(0);
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    try {
      const h = await harness('nethttp', { port, env: { PORT: String(port) } });
      h.engine.start();
      const s = await waitState(h, 'error');
      assert.equal(blocker.listening, true);
      record({
        group: 'Bad input',
        test: 'A port already held by a process that is not ours',
        figure: `${s.message.replace(String(port), '<port>').replace(String(process.pid), '<pid>')} (the other process kept running)`,
      });
    } finally {
      blocker.close();
    }
  });
});

describe('faults: security', function () {
  it('file names with shell metacharacters never reach a shell', async () => {
    const dir = copyFixture('nethttp');
    const names = ['$(touch PWNED1)', 'a;touch PWNED2;', '`touch PWNED3`', `q"uo'te`, 'new\nline', '&& touch PWNED4 &&'];
    const h = await harness('nethttp', { preBuild: [['go', 'vet', '.']] }, dir);
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    // Templates with such names count as changes (.html) and the build passes them by.
    let from = h.states.length;
    fs.mkdirSync(path.join(dir, 'web'));
    for (const n of names) {
      fs.writeFileSync(path.join(dir, 'web', `${n}.html`), '<p>hi</p>\n');
      h.engine.fileChanged(path.join(dir, 'web', `${n}.html`));
    }
    await waitState(h, 'running', 60_000, from);
    // Go itself refuses such names for .go files: the build fails with its message, nothing runs.
    from = h.states.length;
    fs.writeFileSync(path.join(dir, '$(touch PWNED5).go'), 'package main\n');
    h.engine.fileChanged(path.join(dir, '$(touch PWNED5).go'));
    const failed = await waitState(h, 'build-failed', 60_000, from);
    const pwned = fs.readdirSync(dir).filter((f) => f.startsWith('PWNED'));
    record({
      group: 'Security',
      test: 'File names with $(...), ;, backticks, quotes, newlines and && saved and rebuilt',
      figure: `${names.length} such templates rebuilt and served; a .go file so named reported by Go ("${failed.problems[0]?.message.replace(/^.*: /, '')}"); ${pwned.length} commands injected`,
    });
    assert.deepEqual(pwned, []);
    assert.equal(await body(h.port), 'nethttp v1');
  });

  it('settings values with metacharacters are argv, not shell text', async () => {
    const dir = copyFixture('nethttp');
    const h = await harness('nethttp', { args: ['$(touch PWNED5)', '; touch PWNED6'], binary: '.gopher-reload/$(touch PWNED7)' }, dir);
    h.engine.start();
    await waitState(h, 'running');
    await waitUntil('served', async () => (await body(h.port)) === 'nethttp v1');
    const pwned = fs.readdirSync(dir).filter((f) => f.startsWith('PWNED'));
    record({
      group: 'Security',
      test: 'Args and binary path settings containing $(...) and ;',
      figure: `passed as literal argv; ${pwned.length} commands injected`,
    });
    assert.deepEqual(pwned, []);
  });
});
