import * as vscode from 'vscode';
import { t, type BuildStep, type CommandResult } from '../core';

/**
 * A build step that runs a task from tasks.json (by label) in its own terminal, for users who
 * already have one. Its problem matcher (e.g. $go) fills Problems; we only need its exit code.
 */
export function taskBuildStep(label: string, folder: vscode.WorkspaceFolder): BuildStep {
  return ({ onOutput }) => {
    const started = performance.now();
    let execution: vscode.TaskExecution | undefined;
    let cancelled = false;
    const result = (ok: boolean, exitCode: number | null, output: string): CommandResult => ({
      ok: ok && !cancelled,
      exitCode,
      output,
      durationMs: Math.round(performance.now() - started),
      cancelled,
      timedOut: false,
    });
    const done = (async (): Promise<CommandResult> => {
      const tasks = await vscode.tasks.fetchTasks();
      const task =
        tasks.find((t) => t.name === label && (t.scope === folder || t.scope === vscode.TaskScope.Workspace || t.scope === undefined)) ??
        tasks.find((t) => t.name === label);
      if (!task) {
        const msg = t('gopherReload.buildTask: no task labelled "{0}" in tasks.json (found: {1}).', label, tasks.map((x) => x.name).join(', ') || t('none'));
        onOutput(msg + '\n');
        return result(false, null, msg);
      }
      onOutput(t('running task "{0}"', label) + '\n');
      return new Promise<CommandResult>((resolve) => {
        const sub = vscode.tasks.onDidEndTaskProcess((e) => {
          if (e.execution !== execution) return;
          sub.dispose();
          const code = e.exitCode ?? null;
          resolve(
            result(
              code === 0,
              code,
              code === 0 ? '' : t('task "{0}" failed with exit code {1}; see its terminal and the Problems panel.', label, String(code)),
            ),
          );
        });
        vscode.tasks.executeTask(task).then(
          (ex) => {
            execution = ex;
            if (cancelled) ex.terminate();
          },
          (e: Error) => {
            sub.dispose();
            resolve(result(false, null, t('task "{0}" could not start: {1}', label, e.message)));
          },
        );
      });
    })();
    return {
      done,
      cancel() {
        cancelled = true;
        execution?.terminate();
      },
    };
  };
}
