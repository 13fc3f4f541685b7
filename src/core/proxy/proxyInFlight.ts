/*
 * Requests forwarded to the app and not finished yet, so drain() can tell when the old server has
 * nothing left to answer that is worth waiting for, and may be stopped.
 *
 * Not every open request is worth waiting for: an event stream or a long-poll from an open tab
 * never ends by itself, and waiting for it would add the whole drain timeout to every reload. So
 * drain() waits only for requests expected to end soon (see `blocks`); the rest are cut when the
 * old server stops (an event stream reconnects by itself, an unanswered GET is sent again).
 */

/** A response whose body has been streaming this long is a stream (a feed, a long download), not an answer about to end. */
export const STREAM_MS = 500;
/**
 * An unanswered request that could be sent again (idempotent, body kept) and has waited this long
 * is taken for a long-poll: the drain stops waiting for it, and if the old server's stop cuts it,
 * it goes to the new server. One that cannot be sent again (a POST) is waited for until the timeout.
 */
export const LONG_POLL_MS = 1000;

export class Flight {
  private readonly started = Date.now();
  private headAt?: number;
  private eventStream = false;
  settled = false;
  /** In flight when drain() began: if the old server's stop cuts it, our stop did, not the app. */
  stoppedByUs = false;
  /** Whether the request could be sent again if the old server's stop cut it; false until told (wait, to be safe). */
  retriable: () => boolean = () => false;

  constructor(private readonly changed: (f: Flight) => void) {}

  /** The app's response head arrived; an event stream is never waited for. */
  responded(contentType: string | undefined): void {
    this.headAt = Date.now();
    this.eventStream = /^\s*text\/event-stream\b/i.test(contentType ?? '');
    this.changed(this);
  }

  /** The request is over (answered, failed or abandoned). Only the first call counts. */
  settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.changed(this);
  }

  /** Whether drain() waits for it at `now`; else, when it will stop waiting (undefined: never by time). */
  blocks(now: number): { now: boolean; until?: number } {
    if (this.settled || this.eventStream) return { now: false };
    if (this.headAt !== undefined) return until(this.headAt + STREAM_MS, now);
    if (this.retriable()) return until(this.started + LONG_POLL_MS, now);
    return { now: true };
  }
}

function until(t: number, now: number): { now: boolean; until?: number } {
  return t > now ? { now: true, until: t } : { now: false };
}

interface Waiter {
  /** Re-evaluates after a change: resolves once nothing is waited for. */
  check(): void;
  /** Resolves now. */
  done(): void;
}

export class InFlight {
  private readonly flights = new Set<Flight>();
  private readonly waiters = new Set<Waiter>();

  /** Every request in flight, waited for or not. */
  get count(): number {
    return this.flights.size;
  }

  /** The requests drain() waits for now. */
  get waitedFor(): number {
    const now = Date.now();
    let n = 0;
    for (const f of this.flights) if (f.blocks(now).now) n++;
    return n;
  }

  /** A stop for a reload begins: whatever is in flight now and gets cut, our stop cut. */
  markStopping(): void {
    for (const f of this.flights) f.stoppedByUs = true;
  }

  /** Counts one request until its settle(). */
  begin(): Flight {
    const f = new Flight((changed) => {
      if (changed.settled) this.flights.delete(changed);
      for (const w of [...this.waiters]) w.check();
    });
    this.flights.add(f);
    return f;
  }

  /** Resolves once nothing worth waiting for is in flight, or after `timeoutMs` (calling onTimeout first). */
  idle(timeoutMs: number, onTimeout: () => void): Promise<void> {
    if (this.nextChange() === null) return Promise.resolve();
    return new Promise((resolve) => {
      let next: NodeJS.Timeout | undefined;
      const w: Waiter = {
        done: () => {
          clearTimeout(timer);
          clearTimeout(next);
          this.waiters.delete(w);
          resolve();
        },
        check: () => {
          clearTimeout(next);
          const at = this.nextChange();
          if (at === null) return w.done();
          // A timed wait (a stream's bound, a long-poll's) ends by itself: look again then.
          if (at !== undefined) next = setTimeout(w.check, Math.max(0, at - Date.now()));
        },
      };
      const timer = setTimeout(() => {
        onTimeout();
        w.done();
      }, timeoutMs);
      this.waiters.add(w);
      w.check();
    });
  }

  /** Resolves every pending idle() now. */
  release(): void {
    for (const w of [...this.waiters]) w.done();
  }

  /** null: nothing is waited for; else the earliest time a wait ends by itself (undefined: none does, only settle() ends them). */
  private nextChange(): number | null | undefined {
    const now = Date.now();
    let blocking = false;
    let earliest: number | undefined;
    for (const f of this.flights) {
      const b = f.blocks(now);
      if (!b.now) continue;
      blocking = true;
      if (b.until !== undefined) earliest = earliest === undefined ? b.until : Math.min(earliest, b.until);
    }
    return blocking ? earliest : null;
  }
}
