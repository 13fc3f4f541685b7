import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AirTomlError, durationMs, readAirToml } from '../../src/core/config/airToml';
import { resolveConfig } from '../../src/core/config/config';
import { ChangeFilter } from '../../src/core/watch/filter';
import { repoRoot } from '../support/helpers';

/** .air.toml files of the shapes found in the wild (test/fixtures/air), read as air would. */
function withAirToml(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-air-'));
  fs.copyFileSync(path.join(repoRoot(), 'test', 'fixtures', 'air', name), path.join(dir, '.air.toml'));
  return dir;
}

describe('.air.toml import', () => {
  it('the air init template: its build, binary and watch rules; its 1000 ms delay is not copied', () => {
    const dir = withAirToml('template.air.toml');
    const air = readAirToml(dir)!;
    assert.deepEqual(air.settings, {
      outputDir: 'tmp',
      buildCommand: 'go build -o ./tmp/main .',
      binary: './tmp/main',
      include: ['**/*.go', '**/*.tpl', '**/*.tmpl', '**/*.html'],
      exclude: ['assets/**', 'tmp/**', 'vendor/**', 'testdata/**', '**/.git/**', '**/node_modules/**', '**/*_test.go'],
      killDelayMs: 0,
      stopSignal: 'SIGKILL',
      stopOnBuildError: false,
    });
    // Nothing in the template is beyond Gopher Reload: poll = false and [proxy] enabled = false are what it does.
    assert.deepEqual(air.unsupported, []);
    assert.equal(air.pollIntervalMs, undefined);
    assert.ok(!air.ignored.some((i) => /poll|\[proxy\]|\[misc\]|rerun_delay/.test(i)), air.ignored.join('\n'));
    // What it sets differently and Gopher Reload ignores is listed, each with why.
    for (const k of [
      '[color]',
      '[log]',
      '[screen]',
      'build.log',
      'build.exclude_unchanged = false',
      'build.follow_symlink = false',
      'build.delay = 1000',
      'testdata_dir',
    ]) {
      const line = air.ignored.find((i) => i.startsWith(k));
      assert.ok(line && /: \S.{15,}/.test(line), `${k} listed with a reason: ${air.ignored.join('; ')}`);
    }
    const { config, issues } = resolveConfig(dir, air.settings);
    assert.deepEqual(issues, []);
    const f = new ChangeFilter(dir, config.include, config.exclude);
    assert.equal(f.matches(path.join(dir, 'handlers', 'x.go')), true);
    assert.equal(f.matches(path.join(dir, 'x_test.go')), false);
    assert.equal(f.matches(path.join(dir, 'tmp', 'x.go')), false);
  });

  it('a hand-tuned config: env and args from full_bin, generators, graceful stop, dirs and regexes', () => {
    const air = readAirToml(withAirToml('custom.air.toml'))!;
    assert.deepEqual(air.settings, {
      outputDir: '.build',
      buildCommand: 'go build -tags dev -o ./.build/api ./cmd/api',
      binary: './.build/api',
      args: ['serve', '--port', '9000'],
      env: { APP_ENV: 'dev', LOG_LEVEL: 'debug' },
      include: ['cmd/**/*.go', 'cmd/**/*.html', 'internal/**/*.go', 'internal/**/*.html', 'config.yaml'],
      exclude: ['web/node_modules/**', 'internal/gen/big.go', '**/.git/**', '**/node_modules/**', '**/*_test.go', '**/*.pb.go'],
      quietWindowMs: 200,
      killDelayMs: 1500,
      stopSignal: 'SIGINT',
      stopOnBuildError: true,
      preBuild: ['go generate ./...', 'swag init'],
      postStop: ['docker compose down'],
      envFiles: ['.env', '.env.local'],
    });
    assert.ok(
      air.unsupported.some((u) => u.startsWith('exclude_regex "^mock_.*"')),
      air.unsupported.join('\n'),
    );
    assert.ok(!air.unsupported.some((u) => u.startsWith('post_cmd')), 'post_cmd is supported (postStop)');
  });

  it('root: air runs in it, so the build, the server and the watch move there', () => {
    const dir = withAirToml('template.air.toml');
    fs.writeFileSync(path.join(dir, '.air.toml'), 'root = "./cmd/api"\n[build]\ncmd = "go build -o ./tmp/main ."\n');
    fs.mkdirSync(path.join(dir, 'cmd', 'api'), { recursive: true });
    assert.equal(readAirToml(dir)!.root, path.join(dir, 'cmd', 'api'));
    fs.writeFileSync(path.join(dir, '.air.toml'), 'root = "../elsewhere"\n');
    const outside = readAirToml(dir)!;
    assert.equal(outside.root, dir);
    assert.ok(
      outside.unsupported.some((u) => /root = "\.\.\/elsewhere" is outside the module/.test(u)),
      outside.unsupported.join('\n'),
    );
  });

  it('an .air.toml in the folder above the module applies when its root points into the module', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-air-'));
    const mod = path.join(folder, 'backend');
    fs.mkdirSync(mod);
    fs.writeFileSync(path.join(folder, '.air.toml'), 'root = "backend"\ntmp_dir = "tmp"\n');
    assert.equal(readAirToml(mod, folder)!.root, mod);
    assert.equal(readAirToml(mod, folder)!.settings.outputDir, 'tmp');
    fs.writeFileSync(path.join(folder, '.air.toml'), 'root = "."\n');
    assert.equal(readAirToml(mod, folder), undefined, "an .air.toml for the folder itself is not this module's");
  });

  it("the shape of air's example file: full_bin env and args, delay 0, SIGKILL, cosmetic keys listed", () => {
    const air = readAirToml(withAirToml('example.air.toml'))!;
    assert.deepEqual(air.settings, {
      outputDir: 'tmp',
      buildCommand: 'go build -o ./tmp/main .',
      binary: './tmp/main',
      args: ['hello', 'world'],
      env: { APP_ENV: 'dev', APP_USER: 'air' },
      include: ['**/*.go', '**/*.tpl', '**/*.tmpl', '**/*.html'],
      exclude: ['assets/**', 'tmp/**', 'vendor/**', 'frontend/node_modules/**', '**/.git/**', '**/node_modules/**', '**/*_test.go'],
      quietWindowMs: 0,
      killDelayMs: 500,
      stopSignal: 'SIGKILL',
      stopOnBuildError: true,
    });
    assert.deepEqual(air.unsupported, []);
    for (const k of ['build.log', '[log]', '[color]', '[misc] clean_on_exit']) {
      assert.ok(
        air.ignored.some((i) => i.startsWith(k)),
        `${k} listed as ignored: ${air.ignored.join('; ')}`,
      );
    }
    // exclude_unchanged = true and follow_symlink = true are what Gopher Reload does; rerun_delay without rerun does nothing.
    assert.ok(!air.ignored.some((i) => /exclude_unchanged|follow_symlink|rerun_delay/.test(i)), air.ignored.join('; '));
  });

  it('[proxy] converts to the request-holding proxy; poll = true to polling', () => {
    const dir = withAirToml('template.air.toml');
    fs.writeFileSync(path.join(dir, '.air.toml'), '[build]\npoll = true\npoll_interval = 250\n[proxy]\nenabled = true\nproxy_port = 8090\napp_port = 8080\n');
    const air = readAirToml(dir)!;
    assert.deepEqual(air.settings, { proxyPort: 8090, port: 8080 });
    assert.equal(air.pollIntervalMs, 250);
    assert.deepEqual([air.unsupported, air.ignored], [[], []]);
    fs.writeFileSync(path.join(dir, '.air.toml'), '[build]\npoll = true\n[proxy]\nenabled = true\n');
    const bad = readAirToml(dir)!;
    assert.equal(bad.pollIntervalMs, 500, "air's default poll interval");
    assert.match(bad.unsupported.join('\n'), /\[proxy\] enabled without a valid proxy_port/);
  });

  it('a syntax error names the file and the line', () => {
    const dir = withAirToml('broken.air.toml');
    assert.throws(
      () => readAirToml(dir),
      (e: unknown) => e instanceof AirTomlError && e.line === 5 && /\.air\.toml line 5/.test(e.message),
    );
  });

  it('reads Go durations the way air does', () => {
    assert.equal(durationMs('0s'), 0);
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('1m30s'), 90_000);
    assert.equal(durationMs(250), 250);
    assert.equal(durationMs('soon'), undefined);
  });
});

describe('.air.toml import, end to end (CLI)', function () {
  it('runs the Gin app from its .air.toml and reloads it on save', async () => {
    const { spawn } = await import('node:child_process');
    const { copyFixture, edit, body, waitUntil, processesUnder } = await import('../support/helpers');
    const { freePort } = await import('../../src/core/run/ports');
    const dir = copyFixture('gin-api');
    // With a post_cmd, which air runs when it exits.
    const toml = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'air', 'template.air.toml'), 'utf8');
    fs.writeFileSync(path.join(dir, '.air.toml'), toml.replace('post_cmd = []', 'post_cmd = ["echo stopped > post-cmd-ran.txt"]'));
    const port = await freePort();
    const cli = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), dir], {
      env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout.on('data', (b) => (out += b));
    cli.stderr.on('data', (b) => (out += b));
    try {
      await waitUntil('running', () => out.includes('● running'), 90_000);
      assert.match(out, /using \.air\.toml/);
      assert.ok(fs.existsSync(path.join(dir, 'tmp', 'main')), 'built where .air.toml says');
      edit(path.join(dir, 'handlers', 'message.go'), 'Gin v1', 'Gin v2');
      await waitUntil('v2', async () => (await body(port)) === 'Hello from Gin v2', 60_000);
      assert.ok(!fs.existsSync(path.join(dir, 'post-cmd-ran.txt')), 'post_cmd does not run between reloads');
    } finally {
      cli.kill('SIGINT');
      await new Promise((r) => cli.once('exit', r));
    }
    assert.deepEqual(processesUnder(dir), []);
    assert.equal(fs.readFileSync(path.join(dir, 'post-cmd-ran.txt'), 'utf8').trim(), 'stopped', 'post_cmd ran once air-style, at exit');
  });
});
