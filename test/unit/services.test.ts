import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { resolveConfig } from '../../src/core/config/config';
import { resolveServices } from '../../src/core/config/services';

describe('services setting (several servers in one module)', () => {
  const root = path.resolve('/w/mod');

  it('each service takes the module settings, overrides them, merges env and gets its own binary', () => {
    const base = { killDelayMs: 500, env: { GIN_MODE: 'debug', PORT: '1' }, outputDir: 'out' };
    const { services, issues } = resolveServices(root, base, [
      { name: 'api', package: './cmd/api', env: { PORT: '8081' } },
      { name: 'admin', folder: 'admin', args: ['--dev'] },
    ]);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      services.map((s) => [s.name, s.root]),
      [
        ['api', root],
        ['admin', path.join(root, 'admin')],
      ],
    );
    const api = resolveConfig(services[0].root, services[0].raw).config;
    assert.equal(api.package, './cmd/api');
    assert.equal(api.killDelayMs, 500);
    assert.deepEqual(api.env, { GIN_MODE: 'debug', PORT: '8081' });
    assert.equal(api.binary, path.join(root, 'out', 'api'));
    const admin = resolveConfig(services[1].root, services[1].raw).config;
    assert.equal(admin.root, path.join(root, 'admin'));
    assert.deepEqual(admin.args, ['--dev']);
    assert.notEqual(admin.binary, api.binary);
  });

  it('bad entries are reported and skipped; the rest run', () => {
    const { services, issues } = resolveServices(root, {}, [
      { name: 'ok' },
      { package: './x' },
      { name: 'ok' },
      'api',
      { name: 'out', folder: '../elsewhere' },
      { name: 'bad name!' },
    ]);
    assert.deepEqual(
      services.map((s) => s.name),
      ['ok'],
    );
    assert.equal(issues.length, 5);
    assert.ok(issues.every((i) => i.setting === 'services'));
    assert.match(issues.map((i) => i.message).join('\n'), /needs a "name"[\s\S]*two services are named "ok"[\s\S]*not an object[\s\S]*inside the module/);
  });

  it('not a list: one server, and a message that shows the expected shape', () => {
    const { services, issues } = resolveServices(root, {}, { api: {} });
    assert.deepEqual(services, []);
    assert.match(issues[0].message, /expected a list like \[\{"name": "api"/);
  });
});
