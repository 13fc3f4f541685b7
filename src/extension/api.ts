import type { DebugPause, EngineState, GinRoute, RuntimePanic } from '../core';

/**
 * What activate() returns: read-only views of each server, for other extensions and for the
 * host tests (which import this type rather than restating it, so a change here breaks them at
 * compile time, not at run time). Plain data only: nothing here can change a server.
 */
export interface GopherReloadApi {
  /** How long activate() took, in ms (undefined while it runs or when it failed). */
  activationMs?: number;
  /** One view per server: a Go module, or one service of a module. */
  modules(): ServerView[];
  /** The summary status bar item's text when there are several servers. */
  summaryText(): string | undefined;
  /** The Routes view's rows as labels, depth-indented. */
  routesTree(): string[];
}

export interface ServerView {
  /** The module root, or `<module root>#<service>`. */
  id: string;
  name: string;
  /** Where it builds and runs: the module root, a service's folder or .air.toml's root. */
  root: string;
  state: EngineState;
  hotReload: boolean;
  port?: number;
  statusText: string;
  tooltip: string;
  serverPids: number[];
  /** From the last accepted change event to the build starting, in ms. */
  saveToBuildMs?: number;
  /** The go this server's builds run, and why that one (as the log says it), or where it was looked for. */
  go: string;
  /** The server's last 5 output lines. */
  serverOutput: string[];
  routes: readonly GinRoute[];
  panics: Pick<RuntimePanic, 'kind' | 'message' | 'site'>[];
  localModuleDirs: string[];
  /** gopherReload.debug: the running server's Delve (engine.debugTarget), while there is one. */
  debug?: {
    /** Counts the servers started under Delve in this engine run; each has its own debug session. */
    generation: number;
    /** Delve's port (loopback). */
    port: number;
    dlvPid: number;
    /** The server's pid, a child of Delve, once seen. */
    pid?: number;
    /** Set while the server is stopped in the debugger. */
    paused?: DebugPause;
  };
}
