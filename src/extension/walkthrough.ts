import * as vscode from 'vscode';

/** The walkthrough id of package.json's contributes.walkthroughs (VS Code prefixes the extension's id). */
export const WALKTHROUGH_ID = 'gopherReload.gettingStarted';

/**
 * Context keys that tick off walkthrough steps no command marks: the step's completionEvents say
 * onContext:<key>. Set once per window, never cleared: a step stays done once the user did it.
 */
export type WalkthroughMilestone = 'reloaded' | 'buildFailed';
const reached = new Set<WalkthroughMilestone>();

export function walkthroughMilestone(m: WalkthroughMilestone): void {
  if (reached.has(m)) return;
  reached.add(m);
  void vscode.commands.executeCommand('setContext', `gopherReload.walkthrough.${m}`, true);
}

/** Gopher Reload: Get Started opens the walkthrough (the Welcome page lists it too). */
export function registerWalkthrough(extensionId: string): vscode.Disposable {
  return vscode.commands.registerCommand('gopherReload.openWalkthrough', () =>
    vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extensionId}#${WALKTHROUGH_ID}`, false),
  );
}
