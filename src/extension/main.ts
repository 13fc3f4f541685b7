import * as vscode from 'vscode';
import { registerWalkthrough } from './walkthrough';
import { setTranslator, t } from '../core';
import { Workspace } from './workspace';

let workspace: Workspace | undefined;

/** Thin on purpose: one Workspace object owns everything and is disposed with the extension. */
export async function activate(context: vscode.ExtensionContext) {
  setTranslator((message, args) => vscode.l10n.t(message, ...args));
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Gopher Reload', { log: true });
  context.subscriptions.push(log);
  context.subscriptions.push(registerWalkthrough(context.extension.id));
  try {
    workspace = new Workspace(context, log);
    context.subscriptions.push(workspace);
    await workspace.discover();
    workspace.activationMs = Math.round((performance.now() - t0) * 10) / 10;
    log.info(`activated in ${workspace.activationMs} ms`);
  } catch (e) {
    log.error(`activation failed: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(t('Gopher Reload could not start: {0}', (e as Error).message), t('Show Logs')).then((a) => a && log.show());
  }
  return workspace?.api();
}

/** Stops every server and its process tree before VS Code closes the extension host. */
export async function deactivate(): Promise<void> {
  const w = workspace;
  workspace = undefined;
  await w?.shutdown();
}
