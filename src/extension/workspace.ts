import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { t } from '../core';
import { ServerController, type Target } from './serverController';
import { registerCommands } from './commands';
import { SECTION } from './settings';
import { summaryView } from './summaryView';
import { RoutesView, treeLabels } from './routesView';
import { resolveTarget } from '../core';
import type { GopherReloadApi, ServerView } from './api';
import type { DebugTarget } from '../core';
import { DebugSessions } from './debugSession';
import { registerDebugConfigurations } from './debugConfig';

/**
 * The extension's state: one ServerController per server: per Go module (a workspace folder with
 * go.mod, or one level down), or per service when the module lists `gopherReload.services`; kept
 * in step with the folders and settings. With several servers one summary item replaces their
 * status bar items. Also sets the context keys that decide which commands the palette shows.
 */
function debugView(t: DebugTarget | undefined): ServerView['debug'] {
  if (!t) return undefined;
  const { generation, port, dlvPid, pid, paused } = t;
  return { generation, port, dlvPid, pid, paused };
}

export class Workspace implements vscode.Disposable {
  /** By target id: the module root, or `<module root>#<service>`. */
  readonly controllers = new Map<string, ServerController>();
  private readonly summary = vscode.window.createStatusBarItem('gopherReload.summary', vscode.StatusBarAlignment.Left, 50);
  readonly routes = new RoutesView(() => [...this.controllers.values()]);
  /** How long activate() took (measured by main.ts), for the benchmark. */
  activationMs?: number;
  private readonly subs: vscode.Disposable[] = [];
  /** Every debug session Gopher Reload starts (one per server generation under Delve). */
  private readonly debugSessions: DebugSessions;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.debugSessions = new DebugSessions((id) => this.controllers.get(id), log);
    this.summary.name = 'Gopher Reload';
    this.summary.command = { command: 'gopherReload.servers', title: t('Servers…') };
    this.subs.push(
      this.summary,
      this.routes,
      vscode.window.registerTreeDataProvider('gopherReload.routes', this.routes),
      this.debugSessions,
      ...registerCommands(this),
      ...registerDebugConfigurations((folder, which) => this.debugFromLaunch(folder, which)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.discover()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.services`) && void this.discover()),
    );
  }

  private discovering: Promise<void> = Promise.resolve();

  /** Finds Go modules and their services; runs one at a time (folder and settings events can overlap). */
  discover(): Promise<void> {
    this.discovering = this.discovering.then(() => this.discoverNow());
    return this.discovering;
  }

  /** Finds Go modules: each folder's root go.mod, else go.mod files one level down. */
  private async discoverNow(): Promise<void> {
    const roots = new Map<string, vscode.WorkspaceFolder>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      // Node's own check for a local folder: awaiting VS Code's file system API during activation
      // waited on the busy extension host's event loop (76-112 ms measured, for one stat).
      const top = existsSync(path.join(folder.uri.fsPath, 'go.mod'));
      if (top) {
        roots.set(folder.uri.fsPath, folder);
        continue;
      }
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '*/go.mod'), '**/{vendor,node_modules,testdata}/**', 20);
      for (const f of found) roots.set(path.dirname(f.fsPath), folder);
    }
    const targets = new Map<string, Target>();
    for (const [root, folder] of roots) {
      const moduleName = root === folder.uri.fsPath ? folder.name : `${folder.name}/${path.basename(root)}`;
      // Only which servers there are: each controller resolves its own settings (resolveTarget too).
      const found = resolveTarget({
        moduleRoot: root,
        settings: {},
        services: vscode.workspace.getConfiguration(SECTION, vscode.Uri.file(root)).get('services'),
        useAir: false,
      });
      for (const i of found.issues) this.log.warn(`[${moduleName}] ${SECTION}.${i.setting}: ${i.message}`);
      for (const { service } of found.targets) {
        if (!service) targets.set(root, { id: root, name: moduleName, moduleRoot: root, folder });
        else
          targets.set(`${root}#${service}`, {
            id: `${root}#${service}`,
            name: roots.size > 1 ? `${moduleName}: ${service}` : service,
            moduleRoot: root,
            folder,
            service,
          });
      }
    }
    for (const [id, c] of this.controllers) {
      if (!targets.has(id)) {
        this.controllers.delete(id);
        await c.disposeAsync();
      }
    }
    for (const [id, t] of targets) {
      if (this.controllers.has(id)) continue;
      this.log.info(
        `${t.service ? `Service "${t.service}" of Go module` : 'Go module'} found: ${t.moduleRoot}${vscode.workspace.isTrusted ? '' : ' (workspace not trusted: nothing will run)'}`,
      );
      this.controllers.set(
        id,
        new ServerController(
          t,
          this.context.workspaceState,
          this.log,
          (what) => {
            // Routes change with insights; whether one opens depends on the port, known a moment later.
            if (what !== 'insights') this.updateContext();
            this.routes.refresh();
          },
          this.debugSessions,
        ),
      );
    }
    this.updateContext();
    this.routes.refresh();
  }

  /** The server a command applies to: the given id, the only one, the active editor's, or the user's pick. */
  async pick(id?: string): Promise<ServerController | undefined> {
    return (await this.pickMany(id, false))[0];
  }

  /** Like pick, but the quick pick offers "All servers" first (Restart, Stop). */
  async pickMany(id?: string, allowAll = true): Promise<ServerController[]> {
    if (id && this.controllers.has(id)) return [this.controllers.get(id)!];
    const all = [...this.controllers.values()];
    if (all.length <= 1) return all;
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    const owners = active ? all.filter((c) => active.startsWith(c.root + path.sep)).sort((a, b) => b.root.length - a.root.length) : [];
    // Several services share a module: the editor's file does not say which one is meant.
    if (owners.length && (owners.length === 1 || owners[0].root.length > owners[1].root.length)) return [owners[0]];
    const items = [
      ...(allowAll ? [{ label: `$(layers) ${t('All servers')}`, description: t('{0} servers', all.length), cs: all }] : []),
      ...all.map((c) => ({ label: c.name, description: c.statusText.replace(/\$\([\w~-]+\)\s*/g, ''), detail: c.root, cs: [c] })),
    ];
    const picked = await vscode.window.showQuickPick(items, { placeHolder: t('Which server?') });
    return picked?.cs ?? [];
  }

  /**
   * A gopher-reload launch configuration (F5): its `folder` names the server (a module root,
   * absolute or relative to the workspace folder; a service's name; or a server id); none: the
   * workspace folder's only server, else the user picks.
   */
  private async debugFromLaunch(folder: vscode.WorkspaceFolder | undefined, which?: string): Promise<void> {
    await this.discovering;
    const all = [...this.controllers.values()];
    let c: ServerController | undefined;
    if (which) {
      const abs = folder ? path.resolve(folder.uri.fsPath, which) : path.resolve(which);
      c =
        this.controllers.get(which) ??
        all.find((x) => x.id === abs) ??
        all.find((x) => x.root === abs) ??
        all.find((x) => x.name === which || x.id.endsWith(`#${which}`));
      if (!c) {
        void vscode.window.showErrorMessage(
          t(
            'Gopher Reload: the launch configuration\'s "folder": "{0}" names no Go module or service here (servers: {1}). Use a module folder, relative to the workspace folder, or a service name.',
            which,
            all.map((x) => x.name).join(', ') || t('none'),
          ),
        );
        return;
      }
    } else {
      const inFolder = folder ? all.filter((x) => x.folder.uri.toString() === folder.uri.toString()) : all;
      c = inFolder.length === 1 ? inFolder[0] : await this.pick();
    }
    if (!c) {
      if (!all.length) void vscode.window.showErrorMessage(t('Gopher Reload: there is no Go module (go.mod) in this workspace to debug.'));
      return;
    }
    await c.debug();
  }

  updateContext(): void {
    const all = [...this.controllers.values()];
    const set = (k: string, v: boolean) => void vscode.commands.executeCommand('setContext', `gopherReload.${k}`, v);
    set('hasProject', all.length > 0);
    set(
      'serverRunning',
      all.some(
        (c) =>
          ['running', 'starting', 'unready'].includes(c.state.kind) ||
          (c.state.kind === 'building' && c.state.serving) ||
          (c.state.kind === 'build-failed' && c.state.serving),
      ),
    );
    set(
      'serverListening',
      all.some((c) => c.engine.port !== undefined && c.state.kind === 'running'),
    );
    set(
      'hotReload',
      all.some((c) => c.isHotReload),
    );
    set('severalServers', all.length > 1);
    set(
      'debugging',
      all.some((c) => c.debugWanted),
    );
    this.renderSummary(all);
  }

  private renderSummary(all: ServerController[]): void {
    for (const c of all) c.setItemVisible(all.length === 1);
    if (all.length <= 1) {
      this.summary.hide();
      return;
    }
    const v = summaryView(
      all.map((c) => ({ id: c.id, name: c.name, hotReload: c.isHotReload, state: c.state, text: c.statusText })),
      vscode.workspace.isTrusted,
    );
    this.summary.text = v.text;
    const md = new vscode.MarkdownString(v.tooltip, true);
    md.isTrusted = {
      enabledCommands: [
        'gopherReload.restart',
        'gopherReload.stop',
        'gopherReload.showTerminal',
        'gopherReload.restartAll',
        'gopherReload.stopAll',
        'gopherReload.servers',
        'gopherReload.showLogs',
      ],
    };
    this.summary.tooltip = md;
    this.summary.backgroundColor = v.background ? new vscode.ThemeColor(`statusBarItem.${v.background}Background`) : undefined;
    this.summary.show();
  }

  get summaryText(): string | undefined {
    return [...this.controllers.keys()].length > 1 ? this.summary.text : undefined;
  }

  /** For tests and for other extensions: read-only views of each module's state. */
  api(): GopherReloadApi {
    return {
      activationMs: this.activationMs,
      summaryText: () => this.summaryText,
      modules: () =>
        [...this.controllers.values()].map((c) => ({
          id: c.id,
          name: c.name,
          root: c.root,
          state: c.state,
          hotReload: c.isHotReload,
          port: c.engine.port,
          statusText: c.statusText,
          tooltip: c.tooltipText,
          serverPids: c.engine.serverPids(),
          saveToBuildMs: c.saveToBuildMs,
          serverOutput: c.engine.serverOutput(5),
          go: c.engine.goDescription,
          routes: c.engine.insights.routes,
          panics: c.engine.insights.panics.map((p) => ({ kind: p.kind, message: p.message, site: p.site })),
          localModuleDirs: c.engine.localModuleDirs,
          debug: debugView(c.debugTarget),
        })),
      routesTree: () => treeLabels(this.routes),
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
