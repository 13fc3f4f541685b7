import { BuildProgressTracker, type BuildProgressOptions } from '../build/buildProgress';
import type { CompilePlan } from '../build/packagesToCompile';
import type { BuildProgress } from './state';

/** How often the ticker looks: at most this many updates a second reach the UI. */
const TICK_MS = 250;
/** Elapsed time is reported at least this often, output or not (a link prints nothing for seconds). */
const ELAPSED_MS = 1000;

/**
 * One build's progress updates: the tracker is fed the build's output, and a timer emits what
 * changed (throttled) and the elapsed time (every second). end() stops the timer and emits the
 * last value, then undefined (the build is over). The timer is unref'd: it never keeps a
 * process alive, even if an exit path forgot end().
 */
export class ProgressTicker {
  private readonly tracker: BuildProgressTracker;
  private readonly timer: NodeJS.Timeout;
  private lastKey = '';
  private lastEmit = -Infinity;
  private ended = false;

  constructor(
    private readonly emit: (p: BuildProgress | undefined) => void,
    opts: BuildProgressOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tracker = new BuildProgressTracker({ ...opts, now });
    this.timer = setInterval(() => this.tick(false), TICK_MS);
    this.timer.unref();
  }

  write(chunk: string): void {
    if (!this.ended) this.tracker.write(chunk);
  }

  /** The main package was compiled: only the link is left. */
  get linking(): boolean {
    return this.tracker.snapshot().phase === 'linking';
  }

  /** go list's answer: the total becomes exact (see BuildProgressTracker.plan). */
  plan(p: CompilePlan): void {
    if (!this.ended) this.tracker.plan(p.stale, p.main);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    this.tracker.end();
    this.tick(true);
    this.emit(undefined);
  }

  private tick(final: boolean): void {
    const p = this.tracker.snapshot();
    const key = `${p.phase} ${p.done} ${p.total} ${p.downloaded} ${p.current ?? ''}`;
    const t = this.now();
    if (!final && key === this.lastKey && t - this.lastEmit < ELAPSED_MS) return;
    this.lastKey = key;
    this.lastEmit = t;
    this.emit(p);
  }
}
