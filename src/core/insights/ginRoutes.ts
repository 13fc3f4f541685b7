import { stripAnsi } from '../util/text';

export interface GinRoute {
  method: string;
  path: string;
  /** The handler's Go function name, e.g. `example.com/x/handlers.GetUser` or `main.main.func1`. */
  handler: string;
  /** Length of the handler chain, middleware included. */
  handlers: number;
}

// Gin prints `%-6s %-25s --> %s (%d handlers)`: method and path are padded, not separated by one
// space, and longer values (OPTIONS, long paths) just push the rest right.
const ROUTE = /^\[GIN-debug\] ([A-Z]+) +(\/\S*(?: \S+)*?) +--> (\S+) \((\d+) handlers\)$/;

/** Parses one line of Gin's debug route table: `[GIN-debug] GET    /users/:id   --> example.com/x/handlers.GetUser (4 handlers)`; undefined for other lines (ANSI codes allowed around it). */
export function parseGinRoute(line: string): GinRoute | undefined {
  const m = ROUTE.exec(stripAnsi(line).trim());
  if (!m) return undefined;
  return { method: m[1], path: m[2], handler: m[3], handlers: Number(m[4]) };
}

/**
 * True for a GET route whose path has no parameters (`:id`, `*path`), so it can be opened in a
 * browser: a browser can only send GET, and a parameter has no value to put in the URL.
 */
export function isOpenable(route: GinRoute): boolean {
  // Gin's router starts a parameter at any ':' or '*', even mid-segment (`/file_:name`).
  return route.method === 'GET' && !/[:*]/.test(route.path);
}
