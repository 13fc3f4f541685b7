import * as net from 'node:net';

/*
 * Delve's JSON-RPC (api-version 2) on the generation's port, for what the engine asks itself:
 * start a program no client started, why a program is stopped, and from where it was called.
 */

/** Where and why the program stopped, as Delve's state says. */
export interface Stop {
  /** The breakpoint Delve stopped on: 'unrecovered-panic', 'runtime-fatal-throw', 'hardcoded-breakpoint', or a user's (no name, or its name). */
  breakpoint?: string;
  file?: string;
  line?: number;
  /** The goroutine that stopped (its stack is where a panic's own frame is found). */
  goroutine?: number;
}

/** How a program ended its first run, as Delve's `continue` answered. */
export interface FirstRun {
  /** The program exited with this status (negative: killed by that signal). */
  exitStatus?: number;
  /** It stopped: on a panic, a fatal error, a breakpoint, or a client halted it to set breakpoints. */
  stop?: Stop;
}

/**
 * Starts the program Delve holds at its entry point when no debugger attached to do it (the CLI,
 * or a VS Code session that failed): Delve's `continue`, what `dlv --continue` sends. The answer
 * comes when the program first stops: it exited (its status, which Delve's own exit code never
 * carries), it panicked, or a client halted it to set breakpoints. The connection is closed then,
 * never to resume anything: `dlv --continue` resumes after that first stop, which let a request
 * run through the first breakpoint a client had just set.
 */
export async function continueProgram(host: string, port: number): Promise<FirstRun | undefined> {
  const state = (await call<{ State?: DelveState }>(host, port, 'RPCServer.Command', { name: 'continue' }, undefined))?.State;
  if (!state) return undefined;
  return state.exited ? { exitStatus: state.exitStatus } : { stop: stopOf(state) };
}

/** Why the program is stopped now (undefined: it runs, or Delve did not answer within 2 s). */
export async function stoppedAt(host: string, port: number): Promise<Stop | undefined> {
  const state = (await call<{ State?: DelveState }>(host, port, 'RPCServer.State', { NonBlocking: true }, 2000))?.State;
  return state && !state.Running && !state.exited ? stopOf(state) : undefined;
}

/**
 * How deep a panic's stack is read to find the server's own frame (Gin's middleware chain alone is
 * a dozen): one depth for the engine's JSON-RPC read and the extension's DAP one.
 */
export const PANIC_FRAMES = 64;

/**
 * A stopped goroutine's frames, innermost first (undefined: no answer within 2 s). A panic stops
 * in runtime/panic.go; the frame a user wants named is further out, in their own code.
 */
export async function framesOf(host: string, port: number, goroutine: number, depth = PANIC_FRAMES): Promise<{ file?: string; line?: number }[] | undefined> {
  const r = await call<{ Locations?: { file?: string; line?: number }[] }>(host, port, 'RPCServer.Stacktrace', { Id: goroutine, Depth: depth }, 2000);
  return r?.Locations?.map((l) => ({ file: l.file, line: l.line }));
}

function stopOf(state: DelveState): Stop {
  const t = state.currentThread;
  return {
    breakpoint: t?.breakPoint ? (t.breakPoint.name ?? '') : undefined,
    file: t?.file,
    line: t?.line,
    ...(typeof t?.goroutineID === 'number' && t.goroutineID > 0 ? { goroutine: t.goroutineID } : {}),
  };
}

interface DelveState {
  Running?: boolean;
  exited?: boolean;
  exitStatus?: number;
  currentThread?: { file?: string; line?: number; goroutineID?: number; breakPoint?: { name?: string } };
}

/** One call; its result, or undefined (no answer within `timeoutMs`, an error, a closed connection). */
function call<R>(host: string, port: number, method: string, arg: object, timeoutMs: number | undefined): Promise<R | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    let settled = false;
    const done = (r: R | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(undefined), timeoutMs);
    const sock = net.connect(port, host, () => sock.write(JSON.stringify({ method, params: [arg], id: 1 }) + '\n'));
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
    sock.on('data', (b) => {
      buf += b.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        done((JSON.parse(buf.slice(0, nl)) as { result?: R }).result);
      } catch {
        done(undefined);
      }
    });
  });
}
