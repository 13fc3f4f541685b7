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
