/**
 * Paces output to a display (the VS Code terminal): at most `maxBytes` per `intervalMs`, written
 * in one batch. When a server logs faster than that (200 MB in a few seconds), the oldest pending
 * text is dropped and a marker says how much, so memory stays bounded and the terminal stays
 * responsive; the newest output, which is what a developer looks at, is always shown.
 */
export class OutputThrottle {
  private pending = '';
  private skipped = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly write: (text: string) => void,
    private readonly maxBytes = 64 * 1024,
    private readonly intervalMs = 16,
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
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.skipped) {
      this.write(`\x1b[2m… ${formatBytes(this.skipped)} of output skipped (too fast to display) …\x1b[0m\n`);
      this.skipped = 0;
    }
    if (this.pending) {
      const text = this.pending;
      this.pending = '';
      this.write(text);
    }
  }

  dispose(): void {
    this.flush();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
