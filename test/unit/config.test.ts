import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, defaultBuildArgv, expandArgv, resolveConfig } from '../../src/core/config/config';
import { ChangeFilter } from '../../src/core/watch/filter';
import { readAirToml } from '../../src/core/config/airToml';
import { resolveServices } from '../../src/core/config/services';
import { repoRoot } from '../support/helpers';

const root = path.resolve('/work/app');

describe('config model', () => {
  it('has fast defaults: 30 ms quiet window, SIGINT, -s -w build into .gopher-reload/', () => {
    const { config, issues } = resolveConfig(root, {});
    assert.deepEqual(issues, []);
    assert.equal(config.quietWindowMs, 30);
    assert.equal(config.stopSignal, 'SIGINT');
    assert.equal(config.binary, path.join(root, '.gopher-reload', process.platform === 'win32' ? 'app.exe' : 'app'));
    assert.deepEqual(defaultBuildArgv(config), ['go', 'build', '-v', '-ldflags=-s -w', '-o', config.binary, '.']);
  });

  it('keeps debug info when asked (for a debugger)', () => {
    const { config } = resolveConfig(root, { debugInfo: true, buildFlags: ['-tags', 'dev'], package: './cmd/api' });
    assert.deepEqual(defaultBuildArgv(config), ['go', 'build', '-v', '-gcflags=all=-N -l', '-tags', 'dev', '-o', config.binary, './cmd/api']);
  });

  const bad: { name: string; raw: Record<string, unknown>; setting: string; check: (c: ReturnType<typeof resolveConfig>['config']) => void }[] = [
    { name: 'a port out of range', raw: { port: 70000 }, setting: 'port', check: (c) => assert.equal(c.port, undefined) },
    {
      name: 'a health URL that is not a URL',
      raw: { healthUrl: 'localhost:8080/health' },
      setting: 'healthUrl',
      check: (c) => assert.equal(c.healthUrl, undefined),
    },
    { name: 'an unknown stop signal', raw: { stopSignal: 'SIGSTOP' }, setting: 'stopSignal', check: (c) => assert.equal(c.stopSignal, 'SIGINT') },
    { name: 'a negative quiet window', raw: { quietWindowMs: -5 }, setting: 'quietWindowMs', check: (c) => assert.equal(c.quietWindowMs, 30) },
    {
      name: 'an invalid glob',
      raw: { exclude: ['**/vendor/**', 'foo/[bar'] },
      setting: 'exclude',
      check: (c) => assert.ok(c.exclude.includes('**/vendor/**') && !c.exclude.includes('foo/[bar')),
    },
    { name: 'an invalid ready pattern', raw: { readyPattern: 'Listening (' }, setting: 'readyPattern', check: (c) => assert.equal(c.readyPattern, undefined) },
    { name: 'a build command of the wrong type', raw: { buildCommand: 42 }, setting: 'buildCommand', check: (c) => assert.equal(c.buildCommand, undefined) },
    { name: 'env that is not an object', raw: { env: ['A=1'] }, setting: 'env', check: (c) => assert.deepEqual(c.env, {}) },
    { name: 'args that are not strings', raw: { args: [1, 2] }, setting: 'args', check: (c) => assert.deepEqual(c.args, []) },
  ];
  for (const t of bad) {
    it(`reports ${t.name}, names the setting, and falls back`, () => {
      const { config, issues } = resolveConfig(root, t.raw);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0].setting, t.setting);
      assert.ok(issues[0].message.length > 20, issues[0].message);
      t.check(config);
    });
  }

  it('treats a string build command as a shell command and an array as argv', () => {
    assert.equal(resolveConfig(root, { buildCommand: 'make build' }).config.buildCommand, 'make build');
    assert.deepEqual(resolveConfig(root, { buildCommand: ['go', 'build', '-o', '${binary}', '${package}'] }).config.buildCommand, [
      'go',
      'build',
      '-o',
      '${binary}',
      '${package}',
    ]);
  });

  it('expands ${binary} and ${package} without a shell, even in names with metacharacters', () => {
    const weird = path.join(root, 'out $(rm -rf) ;`x`', 'bin');
    const { config } = resolveConfig(root, { binary: weird, package: './cmd/a b' });
    assert.deepEqual(expandArgv(['go', 'build', '-o', '${binary}', '${package}'], config), ['go', 'build', '-o', weird, './cmd/a b']);
  });

  it('always excludes its own output folder', () => {
    const { config } = resolveConfig(root, { exclude: [] });
    const f = new ChangeFilter(root, config.include, config.exclude);
    assert.equal(f.matches(path.join(root, '.gopher-reload', 'x.go')), false);
    assert.equal(f.matches(path.join(root, 'main.go')), true);
  });
});

/**
 * A folder whose name starts with two dots (`..data`, `...`) is an ordinary folder inside the
 * module. A bare `rel.startsWith('..')` took it for "outside": a service there was skipped, an
 * output folder there was watched (its binaries then triggered builds), air's root there ignored.
 */
describe('folders named ..something are inside the module', () => {
  let mod: string;
  beforeEach(() => {
    mod = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-dotdot-'));
    fs.mkdirSync(path.join(mod, '..data'));
  });
  afterEach(() => fs.rmSync(mod, { recursive: true, force: true }));

  it('a service in ..data runs there; one in ../data is still refused', () => {
    const { services, issues } = resolveServices(mod, {}, [
      { name: 'api', folder: '..data' },
      { name: 'out', folder: '../data' },
    ]);
    assert.deepEqual(
      services.map((s) => [s.name, s.root]),
      [['api', path.join(mod, '..data')]],
    );
    assert.equal(issues.length, 1);
    assert.match(issues[0].message, /service "out": "folder" must be a folder inside the module/);
  });

  it('an output folder named ..out is excluded from watching like any other', () => {
    const { config, issues } = resolveConfig(mod, { outputDir: '..out' });
    assert.deepEqual(issues, []);
    assert.equal(config.outputDir, path.join(mod, '..out'));
    const f = new ChangeFilter(mod, config.include, config.exclude);
    assert.equal(f.matches(path.join(mod, '..out', 'x.go')), false, 'a file the engine writes into its output folder never triggers a build');
    assert.equal(f.matches(path.join(mod, '..data', 'x.go')), true);
  });

  it('.air.toml\'s root = "..data" is used, not replaced by the module root', () => {
    fs.writeFileSync(path.join(mod, '.air.toml'), 'root = "..data"\n');
    const air = readAirToml(mod)!;
    assert.equal(air.root, path.join(mod, '..data'));
    assert.deepEqual(air.unsupported, []);
  });
});

describe('change filter', () => {
  const { config } = resolveConfig(root, {});
  const f = new ChangeFilter(root, config.include, config.exclude);
  const cases: { file: string; want: boolean }[] = [
    { file: 'main.go', want: true },
    { file: 'internal/handlers/users.go', want: true },
    { file: 'templates/index.tmpl', want: true },
    { file: 'web/page.html', want: true },
    { file: 'views/x.tpl', want: true },
    { file: 'go.mod', want: true },
    { file: 'go.sum', want: true },
    { file: 'main_test.go', want: false },
    { file: 'vendor/github.com/x/y.go', want: false },
    { file: 'pkg/testdata/a.go', want: false },
    // The go command skips testdata/ for Go sources only; a template kept there is read at run time.
    { file: 'testdata/page.tmpl', want: true },
    { file: 'examples/template/testdata/raw.tmpl', want: true },
    { file: 'testdata/sub/x_test.go', want: false },
    { file: 'web/node_modules/x/index.html', want: false },
    { file: '.git/HEAD', want: false },
    { file: 'README.md', want: false },
    { file: 'main.go~', want: false },
    { file: '.main.go.swp', want: false },
    { file: '../elsewhere/main.go', want: false },
  ];
  for (const c of cases) {
    it(`${c.want ? 'rebuilds on' : 'ignores'} ${c.file}`, () => assert.equal(f.matches(path.join(root, c.file)), c.want));
  }
  it('prunes excluded directories for the watcher, not ordinary ones', () => {
    assert.equal(f.prunesDirectory(path.join(root, 'vendor')), true);
    assert.equal(f.prunesDirectory(path.join(root, 'web', 'node_modules')), true);
    assert.equal(f.prunesDirectory(path.join(root, '.gopher-reload')), true);
    assert.equal(f.prunesDirectory(path.join(root, 'internal')), false);
    assert.equal(f.prunesDirectory(root), false);
  });
});

describe('defaults agree between the engine and the VS Code settings', () => {
  it("include and exclude defaults in package.json are the engine's", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
    const props = pkg.contributes.configuration.properties;
    assert.deepEqual(props['gopherReload.exclude'].default, DEFAULT_EXCLUDE);
    assert.deepEqual(props['gopherReload.include'].default, DEFAULT_INCLUDE);
  });

  it('proxyAllowedHosts: [] in package.json and in the engine, a list of strings in both', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
    const p = pkg.contributes.configuration.properties['gopherReload.proxyAllowedHosts'];
    assert.deepEqual(p.default, []);
    assert.equal(p.type, 'array');
    assert.equal(p.items.type, 'string');
    assert.deepEqual(resolveConfig(root, {}).config.proxyAllowedHosts, []);
  });
});

describe('proxyAllowedHosts', () => {
  it('keeps host names as the browser sends them (lower case, each once), subdomain entries and bracketed IPv6', () => {
    const { config, issues } = resolveConfig(root, {
      proxyAllowedHosts: ['My-Box.example.com', '.app.github.dev', '[fd00::1]', '10.0.0.5', 'my-box.example.com'],
    });
    assert.deepEqual(issues, []);
    assert.deepEqual(config.proxyAllowedHosts, ['my-box.example.com', '.app.github.dev', '[fd00::1]', '10.0.0.5']);
  });

  it('names each bad entry (its position and why), leaves it out, and keeps the good ones', () => {
    const raw = ['ok.example', 42, 'http://x.example', 'x.example:8080', 'x.example/path', '*', '', 'two words', '.'];
    const { config, issues } = resolveConfig(root, { proxyAllowedHosts: raw });
    assert.deepEqual(config.proxyAllowedHosts, ['ok.example']);
    assert.deepEqual(
      issues.map((i) => i.setting),
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `proxyAllowedHosts[${i}]`),
    );
    assert.match(issues[0].message, /expected a host name \(a string\), got 42/);
    assert.match(issues[1].message, /"http:\/\/x\.example" is not a host name: .*without scheme, port or path/);
    assert.match(issues[4].message, /"\*" is not supported: list each host, or .*leading dot/);
  });

  it('a value that is not a list: named, only loopback allowed', () => {
    const { config, issues } = resolveConfig(root, { proxyAllowedHosts: 'my-box.example.com' });
    assert.deepEqual(config.proxyAllowedHosts, []);
    assert.equal(issues.length, 1);
    assert.equal(issues[0].setting, 'proxyAllowedHosts');
    assert.match(issues[0].message, /expected a list of host names like \["my-box\.example\.com", "\.app\.github\.dev"\]/);
  });
});
