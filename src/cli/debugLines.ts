import * as path from 'node:path';
import { remoteAttachConfigs, type DebugTarget } from '../core';
import { paint } from './format';

/**
 * What `--debug` prints when a generation's Delve listens: the first time, how each kind of
 * debugger attaches; after a reload, one line (the address is the same, the clients must attach
 * again: none of them reconnects by itself). And where a paused server stopped.
 */
export class DebugLines {
  private said = false;
  private paused?: string;

  constructor(
    private readonly root: string,
    private readonly say: (line: string) => void,
  ) {}

  update(t: DebugTarget | undefined): void {
    if (!t) {
      this.paused = undefined;
      return;
    }
    const where = `${t.host}:${t.port}`;
    if (t.paused) {
      const at = t.paused.file ? ` at ${path.relative(this.root, t.paused.file)}:${t.paused.line}` : '';
      const left = t.paused.reason === 'breakpoint' ? ' (a debugger that disconnected leaves its breakpoints set)' : '';
      const line = `⏸ paused in Delve${at} (${t.paused.reason})${left}: attach a debugger on ${where} to look, or save to rebuild`;
      if (line !== this.paused) this.say(paint.yellow(line));
      this.paused = line;
      return;
    }
    this.paused = undefined;
    if (this.said) {
      if (t.pid === undefined) this.say(paint.cyan(`⟳ debugger: Delve listens again on ${where} (server ${t.generation}): attach your debugger again`));
      return;
    }
    if (t.pid !== undefined) return;
    this.said = true;
    const c = remoteAttachConfigs(t.host, t.port, t.cwd);
    this.say(
      [
        paint.cyan(`🐞 debugger: Delve listens on ${where} (headless, several clients may attach; the same address after every reload)`),
        paint.dim('   VS Code (launch.json, with the Go extension):'),
        `   ${JSON.stringify(c.vscode)}`,
        paint.dim('   nvim-dap:'),
        ...c.nvimDap.split('\n').map((l) => `   ${l}`),
        paint.dim('   GoLand:'),
        `   ${c.goland}`,
        paint.dim('   Each reload starts a new server under a new Delve on the same address: attach again after it.'),
      ].join('\n'),
    );
  }
}
