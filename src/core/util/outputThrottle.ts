/** The timers the throttle runs on: the real ones, or a test's fake clock. */
export interface ThrottleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: ThrottleClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Paces output to a display (the VS Code terminal): at most `maxBytes` per `intervalMs`, written
 * in one batch. When a server logs faster than that (200 MB in a few seconds), the oldest pending
 * text is dropped and a marker says how much, so memory stays bounded and the terminal stays
 * responsive; the newest output, which is what a developer looks at, is always shown.
 *
 * hold(): while a reload is on the critical path (build, swap), drawing a visible terminal costs
 * the editor's renderer more CPU than the build can spare on a small machine. Held output is cut
 * into the same frames as usual (so exactly what would have been shown is kept, in order) but
 * written only at release(): when the new server is ready, or after `maxHoldMs` at the latest.
 */
export class OutputThrottle {
  private pending = '';
  private skipped = 0;
  /** Frames cut but not yet written (held, or still draining after a release), oldest first. */
  private frames: string[] = [];
  private framesBytes = 0;
  /** Bytes of whole frames dropped from the front of `frames` (holds back to back on a flood): said once, before the rest. */
  private droppedFrames = 0;
  private timer?: unknown;
  private holdTimer?: unknown;

  constructor(
    private readonly write: (text: string) => void,
    private readonly maxBytes = 64 * 1024,
    private readonly intervalMs = 16,
    private readonly maxHoldMs = 1000,
    private readonly clock: ThrottleClock = realClock,
  ) {}

  push(text: string): void {
    this.pending += text;
    if (this.pending.length > this.maxBytes) {
      // Keep the tail, from a line start when there is one, so the screen shows whole lines.
      let cut = this.pending.length - this.maxBytes;
      const nl = this.pending.indexOf('\n', cut);
      if (nl !== -1 && nl - cut < 4096) cut = nl + 1;
      this.skipped += cut;
      this.pending = this.pending.slice(cut);
    }
    this.schedule();
  }

  get held(): boolean {
    return this.holdTimer !== undefined;
  }

  /** Keeps output back until release(), or maxHoldMs from now (a hold already on is not extended). */
  hold(): void {
    if (this.holdTimer !== undefined) return;
    this.holdTimer = this.clock.setTimeout(() => {
      this.holdTimer = undefined;
      this.tick();
    }, this.maxHoldMs);
  }

  /** Writes what was held now (the server is ready: show it without waiting for the next frame). */
  release(): void {
    if (this.holdTimer === undefined) return;
    this.clock.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.tick();
  }

  /** Writes everything, held or not, at once (the display is going away). */
  flush(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.cutFrame();
    const all = this.takeFrames(Infinity);
    if (all) this.write(all);
  }

  dispose(): void {
    if (this.holdTimer !== undefined) this.clock.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.flush();
  }

  private schedule(): void {
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, this.intervalMs);
  }

  /** One frame: cut what is pending; unless held, write the oldest frames that fit in one batch. */
  private tick(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.cutFrame();
    if (this.held || !this.frames.length) return;
    // Small frames (the usual few lines of a reload) go out together; a flood drains one frame's worth per interval.
    this.write(this.takeFrames(this.maxBytes));
    if (this.frames.length) this.schedule();
  }

  /** The oldest frames, at least one, as long as they fit in `budget` together. */
  private takeFrames(budget: number): string {
    let batch = this.droppedFrames ? skippedLine(this.droppedFrames) : '';
    this.droppedFrames = 0;
    let n = 0;
    while (n < this.frames.length && (n === 0 || batch.length + this.frames[n].length <= budget)) batch += this.frames[n++];
    for (const f of this.frames.splice(0, n)) this.framesBytes -= f.length;
    return batch;
  }

  private cutFrame(): void {
    const frame = (this.skipped ? skippedLine(this.skipped) : '') + this.pending;
    this.skipped = 0;
    this.pending = '';
    if (!frame) return;
    this.frames.push(frame);
    this.framesBytes += frame.length;
    // Unwritten frames are bounded by what one full hold can cut, however holds follow each other.
    const cap = this.maxBytes * Math.ceil(this.maxHoldMs / this.intervalMs);
    while (this.framesBytes > cap && this.frames.length > 1) {
      const f = this.frames.shift()!;
      this.framesBytes -= f.length;
      this.droppedFrames += f.length;
    }
  }
}

function skippedLine(bytes: number): string {
  return `\x1b[2m… ${formatBytes(bytes)} of output skipped (too fast to display) …\x1b[0m\n`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
