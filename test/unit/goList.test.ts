import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GoQueryError, importedPackageDirs, localModuleDirs } from '../../src/core/watch/goList';
import { copyFixture, TEST_TMP } from '../support/helpers';

// No go.work from above the temp folder may leak into the tests that are not about workspaces.
const noWork = { env: { ...process.env, GOWORK: 'off' } };

describe('go list queries', () => {
  let services: string;
  before(() => (services = copyFixture('services')));

  const dirsOf = async (pkg: string, opts = noWork) => [...(await importedPackageDirs(services, pkg, opts))].map((d) => path.relative(services, d)).sort();
  const rel = (...p: string[]) => path.join(...p);

  it('lists the packages a command depends on, itself included, without the standard library', async () => {
    assert.deepEqual(await dirsOf('./cmd/api'), [rel('cmd', 'api'), rel('internal', 'apionly'), rel('internal', 'shared')]);
    assert.deepEqual(await dirsOf('./cmd/worker'), [rel('cmd', 'worker'), rel('internal', 'shared'), rel('internal', 'workeronly')]);
  });

  it('selects files with the build tags among the build flags, and drops flags go list does not take', async () => {
    const extra = path.join(services, 'cmd', 'api', 'extra_dev.go');
    fs.writeFileSync(extra, '//go:build dev\n\npackage main\n\nimport _ "example.com/services/tools/unused"\n');
    try {
      assert.ok(!(await dirsOf('./cmd/api')).includes(rel('tools', 'unused')));
      const opts = { ...noWork, buildFlags: ['-o', 'bin/api', '-ldflags=-s -w', '-tags', 'dev'] };
      assert.ok((await dirsOf('./cmd/api', opts)).includes(rel('tools', 'unused')));
    } finally {
      fs.rmSync(extra);
    }
  });

  it('reports paths under the root as given, even when it is reached through a symlink', async function () {
    if (process.platform === 'win32') this.skip();
    const link = path.join(TEST_TMP, `services-link-${Date.now()}`);
    fs.symlinkSync(services, link);
    const dirs = [...(await importedPackageDirs(link, './cmd/api', noWork))];
    assert.ok(dirs.length > 0 && dirs.every((d) => d.startsWith(link + path.sep)), dirs.join(', '));
  });

  it("fails with go's own error for a package that does not exist", async () => {
    await assert.rejects(importedPackageDirs(services, './cmd/nope', noWork), (e: Error) => {
      assert.ok(e instanceof GoQueryError);
      assert.match(e.message, /go list/);
      assert.match(e.message, /cmd[\\/]nope/);
      return true;
    });
  });

  it('says so when Go is not on PATH', async () => {
    await assert.rejects(
      importedPackageDirs(services, '.', { env: { ...process.env, PATH: '' } }),
      (e: Error) => e instanceof GoQueryError && /Go was not found/.test(e.message),
    );
  });

  it('finds no folders outside a module without replaces', async () => {
    assert.deepEqual(await localModuleDirs(services, noWork), { dirs: [], manifests: [path.join(services, 'go.mod')] });
  });

  it('finds the target of a local replace in go.mod', async () => {
    const dir = copyFixture('replaced');
    const app = path.join(dir, 'app');
    assert.deepEqual(await localModuleDirs(app, noWork), { dirs: [path.join(dir, 'greet')], manifests: [path.join(app, 'go.mod')] });
  });

  it('reads replaces from the -modfile among the build flags, relative to the module folder', async () => {
    const dir = copyFixture('replaced');
    const app = path.join(dir, 'app');
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(app, 'alt.mod'), 'module example.com/app\n\ngo 1.22\n\nreplace example.com/greet => ../other\n');
    const got = await localModuleDirs(app, { ...noWork, buildFlags: ['-modfile=alt.mod'] });
    assert.deepEqual(got, { dirs: [path.join(dir, 'other')], manifests: [path.join(app, 'alt.mod')] });
  });

  it("finds the go.work's other modules", async () => {
    const dir = copyFixture('gowork');
    const app = path.join(dir, 'app');
    const got = await localModuleDirs(app, { env: { ...process.env, GOWORK: '' } });
    assert.deepEqual(got.dirs, [path.join(dir, 'lib')]);
    assert.ok(got.manifests.includes(path.join(dir, 'go.work')), got.manifests.join(', '));
  });
});
