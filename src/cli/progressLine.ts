import { stripAnsi, type BuildProgress } from '../core';
import { formatBuilt, formatProgress } from './format';

/** A build shorter than this shows no progress: a save's quick rebuild stays one line. */
const SHOW_AFTER_MS = 1000;
/** Not a terminal (a log file, CI): one plain line this often at most. */
const PLAIN_EVERY_MS = 5000;
/** Erases the current terminal line: carriage return, then clear the whole line. */
const CLEAR = '\r\x1b[2K';

export interface ProgressLineOptions {
  /** A terminal: one line rewritten in place. Otherwise plain lines. */
  tty: boolean;
  write: (text: string) => void;
  /** Plain mode's interval (tests lower it). */
  plainEveryMs?: number;
  /** The terminal's width: a longer line would wrap, and only its last row could be rewritten. */
  columns?: () => number | undefined;
}

/**
 * The CLI's build progress: on a terminal a single line rewritten in place ("⟳ building 37/180
 * packages, 42 s"), elsewhere a plain line every few seconds; when a build that showed progress
 * ends, one line with what it compiled. Anything else printed must call clear() first, so that
 * no half line is left in front of it.
 */
export class ProgressLine {
  /** The terminal line holds our progress text now. */
  private drawn = false;
  private lastPlain = -Infinity;
  private last?: BuildProgress;

  constructor(private readonly opts: ProgressLineOptions) {}

  update(p: BuildProgress | undefined): void {
    if (!p) return this.over();
    this.last = p;
    if (p.elapsedMs < SHOW_AFTER_MS) return;
    if (this.opts.tty) {
      const width = this.opts.columns?.();
      const text = formatProgress(p, true);
      // Cut by characters, colour codes included: rare (a very narrow terminal), and never wraps.
      this.opts.write(CLEAR + (width && stripAnsi(text).length >= width ? stripAnsi(text).slice(0, Math.max(1, width - 1)) : text));
      this.drawn = true;
    } else if (p.elapsedMs - this.lastPlain >= (this.opts.plainEveryMs ?? PLAIN_EVERY_MS)) {
      this.lastPlain = p.elapsedMs;
      this.opts.write(formatProgress(p, false) + '\n');
    }
  }

  /** Before any other output: the progress line goes; the next update draws it again. */
  clear(): void {
    if (!this.drawn) return;
    this.drawn = false;
    this.opts.write(CLEAR);
  }

  private over(): void {
    const p = this.last;
    this.clear();
    this.last = undefined;
    this.lastPlain = -Infinity;
    if (p && p.elapsedMs >= SHOW_AFTER_MS) this.opts.write(formatBuilt(p) + '\n');
  }
}
