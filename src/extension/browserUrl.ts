/*
 * Where a route goes under the root URL that port forwarding gave for the server's port. Kept
 * free of the vscode module so unit tests check it; commands.ts applies it to a vscode.Uri.
 */

/**
 * `route` (a path, maybe with a query) under the forwarded root's path and query: root
 * `/proxy/8080/` and `/users?x=1` give `/proxy/8080/users` and `x=1`. code-server's
 * asExternalUri returns its `/proxy/<port>/` root whatever path it was given, so the route is
 * always joined here, never handed to it.
 */
export function routeUnder(rootPath: string, rootQuery: string, route: string): { path: string; query: string } {
  const q = route.indexOf('?');
  const routePath = q === -1 ? route : route.slice(0, q);
  const query = q === -1 ? '' : route.slice(q + 1);
  const base = rootPath.replace(/\/+$/, '');
  const tail = routePath.startsWith('/') ? routePath : `/${routePath}`;
  return { path: base + tail, query: query || rootQuery };
}
