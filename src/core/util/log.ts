/** Where the core says what it decided and why; the CLI prints it, the extension sends it to a LogOutputChannel. */
export interface Logger {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { trace() {}, info() {}, warn() {}, error() {} };
