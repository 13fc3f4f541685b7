import * as vscode from 'vscode';
import { t, type BuildProgress } from '../core';
import { BuildNotice, type NoticeStep } from './buildNotice';

type Report = (value: { message?: string; increment?: number }) => void;

/**
 * A notification with a Cancel button for a build that runs more than a few seconds (a cold
 * build of a large app takes minutes): "Gopher Reload: building api", "37/180 packages · 42 s".
 * Feed it engine.onProgress; cancel is what the Cancel button does (the engine's cancelBuild).
 */
export class BuildProgressNotifier implements vscode.Disposable {
  private readonly notice = new BuildNotice();
  /** The open notification: its report function once withProgress has called back, and its end. */
  private open?: { report?: Report; pending?: { message?: string; increment?: number }; close: () => void };

  constructor(
    private readonly name: string,
    private readonly cancel: () => void,
  ) {}

  update(p: BuildProgress | undefined): void {
    for (const step of this.notice.update(p)) this.apply(step);
  }

  dispose(): void {
    this.update(undefined);
  }

  private apply(step: NoticeStep): void {
    if (step.kind === 'open') return this.show();
    const o = this.open;
    if (!o) return;
    if (step.kind === 'close') {
      this.open = undefined;
      o.close();
      return;
    }
    const value = { message: step.message, ...(step.increment !== undefined && { increment: step.increment }) };
    if (o.report) o.report(value);
    // Not called back yet: keep the latest text, and the increments so that the bar adds up.
    else o.pending = { message: value.message, increment: (o.pending?.increment ?? 0) + (value.increment ?? 0) || undefined };
  }

  private show(): void {
    let close!: () => void;
    const over = new Promise<void>((resolve) => (close = resolve));
    const o: NonNullable<typeof this.open> = { close };
    this.open = o;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, cancellable: true, title: t('Gopher Reload: building {0}', this.name) },
      (progress, token) => {
        o.report = (v) => progress.report(v);
        if (o.pending) progress.report(o.pending);
        token.onCancellationRequested(() => {
          if (this.open !== o) return;
          this.notice.dismissed();
          this.open = undefined;
          close();
          this.cancel();
        });
        return over;
      },
    );
  }
}
