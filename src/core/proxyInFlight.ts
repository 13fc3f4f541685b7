/**
 * Requests forwarded to the app and not finished yet, so drain() can tell when the old server has
 * nothing left to answer and may be stopped.
 */
export class InFlight {
  private n = 0;
  private readonly idleWaiters = new Set<() => void>();

  get count(): number {
    return this.n;
  }

  /** Counts one request until the returned function is first called; the last one out resolves idle(). */
  begin(): () => void {
    this.n++;
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      this.n--;
      if (this.n === 0) this.release();
    };
  }

  /** Resolves once nothing is in flight, or after `timeoutMs` (calling onTimeout first). */
  idle(timeoutMs: number, onTimeout: () => void): Promise<void> {
    if (this.n === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        onTimeout();
        done();
      }, timeoutMs);
      this.idleWaiters.add(done);
    });
  }

  /** Resolves every pending idle() now. */
  release(): void {
    for (const done of [...this.idleWaiters]) done();
  }
}
