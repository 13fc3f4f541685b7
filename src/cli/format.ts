import { elapsedWords, progressSummary, type BuildProgress, type EngineState } from '../core';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const wrap = (code: number) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
export const paint = { red: wrap(31), green: wrap(32), yellow: wrap(33), cyan: wrap(36), dim: wrap(2) };

/** One readable status line per state (errors as file:line:col: message); '' for nothing to say. */
export function formatState(s: EngineState): string {
  switch (s.kind) {
    case 'stopped':
      return paint.dim(`■ stopped${s.message ? `: ${s.message}` : ''}`);
    case 'building':
      return paint.cyan(`⟳ building (${s.trigger})…`);
    case 'starting':
      return '';
    case 'running': {
      const t = s.timings;
      const url = s.port ? ` on http://localhost:${s.port}` : s.noPort ? ' (no port)' : '';
      const parts = [
        t.buildMs !== undefined && `build ${t.buildMs} ms`,
        `restart ${(t.stopMs ?? 0) + (t.startToReadyMs ?? 0)} ms`,
        `save→ready ${t.saveToReadyMs} ms`,
      ].filter(Boolean);
      return paint.green(`● running${url} (pid ${s.pid}) — ${parts.join(', ')}`);
    }
    case 'unready':
      return paint.yellow(`! ${s.message}`);
    case 'build-failed': {
      const head = paint.red(
        `✗ build failed: ${s.problems.length} problem${s.problems.length === 1 ? '' : 's'}${s.serving ? ' (the previous server keeps serving)' : ''}`,
      );
      const lines = s.problems.map((p) => `  ${p.file}:${p.line}${p.column ? `:${p.column}` : ''}: ${p.message.replace(/\n/g, '\n    ')}`);
      return [head, ...lines].join('\n');
    }
    case 'crashed':
      return (
        paint.red(
          `✗ crashed: ${s.signal ?? (s.exitCode === null ? 'exit status unknown' : `exit ${s.exitCode}`)}${s.crashCount > 1 ? ` (${s.crashCount} times)` : ''}${s.retryInMs ? `, restarting in ${s.retryInMs} ms` : ', save to retry'}`,
        ) +
        (s.lastOutput.length
          ? '\n' +
            paint.dim(
              s.lastOutput
                .slice(-5)
                .map((l) => `  | ${l}`)
                .join('\n'),
            )
          : '')
      );
    case 'error':
      return paint.red(`✗ ${s.message}\n  ${s.hint}`);
  }
}

/** The progress line: "⟳ building 37/180 packages, 42 s" on a terminal, "building: 37/180 packages, 42 s" in a log. */
export function formatProgress(p: BuildProgress, tty: boolean): string {
  const summary = progressSummary(p);
  const time = elapsedWords(p.elapsedMs);
  if (!tty) return `building: ${[summary, time].filter(Boolean).join(', ')}`;
  // "building 37/180 packages" reads on; "building: linking" names a phase.
  return paint.cyan(`⟳ ${summary ? `building${p.phase === 'compiling' ? '' : ':'} ${summary},` : 'building…'} ${time}`);
}

/** After a build that showed progress: what it did ("compiled 180 packages, downloaded 12 modules, in 42 s"). */
export function formatBuilt(p: BuildProgress): string {
  const parts = [
    p.done > 0 && `compiled ${p.done} package${p.done === 1 ? '' : 's'}`,
    p.downloaded > 0 && `downloaded ${p.downloaded} module${p.downloaded === 1 ? '' : 's'}`,
  ].filter(Boolean);
  return paint.dim(`  ${parts.length ? parts.join(', ') : 'build ran'} in ${elapsedWords(p.elapsedMs)}`);
}
