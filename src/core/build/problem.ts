/** One diagnostic from the Go toolchain, in plain data (the VS Code glue turns it into a Diagnostic). */
export interface BuildProblem {
  /** Absolute path of the file, or the module root when the message names no file (e.g. `go: ...`). */
  file: string;
  /** 1-based line; 0 when the message names no position. */
  line: number;
  /** 1-based column, when the compiler gave one. */
  column?: number;
  /** The message, with tab-indented continuation lines joined by '\n'. */
  message: string;
  severity: 'error' | 'warning';
}
