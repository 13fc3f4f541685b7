import { t } from '../util/l10n';
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import type { EngineConfig } from '../config/config';
import type { Logger } from '../util/log';
import { isPortFree, ownListeners, portOwner, portTakenFrom } from './ports';
import { sleep } from './processTree';
import { hintedPorts, NO_PORT_GRACE_MS, waitReady, watchForListener, type ReadyResult } from './readiness';
import { ServerProcess } from './server';
import type { DebugTarget, EngineOutput, EngineState, ReloadTimings } from '../engine/state';
import { DelveRuns } from './delveRuns';
import { say, type SayOptions } from '../engine/output';

const MAX_CRASH_RESTARTS = 3;
/** A server that lived this long before exiting is not in a crash loop. */
const STABLE_UPTIME_MS = 10_000;

/** What the supervisor needs from the engine that owns it. */
export interface SupervisorHost {
  config(): EngineConfig;
  log: Logger;
  /** The server's own output and the supervisor's lines (through say()). */
  out(output: EngineOutput): void;
  setState(s: EngineState): void;
  /** Whether changes are being followed (crash restarts only happen then). */
  active(): boolean;
  /** Ask the engine's loop to start the last good binary again (crash restart). */
  respawn(reason: string): void;
  /** Called right before a swap stops the old server (the proxy drains requests in flight; none can finish while it is paused in the debugger). */
  beforeStop?(paused: boolean): Promise<void>;
  /**
   * True when the engine has newer work (a save waiting to be built): a readiness wait stops at
   * once, leaving the new server running, so the loop builds instead of waiting for it.
   */
  superseded?(): boolean;
  /** A Delve generation began to listen, its pause changed, or it is gone (undefined). */
  debug?(target: DebugTarget | undefined): void;
  /** The engine's current state: a late port found for a "running (no port)" server only replaces that state. */
  state?(): EngineState;
}

/**
 * The server side of a reload: stop the old server (graceful, then its whole tree), confirm the
 * port is free, start the new binary, wait until it is ready; and notice crashes, restarting with
 * backoff. One server at a time; the engine's loop calls it, never concurrently.
 */
export class Supervisor {
  private server?: ServerProcess;
  /** The running server's port, found when it became ready (never carried over to the next start). */
  private detectedPort?: number;
  /** The previous ready port: a hint among the next server's own listeners, never probed blindly. */
  private lastReadyPort?: number;
  /** Ports the running tree listened on at readiness: the next start waits until they are free. */
  private heldPorts: number[] = [];
  private crashCount = 0;
  private retryTimer?: NodeJS.Timeout;
  /** How long the previous server took to listen: a server that is slow to listen gets longer before it counts as "no port". */
  private lastListenMs?: number;
  /** The kill-delay notice is shown once per engine run (reset when the engine stops). */
  private killNoticeShown = false;
  lastBinary?: string;
  /** gopherReload.debug: each generation's Delve, and the client that attaches to it. */
  readonly delve: DelveRuns;

  constructor(private readonly host: SupervisorHost) {
    this.delve = new DelveRuns({
      log: host.log,
      say: (level, message, options) => this.say(level, message, options),
      setState: (st) => host.setState(st),
      debug: host.debug && ((t) => host.debug!(t)),
    });
  }

  private say(level: Parameters<typeof say>[1], message: string, options?: SayOptions): void {
    say(this.host, level, message, options);
  }

  get port(): number | undefined {
    return this.host.config().port ?? this.detectedPort;
  }
  get serving(): boolean {
    return !!this.server?.alive;
  }
  outputTail(lines: number): string[] {
    return this.server?.output.tail(lines) ?? [];
  }
  members(): number[] {
    return this.server?.alive ? this.server.members() : [];
  }
  resetCrashes(): void {
    this.crashCount = 0;
  }
  cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * Swaps to `binary`. `current()` turns false when the engine was stopped meanwhile; every await
   * checks it. Returns the timings when the new server is ready.
   */
  async swap(binary: string, timing: ReloadTimings, changeAt: number, env: NodeJS.ProcessEnv, current: () => boolean): Promise<ReloadTimings | undefined> {
    const c = this.host.config();
    const running = this.server?.alive ? this.server : undefined;
    await this.host.beforeStop?.(!!running && (await this.paused(running)));
    // The old tree's own listeners, read while it is alive: those are the ports to see freed.
    // Known since readiness on the usual path; read now when readiness never found them (a newer
    // save cut the wait short, a worker, a server that timed out).
    const old = this.server?.alive ? this.server : undefined;
    const oldPids = old && !this.heldPorts.length ? old.members() : [];
    const oldPorts = this.heldPorts.length ? this.heldPorts : (ownListeners(oldPids) ?? []);
    // Delve is found before the old server stops: without it the old one keeps serving.
    const delve = c.debug ? await this.delve.launch(c, env) : undefined;
    if (c.debug && !delve) return undefined;
    const stopMs = await this.stop();
    if (!current()) return undefined;
    this.heldPorts = [];
    this.detectedPort = undefined;
    const port = c.port;
    if (port !== undefined && !(await this.ensurePortFree(port, current))) return undefined;
    for (const p of oldPorts) if (p !== port && !(await this.awaitOldPort(p, oldPids, current))) return undefined;
    if (delve && !(await this.ensurePortFree(delve.port, current, 'Delve'))) return undefined;

    let proc: ServerProcess;
    const started = performance.now();
    try {
      proc = await ServerProcess.start(binary, c.args, { cwd: c.root, env }, (text) => this.host.out({ source: 'server', text }), delve);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const message = t('Could not start {0}: {1}.', delve ? delve.dlv : binary, err.code ?? err.message);
      const hint = delve
        ? t('Check gopherReload.dlvPath, or install Delve: go install github.com/go-delve/delve/cmd/dlv@latest')
        : err.code === 'ENOENT'
          ? t('The build did not write the binary there: check gopherReload.binary and your build command.')
          : t('Check that the binary is executable and for this platform.');
      this.host.setState({ kind: 'error', message, hint });
      this.say('error', message, { hint, log: false });
      return undefined;
    }
    if (!current()) {
      await proc.stop(c.stopSignal, c.killDelayMs);
      return undefined;
    }
    this.server = proc;
    if (binary !== this.lastBinary) this.removeOldBinary(this.lastBinary, binary);
    this.lastBinary = binary;
    void proc.exited.then(() => this.onExit(proc));
    this.host.setState({ kind: 'starting', pid: proc.pid, port });
    if (delve && !(await this.delve.attach(proc, binary, c.root, current, () => !!this.host.superseded?.()))) return undefined;

    let saidEarly: string | undefined;
    const ready = await this.waitReadyOrPaused(proc, current, () =>
      waitReady({
        port: c.port,
        previousPort: this.lastReadyPort,
        givenPort: portFromEnv(env.PORT),
        healthUrl: c.healthUrl,
        readyPattern: c.readyPattern,
        timeoutMs: c.startupTimeoutMs,
        outputTail: () => proc.output.tail(50),
        members: () => proc.appMembers(),
        exited: proc.exited,
        aborted: () => !current() || this.server !== proc,
        superseded: this.host.superseded && (() => this.host.superseded!()),
        // Twice what the last start took to listen (a server that opens its database first), so
        // it does not flicker through "no port" at every reload.
        noPortGraceMs: Math.min(c.startupTimeoutMs, Math.max(NO_PORT_GRACE_MS, 2 * (this.lastListenMs ?? 0))),
        // It listens, but not on the port it was given (behind the proxy: ignores $PORT). Said now,
        // not after startupTimeoutMs; the server keeps running (reachable on its own port) and the
        // wait goes on, in case the given port comes later.
        onElsewhere: (own) => {
          if (!current() || this.server !== proc || !proc.alive || this.host.superseded?.()) return;
          const m = elsewhereMessage(c, proc.pid, own, hintedPorts(proc.output.tail(50)));
          saidEarly = `${m.message} ${m.hint}`;
          this.say('warning', m.message, { hint: m.hint });
          this.host.setState({ kind: 'unready', pid: proc.pid, port, message: saidEarly, lastOutput: proc.output.tail(20) });
        },
      }),
    );
    if (!ready.ready) {
      if (ready.reason === 'superseded') {
        this.host.log.info(`a newer change arrived while pid ${proc.pid} was starting: building it now (this server runs until the next swap)`);
        this.watchLateListener(proc); // its port (for Open in Browser) while the build runs
      }
      if (ready.reason === 'timeout') {
        // A configured port the server moved away from: say where it does listen.
        const own = c.port !== undefined && proc.alive ? (ownListeners(proc.appMembers()) ?? []) : [];
        const elsewhere = own.length > 0 && !own.includes(c.port!) ? elsewhereMessage(c, proc.pid, own, hintedPorts(proc.output.tail(50))) : undefined;
        const message = t('The server started (pid {0}) but was not ready after {1} s.', proc.pid, Math.round(c.startupTimeoutMs / 1000));
        const hint = t(
          'If it is an HTTP server, set gopherReload.port, healthUrl or readyPattern so Gopher Reload knows what "ready" means; raise startupTimeoutMs if it is just slow.',
        );
        const said = elsewhere ? `${elsewhere.message} ${elsewhere.hint}` : `${message} ${hint}`;
        // Said already when it began to listen elsewhere: the same words once are enough.
        if (said !== saidEarly) {
          this.say('warning', elsewhere?.message ?? message, { log: false });
          this.host.setState({ kind: 'unready', pid: proc.pid, port, message: said, lastOutput: proc.output.tail(20) });
        }
      }
      return undefined; // 'exited' is reported by onExit; 'aborted' by whoever aborted
    }
    if (ready.port !== undefined) this.detectedPort = this.lastReadyPort = ready.port;
    this.lastListenMs = ready.via === 'detected' || ready.via === 'port' ? performance.now() - started : undefined;
    this.heldPorts = ready.listeners ?? (ready.port !== undefined ? [ready.port] : []);
    const now = performance.now();
    const timings: ReloadTimings = { ...timing, stopMs, startToReadyMs: Math.round(now - started), saveToReadyMs: Math.round(now - changeAt) };
    this.host.log.info(
      `ready on :${ready.port ?? '?'} (${ready.via}) — build ${timings.buildMs ?? 0} ms, stop ${stopMs} ms, start ${timings.startToReadyMs} ms, save→ready ${timings.saveToReadyMs} ms`,
    );
    const built =
      timings.buildMs !== undefined ? (timing.trigger === 'start' ? t('built in {0} ms, ', timings.buildMs) : t('rebuilt in {0} ms, ', timings.buildMs)) : '';
    const noPort = ready.via === 'no-port';
    this.say(
      'success',
      built +
        (ready.port
          ? t('ready in {0} ms on :{1}', String(timings.startToReadyMs), ready.port)
          : noPort
            ? t('ready in {0} ms (no port: it listens on no TCP port)', String(timings.startToReadyMs))
            : t('ready in {0} ms', String(timings.startToReadyMs))),
      { log: false },
    );
    this.host.setState({ kind: 'running', pid: proc.pid, port: ready.port ?? port, ...(noPort && { noPort }), timings });
    // No port yet (a worker; a readyPattern printed before listening): show it once it listens.
    if (ready.port === undefined) this.watchLateListener(proc, timings);
    // Ready on another listener (a metrics port) before the one it was told in PORT: when that
    // one opens, it is the server's port.
    const given = portFromEnv(env.PORT);
    if (c.port === undefined && given !== undefined && ready.port !== undefined && ready.port !== given) this.watchLateListener(proc, timings, given);
    return timings;
  }

  /**
   * A "running (no port)" server may just be slow to listen (it connects to a database first):
   * watch its own sockets until startupTimeoutMs, and show the port once it listens. With `given`
   * (ready on another listener first, a metrics port), wait for the port in its PORT instead. Without
   * `timings` (a wait cut short by a newer save) only the port is remembered, the state is the engine's.
   */
  private watchLateListener(proc: ServerProcess, timings?: ReloadTimings, given?: number): void {
    const until = proc.startedAt + this.host.config().startupTimeoutMs;
    const gone = () => this.server !== proc || !proc.alive;
    void watchForListener(
      () => proc.appMembers(),
      () => proc.output.tail(50),
      until,
      gone,
      given,
    ).then((port) => {
      if (port === undefined || gone()) return;
      this.detectedPort = this.lastReadyPort = port;
      if (given === undefined) this.lastListenMs = performance.now() - proc.startedAt;
      this.heldPorts = ownListeners(proc.appMembers()) ?? [port];
      this.host.log.info(`pid ${proc.pid} now listens on :${port}${given === undefined ? '' : ', the port in its PORT'}`);
      const st = this.host.state?.();
      // Only a "running" of this pid is replaced (a portless one, or for `given` one on another
      // port): never a later state (building, build failed...). An engine that cannot say its
      // state gets the port, not a state change.
      if (!timings || st?.kind !== 'running' || st.pid !== proc.pid || (given === undefined && st.port !== undefined)) return;
      this.say('success', t('now listening on :{0}', port), { log: false });
      this.host.setState({ kind: 'running', pid: proc.pid, port, timings });
    });
  }

  /**
   * Readiness, except that a server stopped in the debugger before it was ready (a breakpoint in
   * main) is paused, not slow: it is never called unready for that, and the wait starts again
   * once it goes on.
   */
  private async waitReadyOrPaused(proc: ServerProcess, current: () => boolean, wait: () => Promise<ReadyResult>): Promise<ReadyResult> {
    const gone = () => !current() || this.server !== proc || !proc.alive;
    for (;;) {
      const r = await wait();
      // A program paused before it listened (a panic at startup) is not a worker with no port either.
      const stuck = r.ready ? r.via === 'no-port' : r.reason === 'timeout';
      if (!stuck || !(await this.paused(proc))) return r;
      this.host.log.info(`pid ${proc.pid} is paused in the debugger before it was ready: waiting until it goes on`);
      const newer = () => !!this.host.superseded?.();
      while ((await this.paused(proc)) && !gone() && !newer()) await sleep(100);
      if (newer()) return { ready: false, reason: 'superseded' };
      if (gone()) return r;
    }
  }

  /** Stopped in the debugger: a client said so, or the kernel does (a client the engine does not hear from, nvim-dap). */
  private async paused(proc: ServerProcess): Promise<boolean> {
    return !!proc.delve && (this.delve.isPaused(proc) || (await proc.pausedInDebugger()));
  }

  /** Stops the current server and its whole tree; returns how long it took (0 if none). */
  async stop(): Promise<number> {
    const s = this.server;
    this.server = undefined;
    // First, so a debug client that sees its session end knows the engine ended it.
    this.delve.ended(s);
    if (s?.alive) this.heldPorts = []; // a swap read them before stopping; after a stop for good they are stale
    if (!s?.alive) return 0;
    const c = this.host.config();
    const r = await s.stop(c.stopSignal, c.killDelayMs);
    this.host.log.info(
      `stopped pid ${s.pid} in ${r.durationMs} ms${r.graceful ? '' : ` (did not exit on ${c.stopSignal} within ${c.killDelayMs} ms: killed the process tree)`}`,
    );
    if (r.survivors.length) this.host.log.error(`processes survived SIGKILL: ${r.survivors.join(', ')}`);
    if (!this.host.active())
      this.killNoticeShown = false; // the engine stops: the next run says it again
    else if (!r.graceful && !this.killNoticeShown) {
      // Killing cuts off requests in flight; a server with a graceful shutdown needs more time.
      // Said once per run (every reload would be noise), where users look, not only in -v logs.
      this.killNoticeShown = true;
      const text = t(
        'The server (pid {0}) did not exit within {1} ms of {2}, so its process tree was killed: requests in flight were cut off. If it shuts down gracefully, raise gopherReload.killDelayMs above its shutdown time.',
        s.pid,
        c.killDelayMs,
        c.stopSignal,
      );
      this.say('warning', text);
    }
    return r.durationMs;
  }

  /**
   * A port the old tree listened on: wait (at most 2 s) until it is free, so the new server does
   * not lose a race with the old one's sockets. A holder outside the old tree is not waited for:
   * the new server may not need that port (it moved), and if it does, its exit says who holds it.
   */
  private async awaitOldPort(port: number, oldPids: number[], current: () => boolean): Promise<boolean> {
    const deadline = performance.now() + 2000;
    let checkedOwner = false;
    while (!(await isPortFree(port))) {
      if (!current()) return false;
      if (!checkedOwner && performance.now() > deadline - 1900) {
        checkedOwner = true; // 100 ms in: a full process scan is worth it now
        const owner = portOwner(port);
        if (owner && !oldPids.includes(owner.pid)) {
          this.host.log.info(`port ${port} of the previous server is now held by pid ${owner.pid} (${owner.name}); starting the new server anyway`);
          return true;
        }
      }
      if (performance.now() > deadline) {
        this.host.log.warn(`port ${port} of the previous server is still in use after 2 s; starting the new server anyway`);
        return true;
      }
      await sleep(20);
    }
    return true;
  }

  private async ensurePortFree(port: number, current: () => boolean, whose = 'the server'): Promise<boolean> {
    const deadline = performance.now() + 2000;
    while (!(await isPortFree(port))) {
      if (!current()) return false;
      if (performance.now() > deadline) {
        const owner = portOwner(port);
        const who = owner ? `pid ${owner.pid} (${owner.name})` : t('another process');
        const message =
          whose === 'Delve'
            ? t("Port {0}, Delve's, is in use by {1}, so the new server was not started.", port, who)
            : t('Port {0} is in use by {1}, so the new server was not started.', port, who);
        const stop = owner ? t('Stop it (kill {0})', owner.pid) : t('Stop it');
        const hint =
          whose === 'Delve'
            ? t(
                'Gopher Reload did not touch that process. {0}, or move the debugger to another port (gopherReload.debugPort), then save or Restart Server.',
                stop,
              )
            : t('Gopher Reload did not touch that process. {0}, or move your server to another port, then save or Restart Server.', stop);
        this.say('error', message, { hint, log: message });
        this.host.setState({ kind: 'error', message, hint });
        return false;
      }
      await sleep(20);
    }
    return true;
  }

  private onExit(proc: ServerProcess): void {
    if (proc.stopping || this.server !== proc) return;
    // Delve that never said where it listens: DelveRuns.attach said why; that is no crash of the app.
    if (proc.delve && !proc.heard) {
      this.server = undefined;
      return;
    }
    this.server = undefined;
    const { underDelve } = proc.exitInfo!;
    let { signal } = proc.exitInfo!;
    let code = underDelve ? this.delve.exitCodeOf(proc) : proc.exitInfo!.code;
    // Delve gives a program killed by a signal as the negative signal number.
    if (underDelve && code !== null && code < 0) {
      signal = signalName(-code) ?? null;
      code = signal ? null : code;
    }
    this.delve.ended(proc);
    // Delve exits 0 whatever its program did; unless a client saw the status, it is not known.
    const how = signal ?? (code === null ? t('a status Delve does not pass on') : `code ${code}`);
    if (proc.orphansKilled.length)
      this.host.log.info(`killed ${proc.orphansKilled.length} process(es) the server left behind when it exited: pid ${proc.orphansKilled.join(', ')}`);
    const lastOutput = proc.output.tail(20);
    const taken = portTakenFrom(lastOutput);
    const c = this.host.config();
    if (taken !== undefined && taken === c.proxyPort) {
      // The app insists on the port users browse to (Gin's r.Run(":8080") with proxyPort 8080):
      // the holder is our own proxy, which "stop pid N" would wrongly blame.
      const message = t(
        "The server tried to listen on :{0}, the proxy's own port, and exited: behind the proxy it must listen on the port Gopher Reload gave it ({1}={2}).",
        taken,
        c.proxyPortEnv,
        String(c.port),
      );
      const hint = t(
        'Make it read {0} (listen on ":" + os.Getenv("{0}")), or keep its port: set gopherReload.port to {1} and gopherReload.proxyPort to another port, the one you browse to.',
        c.proxyPortEnv,
        taken,
      );
      this.say('error', message, { hint, log: `${message} (the server exited with ${how})` });
      this.host.setState({ kind: 'error', message, hint, lastOutput });
      return;
    }
    if (taken !== undefined && taken === proc.delve?.port) {
      const message = t("The server tried to listen on :{0}, Delve's port, and exited.", taken);
      const hint = t('Give the debugger another port (gopherReload.debugPort), or clear it to have a free one picked.');
      this.say('error', message, { hint, log: `${message} (the server exited with ${how})` });
      this.host.setState({ kind: 'error', message, hint, lastOutput });
      return;
    }
    if (taken !== undefined) {
      // Not a crash: restarting would hit the same wall. Name the holder, as the pre-start check does.
      const owner = portOwner(taken);
      const who = owner ? `pid ${owner.pid} (${owner.name})` : t('another process');
      const message = t('Port {0} is in use by {1}, so your server could not listen.', taken, who);
      const hint = t(
        'Gopher Reload did not touch that process. {0}, or move your server to another port (and set gopherReload.port if you use it), then save or Restart Server.',
        owner ? t('Stop it (kill {0})', owner.pid) : t('Stop it'),
      );
      this.say('error', message, { hint, log: `${message} (the server exited with ${how})` });
      this.host.setState({ kind: 'error', message, hint, lastOutput });
      return;
    }
    if (code === 0) {
      this.say('ended', t('the server exited by itself (code 0)'), { log: false });
      this.host.setState({ kind: 'stopped', message: t('The server exited by itself (code 0).') });
      return;
    }
    const uptime = performance.now() - proc.startedAt;
    this.crashCount = uptime >= STABLE_UPTIME_MS ? 1 : this.crashCount + 1;
    const active = this.host.active();
    const retry = this.host.config().restartOnCrash && active && this.crashCount <= MAX_CRASH_RESTARTS;
    const retryInMs = retry ? Math.min(500 * 2 ** (this.crashCount - 1), 8000) : undefined;
    this.host.log.warn(`server exited with ${how} after ${Math.round(uptime)} ms (crash ${this.crashCount})${retry ? `; restarting in ${retryInMs} ms` : ''}`);
    this.say(
      'error',
      t('the server exited with {0}', how) + (retry ? t('; restarting in {0} ms', String(retryInMs)) : active ? t('; save to try again') : ''),
      {
        log: false,
      },
    );
    this.host.setState({ kind: 'crashed', exitCode: code, signal, lastOutput, crashCount: this.crashCount, retryInMs });
    if (retry) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.host.respawn('crash restart');
      }, retryInMs);
    }
  }

  private removeOldBinary(old: string | undefined, current: string): void {
    // Only the per-build names used where a running binary is locked (Windows) are removed.
    if (!old || old === current || old === this.host.config().binary) return;
    try {
      rmSync(old, { force: true });
    } catch {
      // still locked: the next build's cleanup gets it
    }
  }
}

/**
 * A server that listens, but not on the port it was given: where it listens and the two fixes.
 * Behind the proxy that port came from $proxyPortEnv (the app ignores it: Gin's `r.Run(":8080")`).
 */
export function elsewhereMessage(c: EngineConfig, pid: number, own: number[], hints: number[]): { message: string; hint: string } {
  const at = own.map((p) => `:${p}`).join(', ');
  // The port its log names ("Listening and serving HTTP on :8080") is the likely web one.
  const likely = hints.find((h) => own.includes(h)) ?? own[0];
  if (c.proxyPort !== undefined) {
    // Its port may be the one the proxy was meant to take (on systems that let both bind it).
    const keep =
      likely === c.proxyPort
        ? t('set gopherReload.port to {0} and gopherReload.proxyPort to another port, the one you browse to', likely)
        : t('set gopherReload.port to {0} and browse to the proxy on :{1}', likely, c.proxyPort);
    return {
      message: t(
        'The server (pid {0}) listens on {1} but Gopher Reload gave it {2}={3}, so the proxy on :{4} cannot reach it.',
        pid,
        at,
        c.proxyPortEnv,
        String(c.port),
        c.proxyPort,
      ),
      hint: t('Make it read {0} (listen on ":" + os.Getenv("{0}")), or {1}. Meanwhile it answers directly on :{2}.', c.proxyPortEnv, keep, likely),
    };
  }
  return {
    message: t('The server started (pid {0}) and listens on {1}, not on :{2}.', pid, at, String(c.port)),
    hint: t('Set gopherReload.port to {0}, or clear it so the port is found at each start.', likely),
  };
}

function signalName(n: number): NodeJS.Signals | undefined {
  return (Object.entries(os.constants.signals) as [NodeJS.Signals, number][]).find(([, v]) => v === n)?.[0];
}

function portFromEnv(v: string | undefined): number | undefined {
  const n = Number(v);
  return v && Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}
