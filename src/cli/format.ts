import { elapsedWords, progressSummary, t, type BuildProgress, type EngineState } from '../core';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const wrap = (code: number) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
export const paint = { red: wrap(31), green: wrap(32), yellow: wrap(33), cyan: wrap(36), dim: wrap(2) };

/** One readable status line per state (errors as file:line:col: message); '' for nothing to say. */
export function formatState(s: EngineState): string {
  switch (s.kind) {
    case 'stopped':
      return paint.dim(`■ ${t('stopped')}${s.message ? `: ${s.message}` : ''}`);
    case 'building':
      return paint.cyan(`⟳ ${t('building ({0})…', s.trigger)}`);
    case 'starting':
      return '';
    case 'running': {
      const tm = s.timings;
      const url = s.port ? ` ${t('on {0}', `http://localhost:${s.port}`)}` : s.noPort ? ` ${t('(no port)')}` : '';
      const parts = [
        tm.buildMs !== undefined && t('build {0} ms', tm.buildMs),
        t('restart {0} ms', (tm.stopMs ?? 0) + (tm.startToReadyMs ?? 0)),
        t('save→ready {0} ms', String(tm.saveToReadyMs)),
      ].filter(Boolean);
      return paint.green(`● ${t('running')}${url} (pid ${s.pid}) — ${parts.join(', ')}`);
    }
    case 'unready':
      return paint.yellow(`! ${s.message}`);
    case 'build-failed': {
      const head = paint.red(
        `✗ ${s.problems.length === 1 ? t('build failed: 1 problem') : t('build failed: {0} problems', s.problems.length)}${s.serving ? ' ' + t('(the previous server keeps serving)') : ''}`,
      );
      const lines = s.problems.map((p) => `  ${p.file}:${p.line}${p.column ? `:${p.column}` : ''}: ${p.message.replace(/\n/g, '\n    ')}`);
      return [head, ...lines].join('\n');
    }
    case 'crashed':
      return (
        paint.red(
          `✗ ${t('crashed')}: ${s.signal ?? (s.exitCode === null ? t('exit status unknown') : `exit ${s.exitCode}`)}${s.crashCount > 1 ? ` ${t('({0} times)', s.crashCount)}` : ''}${s.retryInMs ? t(', restarting in {0} ms', s.retryInMs) : t(', save to retry')}`,
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
  if (!tty) return `${t('building')}: ${[summary, time].filter(Boolean).join(', ')}`;
  // "building 37/180 packages" reads on; "building: linking" names a phase.
  return paint.cyan(`⟳ ${summary ? `${t('building')}${p.phase === 'compiling' ? '' : ':'} ${summary},` : t('building…')} ${time}`);
}

/** After a build that showed progress: what it did ("compiled 180 packages, downloaded 12 modules, in 42 s"). */
export function formatBuilt(p: BuildProgress): string {
  const parts = [
    p.done > 0 && (p.done === 1 ? t('compiled 1 package') : t('compiled {0} packages', p.done)),
    p.downloaded > 0 && (p.downloaded === 1 ? t('downloaded 1 module') : t('downloaded {0} modules', p.downloaded)),
  ].filter(Boolean);
  return paint.dim(`  ${t('{0} in {1}', parts.length ? parts.join(', ') : t('build ran'), elapsedWords(p.elapsedMs))}`);
}
