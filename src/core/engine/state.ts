import type { BuildProblem } from '../build/problem';

/** Milliseconds of one reload, from the change that started it to the new server being ready. */
export interface ReloadTimings {
  /** What started it: file names (relative), "start", "restart", "crash restart"... */
  trigger: string;
  buildMs?: number;
  stopMs?: number;
  startToReadyMs?: number;
  /** From the last change seen (the save) to the new server answering. */
  saveToReadyMs?: number;
  /** The save was served by a binary built from the unsaved text while the user typed. */
  prebuilt?: boolean;
}

/**
 * The single state machine the engine exposes. Every UI (status bar, CLI line) is a pure
 * function of the current value.
 */
export type EngineState =
  | { kind: 'stopped'; message?: string }
  | { kind: 'building'; trigger: string; serving: boolean }
  | { kind: 'starting'; pid: number; port?: number; appPort?: number }
  /**
   * port: where users browse (the proxy's, when it runs); appPort: the app's own port behind the
   * proxy. noPort: alive but listening on no TCP port (a worker, a queue consumer, a unix-socket
   * server): running, not an error.
   */
  | { kind: 'running'; pid: number; port?: number; appPort?: number; noPort?: boolean; timings: ReloadTimings }
  | { kind: 'unready'; pid: number; port?: number; message: string; lastOutput: string[] }
  | {
      kind: 'build-failed';
      problems: BuildProblem[];
      output: string;
      /** The previous server still answers. */
      serving: boolean;
      buildMs: number;
    }
  | {
      kind: 'crashed';
      exitCode: number | null;
      signal: string | null;
      lastOutput: string[];
      /** Consecutive crashes soon after start. */
      crashCount: number;
      /** Set while a backoff restart is scheduled. */
      retryInMs?: number;
    }
  | { kind: 'error'; message: string; hint: string; lastOutput?: string[] };

export type EngineStateKind = EngineState['kind'];

/**
 * How an engine line reads: info is progress ("$ go build", "built in 80 ms"), success a server
 * ready, warning something the user should know but that did not stop anything, error something
 * that did, ended a server that exited on its own. Adapters pick the colour and glyph.
 */
export type OutputLevel = 'info' | 'success' | 'warning' | 'error' | 'ended';

/**
 * build: compiler and pre-build output; server: the app's stdout/stderr, both raw. engine: our
 * own short lines, typed (see say() in engine/output.ts); `text` is their plain rendering.
 */
export type EngineOutput =
  { source: 'build' | 'server'; text: string } | { source: 'engine'; level: OutputLevel; message: string; hint?: string; text: string };

/**
 * How far a running build is (go build -v prints each package it compiles; cached ones are not
 * printed). done counts the packages compiled so far. total, once go list has answered (asked
 * when the build passes a second): the packages it calls stale, std included; exact on a cold
 * cache, an upper bound on a warm one (a package whose dependency changed only inside a function
 * body is stale to go list, but its compile is found in the cache). current: the last package
 * printed, or the module being downloaded.
 */
export interface BuildProgress {
  done: number;
  total?: number;
  elapsedMs: number;
  phase: 'downloading' | 'compiling' | 'linking';
  current?: string;
  /** Modules the go command downloaded for this build (`go: downloading …`). */
  downloaded: number;
}

/** Where a server under Delve is stopped (a breakpoint, a step, an unrecovered panic). */
export interface DebugPause {
  /** DAP's reason ('breakpoint', 'step', 'exception', 'pause'...), or 'panic' when Delve said so on its own. */
  reason: string;
  /** Absolute path of the top frame's source, when a client asked for the stack. */
  file?: string;
  line?: number;
  /** The exception's text (a panic's value), when there is one. */
  description?: string;
}

/**
 * The running server's debugger (gopherReload.debug): a headless, multi-client Delve that started
 * this generation's binary. Each reload is a new generation: a new Delve, a new pid, the same port.
 */
export interface DebugTarget {
  /** Counts the servers started under Delve in this engine run: a debug session belongs to one. */
  generation: number;
  /** Delve's address: loopback only. DAP (attach, mode "remote") and JSON-RPC (GoLand) both speak here. */
  host: string;
  port: number;
  dlvPid: number;
  /** The server's own pid, a child of Delve (once seen). */
  pid?: number;
  binary: string;
  cwd: string;
  /** Set while the server is stopped in the debugger. */
  paused?: DebugPause;
}

/**
 * A debugger the engine attaches to each new generation before it counts the server as ready (so a
 * request the proxy held hits the breakpoints): the VS Code adapter starts a debug session. It
 * resolves once the client's breakpoints are set (configurationDone), rejects if it cannot attach.
 */
export interface DebugClient {
  attach(target: DebugTarget): Promise<void>;
}
