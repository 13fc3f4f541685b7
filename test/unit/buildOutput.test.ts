import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBuildOutput, type ParseBuildOutputOptions } from '../../src/core/build/buildOutput';
import type { BuildProblem } from '../../src/core/build/problem';
import { spawnSync } from 'node:child_process';
import { copyFixture } from '../support/helpers';

// The .txt files are real outputs of Go 1.26 captured with `2>&1` from throwaway modules; the
// module's absolute path was replaced by @ROOT@. `capture` records the command and the directory
// it ran in, relative to the module root.

/** Repo root: walk up from the compiled test (out/test/unit) until package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

const TESTDATA = path.join(repoRoot(), 'test', 'unit', 'testdata', 'build-output');
const ROOT = '/home/gopher/app';

function captured(name: string): string {
  return fs.readFileSync(path.join(TESTDATA, name), 'utf8').replaceAll('@ROOT@', ROOT);
}

function err(file: string, line: number, column: number | undefined, message: string): BuildProblem {
  return { file, line, ...(column !== undefined ? { column } : {}), message, severity: 'error' };
}

interface Case {
  name: string;
  capture?: string;
  input: string;
  /** Merged over { moduleRoot: ROOT, platform: 'linux' } so results don't depend on the host. */
  opts?: Partial<ParseBuildOutputOptions>;
  want: BuildProblem[];
}

const MAIN_HAVE_WANT = err(`${ROOT}/main.go`, 8, 7, 'too many arguments in call to f\nhave (number, number)\nwant (string)');
const MAIN_UNDEFINED = err(`${ROOT}/main.go`, 9, 2, 'undefined: undefinedThing');
const OTHER_RETURN = err(`${ROOT}/other/o.go`, 4, 9, 'cannot use "s" (untyped string constant) as int value in return statement');
const VET_TYPECHECK = err(`${ROOT}/main.go`, 4, 17, 'cannot use 1 (untyped int constant) as string value in variable declaration');

const cases: Case[] = [
  {
    name: 'two packages fail, each with a header; have/want continuation lines',
    capture: 'go build ./...',
    input: captured('build-two-packages.txt'),
    want: [OTHER_RETURN, MAIN_HAVE_WANT, MAIN_UNDEFINED],
  },
  {
    name: 'go build -o of the main package',
    capture: 'go build -o x .',
    input: captured('build-o-main.txt'),
    want: [MAIN_HAVE_WANT, MAIN_UNDEFINED],
  },
  {
    name: 'paths relative to a cwd below the module root (./ and ../)',
    capture: 'go build ../... (in pkg/)',
    input: captured('build-from-subdir.txt'),
    opts: { cwd: `${ROOT}/pkg` },
    want: [err(`${ROOT}/pkg/a.go`, 4, 14, 'cannot use "str" (untyped string constant) as int value in variable declaration'), OTHER_RETURN],
  },
  {
    name: 'absolute paths (go prints them when shorter than the relative path)',
    capture: 'go build @ROOT@/other (in deep/er/still/more/)',
    input: captured('build-absolute-paths.txt'),
    opts: { cwd: `${ROOT}/deep/er/still/more` },
    want: [OTHER_RETURN],
  },
  {
    name: 'too many errors: dropped, the 10 real errors kept',
    capture: 'go build .',
    input: captured('too-many-errors.txt'),
    want: Array.from({ length: 10 }, (_, i) => err(`${ROOT}/main.go`, i + 4, 2, `undefined: undef${i + 1}`)),
  },
  {
    name: 'syntax error',
    capture: 'go build ./...',
    input: captured('syntax-error.txt'),
    want: [err(`${ROOT}/main.go`, 5, 1, 'syntax error: unexpected }, expected expression')],
  },
  {
    name: 'go vet analyzer findings (no header, paths relative to cwd without ./)',
    capture: 'go vet ./...',
    input: captured('vet-analyzers.txt'),
    want: [
      err(`${ROOT}/main.go`, 8, 2, 'self-assignment of x'),
      err(`${ROOT}/main.go`, 6, 14, 'fmt.Printf format %d has arg "hello" of wrong type string'),
      err(`${ROOT}/sub/s.go`, 6, 2, 'fmt.Println call has possible Printf formatting directive %d'),
    ],
  },
  {
    name: 'go vet type error: # pkg and # [pkg] headers, vet: prefix',
    capture: 'go vet ./...',
    input: captured('vet-typecheck.txt'),
    want: [VET_TYPECHECK],
  },
  {
    name: 'the same error from go build and go vet is reported once',
    capture: 'go build ./...; go vet ./...',
    input: captured('build-then-vet.txt'),
    want: [VET_TYPECHECK],
  },
  {
    name: 'go test build failure: FAIL summary lines are noise',
    capture: 'go test ./...',
    input: captured('test-build-failed.txt'),
    want: [VET_TYPECHECK],
  },
  {
    name: 'go: downloading lines are not errors',
    capture: 'go build ./... (empty module cache)',
    input: captured('downloading-then-error.txt'),
    want: [err(`${ROOT}/main.go`, 3, 34, 'too many arguments in call to quote.Hello\nhave (number)\nwant ()')],
  },
  {
    name: 'go.mod parse error has a file and line but no column',
    capture: 'go build ./...',
    input: captured('gomod-unknown-directive.txt'),
    want: [err(`${ROOT}/go.mod`, 4, undefined, 'unknown directive: foo')],
  },
  {
    name: 'go.mod parse error with an absolute path',
    capture: 'go build . (in a/b/c/d/)',
    input: captured('gomod-absolute.txt'),
    opts: { cwd: `${ROOT}/a/b/c/d` },
    want: [err(`${ROOT}/go.mod`, 4, undefined, 'unknown directive: foo')],
  },
  {
    name: 'go: updates to go.mod needed (position-less, with continuation)',
    capture: 'go build ./... (indirect requirements removed)',
    input: captured('updates-to-gomod-needed.txt'),
    want: [err(ROOT, 0, undefined, 'go: updates to go.mod needed; to update it:\ngo mod tidy')],
  },
  {
    name: 'go: go.mod file not found',
    capture: 'go build . (no go.mod)',
    input: captured('no-gomod.txt'),
    want: [err(ROOT, 0, undefined, "go: go.mod file not found in current directory or any parent directory; see 'go help modules'")],
  },
  {
    name: 'go: cannot find main module',
    capture: 'go build . (no go.mod, .git present)',
    input: captured('no-main-module-git.txt'),
    want: [err(ROOT, 0, undefined, `go: cannot find main module, but found .git/config in ${ROOT}\nto create a module there, run:\ngo mod init`)],
  },
  {
    name: 'go: module@version: missing go.sum entry (position-less)',
    capture: 'go list -m all (empty go.sum)',
    input: captured('missing-gosum-list.txt'),
    want: [
      err(
        ROOT,
        0,
        undefined,
        'go: golang.org/x/text@v0.0.0-20170915032832-14c0d48ead0c: missing go.sum entry for go.mod file; to add it:\n' + 'go mod download golang.org/x/text',
      ),
    ],
  },
  {
    name: 'missing go.sum entry at the import',
    capture: 'go build ./... (zip hash removed from go.sum)',
    input: captured('missing-gosum-package.txt'),
    want: [
      err(
        `${ROOT}/main.go`,
        2,
        8,
        'missing go.sum entry for module providing package rsc.io/quote (imported by example.com/e4); to add:\n' + 'go get example.com/e4',
      ),
    ],
  },
  {
    name: 'missing go.sum entry for a go.mod file',
    capture: 'go build -o x . (go.mod hash removed from go.sum)',
    input: captured('missing-gosum-gomod.txt'),
    want: [err(`${ROOT}/main.go`, 2, 8, 'rsc.io/quote@v1.5.2: missing go.sum entry for go.mod file; to add it:\ngo mod download rsc.io/quote')],
  },
  {
    name: 'missing go.sum entry reported at a file in the module cache',
    capture: 'go build ./... (GOMODCACHE=../gopath/pkg/mod)',
    input: captured('missing-gosum-dependency.txt'),
    want: [
      err(
        path.posix.resolve(ROOT, '../gopath/pkg/mod/rsc.io/quote@v1.5.2/quote.go'),
        8,
        8,
        'rsc.io/sampler@v1.3.0: missing go.sum entry for go.mod file; to add it:\ngo mod download rsc.io/sampler',
      ),
    ],
  },
  {
    name: 'package is not in std',
    capture: 'go build ./...',
    input: captured('not-in-std.txt'),
    want: [err(`${ROOT}/main.go`, 2, 8, 'package fmtx is not in std (/usr/local/go/src/fmtx)')],
  },
  {
    name: 'no required module provides package',
    capture: 'go build ./...',
    input: captured('no-required-module.txt'),
    want: [err(`${ROOT}/main.go`, 2, 8, 'no required module provides package github.com/gin-gonic/gin; to add it:\ngo get github.com/gin-gonic/gin')],
  },
  {
    name: 'package is not in std, named on the command line (no position)',
    capture: 'go build fmtx',
    input: captured('not-in-std-cmdline.txt'),
    want: [err(ROOT, 0, undefined, 'package fmtx is not in std (/usr/local/go/src/fmtx)')],
  },
  {
    name: 'no required module provides package, named on the command line (no position)',
    capture: 'go build github.com/gin-gonic/gin',
    input: captured('no-required-module-cmdline.txt'),
    want: [err(ROOT, 0, undefined, 'no required module provides package github.com/gin-gonic/gin; to add it:\ngo get github.com/gin-gonic/gin')],
  },
  {
    name: 'module version unavailable (go: ... imports + continuation)',
    capture: 'go mod tidy (require of a version that does not exist)',
    input: captured('module-version-unavailable.txt'),
    want: [
      err(
        ROOT,
        0,
        undefined,
        'go: example.com/e5 imports\n' +
          'rsc.io/quote: rsc.io/quote@v1.99.0: reading https://proxy.golang.org/rsc.io/quote/@v/v1.99.0.zip: 403 Forbidden\n' +
          'server response: This module version is not available.',
      ),
    ],
  },
  {
    name: 'go version required by go.mod is newer than the toolchain',
    capture: 'go build . (go 1.99 in go.mod, GOTOOLCHAIN=local)',
    input: captured('gomod-newer-go.txt'),
    want: [err(ROOT, 0, undefined, 'go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)')],
  },
  {
    name: 'import cycle (position-less, continuation lines)',
    capture: 'go build ./...',
    input: captured('import-cycle.txt'),
    want: [
      err(ROOT, 0, undefined, 'package example.com/c1/a\nimports example.com/c1/b from a.go\nimports example.com/c1/a from b.go: import cycle not allowed'),
    ],
  },
  {
    name: 'linker error under a package header',
    capture: 'go build -o x . (package main without func main)',
    input: captured('linker-error.txt'),
    want: [err(ROOT, 0, undefined, 'runtime.main_main·f: function main is undeclared in the main package')],
  },
  {
    name: 'pattern that matches no directory',
    capture: 'go build ./nothere/...',
    input: captured('pattern-missing-dir.txt'),
    want: [err(ROOT, 0, undefined, 'pattern ./nothere/...: lstat ./nothere/: no such file or directory')],
  },
  {
    name: 'go: warning: is a warning',
    capture: 'go build ./... (module without packages)',
    input: captured('warning-no-packages.txt'),
    want: [{ file: ROOT, line: 0, message: 'go: warning: "./..." matched no packages', severity: 'warning' }],
  },

  // Synthesized from the captures above, for what can't be captured on this host.
  {
    name: 'ANSI colour codes are stripped',
    input: captured('build-o-main.txt').replaceAll('./main.go', '\x1b[1m./main.go\x1b[0m').replace('undefined:', '\x1b[31;1mundefined:\x1b[0m'),
    want: [MAIN_HAVE_WANT, MAIN_UNDEFINED],
  },
  {
    name: 'CRLF line endings and exit status noise',
    input: captured('build-o-main.txt').replaceAll('\n', '\r\n') + 'exit status 1\r\n',
    want: [MAIN_HAVE_WANT, MAIN_UNDEFINED],
  },
  {
    name: 'Windows: drive letters, .\\ and ..\\ paths, go.mod, position-less',
    input: [
      '# example.com/app',
      '.\\main.go:8:7: too many arguments in call to f',
      '\thave (number, number)',
      '\twant (string)',
      'C:\\Users\\me\\app\\other\\o.go:4:9: undefined: x',
      '..\\go.mod:4: unknown directive: foo',
      'go: updates to go.mod needed; to update it:',
      '\tgo mod tidy',
      '',
    ].join('\r\n'),
    opts: { moduleRoot: 'C:\\Users\\me\\app', cwd: 'C:\\Users\\me\\app\\cmd', platform: 'win32' },
    want: [
      err('C:\\Users\\me\\app\\cmd\\main.go', 8, 7, 'too many arguments in call to f\nhave (number, number)\nwant (string)'),
      err('C:\\Users\\me\\app\\other\\o.go', 4, 9, 'undefined: x'),
      err('C:\\Users\\me\\app\\go.mod', 4, undefined, 'unknown directive: foo'),
      err('C:\\Users\\me\\app', 0, undefined, 'go: updates to go.mod needed; to update it:\ngo mod tidy'),
    ],
  },
  {
    name: 'relative cwd is taken relative to the module root',
    input: '# example.com/app/pkg\n./a.go:1:2: undefined: y\n',
    opts: { cwd: 'pkg' },
    want: [err(`${ROOT}/pkg/a.go`, 1, 2, 'undefined: y')],
  },
  {
    name: 'an indented line right after a header does not continue the previous package',
    input: '# a\n./a.go:1:1: x\n# b\n\tstray\n',
    want: [err(`${ROOT}/a.go`, 1, 1, 'x')],
  },
  {
    name: 'empty output',
    input: '',
    want: [],
  },
];

describe('parseBuildOutput', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = parseBuildOutput(c.input, { moduleRoot: ROOT, platform: 'linux', ...c.opts });
      assert.deepEqual(got, c.want);
    });
  }

  it('every captured file is used by a case', () => {
    const used = new Set(cases.map((c) => c.input));
    const unused = fs.readdirSync(TESTDATA).filter((f) => f.endsWith('.txt') && !used.has(captured(f)));
    assert.deepEqual(unused, []);
  });

  // The default build runs `go build -v` (its package lines are the build's progress).
  describe('with -v: the same problems as without', () => {
    const ERRORS = [
      `${ROOT}/a/a.go:9:9: not enough arguments in call to word\nhave ()\nwant (string)`,
      `${ROOT}/a/a.go:9:24: undefined: status`,
      `${ROOT}/b/b.go:9:2: declared and not used: fallback`,
    ];
    const show = (ps: BuildProblem[]) => ps.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`);

    it('captured: test/fixtures/broken, empty GOCACHE (190 package lines around the errors)', () => {
      const progress = path.join(TESTDATA, '..', 'build-progress');
      const v = fs.readFileSync(path.join(progress, 'broken-cold-v.txt'), 'utf8');
      const plain = fs.readFileSync(path.join(progress, 'broken-plain.txt'), 'utf8');
      assert.ok(v.split('\n').length > 150);
      const opts = { moduleRoot: ROOT, platform: 'linux' as const };
      assert.deepEqual(show(parseBuildOutput(v, opts)), ERRORS);
      assert.deepEqual(parseBuildOutput(v, opts), parseBuildOutput(plain, opts));
    });

    it('real: go build -v and go build of test/fixtures/broken parse the same', () => {
      const dir = copyFixture('broken');
      const run = (...flags: string[]) => {
        const r = spawnSync('go', ['build', ...flags, '-o', path.join(dir, 'app'), '.'], { cwd: dir, encoding: 'utf8' });
        assert.notEqual(r.status, 0);
        return r.stdout + r.stderr;
      };
      const v = run('-v');
      const plain = run();
      // The failing packages are never cached: -v names them even on a warm cache.
      assert.match(v, /^example\.com\/broken\/a$/m);
      const opts = { moduleRoot: dir, platform: process.platform };
      assert.deepEqual(parseBuildOutput(v, opts), parseBuildOutput(plain, opts));
      assert.equal(parseBuildOutput(plain, opts).length, 3);
    });
  });
});
