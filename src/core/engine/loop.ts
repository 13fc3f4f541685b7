import { t } from '../util/l10n';
import type { Logger } from '../util/log';
import type { EngineOutput, EngineState, ReloadTimings } from './state';
import type { BuildOutcome } from './builder';
import type { ChangeQueue } from './changeQueue';
import { say } from './output';

/** The server side the loop drives (the Supervisor; a fake in tests). */
export interface Server {
  readonly serving: boolean;
  readonly lastBinary?: string;
  cancelRetry(): void;
  /** `current()` turns false when the engine stopped meanwhile. */
  swap(binary: string, timing: ReloadTimings, changeAt: number, env: NodeJS.ProcessEnv, current: () => boolean): Promise<unknown>;
}

/** What the loop needs from the engine that owns it. */
export interface LoopHost {
  log: Logger;
  out(output: EngineOutput): void;
  setState(s: EngineState): void;
  /** Changes are followed (started, not stopped or disposed). */
  active(): boolean;
  server: Server;
  /** Starts the proxy when one is configured; a problem stops the loop with this message. */
  ensureProxy(): Promise<{ message: string; hint: string } | undefined>;
  /** The binary pre-built while typing from exactly the text now saved, if any. */
  prebuilt(): Promise<{ binary: string; waitedMs: number } | undefined>;
  cancelPrebuilt(): void;
  /** The environment for one reload (env files read now). */
  environment(): NodeJS.ProcessEnv;
  build(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<BuildOutcome>;
  /** Says why the build failed; `signal` aborts when the engine stops meanwhile. */
  reportFailure(built: BuildOutcome, signal: AbortSignal): Promise<void>;
  /** A build failed: what the code imports is unknown until one succeeds. */
  buildFailed(): void;
  /** Right before a binary replaces the server; respawn: the same binary again after a crash. */
  beforeSwap(respawn: boolean): void;
  /** The last good binary runs again after a crash: if the last build failed, say so again. */
  respawned(): void;
  /**
   * Why the running server shows these (changed, not compiled) files without a restart: each is a
   * template it parses again on every request (Gin in debug mode). Undefined: it does not.
   */
  pagesOnly?(files: string[]): string | undefined;
  /** The running server already shows the change: tell open pages to reload (the proxy's live reload). */
  reloadPages?(timing: ReloadTimings): void;
  /** The user cancelled the build in progress (cancelBuild): say so; the old server, if any, keeps serving. */
  buildCancelled?(): void;
  /** The latest code serves (nothing newer waits): the moment for background questions. */
  served(env: NodeJS.ProcessEnv): void;
  now(): number;
}

/**
 * The reload loop: takes a round of work off the change queue, builds it (or takes the binary
 * pre-built while typing), and swaps the server to it, one round at a time. A newer change
 * aborts the build in progress (the queue calls supersede()); stop() aborts everything. A binary
 * is served only when no change arrived since its round was taken.
 */
export class ReloadLoop {
  private running = false;
  private finished: Promise<void> = Promise.resolve();
  /** Aborted by stop(): every await in the loop checks it and gives up. */
  private life = new AbortController();
  /** Aborted when a newer change supersedes the build in progress. */
  private buildAbort?: AbortController;
  private failed = false;
  /**
   * "The last save always wins" for rounds without a build: true unless the binary that runs was
   * built from the code now on disk. Set when a round that needs a build is taken (so a build
   * cancelled by a newer change, failed, or never swapped in keeps it set), cleared only when a
   * build's binary was swapped in. While set, every round builds, whatever its files.
   */
  private needsBuild = true;
  /** The build in progress was cancelled by the user (cancelBuild), not by a newer change. */
  private cancelledByUser = false;
  /** The environment of the last build: speculative builds and the pre-built swap reuse it. */
  lastEnv?: NodeJS.ProcessEnv;

  constructor(
    private readonly host: LoopHost,
    private readonly queue: ChangeQueue,
  ) {}

  /** The last build failed or could not run: an identical re-save then means "try again". */
  get lastBuildFailed(): boolean {
    return this.failed;
  }
  /** A round is in progress (building or swapping). */
  get busy(): boolean {
    return this.running;
  }

  /** Runs the loop unless it runs already or there is nothing to do. */
  ensure(): void {
    if (this.running || !this.hasWork()) return;
    this.running = true;
    this.finished = (async () => {
      try {
        await this.loop();
      } catch (e) {
        this.host.log.error(`reload loop failed: ${(e as Error).stack ?? e}`);
        this.host.setState({
          kind: 'error',
          message: t('Internal error: {0}', (e as Error).message),
          hint: t('Run "Gopher Reload: Restart Server"; please report this with the log.'),
        });
      } finally {
        this.running = false;
      }
      this.ensure(); // work that arrived while the loop was finishing
    })();
  }

  /** A newer change waits: cancel the build in progress. */
  supersede(): void {
    this.buildAbort?.abort();
  }

  /** The binary that runs is no longer what a build would make now (the configuration changed). */
  markStale(): void {
    this.needsBuild = true;
  }

  /** The user cancels the build in progress (a newer save is not waiting): true if one ran. */
  cancelBuild(): boolean {
    if (!this.buildAbort || this.buildAbort.signal.aborted) return false;
    this.cancelledByUser = true;
    this.buildAbort.abort();
    return true;
  }

  /** Aborts the round in progress and resolves once the loop has returned. */
  async stop(): Promise<void> {
    this.life.abort();
    this.life = new AbortController();
    this.buildAbort?.abort();
    await this.finished;
  }

  private hasWork(): boolean {
    return this.host.active() && this.queue.hasWork();
  }

  private async loop(): Promise<void> {
    const { host, queue } = this;
    while (this.hasWork()) {
      const life = this.life.signal;
      const current = () => !life.aborted;
      const proxyError = await host.ensureProxy();
      if (life.aborted) return;
      if (proxyError) {
        say(host, 'error', proxyError.message, { hint: proxyError.hint });
        queue.take(); // dropped: nothing can serve until the configuration changes
        this.needsBuild = true; // the dropped round may have held Go files
        host.setState({ kind: 'error', ...proxyError });
        return;
      }
      const respawn = queue.takeRespawn();
      if (respawn !== undefined) {
        const binary = host.server.lastBinary;
        host.beforeSwap(true);
        if (binary) await host.server.swap(binary, { trigger: respawn }, host.now(), host.environment(), current);
        if (!life.aborted && this.failed) host.respawned();
        continue;
      }
      const round = queue.take();
      const trigger = round.forced ?? describeFiles(round.files);
      const changeAt = round.changeAt ?? host.now();
      host.server.cancelRetry();

      // Nothing the build reads changed, and the binary that runs is built from the code on disk:
      // the same binary serves the change (a restart, or not even that).
      if (round.kind === 'restart' && !this.needsBuild && host.server.lastBinary) {
        await this.withoutBuild(round.files, trigger, changeAt, host.server.lastBinary, current);
        continue;
      }
      this.needsBuild = true;

      // A save of exactly the text that was pre-built while typing: no build, swap now.
      const pre = round.forced ? (host.cancelPrebuilt(), undefined) : await host.prebuilt();
      if (life.aborted) return;
      if (pre) {
        if (queue.changed) continue; // saved again meanwhile: build what is on disk now
        host.log.info(`${trigger}: served by the binary pre-built while typing${pre.waitedMs ? ` (waited ${pre.waitedMs} ms for it to finish)` : ''}`);
        say(host, 'info', t('pre-built while typing: no build needed'), { log: false });
        host.beforeSwap(false);
        const env = this.lastEnv ?? host.environment();
        await host.server.swap(pre.binary, { trigger, buildMs: pre.waitedMs, prebuilt: true }, changeAt, env, current);
        if (host.server.lastBinary === pre.binary) this.needsBuild = false;
        if (!life.aborted && !queue.changed) host.served(this.lastEnv ?? process.env);
        this.failed = false;
        continue;
      }
      host.setState({ kind: 'building', trigger, serving: host.server.serving });
      host.log.info(`build (${trigger})`);

      // Read once per reload: the build and the new server get the same environment, and a bad
      // env file is reported once, not twice.
      const env = host.environment();
      this.lastEnv = env;
      const abort = new AbortController();
      this.buildAbort = abort;
      this.cancelledByUser = false;
      let built: BuildOutcome;
      try {
        built = await host.build(env, abort.signal);
      } finally {
        if (this.buildAbort === abort) this.buildAbort = undefined;
      }
      if (life.aborted) return;
      const r = built.result;
      if (r?.cancelled) {
        if (this.cancelledByUser) host.buildCancelled?.();
        this.cancelledByUser = false;
        continue; // a newer change: the loop builds again (nothing waits after a user's cancel)
      }
      queue.built();
      if (!r || !r.ok) {
        this.failed = true;
        host.buildFailed();
        await host.reportFailure(built, life);
        continue;
      }
      this.failed = false;
      say(host, 'info', t('built in {0} ms', built.durationMs), { log: false });
      // Newer code was saved meanwhile: never serve a stale binary. (A template saved meanwhile
      // does not make it stale: its own round restarts the server once this one serves.)
      if (queue.staleBuild) continue;
      host.beforeSwap(false);
      await host.server.swap(built.binary, { trigger, buildMs: built.durationMs }, changeAt, env, current);
      if (host.server.lastBinary === built.binary) this.needsBuild = false;
      // After the swap, so it never competes with the new server's start; only asked when an
      // edit, a failed build or go.mod made the last answer stale.
      if (!life.aborted && !queue.changed) host.served(env);
    }
  }

  /** A round of files the binary does not hold: reload the pages when the server re-reads them, else restart the same binary. */
  private async withoutBuild(files: string[], trigger: string, changeAt: number, binary: string, current: () => boolean): Promise<void> {
    const { host } = this;
    const pages = host.pagesOnly?.(files);
    if (pages) {
      host.log.info(`${trigger}: ${pages}: no build, no restart, open pages reload`);
      say(host, 'info', t('the server reads this template on every request: no build, no restart'), { log: false });
      host.reloadPages?.({ trigger: `${trigger} (page reload only, no restart)`, saveToReadyMs: Math.round(host.now() - changeAt) });
      return;
    }
    host.log.info(`${trigger}: not compiled into the binary: restart only, no build`);
    say(host, 'info', t('not compiled into the binary: restart only, no build'), { log: false });
    host.beforeSwap(false);
    await host.server.swap(binary, { trigger: `${trigger} (restart only, no build)` }, changeAt, host.environment(), current);
  }
}

function describeFiles(files: string[]): string {
  if (files.length <= 3) return files.join(', ');
  return `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`;
}
