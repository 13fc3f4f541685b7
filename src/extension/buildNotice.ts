import { elapsedWords, progressSummary, type BuildProgress } from '../core';

/** A build shorter than this gets no notification: the status bar says enough. */
const NOTIFY_AFTER_MS = 3000;

/** What the notification should do next (BuildProgressNotifier carries it out in VS Code). */
export type NoticeStep = { kind: 'open' } | { kind: 'report'; message: string; increment?: number } | { kind: 'close' };

/**
 * The build notification as a pure state machine over the engine's progress, free of `vscode`
 * so it is unit-tested in plain Node: opened once a build runs for a few seconds, a bar from
 * done/total (full when linking; increments only, as withProgress wants), closed when the build
 * is over. Once cancelled or closed, it stays closed until the next build.
 */
export class BuildNotice {
  private state: 'idle' | 'open' | 'dismissed' = 'idle';
  private percent = 0;

  update(p: BuildProgress | undefined): NoticeStep[] {
    if (!p) {
      const was = this.state;
      this.state = 'idle';
      this.percent = 0;
      return was === 'open' ? [{ kind: 'close' }] : [];
    }
    if (this.state === 'dismissed' || (this.state === 'idle' && p.elapsedMs < NOTIFY_AFTER_MS)) return [];
    const steps: NoticeStep[] = [];
    if (this.state === 'idle') {
      this.state = 'open';
      steps.push({ kind: 'open' });
    }
    const target = p.phase === 'linking' ? 100 : p.total ? Math.min(100, Math.floor((p.done / p.total) * 100)) : this.percent;
    const increment = target > this.percent ? target - this.percent : undefined;
    this.percent = Math.max(this.percent, target);
    const message = [progressSummary(p), elapsedWords(p.elapsedMs)].filter(Boolean).join(' · ');
    steps.push({ kind: 'report', message, ...(increment !== undefined && { increment }) });
    return steps;
  }

  /** The user pressed Cancel (or the notification went away): no new one for this build. */
  dismissed(): void {
    if (this.state === 'open') this.state = 'dismissed';
  }
}
