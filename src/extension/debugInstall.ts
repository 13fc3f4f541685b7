import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findDlv, INSTALL_DLV, isExecutable, t, type FoundDlv } from '../core';

/** What finding Delve gave: a binary, or a sentence saying what is wrong with the setting that named one. */
export type DlvLookup = { found: FoundDlv } | { problem: string } | { missing: true };

/** `~/x` and `${workspaceFolder}/x`, as the Go extension reads go.alternateTools. */
function expand(p: string, folder: string): string {
  return p.replace(/^~(?=$|[\\/])/, os.homedir()).replace(/\$\{workspaceFolder\}/g, folder);
}

/**
 * Delve for a server: gopherReload.dlvPath, then the Go extension's go.alternateTools.dlv (a name is
 * looked up on PATH), then dlv on PATH, in $GOBIN and in each $GOPATH/bin (findDlv).
 */
export async function lookUpDlv(scope: vscode.Uri, folder: string, dlvPath: string | undefined, env: NodeJS.ProcessEnv, goBinary?: string): Promise<DlvLookup> {
  if (dlvPath) {
    const p = expand(dlvPath, folder);
    if (path.isAbsolute(p)) {
      return isExecutable(p) ? { found: { path: p, via: 'gopherReload.dlvPath' } } : { problem: t('gopherReload.dlvPath: {0} is not an executable file', p) };
    }
    const f = await findDlv({ env, alternateTool: p, goBinary });
    return f?.via === 'go.alternateTools'
      ? { found: { path: f.path, via: 'gopherReload.dlvPath' } }
      : { problem: t('gopherReload.dlvPath: "{0}" is not on PATH', p) };
  }
  const alt = vscode.workspace.getConfiguration('go', scope).get<Record<string, unknown>>('alternateTools')?.dlv;
  const found = await findDlv({ env, alternateTool: typeof alt === 'string' && alt ? expand(alt, folder) : undefined, goBinary });
  return found ? { found } : { missing: true };
}

const INSTALL_TEXT = INSTALL_DLV.join(' ');

/** One offer at a time: with several servers, one notification and one install serve them all. */
let offering: Promise<boolean> | undefined;

/**
 * Delve is missing: offers to install it (trusted workspaces only) with `go install` in a terminal
 * the user sees. Resolves true once the install succeeded; false when declined, refused or failed,
 * after saying what happens now (debugging stays off, hot reload runs on).
 */
export function offerDlvInstall(folder: vscode.WorkspaceFolder, log: vscode.LogOutputChannel, goBinary = 'go'): Promise<boolean> {
  offering ??= offer(folder, log, goBinary).finally(() => (offering = undefined));
  return offering;
}

async function offer(folder: vscode.WorkspaceFolder, log: vscode.LogOutputChannel, goBinary: string): Promise<boolean> {
  const off = t('Debugging stays off; hot reload runs without the debugger.');
  if (!vscode.workspace.isTrusted) {
    log.warn(`Delve (dlv) not found; nothing is installed in an untrusted workspace`);
    void vscode.window.showWarningMessage(
      t(
        'Gopher Reload: Delve (dlv) is needed to debug, and it was not found. Nothing is installed in an untrusted workspace: trust the workspace, or run `{0}` yourself.',
        INSTALL_TEXT,
      ) + ` ${off}`,
    );
    return false;
  }
  const install = t('Install');
  const answer = await vscode.window.showInformationMessage(
    t(
      'Gopher Reload: Delve (dlv) is needed to debug, and it was not found on PATH, in $GOBIN, in $GOPATH/bin, in go.alternateTools or gopherReload.dlvPath. Install it with `{0}` (in a terminal)?',
      INSTALL_TEXT,
    ),
    install,
    t('Not now'),
  );
  if (answer !== install) {
    log.info('Delve install declined');
    void vscode.window.showInformationMessage(
      `Gopher Reload: ${off} ${t('Run "Debug Server (hot reload)" again to be asked again, or set gopherReload.dlvPath.')}`,
    );
    return false;
  }
  log.info(`installing Delve: ${INSTALL_TEXT}`);
  const code = await runInstall(folder, goBinary);
  if (code === 0) return true;
  log.warn(`Delve install failed: ${code === undefined ? 'it did not start' : `exit code ${code}`}`);
  void vscode.window.showErrorMessage(
    (code === undefined
      ? t('Gopher Reload: installing Delve failed (it could not start; see the "Install Delve" terminal).')
      : t('Gopher Reload: installing Delve failed (exit code {0}; see the "Install Delve" terminal).', code)) + ` ${off}`,
  );
  return false;
}

/** Runs INSTALL_DLV as a task (an argv, no shell) in a terminal the user sees; its exit code. */
async function runInstall(folder: vscode.WorkspaceFolder, goBinary: string): Promise<number | undefined> {
  // The go the engine found (go.goroot, a default location...), which this terminal's PATH may lack.
  const [, ...args] = INSTALL_DLV;
  const cmd = goBinary;
  // In the home folder: `go install x@version` ignores the current module, but the workspace's
  // go.work or toolchain line should not even be read for a tool install.
  const task = new vscode.Task(
    { type: 'gopherReload', tool: 'dlv' },
    folder,
    t('Install Delve'),
    'Gopher Reload',
    new vscode.ProcessExecution(cmd, args, { cwd: os.homedir() }),
    [],
  );
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, focus: false, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  return new Promise<number | undefined>((resolve) => {
    let execution: vscode.TaskExecution | undefined;
    let code: number | undefined;
    const mine = (e: vscode.TaskExecution) => (execution ? e === execution : e.task.name === task.name && e.task.source === task.source);
    // The process's end gives the code; the task's end comes after it, and alone when go could not start.
    const subs = [
      vscode.tasks.onDidEndTaskProcess((e) => {
        if (mine(e.execution)) code = e.exitCode;
      }),
      vscode.tasks.onDidEndTask((e) => {
        if (!mine(e.execution)) return;
        for (const s of subs) s.dispose();
        resolve(code);
      }),
    ];
    vscode.tasks.executeTask(task).then(
      (ex) => (execution = ex),
      () => {
        for (const s of subs) s.dispose();
        resolve(undefined);
      },
    );
  });
}
