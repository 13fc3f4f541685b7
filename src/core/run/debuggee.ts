import { readFileSync } from 'node:fs';
import { readStat } from './procScan';
import { listProcesses } from './processTree';

/*
 * A server generation run under Delve (gopherReload.debug): what the process layer needs to know
 * that differs from a plain binary. The tree's root is `dlv`, the server is its child in a process
 * group of its own (Delve calls setpgid), and the root listens on the debugger's port, which must
 * never be taken for the app's.
 */

/** Where Delve should listen, and which dlv to run. */
export interface DelveLaunch {
  dlv: string;
  port: number;
}

/**
 * Headless and multi-client: a DAP client (VS Code, nvim-dap) attaches with mode "remote" and
 * GoLand with JSON-RPC, on the same loopback port; without --accept-multiclient, headless Delve
 * exits when its first client leaves. The program waits at its entry point until the first client
 * has set its breakpoints (configurationDone), or the engine starts it (delveRpc.ts). Not
 * --continue: it resumes the program after its first stop, a breakpoint the client just set.
 */
export function delveArgv(d: DelveLaunch, binary: string, args: string[]): string[] {
  return [
    d.dlv,
    'exec',
    '--headless',
    '--accept-multiclient',
    '--api-version=2',
    `--listen=127.0.0.1:${d.port}`,
    binary,
    ...(args.length ? ['--', ...args] : []),
  ];
}

const LISTENING = /^API server listening at: (\S+):(\d+)\r?\n/;

/**
 * Delve's first stdout line says where it listens; everything after it is the program's own output
 * (the program inherits Delve's stdout and stderr). Feed stdout through this until it returns the
 * port; what it returns in `rest` is the program's.
 */
export class ListeningLine {
  private head = '';
  done = false;
  feed(text: string): { port?: number; host?: string; rest: string } {
    if (this.done) return { rest: text };
    this.head += text;
    const m = LISTENING.exec(this.head);
    if (m) {
      this.done = true;
      const rest = this.head.slice(m[0].length);
      this.head = '';
      return { host: m[1], port: Number(m[2]), rest };
    }
    // Not Delve's line after all (an old dlv that says it differently): pass it on once a line is whole.
    if (this.head.includes('\n') && !this.head.startsWith('API server')) {
      this.done = true;
      const rest = this.head;
      this.head = '';
      return { rest };
    }
    return { rest: '' };
  }
}

/** The program Delve started: dlv's child that is not its telemetry sidecar. */
export function debuggeeOf(dlvPid: number): number | undefined {
  for (const pid of childrenOf(dlvPid)) {
    const st = readStat(pid);
    if (!st || st.state === 'Z') continue;
    if (cmdline(pid).includes('telemetry')) continue;
    return pid;
  }
  return undefined;
}

/** Alive and not a zombie: Delve reaps its program, so a zombie is one that just exited. */
export function debuggeeAlive(pid: number): boolean {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  const st = readStat(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
}

/**
 * Stopped in the debugger: at a breakpoint, after a step, on a panic. A signal sent now is not
 * delivered until a client continues, so a graceful stop cannot work. A running Go program under a
 * tracer is also in that state for an instant at each signal it gets (the runtime's preemption
 * signals, the stop signal itself), so only a state that lasts 30 ms counts.
 */
export async function pausedInDebugger(pid: number): Promise<boolean> {
  for (let i = 0; i < 4; i++) {
    if (readStat(pid)?.state !== 't') return false;
    if (i < 3) await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

function childrenOf(pid: number): number[] {
  // A full scan for the parent pid: /proc/<pid>/task/<tid>/children misses a child when one of
  // Delve's threads exits while it is read, and a missed program reads as one that exited.
  return listProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
