import type { Logger } from '../util/log';
import type { EngineOutput, OutputLevel } from './state';

/** Where a line goes: the engine's log and its output event (the terminal; the CLI shows only build and server output). */
export interface OutputSink {
  log: Logger;
  out(output: EngineOutput): void;
}

export interface SayOptions {
  /** A second line: what to do about it. */
  hint?: string;
  /**
   * What the log says instead (it often has more detail than the terminal line, which is short);
   * false: not logged (the log already said it in other words).
   */
  log?: string | false;
}

/**
 * The one way the engine and supervisor tell the user something: a typed line (level, message,
 * optional hint) for the terminal, and the same words in the log at the matching log level. The
 * plain `text` is for consumers that only concatenate output (tests, a plain-text log).
 */
export function say(sink: OutputSink, level: OutputLevel, message: string, options: SayOptions = {}): void {
  const { hint } = options;
  const logged = options.log ?? (hint ? `${message} ${hint}` : message);
  if (logged !== false) {
    if (level === 'error') sink.log.error(logged);
    else if (level === 'warning') sink.log.warn(logged);
    else sink.log.info(logged);
  }
  sink.out(engineLine(level, message, hint));
}

/** An engine line as the output event carries it. */
export function engineLine(level: OutputLevel, message: string, hint?: string): EngineOutput {
  return { source: 'engine', level, message, ...(hint !== undefined && { hint }), text: `${message}\n${hint !== undefined ? `  ${hint}\n` : ''}` };
}
