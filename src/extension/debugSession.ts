import * as vscode from 'vscode';
import { t } from '../core';
import { DapWatch, type Frame } from './dapWatch';
import { DelveAdapter } from './delveAdapter';
import { isInside, PANIC_FRAMES, type DebugClient, type DebugPause, type DebugTarget } from '../core';

/** The debug type: launch.json's `"type": "gopher-reload"`, and the sessions the engine's servers get. */
export const DEBUG_TYPE = 'gopher-reload';

/** How long attaching may take before the engine is told it failed (and runs the server undebugged); the engine's own bound is 15 s. */
const ATTACH_TIMEOUT_MS = 14_000;
/**
 * One try: from starting the session to Delve answering configurationDone, normally 0.2-1 s. Delve
 * 1.27.2 sometimes never answers the breakpoints of a client that attaches while its --continue
 * starts the program (2 of 4 sessions in VS Code, 2 of 25 tries by hand under load); a second
 * connection then works (by hand: answered in 0.6-1 s and the program ran on; in VS Code's host
 * test log: try 1 stuck, try 2 attached 0.4 s later).
 */
const TRY_MS = 4_000;

/** What a session the extension started carries in its configuration: which server and generation. */
export interface SessionTag {
  id: string;
  generation: number;
  host: string;
  port: number;
}

/** What the sessions need of one server (a ServerController implements it). */
export interface DebugServer {
  readonly id: string;
  readonly name: string;
  readonly folder: vscode.WorkspaceFolder;
  readonly root: string;
  debugPaused(generation: number, pause: DebugPause | undefined): void;
  debugExited(generation: number, code: number): void;
  /** The generation Delve runs now (engine.debugTarget), if any. */
  readonly debugGeneration: number | undefined;
  /** The user ended the current generation's session (Stop or Disconnect in the debug toolbar). */
  debugEndedByUser(): void;
  /** True once: the next session is the first since the user asked to debug (it may show the Run and Debug view). */
  takeReveal(): boolean;
}

interface Pending {
  resolve(): void;
  reject(e: Error): void;
  /** The session of the current try, once VS Code created it. */
  sessionId?: string;
}

/**
 * The VS Code side of every debug session Gopher Reload starts: Delve speaks DAP on its headless
 * port, so the adapter is that socket, relayed (DelveAdapter: DebugAdapterServer cannot leave a
 * stuck connection without sending a disconnect); a tracker reads the traffic for pauses, exits
 * and the user's Stop. The engine spawns and kills Delve; a session ends when its Delve does.
 */
export class DebugSessions implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  /** Attaches waiting for configurationDone, by `<id>#<generation>`. */
  private readonly pending = new Map<string, Pending>();
  /** Each live session's watch, by session id. */
  private readonly watches = new Map<string, { watch: DapWatch; tag: SessionTag; userEnd?: boolean; dropped?: boolean }>();
  /** Each live session's connection to Delve, by session id. */
  private readonly adapters = new Map<string, DelveAdapter>();
  private disposed = false;

  constructor(
    private readonly server: (id: string) => DebugServer | undefined,
    private readonly log?: Pick<vscode.LogOutputChannel, 'warn' | 'info' | 'trace'>,
  ) {
    this.subs.push(
      vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
        createDebugAdapterDescriptor: (session) => {
          const tag = tagOf(session.configuration);
          if (!tag) {
            throw new Error(
              t(
                'This gopher-reload session has no server to attach to: start one with "Gopher Reload: Debug Server (hot reload)" or a launch configuration of type gopher-reload.',
              ),
            );
          }
          const adapter = new DelveAdapter(tag.port, tag.host);
          this.adapters.set(session.id, adapter);
          return new vscode.DebugAdapterInlineImplementation(adapter);
        },
      }),
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
        createDebugAdapterTracker: (session) => this.tracker(session),
      }),
      vscode.debug.onDidTerminateDebugSession((s) => this.ended(s)),
    );
  }

  /** The engine's DebugClient for one server: each new generation gets a session, started quietly after the first. */
  clientFor(server: DebugServer): DebugClient {
    return { attach: (target) => this.attach(server, target) };
  }

  /** The pending attach whose current try is this session. */
  private ownTry(key: string, session: vscode.DebugSession): Pending | undefined {
    const p = this.pending.get(key);
    return p && (p.sessionId === undefined || p.sessionId === session.id) ? p : undefined;
  }

  /** A session is attached to this server's generation now. */
  hasSession(id: string, generation: number): boolean {
    return [...this.watches.values()].some((w) => w.tag.id === id && w.tag.generation === generation);
  }

  private attach(server: DebugServer, t: DebugTarget): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('the extension is shutting down'));
    const tag: SessionTag = { id: server.id, generation: t.generation, host: t.host, port: t.port };
    const key = `${tag.id}#${tag.generation}`;
    const quiet = !server.takeReveal();
    const config: vscode.DebugConfiguration = {
      type: DEBUG_TYPE,
      request: 'attach',
      mode: 'remote',
      name: `Gopher Reload: ${server.name}`,
      // A restart after a save must not open the Debug Console over the user's terminal or editor.
      internalConsoleOptions: 'neverOpen',
      __gopherReload: tag,
    };
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.dropTry(key);
        this.pending.delete(key);
        reject(new Error(`VS Code did not attach to Delve at ${t.host}:${t.port} within ${ATTACH_TIMEOUT_MS / 1000} s`));
      }, ATTACH_TIMEOUT_MS);
      let tryTimer: NodeJS.Timeout | undefined;
      const settle = (e?: Error) => {
        clearTimeout(timer);
        clearTimeout(tryTimer);
        this.pending.delete(key);
        if (e) reject(e);
        else resolve();
      };
      this.pending.set(key, { resolve: () => settle(), reject: settle });
      const attempt = (n: number) => {
        if (!this.pending.has(key)) return; // settled or given up meanwhile: no late session
        tryTimer = setTimeout(() => {
          // Stuck (see TRY_MS): leave that connection without a word and attach again.
          this.log?.warn(`[${server.name}] Delve did not answer the breakpoints of try ${n} in ${TRY_MS / 1000} s: attaching again`);
          this.dropTry(key);
          attempt(n + 1);
        }, TRY_MS);
        vscode.debug
          .startDebugging(server.folder, config, {
            // Never "save all dirty files" as F5 does: an unsaved draft is the user's, not ours.
            suppressSaveBeforeStart: true,
            // The first session may show Run and Debug; a session after a reload must not move focus.
            suppressDebugView: quiet || n > 1,
            consoleMode: vscode.DebugConsoleMode.Separate,
          })
          .then(
            (started) => {
              if (!started) settle(new Error(`VS Code did not start the debug session for Delve at ${t.host}:${t.port}`));
            },
            (e: Error) => settle(e),
          );
      };
      attempt(1);
    });
  }

  /** Drops the current try's connection: its session ends, Delve sees a client leave (nothing terminated). */
  private dropTry(key: string): void {
    const id = this.pending.get(key)?.sessionId;
    if (!id) return;
    const w = this.watches.get(id);
    if (w) w.dropped = true;
    this.adapters.get(id)?.drop();
  }

  private tracker(session: vscode.DebugSession): vscode.DebugAdapterTracker | undefined {
    const tag = tagOf(session.configuration);
    const server = tag && this.server(tag.id);
    if (!tag || !server) return undefined;
    const key = `${tag.id}#${tag.generation}`;
    const watch = new DapWatch(
      {
        configured: (ok, message) => {
          const p = this.ownTry(key, session);
          if (ok) p?.resolve();
          else p?.reject(new Error(`Delve refused the debug configuration: ${message ?? 'no reason given'}`));
        },
        paused: (pause) => server.debugPaused(tag.generation, pause),
        exited: (code) => server.debugExited(tag.generation, code),
        // Asked now, not when the session is over: a Stop that terminates kills Delve, and the
        // engine may have dropped the generation by the time VS Code reports the end.
        endRequested: () => {
          const w = this.watches.get(session.id);
          if (w && !w.dropped && server.debugGeneration === tag.generation) w.userEnd = true;
        },
        stackTrace: (threadId) =>
          session
            .customRequest('stackTrace', { threadId, startFrame: 0, levels: PANIC_FRAMES })
            .then((b: { stackFrames?: Frame[] } | undefined) => b?.stackFrames),
      },
      (file) => isInside(file, server.root),
    );
    this.watches.set(session.id, { watch, tag });
    const p = this.pending.get(key);
    if (p) p.sessionId = session.id;
    return {
      onWillReceiveMessage: (m: unknown) => {
        this.log?.trace(`[${server.name}] dap ${tag.generation} > ${brief(m)}`);
        watch.toAdapter(m as object);
      },
      onDidSendMessage: (m: unknown) => {
        this.log?.trace(`[${server.name}] dap ${tag.generation} < ${brief(m)}`);
        watch.fromAdapter(m as object);
      },
      onError: (e) => this.ownTry(key, session)?.reject(e),
    };
  }

  /**
   * A session ended. The engine ends a generation's session by killing its Delve (a reload, Stop
   * Server, debugging turned off): the socket closes, VS Code sends nothing. A session whose client
   * asked to end it (disconnect or terminate, before Delve said the program exited) while its
   * generation was the one Delve ran is the user's Stop or Disconnect: debugging goes off for that
   * server, which restarts without Delve (a detached multi-client Delve would keep the breakpoints
   * armed with nobody to continue them).
   */
  private ended(session: vscode.DebugSession): void {
    const w = this.watches.get(session.id);
    this.watches.delete(session.id);
    this.adapters.get(session.id)?.dispose();
    this.adapters.delete(session.id);
    if (!w) return;
    const key = `${w.tag.id}#${w.tag.generation}`;
    if (!w.dropped) this.ownTry(key, session)?.reject(new Error('the debug session ended before its breakpoints were set'));
    const server = this.server(w.tag.id);
    this.log?.trace(
      `[${server?.name ?? w.tag.id}] session of generation ${w.tag.generation} ended${w.userEnd ? ' by the user' : ''}${w.dropped ? ' (dropped)' : ''}`,
    );
    if (this.disposed || !server || !w.userEnd) return;
    // Another session (VS Code's Restart of this one) still attached to the same generation.
    for (const other of this.watches.values()) if (other.tag.id === w.tag.id && other.tag.generation === w.tag.generation) return;
    server.debugEndedByUser();
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.pending.values()) p.reject(new Error('the extension is shutting down'));
    this.pending.clear();
    for (const s of this.subs) s.dispose();
  }
}

/** One line per DAP message for the trace log: its kind and name, never its payload. */
function brief(m: unknown): string {
  const x = m as { type?: string; command?: string; event?: string; success?: boolean; arguments?: { restart?: boolean; terminateDebuggee?: boolean } };
  const args = x.command === 'disconnect' ? ` ${JSON.stringify(x.arguments ?? {})}` : '';
  return `${x.type} ${x.command ?? x.event ?? ''}${x.success === false ? ' (failed)' : ''}${args}`;
}

function tagOf(c: vscode.DebugConfiguration): SessionTag | undefined {
  const t = (c as { __gopherReload?: Partial<SessionTag> }).__gopherReload;
  if (!t || typeof t.id !== 'string' || typeof t.generation !== 'number' || typeof t.port !== 'number') return undefined;
  return { id: t.id, generation: t.generation, host: typeof t.host === 'string' ? t.host : '127.0.0.1', port: t.port };
}
