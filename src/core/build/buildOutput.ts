import * as path from 'node:path';
import { stripAnsi } from '../util/text';
import type { BuildProblem } from './problem';
import { isPackageLine } from './buildProgress';

export interface ParseBuildOutputOptions {
  /** Absolute module root; position-less problems (e.g. `go: ...`) are attached to it. */
  moduleRoot: string;
  /** Directory the go command ran in. Go prints paths relative to it, not to the module root. */
  cwd?: string;
  /** Decides path semantics (drive letters, `\`); defaults to the host's. */
  platform?: NodeJS.Platform;
}

// `file:line[:col]: message`. The file part may not contain ':' so that messages such as
// `go: x@v1: missing go.sum entry` or `pattern ./...: lstat` never look like positions.
// On Windows an optional drive letter (`C:`) is allowed in front, so its colon is not a separator.
// go vet (type-checking failures) prefixes positions with `vet: `.
const POSITION_POSIX = /^(?:vet: )?([^:\s][^:]*):(\d+)(?::(\d+))?: (.*)$/;
const POSITION_WIN32 = /^(?:vet: )?((?:[A-Za-z]:)?[^:\s][^:]*):(\d+)(?::(\d+))?: (.*)$/;

// Lines that are progress or summaries, not problems. `FAIL\tpkg [build failed]` (go test)
// only repeats that the errors above it exist.
const NOISE: readonly RegExp[] = [/^exit status \d+$/, /^go: (?:downloading|finding|extracting) /, /^FAIL(?:\t.*)?$/, /^ok {2}\t/, /^\? {3}\t/];

// Lines that introduce the problems that follow: `# example.com/app/pkg`, go vet's
// `# [example.com/app/pkg]`, and `go: errors parsing go.mod:` (the next line has the position).
const HEADER = /^# |^go: errors parsing .*:$/;

/**
 * Turns the combined stdout/stderr of `go build` / `go vet` (and the go command's module
 * errors) into problems with absolute file paths.
 */
export function parseBuildOutput(output: string, opts: ParseBuildOutputOptions): BuildProblem[] {
  const win = (opts.platform ?? process.platform) === 'win32';
  const p = win ? path.win32 : path.posix;
  const position = win ? POSITION_WIN32 : POSITION_POSIX;
  const moduleRoot = p.resolve(opts.moduleRoot);
  const cwd = p.resolve(moduleRoot, opts.cwd ?? moduleRoot);

  const problems: BuildProblem[] = [];
  // The problem that tab-indented continuation lines (`\thave (int)`) belong to.
  let last: BuildProblem | undefined;

  // stripAnsi: a wrapper such as a task runner may colour the output.
  for (const raw of stripAnsi(output).split(/\r?\n/)) {
    const line = raw.trimEnd();

    if (line.startsWith('\t')) {
      if (last) last.message += '\n' + line.slice(1);
      continue;
    }
    // isPackageLine: `go build -v` names each package it compiles (the default build asks for it).
    if (line === '' || NOISE.some((re) => re.test(line)) || isPackageLine(line)) continue;
    if (HEADER.test(line)) {
      // A new package starts: indented lines after this can't continue the previous package's problem.
      last = undefined;
      continue;
    }

    const m = position.exec(line);
    if (m) {
      last = {
        file: p.resolve(cwd, m[1]),
        line: Number(m[2]),
        ...(m[3] !== undefined ? { column: Number(m[3]) } : {}),
        message: m[4],
        severity: 'error',
      };
    } else {
      // Anything else the go command says on a failed build is an error without a position:
      // `go: updates to go.mod needed`, `package a\n\timports b: import cycle not allowed`,
      // linker errors, `pattern ./x/...: lstat ...`. Better shown at the module root than lost.
      last = {
        file: moduleRoot,
        line: 0,
        message: line,
        severity: /^go: warning: /.test(line) ? 'warning' : 'error',
      };
    }
    problems.push(last);
  }

  return dedupe(problems.filter((pr) => !isTooManyErrors(pr)));
}

// The compiler stops after 10 errors with `file:line:col: too many errors`; it says nothing
// about the code, so it is dropped rather than shown as a problem of its own.
function isTooManyErrors(problem: BuildProblem): boolean {
  return problem.message === 'too many errors';
}

// The same error can be printed twice, e.g. by `go build` then `go vet` (as `vet: ...`), or for a
// package and its test variant. Keys include the message with its continuation lines, so the
// comparison waits until all lines have been read.
function dedupe(problems: BuildProblem[]): BuildProblem[] {
  const seen = new Set<string>();
  return problems.filter((pr) => {
    const key = [pr.file, pr.line, pr.column ?? '', pr.message].join('\0');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
