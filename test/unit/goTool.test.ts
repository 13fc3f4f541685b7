import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describeGo, findGo, goNotFoundMessage, type FindGoOptions } from '../../src/core/config/goTool';

/** A fake file system: the executable files that exist, and the folders' listings for ~/sdk. */
function fake(files: string[], dirs: Record<string, string[]> = {}): Pick<FindGoOptions, 'exists' | 'listDir'> {
  const set = new Set(files);
  return { exists: (f) => set.has(f), listDir: (d) => dirs[d] ?? [] };
}

const linux = (env: Record<string, string>, files: string[], more: Partial<FindGoOptions> = {}, dirs: Record<string, string[]> = {}) =>
  findGo({ env, platform: 'linux', home: '/home/u', ...fake(files, dirs), ...more });
const windows = (env: Record<string, string>, files: string[], more: Partial<FindGoOptions> = {}, dirs: Record<string, string[]> = {}) =>
  findGo({ env, platform: 'win32', home: 'C:\\Users\\u', ...fake(files, dirs), ...more });

describe('finding go (vscode-go order)', () => {
  const everywhere = ['/alt/go', '/gr/bin/go', '/envroot/bin/go', '/p1/go', '/usr/local/go/bin/go'];
  const table: { name: string; more?: Partial<FindGoOptions>; env?: Record<string, string>; files: string[]; path: string; via: string }[] = [
    {
      name: 'go.alternateTools.go first',
      more: { alternateTool: '/alt/go', goroot: '/gr' },
      env: { GOROOT: '/envroot', PATH: '/p1' },
      files: everywhere,
      path: '/alt/go',
      via: 'go.alternateTools.go',
    },
    { name: 'go.goroot next', more: { goroot: '/gr' }, env: { GOROOT: '/envroot', PATH: '/p1' }, files: everywhere, path: '/gr/bin/go', via: 'go.goroot' },
    { name: '$GOROOT/bin next', env: { GOROOT: '/envroot', PATH: '/p1' }, files: everywhere, path: '/envroot/bin/go', via: '$GOROOT/bin' },
    { name: 'PATH next', env: { PATH: '/p0:/p1' }, files: everywhere, path: '/p1/go', via: 'PATH' },
    { name: 'a default location last', env: { PATH: '/usr/bin:/bin' }, files: everywhere, path: '/usr/local/go/bin/go', via: 'default location' },
    {
      name: 'a missing alternate tool falls through',
      more: { alternateTool: '/nope/go' },
      env: { PATH: '/p1' },
      files: everywhere,
      path: '/p1/go',
      via: 'PATH',
    },
    {
      name: 'go.goroot replaces $GOROOT (vscode-go sets GOROOT from it)',
      more: { goroot: '/empty' },
      env: { GOROOT: '/envroot', PATH: '/p1' },
      files: everywhere,
      path: '/p1/go',
      via: 'PATH',
    },
    {
      name: '~ and ${env:X} in settings',
      more: { goroot: '~/sdk/go1.22.4', alternateTool: '${env:TOOLS}/go' },
      env: { TOOLS: '/alt' },
      files: ['/alt/go'],
      path: '/alt/go',
      via: 'go.alternateTools.go',
    },
    {
      name: '~ in go.goroot',
      more: { goroot: '~/sdk/go1.22.4' },
      env: {},
      files: ['/home/u/sdk/go1.22.4/bin/go'],
      path: '/home/u/sdk/go1.22.4/bin/go',
      via: 'go.goroot',
    },
    {
      name: 'a bare alternate name is searched for instead of go',
      more: { alternateTool: 'go1.22.4' },
      env: { PATH: '/p1' },
      files: ['/p1/go', '/home/u/go/bin/go1.22.4'],
      path: '/home/u/go/bin/go1.22.4',
      via: 'default location',
    },
    {
      name: 'the snap wrapper is swapped for the real binary',
      env: { PATH: '/snap/bin' },
      files: ['/snap/bin/go', '/snap/go/current/bin/go'],
      path: '/snap/go/current/bin/go',
      via: 'PATH',
    },
    { name: 'Homebrew on Apple silicon', env: { PATH: '/usr/bin' }, files: ['/opt/homebrew/bin/go'], path: '/opt/homebrew/bin/go', via: 'default location' },
    { name: 'Debian golang-go', env: { PATH: '/usr/bin' }, files: ['/usr/lib/go/bin/go'], path: '/usr/lib/go/bin/go', via: 'default location' },
  ];
  for (const t of table) {
    it(t.name, () => {
      const r = linux(t.env ?? {}, t.files, t.more);
      assert.ok(!r.notFound, JSON.stringify(r));
      assert.equal(r.path, t.path);
      assert.equal(r.via, t.via);
    });
  }

  it('looks in every place in order and names them all when go is nowhere', () => {
    const r = linux(
      { GOROOT: '/envroot', PATH: '/a::/b' },
      [],
      { alternateTool: '/alt/go' },
      { '/home/u/sdk': ['go1.21.0', 'go1.23rc1', 'go1.23.1', 'go1.9', 'notes.txt'] },
    );
    assert.ok(r.notFound);
    assert.deepEqual(r.looked, [
      '/alt/go',
      '/envroot/bin/go',
      '/a/go',
      '/b/go',
      '/usr/local/go/bin/go',
      '/usr/local/bin/go',
      '/home/u/go/bin/go',
      '/home/u/sdk/go1.23.1/bin/go',
      '/home/u/sdk/go1.23rc1/bin/go',
      '/home/u/sdk/go1.21.0/bin/go',
      '/home/u/sdk/go1.9/bin/go',
      '/opt/homebrew/bin/go',
      '/usr/lib/go/bin/go',
      '/snap/go/current/bin/go',
    ]);
    const msg = goNotFoundMessage(r);
    console.log(`      not found message:\n${msg.replace(/^/gm, '        ')}`);
    assert.match(msg, /\/usr\/local\/go\/bin\/go\n/);
  });

  it('checks a folder once even when PATH also names a default location', () => {
    const r = linux({ PATH: '/usr/local/go/bin' }, []);
    assert.equal(r.looked.filter((l) => l === '/usr/local/go/bin/go').length, 1);
    assert.ok(r.looked.includes('/home/u/sdk/go*/bin/go'), 'the ~/sdk pattern is named when there is no SDK');
  });

  it('picks the newest ~/sdk/go* when only SDKs exist', () => {
    const sdk = { '/home/u/sdk': ['go1.21.13', 'go1.22.4', 'gotip'] };
    const r = linux({}, ['/home/u/sdk/go1.21.13/bin/go', '/home/u/sdk/go1.22.4/bin/go'], {}, sdk);
    assert.ok(!r.notFound);
    assert.equal(r.path, '/home/u/sdk/go1.22.4/bin/go');
  });

  describe('on Windows', () => {
    const pf = 'C:\\Program Files\\Go\\bin\\go.exe';
    it('appends .exe and reads Path case-insensitively, skipping quotes', () => {
      const r = windows({ Path: 'C:\\Windows;"D:\\Tools\\Go 1.22\\bin"' }, ['D:\\Tools\\Go 1.22\\bin\\go.exe', pf]);
      assert.ok(!r.notFound);
      assert.equal(r.path, 'D:\\Tools\\Go 1.22\\bin\\go.exe');
      assert.equal(r.via, 'PATH');
      assert.deepEqual(r.looked, ['C:\\Windows\\go.exe', 'D:\\Tools\\Go 1.22\\bin\\go.exe']);
    });
    it('go.goroot with a drive letter, and GOROOT in any case', () => {
      let r = windows({ Path: '' }, ['E:\\go\\bin\\go.exe', pf], { goroot: 'E:\\go' });
      assert.ok(!r.notFound);
      assert.deepEqual([r.path, r.via], ['E:\\go\\bin\\go.exe', 'go.goroot']);
      r = windows({ GoRoot: 'E:\\go' }, ['E:\\go\\bin\\go.exe', pf]);
      assert.ok(!r.notFound);
      assert.deepEqual([r.path, r.via], ['E:\\go\\bin\\go.exe', '$GOROOT/bin']);
    });
    it('an alternate tool given with ~ and without .exe', () => {
      const r = windows({}, ['C:\\Users\\u\\go\\bin\\go1.22.4.exe'], { alternateTool: 'go1.22.4' });
      assert.ok(!r.notFound);
      assert.deepEqual([r.path, r.via, r.name], ['C:\\Users\\u\\go\\bin\\go1.22.4.exe', 'default location', 'go1.22.4.exe']);
      const abs = windows({}, ['C:\\Users\\u\\tools\\go.exe'], { alternateTool: '~\\tools\\go.exe' });
      assert.ok(!abs.notFound);
      assert.deepEqual([abs.path, abs.via], ['C:\\Users\\u\\tools\\go.exe', 'go.alternateTools.go']);
    });
    it('the default locations, in order, when go is nowhere', () => {
      const r = windows({ Path: 'C:\\Windows', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, []);
      assert.ok(r.notFound);
      assert.deepEqual(r.looked, [
        'C:\\Windows\\go.exe',
        'C:\\Program Files\\Go\\bin\\go.exe',
        'C:\\Program Files (x86)\\Go\\bin\\go.exe',
        'C:\\Users\\u\\go\\bin\\go.exe',
        'C:\\Users\\u\\sdk\\go*\\bin\\go.exe',
        'C:\\Users\\u\\scoop\\shims\\go.exe',
        'C:\\ProgramData\\chocolatey\\bin\\go.exe',
        'C:\\Users\\u\\AppData\\Local\\Programs\\Go\\bin\\go.exe',
      ]);
    });
    it('finds the MSI install when Path lacks it', () => {
      const r = windows({ Path: 'C:\\Windows' }, [pf, 'C:\\ProgramData\\chocolatey\\bin\\go.exe']);
      assert.ok(!r.notFound);
      assert.deepEqual([r.path, r.via], [pf, 'default location']);
    });
  });

  it('on this machine: PATH without go and GOROOT unset still finds /usr/local/go/bin/go', function () {
    if (process.platform === 'win32' || !fs.existsSync('/usr/local/go/bin/go')) this.skip();
    const r = findGo({ env: { PATH: '/usr/bin:/bin' }, platform: process.platform, home: os.homedir() });
    assert.ok(!r.notFound, JSON.stringify(r));
    assert.equal(r.path, '/usr/local/go/bin/go');
    assert.equal(r.via, 'default location');
    assert.deepEqual(r.looked, ['/usr/bin/go', '/bin/go', '/usr/local/go/bin/go']);
    console.log(`      ${describeGo(r)} Looked: ${r.looked.join(', ')}`);
  });
});

describe('finding go: what is not used, and why', () => {
  it('never searches a relative PATH entry, a relative go.goroot or GOROOT, and says so', () => {
    const r = linux({ PATH: 'bin:.:/usr/bin', GOROOT: 'rel' }, ['bin/go', 'go', 'rel/bin/go', '/usr/bin/go']);
    assert.equal(r.notFound ? '' : r.path, '/usr/bin/go');
    assert.ok(!r.looked.includes('bin/go') && !r.looked.includes('go'), r.looked.join(' '));
    assert.deepEqual(r.notes, [
      'GOROOT "rel" is not an absolute path, so it was not used',
      'the PATH entry "bin" is relative, so it was not searched',
      'the PATH entry "." is relative, so it was not searched',
    ]);
    const g = linux({ PATH: '/usr/bin' }, ['relgoroot/bin/go', '/usr/bin/go'], { goroot: 'relgoroot' });
    assert.equal(g.notFound ? '' : g.path, '/usr/bin/go');
    assert.match(g.notes[0], /go\.goroot "relgoroot" is not an absolute path/);
  });

  it('a go.goroot without bin/go, or a missing go.alternateTools.go, is named in the log line', () => {
    const r = linux({ PATH: '/usr/bin' }, ['/usr/bin/go'], { goroot: '/sdk/go1.22x', alternateTool: '/missing/go' });
    assert.ok(!r.notFound);
    if (r.notFound) return;
    assert.equal(
      describeGo(r, { alternateTool: '/missing/go' }),
      'Using go at /usr/bin/go, found through PATH. Note: go.alternateTools.go "/missing/go" is not an executable file, so it was not used. Note: go.goroot "/sdk/go1.22x" has no bin/go, so it was not used.',
    );
    const rel = linux({ PATH: '/usr/bin' }, ['/usr/bin/go', 'tools/go'], { alternateTool: './tools/go' });
    assert.match(rel.notFound ? '' : describeGo(rel, { alternateTool: './tools/go' }), /"\.\/tools\/go" is a relative path, so it was not used/);
  });
});
