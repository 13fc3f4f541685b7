import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { PanicScanner, type PanicFrame, type RuntimePanic } from '../../src/core/insights/panics';
import { freePort } from '../../src/core/run/ports';
import { copyFixture, get, repoRoot, waitUntil } from '../support/helpers';

// The .txt files are real stdout+stderr (`> out 2>&1`) of Go 1.26 programs, saved byte for byte except
// that the absolute path of the module that was built became /ROOT (GOROOT /usr/local/go and the module
// cache /root/go/pkg/mod are left as printed). `capture` says what ran, and where /ROOT was:
// - panicky: a copy of test/fixtures/panicky built with `go build -o panicky .` in /tmp/panicky-capture-XXXX
//   and started as `PORT=... ./panicky` (Gin debug mode unless GIN_MODE says otherwise), then curl.
// - nethttp: a throwaway module in /tmp/nethttp-capture-XXXX whose main.go serves `/` (logs
//   `served /`), `/boom` (`return *m[k]` on a missing key in lookup, main.go:10, called from main.go:19)
//   and `/value` (`panic("boom")` at main.go:22) with plain net/http.
// - fatal: a throwaway module in /tmp/nethttp-capture-XXXX/fatal run with `go run . <mode>`; `segv`
//   dereferences nil in name (main.go:11, inlined into main at main.go:26), `repanic` panics again
//   from the deferred recover in repanic (main.go:17).

const TESTDATA = path.join(repoRoot(), 'test', 'unit', 'testdata', 'panics');
const ROOT = '/ROOT';

function captured(name: string): string {
  return fs.readFileSync(path.join(TESTDATA, name), 'utf8');
}

/** Feeds `chunks` to a fresh scanner, then ends the stream. */
function scan(chunks: string[], root = ROOT, opts = {}): RuntimePanic[] {
  const got: RuntimePanic[] = [];
  const s = new PanicScanner(root, (p) => got.push(p), opts);
  for (const c of chunks) s.write(c);
  s.flush();
  return got;
}

/** Cuts `text` into pieces of 1..max characters, reproducibly (a small LCG, not Math.random). */
function randomChunks(text: string, seed: number, max = 97): string[] {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < text.length;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (x % max);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

const frame = (func: string, file: string, line: number): PanicFrame => ({ func, file, line });

const BOOM_SITE = frame('pick', '/ROOT/handlers/boom.go', 18);
const GIN_MESSAGE = 'runtime error: index out of range [5] with length 3';

interface Case {
  file: string;
  capture: string;
  /** kind, message and site of each panic, in order. */
  want: Pick<RuntimePanic, 'kind' | 'message' | 'site'>[];
  /** Checks beyond kind/message/site on the first panic. */
  check?: (p: RuntimePanic) => void;
}

const cases: Case[] = [
  {
    file: 'gin-recovery.txt',
    capture: 'panicky: GET /, GET /boom, GET /health, then SIGTERM',
    want: [{ kind: 'gin-recovery', message: GIN_MESSAGE, site: BOOM_SITE }],
    check: (p) => {
      assert.equal(p.frames.length, 14);
      assert.deepEqual(p.frames[0], frame('panicBounds64', '/usr/local/go/src/runtime/panic.go', 236));
      assert.deepEqual(p.frames[3], frame('Boom', '/ROOT/handlers/boom.go', 14));
      assert.match(p.trace, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[Recovery\] .* panic recovered:\nGET \/boom HTTP\/1\.1\n/);
      assert.match(p.trace, /\n\tgoexit: BYTE\t\$0x90\t\/\/ NOP$/);
      assert.doesNotMatch(p.trace, /\x1b|\r/);
    },
  },
  {
    file: 'gin-recovery-release.txt',
    capture: 'panicky with GIN_MODE=release (no request dump): GET /boom twice, then SIGTERM',
    want: [
      { kind: 'gin-recovery', message: GIN_MESSAGE, site: BOOM_SITE },
      { kind: 'gin-recovery', message: GIN_MESSAGE, site: BOOM_SITE },
    ],
  },
  {
    file: 'fatal-goroutine.txt',
    capture: 'panicky: GET /health, GET /crash; the process exits with status 2',
    want: [{ kind: 'fatal', message: 'crash: worker exploded', site: frame('example.com/panicky/handlers.Crash.func1', '/ROOT/handlers/boom.go', 26) }],
    check: (p) => {
      assert.deepEqual(p.frames, [
        frame('example.com/panicky/handlers.Crash.func1', '/ROOT/handlers/boom.go', 26),
        frame('created by example.com/panicky/handlers.Crash', '/ROOT/handlers/boom.go', 25),
      ]);
      assert.equal(
        p.trace,
        [
          'panic: crash: worker exploded',
          '',
          'goroutine 5 [running]:',
          'example.com/panicky/handlers.Crash.func1()',
          '\t/ROOT/handlers/boom.go:26 +0x25',
          'created by example.com/panicky/handlers.Crash in goroutine 3',
          '\t/ROOT/handlers/boom.go:25 +0x71',
        ].join('\n'),
      );
    },
  },
  {
    file: 'http-handler.txt',
    capture: 'nethttp: GET /, /boom, /, /value, / (log lines between and after the traces, no blank lines)',
    want: [
      { kind: 'http-handler', message: 'runtime error: invalid memory address or nil pointer dereference', site: frame('main.lookup', '/ROOT/main.go', 10) },
      { kind: 'http-handler', message: 'boom', site: frame('main.main.func3', '/ROOT/main.go', 22) },
    ],
    check: (p) => {
      assert.equal(p.frames.length, 9);
      assert.deepEqual(p.frames[0], frame('net/http.(*conn).serve.func1', '/usr/local/go/src/net/http/server.go', 1897));
      assert.deepEqual(p.frames[1], frame('panic', '/usr/local/go/src/runtime/panic.go', 860));
      assert.deepEqual(p.frames[3], frame('main.main.func2', '/ROOT/main.go', 19));
      assert.match(p.trace, /^\S+ \S+ http: panic serving 127\.0\.0\.1:\d+: runtime error/);
      assert.match(p.trace, /\ncreated by net\/http\.\(\*Server\)\.Serve in goroutine 1\n\t\S+server\.go:3464 \+0x485$/);
      assert.doesNotMatch(p.trace, /served/);
    },
  },
  {
    file: 'fatal-sigsegv.txt',
    capture: 'fatal: go run . segv (message on two lines, trace ends at `exit status 2`)',
    want: [{ kind: 'fatal', message: 'runtime error: invalid memory address or nil pointer dereference', site: frame('main.name', '/ROOT/main.go', 11) }],
    check: (p) => {
      assert.deepEqual(p.frames, [frame('main.name', '/ROOT/main.go', 11), frame('main.main', '/ROOT/main.go', 26)]);
      assert.match(p.trace, /^panic: runtime error: .*\n\[signal SIGSEGV: /);
      assert.doesNotMatch(p.trace, /exit status/);
    },
  },
  {
    file: 'fatal-repanic.txt',
    capture: 'fatal: go run . repanic (`panic: first [recovered]` then `\\tpanic: again: first`)',
    want: [{ kind: 'fatal', message: 'first', site: frame('main.repanic.func1', '/ROOT/main.go', 17) }],
    check: (p) => assert.equal(p.frames.length, 4),
  },
];

describe('PanicScanner', () => {
  for (const c of cases) {
    describe(`${c.file} (${c.capture})`, () => {
      const text = captured(c.file);
      const whole = scan([text]);

      it('finds each panic: kind, message, site', () => {
        assert.deepEqual(
          whole.map((p) => ({ kind: p.kind, message: p.message, site: p.site })),
          c.want,
        );
        for (const p of whole) assert.ok(p.frames.length > 0);
        c.check?.(whole[0]);
      });

      it('gives the same result for 1-byte and random chunks', () => {
        assert.deepEqual(scan([...text]), whole);
        for (const seed of [1, 2, 3, 42]) assert.deepEqual(scan(randomChunks(text, seed)), whole, `seed ${seed}`);
      });
    });
  }

  it('every captured panic file is used by a case', () => {
    const files = fs.readdirSync(TESTDATA).filter((f) => f.endsWith('.txt') && f !== 'gin-debug-routes.txt');
    assert.deepEqual(files.sort(), cases.map((c) => c.file).sort());
  });

  it('nothing in logs that merely mention panic', () => {
    const log = [
      'level=info msg="no panic here"',
      '2025/01/02 15:04:05 recovered from panic: retrying',
      '[GIN] 2025/01/02 - 15:04:05 | 500 |  1.2ms | 127.0.0.1 | GET "/panic"',
      captured('gin-debug-routes.txt'),
      '',
    ].join('\n');
    assert.deepEqual(scan([log]), []);
  });

  it('a log line that looks like a panic start but has no trace is dropped, and what follows is still scanned', () => {
    const fake = 'panic: disk almost full, not really panicking\nstill serving\n'.repeat(30);
    const got = scan([fake + captured('fatal-goroutine.txt')]);
    assert.deepEqual(
      got.map((p) => p.message),
      ['crash: worker exploded'],
    );
    // Within the preamble window too: the next start takes over.
    const got2 = scan(['panic: nope\n' + captured('http-handler.txt')]);
    assert.deepEqual(
      got2.map((p) => p.kind),
      ['http-handler', 'http-handler'],
    );
    assert.deepEqual(scan(['panic: nope\n']), []);
  });

  it('two panics in a row give two events', () => {
    const got = scan([captured('gin-recovery.txt') + captured('fatal-goroutine.txt')]);
    assert.deepEqual(
      got.map((p) => [p.kind, p.site?.line]),
      [
        ['gin-recovery', 18],
        ['fatal', 26],
      ],
    );
  });

  it('reports a trace as soon as it is complete, not at the next output', () => {
    const got: RuntimePanic[] = [];
    const s = new PanicScanner(ROOT, (p) => got.push(p));
    const text = captured('http-handler.txt');
    s.write(text.slice(0, text.indexOf('served /', text.indexOf('goroutine'))));
    assert.equal(got.length, 1); // after `created by`
    s.write(captured('gin-recovery.txt').split(/\[GIN\] \S+ - \S+ \| 500/)[0]);
    assert.equal(got.length, 2); // after Gin's colour reset
  });

  it('flush reports a trace cut off by the end of the stream', () => {
    const text = captured('fatal-sigsegv.txt');
    const cut = text.slice(0, text.indexOf('main.main()'));
    const got = scan([cut]);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].frames, [frame('main.name', '/ROOT/main.go', 11)]);
  });

  it('no site when no frame is inside root; vendor/, the module cache and GOROOT never are', () => {
    const text = captured('gin-recovery.txt');
    assert.equal(scan([text], '/elsewhere')[0].site, undefined);
    assert.equal(scan([text], '/RO')[0].site, undefined); // a prefix of the path is not its parent
    const vendored = text.replaceAll('/ROOT/handlers/', '/ROOT/vendor/example.com/dep/');
    assert.deepEqual(scan([vendored])[0].site, undefined);
    const cached = text.replaceAll('/ROOT/handlers/', '/ROOT/.gopath/pkg/mod/example.com/dep@v1/');
    assert.deepEqual(scan([cached])[0].site, undefined);
    // A workspace inside a folder named vendor is fine: only the part below the root counts.
    const under = text.replaceAll('/ROOT/', '/src/vendor/app/');
    assert.deepEqual(scan([under], '/src/vendor/app')[0].site?.file, '/src/vendor/app/handlers/boom.go');
    // GOROOT inside the workspace (a toolchain unpacked into it), when the caller names it.
    assert.equal(scan([text], '/usr/local')[0].site?.file, '/usr/local/go/src/runtime/panic.go');
    assert.equal(scan([text], '/usr/local', { goroot: '/usr/local/go' })[0].site, undefined);
  });

  it('colours, CRLF and over-long lines', () => {
    const text = captured('fatal-sigsegv.txt');
    const want = scan([text]);
    assert.deepEqual(scan([text.replaceAll('\n', '\r\n')]), want);
    assert.deepEqual(scan([text.replace('panic: ', '\x1b[1;31mpanic: \x1b[0m')]), want);
    const long = 'x'.repeat(200_000) + '\n';
    const got = scan([long + text.replace('goroutine 1 [running]:\n', `goroutine 1 [running]:\n${long}`)]);
    assert.deepEqual(got, want);
    assert.deepEqual(scan(randomChunks(long + text + long, 5, 4096)), want);
  });

  it('keeps at most 200 lines of a very deep trace, and all of it is still read', () => {
    const frames = Array.from({ length: 400 }, (_, i) => `main.f${i}(...)\n\t/ROOT/main.go:${i + 1} +0x1`);
    const text = `panic: deep\n\ngoroutine 1 [running]:\n${frames.join('\n')}\nexit status 2\n`;
    const got = scan(randomChunks(text, 7));
    assert.equal(got.length, 1);
    assert.equal(got[0].trace.split('\n').length, 200);
    assert.equal(got[0].frames.length, 400);
    assert.deepEqual(got[0].site, frame('main.f0', '/ROOT/main.go', 1));
  });

  it('the real panicky fixture: GET /boom is reported at the helper in handlers/boom.go', async function () {
    const dir = copyFixture('panicky');
    await promisify(execFile)('go', ['build', '-o', 'panicky', '.'], { cwd: dir });
    const port = await freePort();
    const got: RuntimePanic[] = [];
    const scanner = new PanicScanner(dir, (p) => got.push(p));
    let out = '';
    const child = spawn(path.join(dir, 'panicky'), [], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => {
        out += c;
        scanner.write(c);
      });
    }
    try {
      await waitUntil('panicky to listen', () => out.includes('Listening and serving HTTP'), 30_000);
      assert.equal((await get(port, '/boom')).status, 500);
      const p = await waitUntil('a panic', () => got[0], 10_000);
      assert.equal(p.kind, 'gin-recovery');
      assert.equal(p.message, GIN_MESSAGE);
      assert.deepEqual(p.site, frame('pick', path.join(dir, 'handlers', 'boom.go'), 18));
      assert.equal((await get(port, '/health')).status, 200); // Recovery kept the server up
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});
