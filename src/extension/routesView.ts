import * as vscode from 'vscode';
import type { ServerController } from './serverController';
import { isOpenable, t } from '../core';
import type { GinRoute } from '../core';

type Node = { kind: 'server'; c: ServerController } | { kind: 'route'; c: ServerController; route: GinRoute };

/**
 * The "Gin Routes" view: the route table the running server printed, per server when there are
 * several. A GET route without parameters opens in the browser on click. Refreshed whenever a
 * server's routes change (each reload prints them again).
 */
export class RoutesView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly servers: () => ServerController[]) {}

  refresh(): void {
    this.emitter.fire(undefined);
    const any = this.servers().some((c) => c.engine.insights.routes.length > 0);
    void vscode.commands.executeCommand('setContext', 'gopherReload.hasRoutes', any);
  }

  getChildren(node?: Node): Node[] {
    const all = this.servers();
    if (!node) {
      const withRoutes = all.filter((c) => c.engine.insights.routes.length > 0);
      if (all.length > 1) return withRoutes.map((c) => ({ kind: 'server', c }));
      return withRoutes.flatMap((c) => this.routes(c));
    }
    return node.kind === 'server' ? this.routes(node.c) : [];
  }

  private routes(c: ServerController): Node[] {
    return c.engine.insights.routes.map((route) => ({ kind: 'route', c, route }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'server') {
      const item = new vscode.TreeItem(node.c.name, vscode.TreeItemCollapsibleState.Expanded);
      const port = node.c.engine.port;
      const n = node.c.engine.insights.routes.length;
      item.description = port ? t('{0} routes on :{1}', n, port) : t('{0} routes', n);
      item.iconPath = new vscode.ThemeIcon('server-process');
      return item;
    }
    const { route, c } = node;
    const item = new vscode.TreeItem(`${route.method} ${route.path}`);
    // The package path is noise next to the function: `handlers.GetUser`, not `example.com/x/handlers.GetUser`.
    item.description = route.handler.slice(route.handler.lastIndexOf('/') + 1);
    const openable = isOpenable(route) && c.engine.port !== undefined;
    item.tooltip = new vscode.MarkdownString(
      `**${route.method}** \`${route.path}\`\n\n${t('Handler: `{0}` ({1} handlers with middleware)', route.handler, route.handlers)}${openable ? '\n\n' + t('Click to open it in the browser.') : isOpenable(route) ? '' : '\n\n' + t('A route with parameters or another method cannot be opened as is.')}`,
    );
    item.iconPath = new vscode.ThemeIcon(openable ? 'globe' : 'symbol-method');
    item.contextValue = openable ? 'route.openable' : 'route';
    if (openable) item.command = { command: 'gopherReload.openRoute', title: t('Open in Browser'), arguments: [c.id, route.path] };
    return item;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** Labels of the tree as shown, for tests: "GET /users/:id  handlers.GetUser", servers with their routes under them. */
export function treeLabels(view: RoutesView): string[] {
  const out: string[] = [];
  const walk = (nodes: Node[], indent: string) => {
    for (const n of nodes) {
      const item = view.getTreeItem(n);
      out.push(`${indent}${String(item.label)}${item.description ? `  ${String(item.description)}` : ''}${item.command ? '  [opens]' : ''}`);
      walk(view.getChildren(n), indent + '  ');
    }
  };
  walk(view.getChildren(), '');
  return out;
}
