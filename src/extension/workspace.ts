import * as path from 'node:path';
import * as vscode from 'vscode';
import { FolderController } from './controller';
import { registerCommands } from './commands';

/**
 * The extension's state: one FolderController per Go module (a workspace folder with go.mod, or
 * one level down), kept in step with the folders that are open. Also sets the context keys that
 * decide which commands the palette shows.
 */
export class Workspace implements vscode.Disposable {
  readonly controllers = new Map<string, FolderController>();
  /** How long activate() took (measured by main.ts), for the benchmark. */
  activationMs?: number;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.subs.push(
      ...registerCommands(this),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.discover()),
    );
  }

  /** Finds Go modules: each folder's root go.mod, else go.mod files one level down. */
  async discover(): Promise<void> {
    const roots = new Map<string, vscode.WorkspaceFolder>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const top = await exists(vscode.Uri.joinPath(folder.uri, 'go.mod'));
      if (top) {
        roots.set(folder.uri.fsPath, folder);
        continue;
      }
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '*/go.mod'), '**/{vendor,node_modules,testdata}/**', 20);
      for (const f of found) roots.set(path.dirname(f.fsPath), folder);
    }
    for (const [root, c] of this.controllers) {
      if (!roots.has(root)) {
        this.controllers.delete(root);
        await c.disposeAsync();
      }
    }
    for (const [root, folder] of roots) {
      if (this.controllers.has(root)) continue;
      const name = root === folder.uri.fsPath ? folder.name : `${folder.name}/${path.basename(root)}`;
      this.log.info(`Go module found: ${root}${vscode.workspace.isTrusted ? '' : ' (workspace not trusted: nothing will run)'}`);
      this.controllers.set(root, new FolderController(root, folder, name, this.context.workspaceState, this.log, () => this.updateContext()));
    }
    this.updateContext();
  }

  /** The controller a command applies to: the only one, the active editor's, or the user's pick. */
  async pick(root?: string): Promise<FolderController | undefined> {
    if (root && this.controllers.has(root)) return this.controllers.get(root);
    const all = [...this.controllers.values()];
    if (all.length <= 1) return all[0];
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    const owner = active && all.filter((c) => active.startsWith(c.root + path.sep)).sort((a, b) => b.root.length - a.root.length)[0];
    if (owner) return owner;
    const picked = await vscode.window.showQuickPick(all.map((c) => ({ label: c.name, description: c.root, c })), { placeHolder: 'Which Go module?' });
    return picked?.c;
  }

  updateContext(): void {
    const all = [...this.controllers.values()];
    const set = (k: string, v: boolean) => void vscode.commands.executeCommand('setContext', `gopherReload.${k}`, v);
    set('hasProject', all.length > 0);
    set('serverRunning', all.some((c) => ['running', 'starting', 'unready'].includes(c.state.kind) || (c.state.kind === 'building' && c.state.serving) || (c.state.kind === 'build-failed' && c.state.serving)));
    set('serverListening', all.some((c) => c.engine.port !== undefined && c.state.kind === 'running'));
    set('hotReload', all.some((c) => c.isHotReload));
  }

  /** For tests and for other extensions: read-only views of each module's state. */
  api() {
    return {
      activationMs: this.activationMs,
      modules: () =>
        [...this.controllers.values()].map((c) => ({
          root: c.root,
          state: c.state,
          hotReload: c.isHotReload,
          port: c.engine.port,
          statusText: c.statusText,
          tooltip: c.tooltipText,
          serverPids: c.engine.serverPids(),
          saveToBuildMs: c.saveToBuildMs,
          serverOutput: c.engine.serverOutput(5),
        })),
    };
  }

  async shutdown(): Promise<void> {
    const all = [...this.controllers.values()];
    this.controllers.clear();
    await Promise.all(all.map((c) => c.disposeAsync()));
    this.dispose();
  }

  dispose(): void {
    for (const c of this.controllers.values()) void c.disposeAsync();
    this.controllers.clear();
    for (const s of this.subs) s.dispose();
    this.subs.length = 0;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
