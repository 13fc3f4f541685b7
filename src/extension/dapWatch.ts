import type { DebugPause } from '../core';

/**
 * What one debug session's DAP traffic says about its server, read from the messages VS Code and
 * Delve exchange (a DebugAdapterTracker feeds both directions in). Free of `vscode` so it is
 * tested in plain Node against a real Delve.
 */
export interface DapWatchEvents {
  /** configurationDone was answered: the client's breakpoints are set (ok false: Delve refused it). */
  configured(ok: boolean, message?: string): void;
  /** The server stopped (a breakpoint, a step, a panic), or runs again (undefined). */
  paused(pause: DebugPause | undefined): void;
  /** The server exited with this code (Delve itself always exits 0). */
  exited(code: number): void;
  /**
   * VS Code asked to end the session (disconnect or terminate, not for a restart) before Delve said
   * the program exited: the user's Stop or Disconnect (or the window closing).
   */
  endRequested?(): void;
  /**
   * Asks the adapter for a stopped thread's frames, outside VS Code's own requests (the extension:
   * a customRequest). Used on a panic: VS Code asks for the top frame, then for 19 more only 420 ms
   * later, and may never (the stop superseded, a panic deeper than 20 frames), which left the status
   * naming runtime/panic.go.
   */
  stackTrace?(threadId: number): PromiseLike<Frame[] | undefined>;
}

/** A DAP stack frame, as much of it as the watch reads. */
export interface Frame {
  line?: number;
  source?: { path?: string };
}

interface DapMessage {
  type?: string;
  seq?: number;
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  arguments?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

/**
 * Requests whose success means the program runs again: the DAP spec says an adapter need not send
 * `continued` after them (Delve does not), so their responses count as "continued".
 */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto']);

export class DapWatch {
  private stoppedThread?: number;
  private pause?: DebugPause;
  /** VS Code's stackTrace requests for the stopped thread (by seq) and the first frame each asks for. */
  private readonly frameRequests = new Map<number, number>();
  /**
   * The client asked to end the session (disconnect or terminate), not as part of a restart, before
   * the program exited or Delve said the session is over: a user's Stop or Disconnect.
   */
  endRequested = false;
  /** Delve said the program exited or the session is over (it may ask VS Code to disconnect after). */
  private ended = false;
  /** Counts stops and resumes: a stack asked for on one stop is not applied to a later one. */
  private stops = 0;

  /**
   * ownCode: true for a file of the server's own code. A panic stops inside the runtime
   * (runtime/panic.go); the frame worth showing is the first one in the user's code.
   */
  constructor(
    private readonly on: DapWatchEvents,
    private readonly ownCode: (file: string) => boolean = () => true,
  ) {}

  /** A message VS Code sends to Delve. */
  toAdapter(m: DapMessage): void {
    if (m.type !== 'request') return;
    if (m.command === 'stackTrace' && this.pause && m.arguments?.threadId === this.stoppedThread && m.seq !== undefined) {
      this.frameRequests.set(m.seq, Number(m.arguments?.startFrame ?? 0));
    }
    if ((m.command === 'disconnect' || m.command === 'terminate') && !this.ended && m.arguments?.restart !== true && !this.endRequested) {
      this.endRequested = true;
      this.on.endRequested?.();
    }
  }

  /** A message Delve sends to VS Code. */
  fromAdapter(m: DapMessage): void {
    if (m.type === 'response') return this.response(m);
    if (m.type !== 'event') return;
    const b = m.body ?? {};
    switch (m.event) {
      case 'stopped': {
        this.stoppedThread = typeof b.threadId === 'number' ? b.threadId : undefined;
        const reason = String(b.reason ?? 'pause');
        const text = typeof b.text === 'string' ? b.text : typeof b.description === 'string' ? b.description : undefined;
        // Delve stops an unrecovered panic as an exception whose description is "panic".
        this.pause = { reason: reason === 'exception' && b.description === 'panic' ? 'panic' : reason, ...(text ? { description: text } : {}) };
        this.frameRequests.clear();
        const stop = ++this.stops;
        this.on.paused(this.pause);
        if (this.pause.reason === 'panic' || this.pause.reason === 'exception') this.askFrames(stop);
        return;
      }
      case 'continued':
        return this.resumed();
      case 'exited':
        this.ended = true;
        this.resumed();
        return this.on.exited(typeof b.exitCode === 'number' ? b.exitCode : 0);
      case 'terminated':
        this.ended = true;
        return this.resumed();
    }
  }

  private response(m: DapMessage): void {
    if (m.command === 'configurationDone') return this.on.configured(m.success !== false, m.message);
    if (m.success === false) return;
    if (m.command && RESUMING.has(m.command)) return this.resumed();
    if (m.command === 'stackTrace' && m.request_seq !== undefined && this.frameRequests.has(m.request_seq) && this.pause) {
      const start = this.frameRequests.get(m.request_seq)!;
      this.frameRequests.delete(m.request_seq);
      this.located(start, (m.body?.stackFrames ?? []) as Frame[]);
    }
  }

  private located(start: number, frames: Frame[]): void {
    const where = this.where(start, frames);
    if (!where) return;
    this.pause = { ...this.pause!, ...where };
    this.on.paused(this.pause);
  }

  /**
   * The whole stack of a panicking thread, asked for once per stop (see DapWatchEvents.stackTrace).
   * Delve sends `stopped` a moment before it answers requests about the stopped program ("Unable
   * to process `stackTrace`: debuggee is running"), so a refusal is asked again, for up to 1 s.
   */
  private askFrames(stop: number, tries = 20): void {
    const thread = this.stoppedThread;
    if (thread === undefined || !this.on.stackTrace) return;
    Promise.resolve(this.on.stackTrace(thread)).then(
      (frames) => {
        if (frames && stop === this.stops && this.pause) this.located(0, frames);
      },
      () => {
        if (tries > 1 && stop === this.stops) setTimeout(() => stop === this.stops && this.askFrames(stop, tries - 1), 50);
      },
    );
  }

  /**
   * The frame to show: the top one; for a panic the first in the server's own code (VS Code asks
   * for the top frame alone first, the rest in a second request, so that one may bring it).
   */
  private where(start: number, frames: Frame[]): { file: string; line?: number } | undefined {
    const p = this.pause!;
    const panicking = p.reason === 'panic' || p.reason === 'exception';
    const own = frames.find((f) => f.source?.path && this.ownCode(f.source.path));
    if (panicking && own && !(p.file && this.ownCode(p.file))) return { file: own.source!.path!, line: own.line };
    if (start === 0 && frames[0]?.source?.path && !p.file) return { file: frames[0].source.path, line: frames[0].line };
    return undefined;
  }

  private resumed(): void {
    this.stops++;
    if (!this.pause) return;
    this.pause = undefined;
    this.stoppedThread = undefined;
    this.frameRequests.clear();
    this.on.paused(undefined);
  }
}
