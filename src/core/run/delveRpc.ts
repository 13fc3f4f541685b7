import * as net from 'node:net';

/** How a program ended its first run, as Delve's JSON-RPC `continue` answered. */
export interface FirstRun {
  /** The program exited with this status. */
  exitStatus?: number;
  /** It stopped on an unrecovered panic (Delve keeps it there for a debugger). */
  panic?: boolean;
}

/**
 * Starts the program Delve holds at its entry point when no debugger attached to do it (the CLI,
 * or a VS Code session that failed): Delve's JSON-RPC `continue`, what `dlv --continue` sends. The
 * answer comes when the program first stops: it exited (its status, which Delve's own exit code
 * never carries), it panicked, or a client halted it to set breakpoints. The connection is closed
 * then, never to resume anything: `dlv --continue` resumes after that first stop, which let a
 * request run through the first breakpoint a client had just set.
 */
export function continueProgram(host: string, port: number, timeoutMs = 5000): Promise<FirstRun | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    let settled = false;
    const done = (r: FirstRun | undefined) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(r);
    };
    const sock = net.connect(port, host, () => {
      sock.setTimeout(0);
      sock.write(JSON.stringify({ method: 'RPCServer.Command', params: [{ name: 'continue' }], id: 1 }) + '\n');
    });
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
    sock.on('data', (b) => {
      buf += b.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        const state = (JSON.parse(buf.slice(0, nl)) as { result?: { State?: DelveState } }).result?.State;
        if (state?.exited) done({ exitStatus: state.exitStatus });
        else done({ panic: state?.currentThread?.breakPoint?.name === 'unrecovered-panic' });
      } catch {
        done(undefined);
      }
    });
  });
}

interface DelveState {
  exited?: boolean;
  exitStatus?: number;
  currentThread?: { breakPoint?: { name?: string } };
}
