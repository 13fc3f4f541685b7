import { strongest, type ChangeKind } from '../watch/changeKind';

/**
 * The quiet window of changes the running server shows by itself (a template Gin re-reads on
 * every request): only open pages reload, so a burst costs a second page reload at worst, never
 * a build. Short, but not 0: an editor that truncates then writes sends two events.
 */
export const PAGE_RELOAD_WINDOW_MS = 5;

/** The longest quiet window a storm of changes can stretch to. */
export const STORM_WINDOW_MS = 400;

/** Time as the queue sees it: real by default, a fake one in tests (milliseconds, no sleeping). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ChangeQueueHost {
  quietWindowMs(): number;
  /** A build is running now: a change that outlived its quiet window supersedes it. */
  building(): boolean;
  /** Cancel the build in progress (a newer change is waiting); windowMs: the storm window now. */
  supersede(windowMs: number): void;
  /** There may be work now: the loop should run. */
  ready(): void;
}

/** One round of work taken off the queue. */
export interface Round {
  /** Changed files (relative), empty for forced work. */
  files: string[];
  /**
   * 'restart': no file of the round is read by the build (decided when each change was seen).
   * Absent: the round needs a build (any Go change, forced work).
   */
  kind?: 'restart';
  /** Why it was asked ("start", "restart"...), when it was not a change. */
  forced?: string;
  /** When the last change of the round was seen (clock time), for save-to-ready timings. */
  changeAt?: number;
}

/**
 * Change intake: the files changed since the last build, the quiet window that coalesces a burst
 * of saves into one build, the storm backoff, and forced work (start, restart, crash respawn).
 * It decides when there is work; the loop decides what to do with it.
 */
export class ChangeQueue {
  /** Changed file → what it needs; a file seen twice keeps the more demanding kind. */
  private readonly dirty = new Map<string, Exclude<ChangeKind, 'reload'>>();
  private forced?: string;
  private respawnReason?: string;
  private lastChangeAt?: number;
  /** Every change waiting is one the running server shows by itself (see PAGE_RELOAD_WINDOW_MS). */
  private pagesOnly = false;
  private quietTimer?: unknown;
  /** Grows while changes keep cancelling builds; back to 0 once the latest code was built. */
  private stormWindowMs = 0;

  constructor(
    private readonly host: ChangeQueueHost,
    private readonly clock: Clock = realClock,
  ) {}

  /**
   * A relevant change: starts (or extends) the quiet window, after which the loop runs.
   * `pagesOnly`: the running server shows it by itself (a short window is enough).
   */
  add(file: string, kind: Exclude<ChangeKind, 'reload'> = 'build', pagesOnly = false): void {
    this.pagesOnly = (this.dirty.size === 0 || this.pagesOnly) && pagesOnly && kind === 'restart';
    this.mark(file, kind);
    this.lastChangeAt = this.clock.now();
    if (this.quietTimer !== undefined) this.clock.clearTimeout(this.quietTimer);
    this.quietTimer = this.clock.setTimeout(
      () => {
        this.quietTimer = undefined;
        // Only a change the build reads makes the build in progress stale; a template saved
        // meanwhile waits for it (its round restarts the server after the swap).
        if (this.host.building() && this.staleBuild) {
          // A storm (branch switch, generator, a stalled writer): each cancellation doubles the
          // quiet window, up to STORM_WINDOW_MS, until a build runs to the end. A single save
          // still waits only the configured window.
          this.stormWindowMs = Math.min(STORM_WINDOW_MS, Math.max(this.host.quietWindowMs() * 4, this.stormWindowMs * 2));
          this.host.supersede(this.stormWindowMs);
        }
        this.host.ready();
      },
      this.pagesOnly ? Math.min(PAGE_RELOAD_WINDOW_MS, this.windowMs) : this.windowMs,
    );
  }

  /**
   * Ends the quiet window now: what is on disk is exactly a binary pre-built while typing, so
   * there is no build to save by waiting. Safe: a later change of the burst starts another round,
   * and the loop never serves a binary when a change arrived after its round was taken.
   */
  now(): void {
    if (this.quietTimer === undefined || this.host.building()) return;
    this.clock.clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.host.ready();
  }

  /** Files the user saved while a pre-build step ran: built next, without another quiet window. */
  requeue(files: string[]): void {
    for (const f of files) this.mark(f, 'build');
    this.pagesOnly = false;
    this.lastChangeAt = this.clock.now();
  }

  private mark(file: string, kind: Exclude<ChangeKind, 'reload'>): void {
    this.dirty.set(file, strongest([kind, this.dirty.get(file) ?? kind]) as Exclude<ChangeKind, 'reload'>);
  }

  /** Build and restart now, changed or not. */
  force(reason: string): void {
    this.forced = reason;
  }

  /** Start the last good binary again (a crash restart). */
  respawn(reason: string): void {
    this.respawnReason = reason;
  }

  /** The quiet window a change waits now (the configured one, or longer during a storm). */
  get windowMs(): number {
    return Math.max(this.host.quietWindowMs(), this.stormWindowMs);
  }
  /** A change waits for its quiet window. */
  get waiting(): boolean {
    return this.quietTimer !== undefined;
  }
  /** A change arrived since the last take(): whatever was built before it is stale. */
  get changed(): boolean {
    return this.dirty.size > 0;
  }
  /** A change the build reads arrived since the last take(): a binary built before it is stale. */
  get staleBuild(): boolean {
    for (const k of this.dirty.values()) if (k === 'build') return true;
    return false;
  }
  /** Newer work than what runs now: a readiness wait should give way to it. */
  get superseding(): boolean {
    return this.dirty.size > 0 || !!this.forced;
  }

  /** Changes wait for their quiet window to pass; forced work does not. */
  hasWork(): boolean {
    return (this.dirty.size > 0 && this.quietTimer === undefined) || !!this.forced || !!this.respawnReason;
  }

  /** Only a crash respawn is waiting (no change, nothing forced): the reason, consumed. */
  takeRespawn(): string | undefined {
    if (this.dirty.size > 0 || this.forced || !this.respawnReason) return undefined;
    const reason = this.respawnReason;
    this.respawnReason = undefined;
    return reason;
  }

  /** Everything waiting, as one round; the queue is empty afterwards (a respawn is folded in). */
  take(): Round {
    const restartOnly = !this.forced && this.dirty.size > 0 && strongest(this.dirty.values()) === 'restart';
    const round: Round = { files: [...this.dirty.keys()], forced: this.forced, changeAt: this.lastChangeAt, ...(restartOnly && { kind: 'restart' as const }) };
    this.dirty.clear();
    this.forced = this.respawnReason = undefined;
    return round;
  }

  /** A build ran to the end: if nothing changed meanwhile, the storm is over. */
  built(): void {
    if (this.dirty.size === 0) this.stormWindowMs = 0;
  }

  /** Forget everything (the engine stops). */
  clear(): void {
    this.dirty.clear();
    this.forced = this.respawnReason = undefined;
    if (this.quietTimer !== undefined) this.clock.clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.stormWindowMs = 0;
  }
}
