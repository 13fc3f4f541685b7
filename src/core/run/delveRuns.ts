import { t } from '../util/l10n';
import type { EngineConfig } from '../config/config';
import type { DebugClient, DebugPause, DebugTarget, EngineState } from '../engine/state';
import type { Logger } from '../util/log';
import type { SayOptions } from '../engine/output';
import { findDlv, INSTALL_DLV, isExecutable } from './delve';
import { continueProgram, framesOf, stoppedAt, type Stop } from './delveRpc';
import { isInside } from '../util/paths';
import type { DelveLaunch } from './debuggee';
import { freePort } from './ports';
import { sleep, within } from './processTree';
import type { ServerProcess } from './server';

/** How long a debugger client gets to attach (VS Code starting a session) before the server goes on without it. */
const ATTACH_TIMEOUT_MS = 15_000;
/** How long Delve gets to print where it listens (it loads the binary's DWARF first). */
const LISTEN_TIMEOUT_MS = 20_000;

export interface DelveHost {
  log: Logger;
  say(level: 'info' | 'warning' | 'error', message: string, options?: SayOptions): void;
  setState(s: EngineState): void;
  /** A generation began to listen, its pause changed, or it is gone (undefined). */
  debug?(target: DebugTarget | undefined): void;
}

/**
 * gopherReload.debug, for the supervisor: which dlv and port each generation runs with, the
 * running generation's target (its pause, its exit status as a client saw it), and the client
 * that attaches to each new one. One generation at a time, like servers.
 */
export class DelveRuns {
  target?: DebugTarget;
  client?: DebugClient;
  private generation = 0;
  /** Picked once per engine run: a client (GoLand, nvim-dap) keeps one address across reloads. */
  private port?: number;
  private dlv?: { path: string; from: string };
  private exitCode?: { generation: number; code: number };

  constructor(private readonly host: DelveHost) {}

  /** Which dlv and port the next generation runs with; undefined after saying why there is none. */
  async launch(c: EngineConfig, env: NodeJS.ProcessEnv): Promise<DelveLaunch | undefined> {
    if (c.dlvPath) {
      if (!isExecutable(c.dlvPath)) {
        const message = t('gopherReload.dlvPath is {0}, which is not an executable file.', c.dlvPath);
        const hint = t(
          'Point it at dlv (which dlv), or clear it to have dlv found on PATH, in $GOBIN or in $GOPATH/bin. The previous server, if any, keeps running.',
        );
        this.host.say('error', message, { hint });
        this.host.setState({ kind: 'error', message, hint });
        return undefined;
      }
      this.dlv = { path: c.dlvPath, from: 'gopherReload.dlvPath' };
    } else if (!this.dlv) {
      const found = await findDlv({ env, goBinary: c.goBinary });
      if (found) this.dlv = { path: found.path, from: found.via };
    }
    if (!this.dlv) {
      const message = t('Debugging needs Delve (dlv), and it was not found on PATH, in $GOBIN or in $GOPATH/bin.');
      const hint = t(
        'Install it with: {0} (then save or Restart Server), set gopherReload.dlvPath, or turn gopherReload.debug off. The previous server, if any, keeps running.',
        INSTALL_DLV.join(' '),
      );
      this.host.say('error', message, { hint });
      this.host.setState({ kind: 'error', message, hint });
      return undefined;
    }
    if (this.generation === 0) this.host.log.info(`debugging with ${this.dlv.path} (from ${this.dlv.from})`);
    const port = c.debugPort ?? (this.port ??= await freePort());
    return { dlv: this.dlv.path, port };
  }

  /**
   * Delve started: learn where it listens, make it the target, let the client attach. False when
   * the server should not go on (Delve failed, or the engine moved on meanwhile).
   */
  async attach(proc: ServerProcess, binary: string, cwd: string, current: () => boolean, superseded: () => boolean = () => false): Promise<boolean> {
    const where = await within(Promise.race([proc.listening!, proc.exited.then(() => undefined)]), LISTEN_TIMEOUT_MS);
    if (!current()) return false;
    if (!where) {
      const tail = proc.output.tail(5).join('').trim();
      const message = proc.alive
        ? t('Delve (pid {0}) did not say where it listens within {1} s.', proc.pid, LISTEN_TIMEOUT_MS / 1000)
        : tail
          ? t('Delve exited before it listened: {0}', tail)
          : t('Delve exited before it listened.');
      const hint = t('Check that dlv runs (dlv version) and that its port is free (gopherReload.debugPort), then save or Restart Server.');
      this.host.say('error', message, { hint });
      this.host.setState({ kind: 'error', message, hint, lastOutput: proc.output.tail(20) });
      return false;
    }
    const target: DebugTarget = { generation: ++this.generation, host: where.host, port: where.port, dlvPid: proc.pid, binary, cwd };
    this.target = target;
    this.host.log.info(`Delve (pid ${proc.pid}) listens on ${where.host}:${where.port}: generation ${target.generation}`);
    this.host.debug?.(target);
    void this.noteDebuggee(proc, target);
    const client = this.client;
    // A client that reports pauses (VS Code's tracker) makes the engine's own watch unneeded.
    if (!client) void this.watchPauses(proc, target.generation);
    if (!client) {
      this.start(target);
      return true;
    }
    const t0 = performance.now();
    const generation = target.generation;
    let outcome: 'attached' | Error | undefined;
    const attaching = within(
      client.attach(target).then(
        () => 'attached' as const,
        (e: Error) => e,
      ),
      ATTACH_TIMEOUT_MS,
    ).then((r) => (outcome = r ?? new Error(t('it did not attach within {0} s', ATTACH_TIMEOUT_MS / 1000))));
    // Whenever it fails (before or after a newer save went ahead), the program, waiting at its
    // entry point, must still run: it is the server until the next swap, and stays one if that
    // build fails.
    void attaching.then((r) => {
      if (r === 'attached') {
        this.host.log.info(`debugger attached to generation ${generation} in ${Math.round(performance.now() - t0)} ms`);
        return;
      }
      if (this.target?.generation !== generation || !proc.alive) return;
      this.host.say('warning', t('The debugger could not attach to the new server ({0}).', r.message), {
        hint: t('The server runs under Delve on {0}:{1} without it: save or Restart Server to try again.', where.host, where.port),
      });
      this.start(target);
    });
    // A newer save does not wait for the debugger: the loop builds it at once.
    while (outcome === undefined && !superseded() && current()) await sleep(20);
    return current();
  }

  /** No client started the program (it waits at its entry point): the engine does, and hears how its first run ended. */
  private start(target: DebugTarget): void {
    void continueProgram(target.host, target.port).then((r) => {
      if (r?.exitStatus !== undefined) this.exited(target.generation, r.exitStatus);
    });
  }

  /**
   * A program stopped in the debugger with no client saying so (the CLI, nvim-dap, GoLand, a
   * breakpoint a client left armed when it disconnected, a panic or a fatal error with nobody
   * attached): the kernel says it is stopped, Delve says where and why. Checked twice a second,
   * and only a stop seen twice in a row counts (a client halts the program for a moment to set
   * breakpoints); a pause a client reported is the client's to end.
   */
  private async watchPauses(proc: ServerProcess, generation: number): Promise<void> {
    let detected = false;
    let seen = 0;
    while (proc.alive && this.target?.generation === generation) {
      await sleep(500);
      const t = this.target;
      if (!t || t.generation !== generation || !proc.alive) return;
      if (t.paused && !detected) continue;
      const stopped = await proc.pausedInDebugger();
      seen = stopped ? seen + 1 : 0;
      if (seen >= 2 && !t.paused) {
        const at = await stoppedAt(t.host, t.port);
        const own = at && (await this.ownFrame(t, at));
        if (!at || this.target?.generation !== generation || this.target.paused) continue;
        detected = true;
        this.paused(generation, { ...pauseOf(at), ...own });
      } else if (!stopped && detected) {
        detected = false;
        this.paused(generation, undefined);
      }
    }
  }

  /**
   * For a panic or a fatal error, the first frame in the server's own code: Delve stops inside
   * runtime/panic.go, which tells a user nothing about which line of theirs to look at.
   */
  private async ownFrame(t: DebugTarget, at: Stop): Promise<{ file: string; line?: number } | undefined> {
    if ((at.breakpoint !== 'unrecovered-panic' && at.breakpoint !== 'runtime-fatal-throw') || at.goroutine === undefined) return undefined;
    if (at.file && isInside(at.file, t.cwd)) return undefined;
    const frames = await framesOf(t.host, t.port, at.goroutine);
    const own = frames?.find((f) => f.file && isInside(f.file, t.cwd));
    return own?.file ? { file: own.file, line: own.line } : undefined;
  }

  /** The program's pid, once Delve has started it (for the status and the client). */
  private async noteDebuggee(proc: ServerProcess, target: DebugTarget): Promise<void> {
    for (let i = 0; i < 200 && proc.alive && this.target?.generation === target.generation; i++) {
      if (proc.debuggee !== undefined) {
        this.target = { ...this.target, pid: proc.debuggee };
        this.host.debug?.(this.target);
        return;
      }
      await sleep(50);
    }
  }

  paused(generation: number, pause: DebugPause | undefined): void {
    const t = this.target;
    if (!t || t.generation !== generation) return;
    this.target = { ...t, paused: pause };
    this.host.debug?.(this.target);
  }

  isPaused(proc: ServerProcess): boolean {
    return !!this.target?.paused && this.target.dlvPid === proc.pid;
  }

  /** A client saw the program exit (negative: Delve's way of saying it died by that signal). */
  exited(generation: number, code: number): void {
    this.exitCode = { generation, code };
  }

  /** The program's exit status as a client saw it (Delve itself exits 0 whatever the program did). */
  exitCodeOf(proc: ServerProcess): number | null {
    const t = this.target;
    return t && t.dlvPid === proc.pid && this.exitCode?.generation === t.generation ? this.exitCode.code : null;
  }

  /** The generation is over (stopped, swapped, exited): nothing to attach to. */
  ended(proc?: ServerProcess): void {
    if (!this.target || (proc && this.target.dlvPid !== proc.pid)) return;
    this.target = undefined;
    this.host.debug?.(undefined);
  }
}

/** What Delve's stop means to a user. */
function pauseOf(s: Stop): DebugPause {
  const where = { file: s.file, line: s.line };
  switch (s.breakpoint) {
    case 'unrecovered-panic':
      return { reason: 'panic', ...where, description: 'an unrecovered panic: attach a debugger to look at it, or save to rebuild' };
    case 'runtime-fatal-throw':
      return { reason: 'fatal error', ...where, description: 'a Go fatal error: attach a debugger to look at it, or save to rebuild' };
    case undefined:
      return { reason: 'pause', ...where };
    default:
      // A user's breakpoint, or runtime.Breakpoint() in the code.
      return { reason: 'breakpoint', ...where };
  }
}
