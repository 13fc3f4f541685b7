import { LineSplitter } from './text';

/**
 * Keeps the last lines of a process's output, bounded in count and in line length,
 * so a server that logs 200 MB never grows memory: only what a crash report needs.
 */
export class LineRing {
  private readonly lines: string[] = [];
  private readonly splitter: LineSplitter;

  constructor(
    private readonly maxLines = 200,
    maxLineLength = 2000,
  ) {
    this.splitter = new LineSplitter(maxLineLength, (line, cut) => this.add(shown(line, cut)));
  }

  push(chunk: string): void {
    this.splitter.write(chunk);
  }

  /** The last `n` lines (including an unterminated last line). */
  tail(n = this.maxLines): string[] {
    const p = this.splitter.pending;
    const all = p.line || p.cut ? [...this.lines, shown(p.line, p.cut)] : this.lines;
    return all.slice(-n);
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }
}

/** A cut line ends in an ellipsis, so nobody mistakes it for the whole line. */
const shown = (line: string, cut: boolean) => (cut ? line + '…' : line);
