import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../../src/core/run/ports';
import { cliWords, settingWords } from '../../src/cli/words';
import { mergeGlobs, parseCli } from '../../src/cli/args';
import { DEFAULT_EXCLUDE, resolveConfig } from '../../src/core/config/config';
import { ChangeFilter } from '../../src/core/watch/filter';
import { looksLikeNoMainPackage, mainPackageAdvice } from '../../src/core/build/mainPackages';
import { body, copyFixture, edit, processesUnder, repoRoot, waitUntil } from '../support/helpers';
import { CLI_JS, runCli } from '../support/cliRun';

describe('CLI: command line', function () {
  it('passes server flags that start with "-" in all three forms, and reloads', async () => {
    const dir = copyFixture('cli-flags');
    const port = await freePort();
    const cli = runCli([dir, '--port', String(port), '-a', `-addr=127.0.0.1:${port}`, '--arg', '-mode=dev', '--arg=-x', '-a', 'extra']);
    try {
      // -x is not a flag the server knows: Go's flag package stops it. Then fix the args the user's way: restart.
      await waitUntil('the server refused -x', () => /flag provided but not defined: -x/.test(cli.out()) && cli.out());
    } finally {
      await cli.stop();
    }
    assert.deepEqual(processesUnder(dir), []);
    const ok = runCli([dir, '--port', String(port), '-a', `-addr=127.0.0.1:${port}`, '--arg', '-mode=dev', '--arg=extra']);
    try {
      await waitUntil('served with the flags', async () => (await body(port)) === 'flags v1 mode=dev rest=extra', 90_000);
      edit(path.join(dir, 'main.go'), 'flags v1', 'flags v2');
      await waitUntil('v2 served', async () => (await body(port)) === 'flags v2 mode=dev rest=extra', 60_000);
    } finally {
      assert.equal(await ok.stop(), 0, ok.out());
    }
    assert.doesNotMatch(ok.out(), /ERR_PARSE_ARGS|at .*\(node:/);
    assert.deepEqual(processesUnder(dir), []);
  });

  const usage: [string[], RegExp][] = [
    [['--bogus'], /^✗ Unknown option '--bogus'\.$/],
    [['--port'], /^✗ Option '--port <value>' argument missing/],
    [['.', '-addr=:9999'], /^✗ "-addr=:9999" reads as -a "ddr=:9999"; to pass a flag to the server write -a -addr=:9999/],
    [['a', 'b'], /^✗ one module folder expected/],
    [['--poll', 'fast'], /^✗ --poll "fast": expected a whole number$/],
    [['--quiet-ms', 'fast'], /^✗ --quiet-ms "fast": expected a whole number$/],
    [['--env', 'NOEQUALS'], /^✗ --env NOEQUALS: expected KEY=value$/],
    [['--folder', '../elsewhere', path.join(repoRoot(), 'test', 'fixtures', 'nethttp')], /^✗ --folder \.\.\/elsewhere: .* is outside the module/],
    [['--'], /^✗ nothing after "--"/],
  ];
  for (const [args, want] of usage) {
    it(`refuses ${JSON.stringify(args.join(' '))} in one line plus --help, exit 2, no stack trace`, async () => {
      const cli = runCli(args);
      assert.equal(await cli.exit, 2);
      const lines = cli.out().trimEnd().split('\n');
      assert.equal(lines.length, 2, cli.out());
      assert.match(lines[0], want);
      assert.equal(lines[1], '  run gopher-reload --help');
    });
  }

  it('--help names every flag the CLI accepts, and how server arguments are passed', async () => {
    const { CLI_OPTIONS } = await import('../../src/cli/options');
    const cli = runCli(['--help']);
    assert.equal(await cli.exit, 0);
    for (const [name, o] of Object.entries(CLI_OPTIONS)) {
      assert.match(cli.out(), new RegExp(`${'short' in o ? `-${o.short}, ` : '    '}--${name}\\b`), `--${name} in --help`);
    }
    assert.match(cli.out(), /-a -addr=:9999, --arg -addr=:9999 and --arg=-addr=:9999 all work/);
    assert.match(cli.out(), /Everything after -- is the build command, never server arguments/);
  });

  it('--proxy-allowed-host is repeatable and reaches the engine setting by its own name', () => {
    const { values } = parseCli(['.', '--proxy-port', '3000', '--proxy-allowed-host', 'my-box.example.com', '--proxy-allowed-host=.app.github.dev']);
    assert.deepEqual(values['proxy-allowed-host'], ['my-box.example.com', '.app.github.dev']);
    assert.equal(settingWords('proxyAllowedHosts[1]'), '--proxy-allowed-host (item 2)');
    const { config, issues } = resolveConfig(repoRoot(), { proxyAllowedHosts: values['proxy-allowed-host'] });
    assert.deepEqual(issues, []);
    assert.deepEqual(config.proxyAllowedHosts, ['my-box.example.com', '.app.github.dev']);
  });

  it('parses -- as the build argv and keeps server args out of it', () => {
    const p = parseCli(['app', '-a', '-v', '--', 'go', 'build', '-o', '${binary}', '.']);
    assert.deepEqual([p.dir, p.values.arg, p.buildArgv], ['app', ['-v'], ['go', 'build', '-o', '${binary}', '.']]);
    assert.deepEqual(parseCli(['--build-flag', '-race', '--build-flag=-tags=dev']).values['build-flag'], ['-race', '-tags=dev']);
  });

  it('--exclude and --include add to the defaults; --no-default-excludes replaces them', () => {
    const root = '/w/app';
    const exclude = mergeGlobs(['**/gen/**'], undefined, undefined, DEFAULT_EXCLUDE);
    const { config } = resolveConfig(root, { exclude, include: mergeGlobs(['**/*.yaml'], undefined, undefined, ['**/*.go']) });
    const f = new ChangeFilter(root, config.include, config.exclude);
    for (const [file, want] of [
      ['gen/x.go', false],
      ['vendor/a/b.go', false],
      ['web/node_modules/x/y.html', false],
      ['main.go', true],
      ['conf/app.yaml', true],
    ] as const) {
      assert.equal(f.matches(path.join(root, file)), want, file);
    }
    assert.deepEqual(mergeGlobs(['**/gen/**'], true, undefined, DEFAULT_EXCLUDE), ['**/gen/**']);
    assert.deepEqual(mergeGlobs(['x/**'], undefined, ['tmp/**'], DEFAULT_EXCLUDE), ['tmp/**', 'x/**'], '.air.toml lists are the base when present');
    assert.equal(mergeGlobs(undefined, undefined, undefined, DEFAULT_EXCLUDE), undefined);
  });

  it('--folder runs a package that reads files relative to its own folder', async () => {
    const dir = copyFixture('cli-folder');
    const port = await freePort();
    const cli = runCli([dir, '--folder', 'web'], { PORT: String(port) });
    try {
      await waitUntil('template served', async () => (await body(port)) === 'folder v1', 90_000);
      assert.match(cli.out(), new RegExp(`watching ${path.join(dir, 'web').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(package \\.\\)`));
      fs.writeFileSync(path.join(dir, 'web', 'templates', 'x.tmpl'), 'folder v2');
      await waitUntil('v2 served', async () => (await body(port)) === 'folder v2', 60_000);
    } finally {
      assert.equal(await cli.stop(), 0, cli.out());
    }
    assert.deepEqual(processesUnder(dir), []);
  });

  for (const [when, reader] of [
    ['after its first line', 'head -n 1'],
    ['while the server runs', "sed '/running/q'"],
  ] as const) {
    it(`exits cleanly when the reader of its stdout goes away ${when} (| ${reader}), leaving no process`, async () => {
      const dir = copyFixture('nethttp');
      const port = await freePort();
      // A real shell pipeline, as a user types it (the CLI's stdout is an OS pipe, not a socket);
      // the exit status is the CLI's. File names go as arguments, never into the script.
      const script = `"${process.execPath.replace(/"/g, '')}" "$0" "$1" | ${reader}; exit \${PIPESTATUS[0]}`;
      const sh = spawn('bash', ['-c', script, CLI_JS, dir], { env: { ...process.env, PORT: String(port), NO_COLOR: '1' }, stdio: 'pipe' });
      let out = '';
      sh.stdout.on('data', (b) => (out += b));
      sh.stderr.on('data', (b) => (out += b));
      const exit = new Promise<number | null>((r) => sh.once('exit', (c) => r(c)));
      try {
        if (when === 'while the server runs') {
          await waitUntil('running', () => out.includes('● running'), 90_000);
          await waitUntil('the reader exited', () => processesUnder(dir).every((p) => !p.cmd.startsWith('sed')), 5000);
          // The CLI learns that the reader is gone at its next line: here, the save's "building".
          edit(path.join(dir, 'main.go'), 'nethttp v1', 'nethttp v2');
        }
        const code = await Promise.race([exit, new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
        assert.equal(code, 0, `exit ${code}; output: ${out}`);
      } finally {
        if (sh.exitCode === null) process.kill(sh.pid!, 'SIGINT');
      }
      assert.doesNotMatch(out, /EPIPE|Error|at .*:\d+:\d+/);
      assert.deepEqual(processesUnder(dir), []);
      assert.equal(await body(port), undefined, 'the server was stopped');
    });
  }

  it("speaks the CLI's words: flags, never gopherReload. settings or VS Code commands", async () => {
    const dir = copyFixture('nethttp');
    const port = await freePort();
    const cli = runCli([dir, '--port', String(port), '--proxy-port', String(port), '--kill-delay-ms', '100000'], { PORT: String(port) });
    try {
      await waitUntil('issues printed', () => /--kill-delay-ms:/.test(cli.out()) && /--proxy-port:/.test(cli.out()));
    } finally {
      await cli.stop();
    }
    assert.match(cli.out(), /! --proxy-port: the proxy cannot use the app's own port \d+; set --port to another port/);
    assert.doesNotMatch(cli.out(), /gopherReload\.|Restart Server|VS Code/);
    assert.deepEqual(processesUnder(dir), []);
  });

  it('finds go at its default install location when PATH lacks it, and --verbose says which go and why', async function () {
    if (!fs.existsSync('/usr/local/go/bin/go')) this.skip(); // Go is installed elsewhere on this machine
    const dir = copyFixture('nethttp');
    const port = await freePort();
    const cli = runCli([dir, '--verbose', '--port', String(port)], { PATH: '/usr/bin:/bin', GOROOT: '', PORT: String(port) });
    try {
      await waitUntil('served', async () => (await body(port)) === 'nethttp v1', 90_000);
      assert.match(cli.out(), /Using go at \/usr\/local\/go\/bin\/go, found through a default install location \(it is not on PATH\)\./);
    } finally {
      assert.equal(await cli.stop(), 0, cli.out());
    }
    assert.deepEqual(processesUnder(dir), []);
    assert.equal(
      cliWords('Install Go (https://go.dev/dl/), or set go.goroot or go.alternateTools.go to where it is.'),
      'Install Go (https://go.dev/dl/), or set GOROOT to where Go is installed, or put its bin folder on PATH.',
    );
  });

  it('translates every setting and command the core names in a message', () => {
    // Every line of core source that names a setting or a VS Code command, through cliWords.
    const coreDir = path.join(repoRoot(), 'src', 'core');
    const found: string[] = [];
    // Recursive: src/core is in folders (engine/, config/, ...); a flat read finds none of them.
    const files = (fs.readdirSync(coreDir, { recursive: true }) as string[]).filter((n) => n.endsWith('.ts'));
    for (const f of files) {
      for (const line of fs.readFileSync(path.join(coreDir, f), 'utf8').split('\n')) {
        if (/^\s*(\/\/|\*|\/\*)/.test(line) || !/gopherReload\.\w|Restart Server|Stop Server|Start Server/.test(line)) continue;
        found.push(line);
        const said = cliWords(line);
        assert.doesNotMatch(said, /gopherReload\.\w|Restart Server|Stop Server|Start Server/, `${f}: ${said.trim()}`);
      }
    }
    assert.ok(found.length >= 10, `core messages found: ${found.length}`);
    assert.equal(settingWords('preBuild[1]'), '--pre-build (item 2)');
    assert.equal(settingWords('killDelayMs'), '--kill-delay-ms');
    assert.match(cliWords('set gopherReload.buildWhileTyping'), /set pre-building while typing \(an editor feature/);
  });
});

describe('CLI: no main package', () => {
  it('lists the main packages as ./cmd/... and says how to pick one', async () => {
    const dir = copyFixture('nomain');
    let output = '';
    try {
      execFileSync('go', ['build', '-o', path.join(dir, 'out'), '.'], { cwd: dir, stdio: 'pipe' });
    } catch (e) {
      output = String((e as { stderr: Buffer }).stderr);
    }
    assert.ok(looksLikeNoMainPackage(output), output);
    const a = (await mainPackageAdvice(dir, '.'))!;
    assert.deepEqual(a.mains, ['./cmd/api', './cmd/worker']);
    assert.match(a.message, /^No main package to run: "\.": no Go files in /);
    assert.match(a.hint, /Main packages in .*: \.\/cmd\/api, \.\/cmd\/worker\. Set gopherReload\.package to the one to run \(for example "\.\/cmd\/api"\)/);
    assert.match(cliWords(a.hint), /Set --package to the one to run/);
    const lib = (await mainPackageAdvice(dir, './internal/store'))!;
    assert.match(lib.message, /"\.\/internal\/store" is package store, not a main package/);
    assert.equal(await mainPackageAdvice(dir, './cmd/api'), undefined);
  });
});
