import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveTarget } from '../../src/core/config/target';

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A module folder with a go.mod and, when given, an .air.toml. */
function moduleWith(airToml?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-target-'));
  made.push(dir);
  fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/t\n\ngo 1.22\n');
  if (airToml !== undefined) fs.writeFileSync(path.join(dir, '.air.toml'), airToml);
  return dir;
}

const AIR = `root = "."\n[build]\ncmd = "go build -o ./tmp/main ."\nbin = "./tmp/main"\nargs_bin = ["-v"]\n`;

describe('resolveTarget: one precedence for settings, .air.toml, services and flags', () => {
  it('settings only: the settings, at the module root', () => {
    const dir = moduleWith();
    const r = resolveTarget({ moduleRoot: dir, settings: { port: 8081 } });
    assert.equal(r.source, 'settings');
    assert.deepEqual(r.targets, [{ root: dir, raw: { port: 8081 } }]);
  });

  it('.air.toml only: its settings and its root', () => {
    const dir = moduleWith(AIR.replace('root = "."', 'root = "web"'));
    fs.mkdirSync(path.join(dir, 'web'));
    const r = resolveTarget({ moduleRoot: dir, settings: {} });
    assert.equal(r.source, 'air');
    assert.equal(r.targets[0].root, path.join(dir, 'web'));
    assert.deepEqual(r.targets[0].raw, r.air!.settings);
    assert.equal(r.targets[0].raw.buildCommand, 'go build -o ./tmp/main .');
  });

  it('both: any setting replaces .air.toml as a whole (no air key leaks in)', () => {
    const dir = moduleWith(AIR);
    const r = resolveTarget({ moduleRoot: dir, settings: { port: 8081 } });
    assert.equal(r.source, 'settings');
    assert.equal(r.air, undefined);
    assert.deepEqual(r.targets, [{ root: dir, raw: { port: 8081 } }]);
  });

  it('flags sit on .air.toml per key (the CLI): the flag wins, air fills the rest', () => {
    const dir = moduleWith(AIR);
    const r = resolveTarget({ moduleRoot: dir, settings: {}, flags: { binary: './other', port: 9000 } });
    assert.equal(r.source, 'air');
    assert.equal(r.targets[0].raw.binary, './other');
    assert.equal(r.targets[0].raw.port, 9000);
    assert.equal(r.targets[0].raw.buildCommand, 'go build -o ./tmp/main .');
  });

  it('useAir false (--no-air): the defaults and the flags only', () => {
    const dir = moduleWith(AIR);
    const r = resolveTarget({ moduleRoot: dir, settings: {}, flags: { port: 9000 }, useAir: false });
    assert.equal(r.source, 'defaults');
    assert.deepEqual(r.targets, [{ root: dir, raw: { port: 9000 } }]);
  });

  it('folder (--folder) wins over .air.toml root', () => {
    const dir = moduleWith(AIR.replace('root = "."', 'root = "web"'));
    fs.mkdirSync(path.join(dir, 'web'));
    fs.mkdirSync(path.join(dir, 'api'));
    const r = resolveTarget({ moduleRoot: dir, settings: {}, folder: path.join(dir, 'api') });
    assert.equal(r.targets[0].root, path.join(dir, 'api'));
  });

  it('a broken .air.toml is reported with its line and the defaults are used; with a setting it is not read at all', () => {
    const dir = moduleWith('[build\ncmd = 1\n');
    const r = resolveTarget({ moduleRoot: dir, settings: {} });
    assert.equal(r.source, 'defaults');
    assert.match(r.airError!.message, /\.air\.toml line 1/);
    assert.deepEqual(r.targets, [{ root: dir, raw: {} }]);
    assert.equal(resolveTarget({ moduleRoot: dir, settings: { port: 1 } }).airError, undefined);
  });

  it('services: one target each, module settings + their overrides, never .air.toml; bad items are issues', () => {
    const dir = moduleWith(AIR);
    fs.mkdirSync(path.join(dir, 'api'));
    const r = resolveTarget({
      moduleRoot: dir,
      settings: { env: { A: '1' }, port: 8080 },
      services: [{ name: 'api', folder: 'api', port: 8081, env: { B: '2' } }, { name: 'web' }, { name: 'api' }],
    });
    assert.equal(r.source, 'settings');
    assert.equal(r.air, undefined);
    assert.deepEqual(
      r.targets.map((t) => [t.service, t.root, t.raw.port, t.raw.env]),
      [
        ['api', path.join(dir, 'api'), 8081, { A: '1', B: '2' }],
        ['web', dir, 8080, { A: '1' }],
      ],
    );
    assert.equal(r.issues.length, 1);
    assert.match(r.issues[0].message, /two services are named "api"/);
    // With services and no settings, .air.toml still is not the base: it describes one server.
    const bare = resolveTarget({ moduleRoot: dir, settings: {}, services: [{ name: 'api' }] });
    assert.equal(bare.targets[0].raw.buildCommand, undefined);
  });

  it('services that are all invalid: the module runs as one server by the usual rule', () => {
    const dir = moduleWith(AIR);
    const r = resolveTarget({ moduleRoot: dir, settings: {}, services: 'api' });
    assert.equal(r.source, 'air');
    assert.equal(r.targets[0].service, undefined);
    assert.equal(r.issues.length, 1);
  });

  it('a folder named ..data inside the module is inside: as a service folder and as .air.toml root', () => {
    const dir = moduleWith('root = "..data"\n');
    fs.mkdirSync(path.join(dir, '..data'));
    const svc = resolveTarget({
      moduleRoot: dir,
      settings: {},
      services: [
        { name: 'data', folder: '..data' },
        { name: 'out', folder: '../x' },
      ],
    });
    assert.deepEqual(
      svc.targets.map((t) => [t.service, t.root]),
      [['data', path.join(dir, '..data')]],
    );
    assert.equal(svc.issues.length, 1, 'only ../x is outside');
    const air = resolveTarget({ moduleRoot: dir, settings: {} });
    assert.equal(air.targets[0].root, path.join(dir, '..data'));
    assert.deepEqual(air.air!.unsupported, []);
  });
});
