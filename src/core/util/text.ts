/** CSI escape sequences (colours, cursor moves): Gin's logs are coloured even when not on a terminal. */
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** The text without ANSI CSI sequences. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/**
 * Cuts a stream of chunks (which may split lines anywhere, even between \r and \n) into lines,
 * each without its \n or \r\n. Memory stays bounded however long a line runs: only its first
 * `maxLength` characters are kept, the rest is dropped, and the line is delivered with cut = true
 * (the consumer decides: skip it, or show it with an ellipsis).
 */
export class LineSplitter {
  private head = '';
  private cut = false;

  constructor(
    private readonly maxLength: number,
    private readonly onLine: (line: string, cut: boolean) => void,
  ) {}

  write(chunk: string): void {
    let from = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', from)) {
      this.take(chunk.slice(from, nl));
      const { line, cut } = this.finish(true);
      this.onLine(line, cut);
      from = nl + 1;
    }
    this.take(chunk.slice(from));
  }

  /** The unterminated last line so far (and whether it was cut). */
  get pending(): { line: string; cut: boolean } {
    return this.view(false);
  }

  /** End of stream: an unterminated last line is delivered as a line. */
  flush(): void {
    const had = this.head !== '' || this.cut;
    const { line, cut } = this.finish(false);
    if (had) this.onLine(line, cut);
  }

  private finish(ended: boolean): { line: string; cut: boolean } {
    const v = this.view(ended);
    this.head = '';
    this.cut = false;
    return v;
  }

  /** head holds up to maxLength + 1 characters: one more than fits tells a cut from a \r\n ending. */
  private view(ended: boolean): { line: string; cut: boolean } {
    let line = this.head;
    if (ended && !this.cut && line.endsWith('\r')) line = line.slice(0, -1);
    return line.length > this.maxLength ? { line: line.slice(0, this.maxLength), cut: true } : { line, cut: this.cut };
  }

  private take(part: string): void {
    if (this.cut) return;
    const room = this.maxLength + 1 - this.head.length;
    if (part.length <= room) this.head += part;
    else {
      this.head += part.slice(0, room);
      this.cut = true;
    }
  }
}
