import * as path from 'node:path';
import { LineSplitter, stripAnsi } from '../util/text';

export interface PanicFrame {
  /** As printed: `pkg.(*T).Method` in runtime traces (arguments dropped), `(*T).Method` in Gin's. */
  func: string;
  /** Absolute path as printed (Go prints forward slashes on every OS). */
  file: string;
  line: number;
}

export interface RuntimePanic {
  /** Gin's Recovery middleware log, net/http's `http: panic serving`, or the runtime panic that kills the process. */
  kind: 'gin-recovery' | 'http-handler' | 'fatal';
  /** The panic value's first line, e.g. `runtime error: index out of range [5] with length 3` or `boom`. */
  message: string;
  /** In trace order (innermost first). A goroutine's `created by` line is the last frame, func `created by pkg.F`. */
  frames: PanicFrame[];
  /** The innermost frame whose file is inside `root` (not under GOROOT, the module cache or vendor/); undefined if none. */
  site?: PanicFrame;
  /** The whole trace text as printed (bounded to ~200 lines), ANSI colour codes stripped. */
  trace: string;
}

export interface PanicScannerOptions {
  /** `go env GOROOT`, for a toolchain installed inside the workspace: its frames are never the site. */
  goroot?: string;
}

// Starts of a trace. The runtime writes `panic:` / `fatal error:` at the start of a line; net/http and
// Gin go through a log.Logger whose prefix and flags vary, so those are found anywhere in the line.
const FATAL_START = /^(?:panic|fatal error): (.*)$/;
const HTTP_START = /http: panic serving \S+: (.*)$/;
const GIN_START = /\[Recovery\] .*panic recovered:$/;

// `goroutine 7 [running]:`, or with GOTRACEBACK=system `goroutine 7 gp=0x... m=0 mp=0x... [running]:`.
const GOROUTINE = /^goroutine \d+ (?:[^[]*)?\[[^\]]*\]:$/;
// `\t/abs/file.go:12 +0x1d`; inlined frames have no `+0x..`, GOTRACEBACK=system adds `fp= sp= pc=`.
const RUNTIME_FILE = /^\t(.+):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=\S+ sp=\S+ pc=\S+)?$/;
// Gin's own format: `/abs/file.go:12 (0x743d69)` then `\tfunc: source line`.
const GIN_FILE = /^(.+):(\d+) \(0x[0-9a-f]+\)$/;
const EXIT_STATUS = /^exit status \d+$/;

// Bounds: lines longer than this are dropped; a trace keeps at most this many lines and frames; a start
// line that isn't followed by a trace within PREAMBLE lines was only a log line that looked like one
// (Gin's request dump before the frames is the longest legitimate preamble).
const MAX_LINE = 64 * 1024;
const MAX_TRACE_LINES = 200;
const MAX_FRAMES = 500;
const PREAMBLE: Record<RuntimePanic['kind'], number> = { fatal: 40, 'http-handler': 40, 'gin-recovery': 200 };

interface Trace {
  kind: RuntimePanic['kind'];
  message: string;
  /** Lines as printed. While in the preamble these are all the lines since the start, for a re-scan. */
  lines: string[];
  frames: PanicFrame[];
  /** True once the goroutine header (runtime formats) or the first frame (Gin) arrived. */
  inFrames: boolean;
  /** A runtime function line, or Gin file line, waiting for the line that completes the frame. */
  pending?: string;
}

/**
 * Finds Go panics in a server's output as it streams in (chunks may split lines anywhere) and reports
 * each one once its trace is complete. Holds at most one trace and one partial line.
 */
export class PanicScanner {
  private readonly root: string;
  private readonly goroot?: string;
  /** A line longer than MAX_LINE is no part of a trace: it is dropped whole. */
  private readonly lines = new LineSplitter(MAX_LINE, (line, cut) => {
    if (!cut) this.line(line);
  });
  private trace?: Trace;

  constructor(
    root: string,
    private readonly onPanic: (p: RuntimePanic) => void,
    opts: PanicScannerOptions = {},
  ) {
    this.root = path.resolve(root);
    this.goroot = opts.goroot === undefined ? undefined : path.resolve(opts.goroot);
  }

  write(chunk: string): void {
    this.lines.write(chunk);
  }

  /** End of stream (the process exited): a trace in progress is reported as it is. */
  flush(): void {
    this.lines.flush();
    // Abandoning re-scans the held lines, which may start another trace: settle until none is left.
    while (this.trace) {
      if (this.trace.inFrames) this.end();
      else this.abandon();
    }
  }

  private line(raw: string): void {
    // Gin's Recovery log is red (`\x1b[31m` ... `\x1b[0m`) even when not on a terminal.
    const line = stripAnsi(raw).replace(/\r$/, '');
    const t = this.trace;
    if (!t) this.start(line);
    else if (!t.inFrames) this.preamble(t, line);
    else if (t.kind === 'gin-recovery') this.ginFrame(t, line);
    else this.runtimeFrame(t, line);
  }

  private start(line: string): void {
    let m: RegExpExecArray | null;
    let kind: RuntimePanic['kind'];
    let message = '';
    if ((m = FATAL_START.exec(line))) {
      kind = 'fatal';
      // `panic: v [recovered]` is followed by the value of the panic raised while recovering.
      message = m[1].replace(/ \[recovered(?:, repanicked)?\]$/, '');
    } else if ((m = HTTP_START.exec(line))) {
      kind = 'http-handler';
      message = m[1];
    } else if (GIN_START.test(line)) {
      kind = 'gin-recovery'; // the message comes after Gin's request dump
    } else {
      return;
    }
    this.trace = { kind, message, lines: [line], frames: [], inFrames: false };
  }

  private preamble(t: Trace, line: string): void {
    if (FATAL_START.test(line) || HTTP_START.test(line) || GIN_START.test(line)) return this.abandon(line);
    if (t.kind === 'gin-recovery' && GIN_FILE.test(line)) {
      // The panic value is printed right before the stack; everything above it is the request dump.
      t.message =
        t.lines
          .slice(1)
          .filter((l) => l.trim() !== '')
          .pop() ?? '';
      t.inFrames = true;
      return this.ginFrame(t, line);
    }
    if (t.lines.length > PREAMBLE[t.kind]) return this.abandon(line);
    this.push(t, line);
    if (t.kind !== 'gin-recovery' && GOROUTINE.test(line)) t.inFrames = true;
  }

  private runtimeFrame(t: Trace, line: string): void {
    if (t.pending === undefined) {
      if (line === '' || EXIT_STATUS.test(line)) return this.end();
      if (line === '...additional frames elided...') return this.push(t, line);
      if (line.startsWith('\t')) return this.endAndRescan([line]);
      t.pending = line;
      return;
    }
    const funcLine = t.pending;
    t.pending = undefined;
    const m = RUNTIME_FILE.exec(line);
    // Whatever followed the last frame wasn't part of the trace: look at it again.
    if (!m) return this.endAndRescan([funcLine, line]);
    this.push(t, funcLine);
    this.push(t, line);
    const created = /^created by (.+?)(?: in goroutine \d+)?$/.exec(funcLine);
    this.frame(t, created ? `created by ${created[1]}` : funcLine.replace(/\([^()]*\)$/, ''), m[1], m[2]);
    // `created by` is the bottom of a goroutine's stack: report now rather than on the next output.
    if (created) this.end();
  }

  private ginFrame(t: Trace, line: string): void {
    const m = GIN_FILE.exec(line);
    if (t.pending !== undefined && !m && line.startsWith('\t')) {
      const fm = GIN_FILE.exec(t.pending) as RegExpExecArray;
      t.pending = undefined;
      this.push(t, line);
      const colon = line.indexOf(': ');
      return this.frame(t, line.slice(1, colon < 0 ? undefined : colon), fm[1], fm[2]);
    }
    if (t.pending !== undefined) {
      // A file line without its source line (not seen in practice): keep the frame, nameless.
      const fm = GIN_FILE.exec(t.pending) as RegExpExecArray;
      t.pending = undefined;
      this.frame(t, '', fm[1], fm[2]);
    }
    if (m) {
      t.pending = line;
      return this.push(t, line);
    }
    // The reset code after the stack leaves an empty line; anything else is the next output.
    if (line === '') this.end();
    else this.endAndRescan([line]);
  }

  private push(t: Trace, line: string): void {
    if (t.lines.length < MAX_TRACE_LINES) t.lines.push(line);
  }

  private frame(t: Trace, func: string, file: string, line: string): void {
    if (t.frames.length < MAX_FRAMES) t.frames.push({ func, file, line: Number(line) });
  }

  private endAndRescan(lines: string[]): void {
    this.end();
    for (const l of lines) this.line(l);
  }

  /** The start line was a log line that only looked like a panic: scan what followed it again. */
  private abandon(next?: string): void {
    const rest = (this.trace as Trace).lines.slice(1);
    this.trace = undefined;
    for (const l of rest) this.line(l);
    if (next !== undefined) this.line(next);
  }

  private end(): void {
    const t = this.trace as Trace;
    this.trace = undefined;
    const site = t.frames.find((f) => this.inWorkspace(f.file));
    this.onPanic({ kind: t.kind, message: t.message, frames: t.frames, ...(site ? { site } : {}), trace: t.lines.join('\n') });
  }

  private inWorkspace(file: string): boolean {
    const abs = path.resolve(file);
    if (!abs.startsWith(this.root + path.sep)) return false;
    if (this.goroot && abs.startsWith(this.goroot + path.sep)) return false;
    // Only the part below the root counts: a workspace may itself live under a folder named vendor.
    const rel = '/' + abs.slice(this.root.length + 1).replaceAll('\\', '/');
    return !rel.includes('/vendor/') && !rel.includes('/pkg/mod/');
  }
}
