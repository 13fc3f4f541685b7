/**
 * Keeps the last lines of a process's output, bounded in count and in line length,
 * so a server that logs 200 MB never grows memory: only what a crash report needs.
 */
export class LineRing {
  private lines: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines = 200,
    private readonly maxLineLength = 2000,
  ) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = this.clip(parts.pop() ?? '');
    for (const p of parts) this.add(p);
  }

  /** The last `n` lines (including an unterminated last line). */
  tail(n = this.maxLines): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-n);
  }

  clear(): void {
    this.lines = [];
    this.partial = '';
  }

  private add(line: string): void {
    this.lines.push(this.clip(line));
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  private clip(s: string): string {
    return s.length > this.maxLineLength ? s.slice(0, this.maxLineLength) + '…' : s;
  }
}
