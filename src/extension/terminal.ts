import * as vscode from 'vscode';
import { OutputThrottle, type ReloadEngine } from '../core';

/** One of the engine's own lines: a level, a message, an optional hint (what to do). */
export type EngineLine = Extract<Parameters<Parameters<ReloadEngine['onOutput']>[0]>[0], { source: 'engine' }>;
type Level = EngineLine['level'];

/** How each level reads in the terminal: a glyph and an ANSI colour (2 dim, 31 red, 32 green, 33 yellow). */
const STYLE: Record<Level, { glyph: string; colour: number }> = {
  info: { glyph: '', colour: 2 },
  success: { glyph: '✓ ', colour: 32 },
  warning: { glyph: '! ', colour: 33 },
  error: { glyph: '✗ ', colour: 31 },
  ended: { glyph: '■ ', colour: 2 },
};

const MAX_BACKLOG = 256 * 1024;

/**
 * The "Gopher Reload" terminal: build and server output with colours intact, written through a
 * pseudoterminal. Output is kept in a bounded backlog while the terminal is closed or not yet
 * open, so opening it later still shows the recent history, and a chatty server cannot grow memory.
 */
export class OutputTerminal implements vscode.Disposable {
  private terminal?: vscode.Terminal;
  private writer?: vscode.EventEmitter<string>;
  private open = false;
  private backlog = '';
  private readonly subs: vscode.Disposable[] = [];
  /** A server logging hundreds of MB must not flood the renderer: batched and capped per frame. */
  private readonly throttle = new OutputThrottle((text) => this.emit(text));

  constructor(private readonly name: string) {
    this.subs.push(
      vscode.window.onDidCloseTerminal((t) => {
        if (t === this.terminal) this.reset();
      }),
    );
  }

  write(text: string): void {
    this.throttle.push(text);
  }

  /**
   * A reload is on the critical path: drawing a visible terminal cost the browser's renderer
   * 0.8-1.0 CPU-s per reload on 2 cores, competing with the build. Output is kept (nothing lost,
   * order kept) and shown at release(), when the server is ready, or after 1 s at the latest.
   */
  hold(): void {
    this.throttle.hold();
  }

  release(): void {
    this.throttle.release();
  }

  private emit(text: string): void {
    const crlf = text.replace(/\r?\n/g, '\r\n');
    this.backlog = (this.backlog + crlf).slice(-MAX_BACKLOG);
    if (this.open) this.writer?.fire(crlf);
  }

  /** An engine line, coloured by its level so it stands apart from the app's own output; the hint indented below. */
  line(o: EngineLine): void {
    const { glyph, colour } = STYLE[o.level];
    const hint = o.hint !== undefined ? `\n  ${o.hint}` : '';
    this.write(`\x1b[${colour}m${glyph}${o.message}${hint}\x1b[0m\n`);
  }

  show(preserveFocus = true): void {
    this.ensure().show(preserveFocus);
  }

  private ensure(): vscode.Terminal {
    if (this.terminal) return this.terminal;
    const writer = new vscode.EventEmitter<string>();
    this.writer = writer;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: writer.event,
      open: () => {
        this.open = true;
        if (this.backlog) writer.fire(this.backlog);
      },
      close: () => this.reset(),
    };
    this.terminal = vscode.window.createTerminal({ name: this.name, pty, iconPath: new vscode.ThemeIcon('debug-restart') });
    return this.terminal;
  }

  private reset(): void {
    this.open = false;
    this.writer?.dispose();
    this.writer = undefined;
    this.terminal = undefined;
  }

  dispose(): void {
    this.throttle.dispose();
    this.terminal?.dispose();
    this.reset();
    for (const s of this.subs) s.dispose();
  }
}
