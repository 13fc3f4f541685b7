import { t } from '../util/l10n';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { LineSplitter, stripAnsi } from '../util/text';
import type { BuildProgress } from '../engine/state';

export type { BuildProgress } from '../engine/state';

// `go build -v` prints each package it compiles as its import path alone on a line (cached
// packages are not printed). Import paths hold no space and no colon, which every error line
// (`file:line: msg`, `go: …`, `# pkg`, `package a`) has, so the two never mix up.
const PACKAGE_LINE = /^[A-Za-z0-9_.~+-]+(?:\/[A-Za-z0-9_.~+-]+)*$/;
const DOWNLOADING = /^go: downloading (\S+)/;
/** Longer than any import path: a line past this is output, not a package. */
const MAX_PACKAGE_LINE = 512;

/** A line `go build -v` prints for a package it compiles. */
export function isPackageLine(line: string): boolean {
  return line.length <= MAX_PACKAGE_LINE && PACKAGE_LINE.test(line);
}

export interface BuildProgressOptions {
  /** Packages the build may compile (see BuildProgress.total), until plan() tells; undefined when not known. */
  total?: number;
  /** The main package's import path: it is compiled last, then the binary is linked. */
  mainPackage?: string;
  /** Milliseconds (performance.now() by default); elapsed time counts from construction. */
  now?: () => number;
}

/**
 * Counts a build's progress from its output, fed in chunks split anywhere. Pure: no timers, no
 * I/O; the builder decides when to look.
 */
export class BuildProgressTracker {
  private readonly now: () => number;
  private readonly started: number;
  private readonly lines = new LineSplitter(MAX_PACKAGE_LINE, (line, cut) => !cut && this.line(stripAnsi(line)));
  private done = 0;
  private downloaded = 0;
  private mainPackage?: string;
  /** The packages printed so far (a package is printed once per build). */
  private readonly printed = new Set<string>();
  /** What go list said this build compiles (see plan()), and the printed packages it did not name. */
  private planned?: Set<string>;
  private unplanned = 0;
  private phase: BuildProgress['phase'] = 'compiling';
  private current?: string;

  constructor(private readonly opts: BuildProgressOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.started = this.now();
    this.mainPackage = opts.mainPackage;
  }

  /**
   * The packages this build compiles, from `go list -deps` (its stale ones) while the build runs:
   * the total becomes exact. A package the build compiled before go list looked at it is not
   * stale any more but was printed: the total counts the union of both.
   */
  plan(packages: Iterable<string>, mainPackage?: string): void {
    this.planned = new Set(packages);
    this.unplanned = [...this.printed].filter((p) => !this.planned!.has(p)).length;
    if (mainPackage) this.mainPackage = mainPackage;
    if (this.phase === 'compiling' && this.current === this.mainPackage) this.phase = 'linking';
  }

  write(chunk: string): void {
    this.lines.write(chunk);
  }

  /** End of output: an unterminated last line still counts. */
  end(): void {
    this.lines.flush();
  }

  snapshot(): BuildProgress {
    const total = this.total();
    return {
      done: this.done,
      ...(total !== undefined && { total: Math.max(total, this.done) }),
      elapsedMs: Math.max(0, Math.round(this.now() - this.started)),
      phase: this.phase,
      ...(this.current !== undefined && { current: this.current }),
      downloaded: this.downloaded,
    };
  }

  private line(line: string): void {
    const dl = DOWNLOADING.exec(line);
    if (dl) {
      this.downloaded++;
      this.current = dl[1];
      if (this.phase !== 'linking') this.phase = 'downloading';
      return;
    }
    if (!isPackageLine(line) || this.printed.has(line)) return;
    this.printed.add(line);
    if (this.planned && !this.planned.has(line)) this.unplanned++;
    this.done++;
    this.current = line;
    const total = this.total();
    // The main package is compiled last; what follows is the link (silent, and seconds on a big app).
    this.phase = line === this.mainPackage || (total !== undefined && this.done >= total) ? 'linking' : 'compiling';
  }

  private total(): number | undefined {
    return this.planned ? this.planned.size + this.unplanned : this.opts.total;
  }
}

/**
 * Passes a build's output through without the package lines of `go build -v` (the progress shows
 * them). Text is held back only while its line could still be a package line: an error line goes
 * through as soon as it has a space or a colon.
 */
export class PackageLineFilter {
  private pending = '';
  /** The current line is known not to be a package line: its text goes straight through. */
  private passing = false;

  write(chunk: string): string {
    let out = '';
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf('\n', from);
      const end = nl === -1 ? chunk.length : nl + 1;
      const part = chunk.slice(from, end);
      from = end;
      if (this.passing) {
        out += part;
        this.passing = nl === -1;
        continue;
      }
      this.pending += part;
      if (nl !== -1) {
        if (!isPackageLine(stripAnsi(this.pending.replace(/\r?\n$/, '')))) out += this.pending;
        this.pending = '';
      } else if (!couldBePackageLine(this.pending)) {
        out += this.pending;
        this.pending = '';
        this.passing = true;
      }
    }
    return out;
  }

  /** End of output: what was held back, unless it is a package line. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    this.passing = false;
    return rest && !isPackageLine(stripAnsi(rest.replace(/\r$/, ''))) ? rest : '';
  }
}

/** The start of a line that may still turn out to be a package line (an ANSI colour may wrap it). */
function couldBePackageLine(start: string): boolean {
  return start.length <= MAX_PACKAGE_LINE + 32 && /^[\x1b[\];?A-Za-z0-9_.~+/-]*\r?$/.test(start);
}

/** A whole output without the package lines (for the failed build's text and its parsing). */
export function withoutPackageLines(output: string): string {
  const f = new PackageLineFilter();
  return f.write(output) + f.flush();
}

/**
 * The import path `go build -v` prints for the package the build is given: `.` or `./cmd/api`
 * resolved through the nearest go.mod's module line, files (`main.go`) as command-line-arguments,
 * an import path as itself. undefined when it cannot tell (no go.mod): the phase then switches to
 * linking only when done reaches the total.
 */
export function mainImportPath(root: string, pkg: string): string | undefined {
  if (/\.go$/.test(pkg) || /\s/.test(pkg.trim())) return 'command-line-arguments';
  if (!(pkg === '.' || pkg === '..' || pkg.startsWith('./') || pkg.startsWith('../') || path.isAbsolute(pkg))) return pkg;
  const dir = path.resolve(root, pkg);
  for (let d = dir; ; d = path.dirname(d)) {
    let text: string | undefined;
    try {
      text = readFileSync(path.join(d, 'go.mod'), 'utf8');
    } catch {
      // not here: look further up
    }
    if (text !== undefined) {
      const m = /^module\s+"?([^"\s]+)"?/m.exec(text);
      if (!m) return undefined;
      const rel = path.relative(d, dir).split(path.sep).join('/');
      return rel ? `${m[1]}/${rel}` : m[1];
    }
    if (path.dirname(d) === d) return undefined;
  }
}

/** "37/180 packages", "37 packages", "downloading modules (12)", "linking"; '' before anything. */
export function progressSummary(p: BuildProgress): string {
  if (p.phase === 'downloading') return t('downloading modules ({0})', p.downloaded);
  if (p.phase === 'linking') return t('linking');
  if (p.total !== undefined) return t('{0}/{1} packages', p.done, p.total);
  return p.done ? (p.done === 1 ? t('1 package') : t('{0} packages', p.done)) : '';
}

/** "42 s", "2 min 05 s": whole seconds, as a long build counts them. */
export function elapsedWords(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 120 ? t('{0} s', s) : t('{0} min {1} s', Math.floor(s / 60), String(s % 60).padStart(2, '0'));
}
