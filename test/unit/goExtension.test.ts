import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostGoPlatform, mergeGoExtension } from '../../src/core/config/goExtension';

/** The Go extension's settings fill what ours leave unset; ours always win. */
describe("the Go extension's settings (go.buildTags, go.buildFlags, go.toolsEnvVars)", () => {
  const host = { goos: 'linux', goarch: 'amd64' };

  it('go.buildFlags and go.buildTags become our build flags when gopherReload.buildFlags is unset', () => {
    const r = mergeGoExtension({}, { buildFlags: ['-race'], buildTags: 'dev,sqlite' }, host);
    assert.deepEqual(r.raw.buildFlags, ['-race', '-tags', 'dev,sqlite']);
    assert.deepEqual(r.notes, ["build flags from the Go extension's settings: -race -tags dev,sqlite"]);
  });

  it('a -tags in go.buildFlags wins over go.buildTags, as in one go command line', () => {
    assert.deepEqual(mergeGoExtension({}, { buildFlags: ['-tags=a'], buildTags: 'b' }, host).raw.buildFlags, ['-tags=a']);
  });

  it('leaves our build flags alone when they are set, even to nothing, and says so', () => {
    const r = mergeGoExtension({ buildFlags: [] }, { buildTags: 'dev' }, host);
    assert.deepEqual(r.raw.buildFlags, []);
    assert.match(r.notes[0], /not used: gopherReload\.buildFlags is set/);
  });

  it('go.toolsEnvVars fills the variables gopherReload.env does not set', () => {
    const r = mergeGoExtension({ env: { PORT: '9000', GOFLAGS: '-mod=mod' } }, { toolsEnvVars: { GOFLAGS: '-tags=x', GOPRIVATE: 'example.com' } }, host);
    assert.deepEqual(r.raw.env, { GOPRIVATE: 'example.com', PORT: '9000', GOFLAGS: '-mod=mod' });
    assert.deepEqual(r.notes, ['environment from go.toolsEnvVars: GOPRIVATE']);
  });

  it('does not cross-compile: a GOOS or GOARCH for gopls that is not this machine is left out, with a note', () => {
    const r = mergeGoExtension({}, { toolsEnvVars: { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' } }, host);
    assert.deepEqual(r.raw.env, { GOARCH: 'amd64', CGO_ENABLED: '0' });
    assert.match(r.notes.join('\n'), /GOOS=windows not used: the server has to run on this machine \(GOOS=linux\)/);
  });

  it('bad values are named and not used; nothing set changes nothing', () => {
    const r = mergeGoExtension({ package: './cmd/api' }, { buildFlags: '-race', toolsEnvVars: ['x'] }, host);
    assert.deepEqual(r.raw, { package: './cmd/api' });
    assert.equal(r.notes.length, 2);
    assert.deepEqual(mergeGoExtension({}, {}, host), { raw: {}, notes: [] });
  });

  it('says go.buildTags is not used under a build command of ones own; numbers in toolsEnvVars are strings', () => {
    const r = mergeGoExtension({ buildCommand: 'make build' }, { buildTags: 'dev', toolsEnvVars: { CGO_ENABLED: 0, X: { y: 1 } } }, host);
    assert.equal(r.raw.buildFlags, undefined);
    assert.deepEqual(r.raw.env, { CGO_ENABLED: '0' });
    assert.match(r.notes.join('\n'), /not used: the build command is your own/);
    assert.match(r.notes.join('\n'), /go\.toolsEnvVars X is not a string: not used/);
  });

  it('leaves a broken gopherReload.env for its own settings problem rather than replacing it', () => {
    const r = mergeGoExtension({ env: 'PORT=1' }, { toolsEnvVars: { GOPRIVATE: 'x' } }, host);
    assert.equal(r.raw.env, 'PORT=1');
    assert.match(r.notes[0], /gopherReload\.env is not an object/);
  });

  it("names this machine's platform as go does", () => {
    const go = spawnSync('go', ['env', 'GOOS', 'GOARCH'], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual(hostGoPlatform(), { goos: go[0], goarch: go[1] });
  });
});
