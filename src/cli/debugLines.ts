import * as path from 'node:path';
import { remoteAttachConfigs, t, type DebugTarget } from '../core';
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

  update(d: DebugTarget | undefined): void {
    if (!d) {
      this.paused = undefined;
      return;
    }
    const where = `${d.host}:${d.port}`;
    if (d.paused) {
      const at = d.paused.file ? ` ${t('at {0}', `${path.relative(this.root, d.paused.file)}:${d.paused.line}`)}` : '';
      const left = d.paused.reason === 'breakpoint' ? ' ' + t('(a debugger that disconnected leaves its breakpoints set)') : '';
      const line = `⏸ ${t('paused in Delve{0} ({1}){2}: attach a debugger on {3} to look, or save to rebuild', at, d.paused.reason, left, where)}`;
      if (line !== this.paused) this.say(paint.yellow(line));
      this.paused = line;
      return;
    }
    this.paused = undefined;
    if (this.said) {
      if (d.pid === undefined)
        this.say(paint.cyan(`⟳ ${t('debugger: Delve listens again on {0} (server {1}): attach your debugger again', where, d.generation)}`));
      return;
    }
    if (d.pid !== undefined) return;
    this.said = true;
    const c = remoteAttachConfigs(d.host, d.port, d.cwd);
    this.say(
      [
        paint.cyan(`🐞 ${t('debugger: Delve listens on {0} (headless, several clients may attach; the same address after every reload)', where)}`),
        paint.dim(`   ${t('VS Code (launch.json, with the Go extension):')}`),
        `   ${JSON.stringify(c.vscode)}`,
        paint.dim('   nvim-dap:'),
        ...c.nvimDap.split('\n').map((l) => `   ${l}`),
        paint.dim('   GoLand:'),
        `   ${c.goland}`,
        paint.dim(`   ${t('Each reload starts a new server under a new Delve on the same address: attach again after it.')}`),
      ].join('\n'),
    );
  }
}
