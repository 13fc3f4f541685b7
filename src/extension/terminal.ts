import * as vscode from 'vscode';
import { OutputThrottle } from '../core';

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

  private emit(text: string): void {
    const crlf = text.replace(/\r?\n/g, '\r\n');
    this.backlog = (this.backlog + crlf).slice(-MAX_BACKLOG);
    if (this.open) this.writer?.fire(crlf);
  }

  /** An engine line, dimmed so it stands apart from the app's own output. */
  note(text: string, colour: 'dim' | 'green' | 'red' | 'yellow' = 'dim'): void {
    const code = { dim: 2, green: 32, red: 31, yellow: 33 }[colour];
    this.write(`\x1b[${code}m${text.replace(/\n$/, '')}\x1b[0m\n`);
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
