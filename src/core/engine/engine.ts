import * as path from 'node:path';
import { mkdirSync } from 'node:fs';
import { ChangeFilter } from '../watch/filter';
import { ChangeLedger } from '../watch/changeLedger';
import { describeCommand, runCommand, stopLingering, type CommandResult, type RunningCommand } from '../build/command';
import { defaultBuildArgv, expandArgv, type CommandSpec, type EngineConfig } from '../config/config';
import { Emitter } from '../util/events';
import { loadEnvFiles } from '../config/envFiles';
import { silentLogger, type Logger } from '../util/log';
import { parseBuildOutput } from '../build/buildOutput';
import { sleep } from '../run/processTree';
import { Supervisor } from '../run/supervisor';
import type { EngineOutput, EngineState } from './state';
import { binaryForBuild, ensureOutputDir, toolchainHint } from '../build/buildPlan';
import { looksLikeNoMainPackage, mainPackageAdvice } from '../build/mainPackages';
import { ModuleScope } from '../watch/moduleScope';
import { StepWrites } from './stepWrites';
import { ServerInsights } from '../insights/serverInsights';
import { Speculation } from './speculation';
import { ProxyLink } from '../proxy/proxyLink';

/** postStop commands get this long each (VS Code gives deactivate() a few seconds in all). */
const POST_STOP_TIMEOUT_MS = 10_000;
/** The longest quiet window a storm of changes can stretch to (see fileChanged). */
const STORM_WINDOW_MS = 400;

/** Replaces the build command (the extension runs a VS Code task instead). */
export type BuildStep = (ctx: { binary: string; env: NodeJS.ProcessEnv; onOutput: (text: string) => void }) => RunningCommand;

interface BuildOutcome {
  result?: CommandResult;
  binary: string;
  durationMs: number;
}

/**
 * The reload engine: coalesces changes, builds (one build at a time; a newer change cancels the
 * build in progress), and swaps the server only after a good build, health-checked. It knows
 * nothing of VS Code; the extension and the CLI are adapters over its events.
 */
export class ReloadEngine {
  private readonly stateEmitter = new Emitter<EngineState>();
  private readonly outputEmitter = new Emitter<EngineOutput>();
  readonly onState = this.stateEmitter.event;
  readonly onOutput = this.outputEmitter.event;

  private current: EngineState = { kind: 'stopped' };
  private filter: ChangeFilter;
  private readonly ledger = new ChangeLedger();
  private active = false;
  private disposed = false;
  /** Bumped by stop(): every await in the loop checks it and gives up when it moved. */
  private generation = 0;
  private dirty = new Set<string>();
  private forced?: string;
  private respawnReason?: string;
  private lastChangeAt?: number;
  /** The last build failed or could not run: an identical re-save then means "try again". */
  private lastBuildFailed = false;
  /** Grows while changes keep cancelling builds; back to 0 once a build finishes (see fileChanged). */
  private stormWindowMs = 0;
  private quietTimer?: NodeJS.Timeout;
  private looping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private build?: RunningCommand;
  private inPreBuild = false;
  private readonly stepWrites = new StepWrites();
  private buildSeq = 0;
  private readonly supervisor: Supervisor;
  private readonly scope: ModuleScope;
  private readonly speculation: Speculation;
  private readonly link: ProxyLink;
  /** The environment of the last build: speculative builds reuse it (env files are read per reload). */
  private lastEnv?: NodeJS.ProcessEnv;
  /** Gin routes and panics the running server printed (the extension shows them). */
  readonly insights: ServerInsights;

  constructor(
    private config: EngineConfig,
    private readonly log: Logger = silentLogger,
    private buildStep?: BuildStep,
  ) {
    this.filter = new ChangeFilter(config.root, config.include, config.exclude);
    this.link = new ProxyLink(() => this.config, log);
    this.supervisor = new Supervisor({
      config: () => this.link.serverConfig(this.config),
      beforeStop: () => this.link.beforeStop(),
      log,
      out: (source, text) => this.out(source, text),
      setState: (st) => this.setState(st),
      active: () => this.active,
      // A newer save must never wait for the readiness of a server it is about to replace.
      superseded: () => this.dirty.size > 0 || !!this.forced,
      state: () => this.current,
      respawn: (reason) => {
        this.respawnReason = reason;
        this.ensureLoop();
      },
    });
    this.insights = new ServerInsights(config.root);
    this.speculation = new Speculation(() => this.config, log);
    this.scope = new ModuleScope({
      config: () => this.config,
      filter: () => this.filter,
      log,
      usesDefaultBuild: () => !this.config.buildCommand && !this.buildStep,
      onChange: (f) => this.fileChanged(f),
    });
  }

  get state(): EngineState {
    return this.current;
  }
  get configuration(): EngineConfig {
    return this.config;
  }
  /** The port users browse to: the proxy's when it runs, else the server's (configured, or detected at its last start). */
  get port(): number | undefined {
    return this.link.port ?? this.supervisor.port;
  }
  /** Pids of the running server tree (for tests and diagnostics). */
  serverPids(): number[] {
    return this.supervisor.members();
  }
  /** The last lines the running server printed (bounded; for tooltips, tests and diagnostics). */
  serverOutput(lines = 20): string[] {
    return this.supervisor.outputTail(lines);
  }
  get changeFilter(): ChangeFilter {
    return this.filter;
  }
  /** Local modules outside the root (replace, go.work) that the engine watches itself. */
  get localModuleDirs(): string[] {
    return this.scope.localDirs;
  }

  /** Builds and runs now, then keeps the server up to date with every change. */
  start(reason = 'start'): void {
    if (this.disposed) return;
    if (!this.active) {
      // Before the first build reads the tree: what it is built from, by content (see seed).
      const t0 = performance.now();
      const seeded = this.ledger.seed(this.config.root, this.filter);
      this.log.trace(`recorded the content of ${seeded} watched file(s) in ${Math.round(performance.now() - t0)} ms`);
      this.scope.reopen();
      const env = { ...process.env, ...this.config.env };
      this.scope.refresh('local', env);
      // Asked now, beside the first build, so embedded files are known as soon as possible.
      this.scope.refresh('imports', env);
    }
    this.active = true;
    this.forced = reason;
    this.supervisor.resetCrashes();
    this.ensureLoop();
  }

  /** Rebuilds and restarts even if nothing changed. */
  restart(reason = 'restart'): void {
    this.start(reason);
  }

  /**
   * A file was created, changed or deleted. Irrelevant paths and content-identical rewrites are
   * dropped; the rest start (or extend) the quiet window, after which one build runs.
   */
  fileChanged(file: string): boolean {
    if (!this.active || this.disposed) return false;
    // A file no include glob names still counts when the build embeds it (//go:embed), or when
    // it is one of the env files the server runs with (a port or a flag moved to .env).
    const manifest = this.scope.isManifest(file); // also a go.work above the module
    if (!manifest && !this.filter.matches(file) && !this.isEnvFile(file) && !this.scope.embeds(file)) return false;
    if (manifest) this.scope.refresh('local', { ...process.env, ...this.config.env });
    if (!this.scope.affects(file)) {
      // Still recorded: if main imports that package later, a revert to this content is a change.
      this.ledger.remember(file);
      this.log.trace(`ignored ${this.filter.relative(file)}: ${this.config.package} does not import that package`);
      return false;
    }
    const known = this.ledger.has(file);
    // A failed build makes an identical re-save a retry, but not a generator's identical rewrite.
    if (this.ledger.classify(file, this.lastBuildFailed && !this.inPreBuild) === 'unchanged') {
      this.log.trace(`ignored ${this.filter.relative(file)}: content unchanged`);
      return false;
    }
    if (this.inPreBuild) {
      // The step's own output, or the user's save while it runs: decided when the step ends.
      this.stepWrites.during(file, known);
      return false;
    }
    this.stepWrites.outside(file);
    this.dirty.add(this.filter.relative(file));
    this.speculation.noteChange(file);
    this.lastChangeAt = performance.now();
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (this.build) {
        // A storm (branch switch, generator, a stalled writer): each cancellation doubles the
        // quiet window, up to STORM_WINDOW_MS, until a build runs to the end. A single save
        // still waits only the configured window.
        this.stormWindowMs = Math.min(STORM_WINDOW_MS, Math.max(this.config.quietWindowMs * 4, this.stormWindowMs * 2));
        this.log.info(`a newer change arrived during the build: cancelling it and building again (quiet window now ${this.stormWindowMs} ms)`);
        this.build.cancel();
      }
      this.ensureLoop();
    }, Math.max(this.config.quietWindowMs, this.stormWindowMs));
    return true;
  }

  /**
   * The user paused typing: build the unsaved contents of these files (absolute path → text) in
   * the background, so that saving exactly this text swaps at once. Only for the default build
   * (a custom command or task cannot take -overlay) and without preBuild steps (they would not
   * see the unsaved text). Returns whether a speculative build started.
   */
  speculate(files: Map<string, string>): boolean {
    const c = this.config;
    if (!this.active || this.disposed || !c.buildWhileTyping || c.buildCommand || this.buildStep || c.preBuild.length || this.build) return false;
    const relevant = new Map([...files].filter(([f]) => f.endsWith('.go') && this.filter.matches(f)));
    // Several services: only those that import one of the edited packages pre-build.
    if (![...relevant.keys()].some((f) => this.scope.affects(f))) return false;
    this.speculation.start(relevant, this.lastEnv ?? { ...process.env, ...c.env });
    return true;
  }

  /** A keystroke: the text being built is already stale. */
  cancelSpeculation(): void {
    this.speculation.cancel();
  }

  /** Stops the server tree and any build; changes are ignored until start(). */
  async stop(message?: string): Promise<void> {
    const wasActive = this.active;
    this.active = false;
    this.generation++;
    this.dirty.clear();
    this.forced = this.respawnReason = undefined;
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.stormWindowMs = 0;
    this.supervisor.cancelRetry();
    this.build?.cancel();
    this.speculation.cancel();
    await this.loopDone;
    await Promise.all([this.supervisor.stop(), this.scope.close(), stopLingering(this)]);
    await this.link.close();
    this.insights.reset(this.config.root, true); // no server, no routes; its panics stay until a reload
    if (wasActive) await this.runPostStop();
    this.setState({ kind: 'stopped', message });
  }

  /** postStop (air's post_cmd): once per stop for good, bounded so closing VS Code never hangs on it. */
  private async runPostStop(): Promise<void> {
    for (const spec of this.config.postStop) {
      this.log.info(`post-stop: $ ${describeCommand(spec)}`);
      this.out('engine', `$ ${describeCommand(spec)}\n`);
      const r = await runCommand(spec, { cwd: this.config.root, env: this.environment(), timeoutMs: POST_STOP_TIMEOUT_MS, onOutput: (t) => this.out('build', t) }).done;
      if (!r.ok) {
        const why = r.spawnError ? r.spawnError.message : r.timedOut ? `still running after ${POST_STOP_TIMEOUT_MS / 1000} s, stopped` : `exit ${r.exitCode ?? r.signal}`;
        this.log.warn(`post-stop command failed (${why}): ${describeCommand(spec)}`);
        this.out('engine', `! post-stop command failed (${why})\n`);
      }
    }
  }

  /**
   * Applies a new configuration and build step (none: the configured command); with `restart`,
   * rebuilds and restarts if the engine is active.
   */
  reconfigure(config: EngineConfig, restart: boolean, buildStep?: BuildStep): void {
    this.config = config;
    this.buildStep = buildStep;
    this.speculation.cancel();
    const extra = this.filter.extraRoots;
    this.filter = new ChangeFilter(config.root, config.include, config.exclude);
    this.filter.extraRoots = extra;
    if (restart && this.active) this.restart('configuration changed');
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.stop();
    await this.speculation.dispose();
    this.disposed = true;
    this.insights.dispose();
    this.stateEmitter.clear();
    this.outputEmitter.clear();
  }

  /** Resolves once no build or swap is in progress and none is waiting (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.looping || this.quietTimer) await sleep(5);
    await Promise.all([this.scope.settled(), this.speculation.settled()]);
  }

  // ---- the loop -------------------------------------------------------------------------

  /** Changes wait for their quiet window to pass (the timer then calls ensureLoop); forced work does not. */
  private hasWork(): boolean {
    return this.active && !this.disposed && ((this.dirty.size > 0 && !this.quietTimer) || !!this.forced || !!this.respawnReason);
  }

  private ensureLoop(): void {
    if (this.looping || !this.hasWork()) return;
    this.looping = true;
    this.loopDone = (async () => {
      try {
        await this.loop();
      } catch (e) {
        this.log.error(`reload loop failed: ${(e as Error).stack ?? e}`);
        this.setState({ kind: 'error', message: `Internal error: ${(e as Error).message}`, hint: 'Run "Gopher Reload: Restart Server"; please report this with the log.' });
      } finally {
        this.looping = false;
      }
      this.ensureLoop(); // work that arrived while the loop was finishing
    })();
  }

  private async loop(): Promise<void> {
    while (this.hasWork()) {
      const gen = this.generation;
      const proxyError = await this.link.ensure();
      if (gen !== this.generation) return;
      if (proxyError) {
        this.log.error(`${proxyError.message} ${proxyError.hint}`);
        this.out('engine', `✗ ${proxyError.message}\n  ${proxyError.hint}\n`);
        this.dirty.clear();
        this.forced = this.respawnReason = undefined;
        this.setState({ kind: 'error', ...proxyError });
        return;
      }
      if (this.dirty.size === 0 && !this.forced && this.respawnReason) {
        const reason = this.respawnReason;
        this.respawnReason = undefined;
        const binary = this.supervisor.lastBinary;
        this.insights.reset(this.config.root, true);
        if (binary) await this.supervisor.swap(binary, { trigger: reason }, performance.now(), this.environment(), () => gen === this.generation);
        continue;
      }
      const files = [...this.dirty];
      const trigger = this.forced ?? describeFiles(files);
      const changeAt = this.lastChangeAt ?? performance.now();
      const forced = !!this.forced;
      this.dirty.clear();
      this.forced = this.respawnReason = undefined;
      this.supervisor.cancelRetry();

      // A save of exactly the text that was pre-built while typing: no build, swap now.
      const pre = forced ? (this.speculation.cancel(), undefined) : await this.speculation.take();
      if (gen !== this.generation) return;
      if (pre) {
        if (this.dirty.size > 0) continue; // saved again meanwhile: build what is on disk now
        this.log.info(`${trigger}: served by the binary pre-built while typing${pre.waitedMs ? ` (waited ${pre.waitedMs} ms for it to finish)` : ''}`);
        this.out('engine', `pre-built while typing: no build needed\n`);
        this.insights.reset(this.config.root);
        await this.supervisor.swap(pre.binary, { trigger, buildMs: pre.waitedMs, prebuilt: true }, changeAt, this.lastEnv ?? this.environment(), () => gen === this.generation);
        if (gen === this.generation && this.dirty.size === 0) this.scope.refresh('imports', this.lastEnv ?? process.env);
        this.lastBuildFailed = false;
        continue;
      }
      this.setState({ kind: 'building', trigger, serving: this.supervisor.serving });
      this.log.info(`build (${trigger})`);

      // Read once per reload: the build and the new server get the same environment, and a bad
      // env file is reported once, not twice.
      const env = this.environment();
      this.lastEnv = env;
      const built = await this.runBuild(env);
      if (gen !== this.generation) return;
      const r = built.result;
      if (r?.cancelled) continue; // a newer change: the loop builds again
      if (this.dirty.size === 0) this.stormWindowMs = 0; // the latest code was built: the storm is over
      if (!r || !r.ok) {
        // What the code imports is unknown until a build succeeds again: every Go file counts.
        this.lastBuildFailed = true;
        this.scope.invalidate('the build failed');
        await this.reportBuildFailure(built, gen);
        continue;
      }
      this.lastBuildFailed = false;
      this.out('engine', `built in ${built.durationMs} ms\n`);
      if (this.dirty.size > 0) continue; // newer code was saved meanwhile: never serve a stale binary
      this.insights.reset(this.config.root);
      await this.supervisor.swap(built.binary, { trigger, buildMs: built.durationMs }, changeAt, env, () => gen === this.generation);
      // After the swap, so it never competes with the new server's start; only asked when an
      // edit, a failed build or go.mod made the last answer stale.
      if (gen === this.generation && this.dirty.size === 0) this.scope.refresh('imports', env);
    }
  }

  private async runBuild(env: NodeJS.ProcessEnv): Promise<BuildOutcome> {
    const c = this.config;
    const t0 = performance.now();
    const binary = binaryForBuild(c, ++this.buildSeq);
    try {
      ensureOutputDir(c);
      mkdirSync(path.dirname(binary), { recursive: true });
    } catch (e) {
      this.log.warn(`could not create ${path.dirname(binary)}: ${(e as Error).message}`);
    }
    const done = () => Math.round(performance.now() - t0);
    if (c.preBuild.length) {
      this.inPreBuild = true;
      let failed: CommandResult | undefined;
      try {
        for (const spec of c.preBuild) {
          const r = await this.runTracked(spec, env);
          if (!r.ok) {
            failed = r;
            break;
          }
        }
        // Let the watcher deliver the generators' own writes while they still count as ours.
        if (!failed) await sleep(Math.max(150, c.quietWindowMs));
      } finally {
        this.inPreBuild = false;
      }
      const saved = this.stepWrites.endRound();
      if (saved.length && !failed?.cancelled) {
        // Saved while the steps ran: they may have read the old content (or failed on it). Run
        // everything again for the code on disk now, rather than report or serve the old.
        this.log.info(`${saved.map((f) => this.filter.relative(f)).join(', ')} changed while the pre-build steps ran: running them again`);
        for (const f of saved) this.dirty.add(this.filter.relative(f));
        this.lastChangeAt = performance.now();
        return { result: { ok: false, cancelled: true, exitCode: null, output: '', durationMs: done(), timedOut: false }, binary, durationMs: done() };
      }
      if (failed) return { result: failed, binary, durationMs: done() };
    }
    if (this.buildStep) {
      const step = this.buildStep;
      const result = await this.track(() => step({ binary, env, onOutput: (t) => this.out('build', t) }));
      return { result, binary, durationMs: done() };
    }
    const spec: CommandSpec = c.buildCommand
      ? typeof c.buildCommand === 'string'
        ? c.buildCommand
        : expandArgv(c.buildCommand, c, binary)
      : defaultBuildArgv(c, binary);
    const result = await this.runTracked(spec, { ...env, GOPHER_RELOAD_BINARY: binary });
    return { result, binary, durationMs: done() };
  }

  private async runTracked(spec: CommandSpec, env: NodeJS.ProcessEnv): Promise<CommandResult> {
    this.log.info(`$ ${describeCommand(spec)}`);
    this.out('engine', `$ ${describeCommand(spec)}\n`);
    const r = await this.track(() =>
      runCommand(spec, {
        cwd: this.config.root,
        env,
        timeoutMs: this.config.buildTimeoutMs,
        onOutput: (t) => this.out('build', t),
        owner: this,
      }),
    );
    if (r.lingering?.length) {
      // A step is done when its own process exits; a `cmd &` it started may hold the pipe for ever.
      const msg = `"${describeCommand(spec)}" left ${r.lingering.length} background process(es) running that still hold its output (pid ${r.lingering.join(', ')}): not waited for; they are stopped when the server stops for good`;
      this.log.warn(msg);
      this.out('engine', `! ${msg}\n`);
    }
    return r;
  }

  /** Runs one build step as the cancellable "current build". */
  private async track(start: () => RunningCommand): Promise<CommandResult> {
    const running = start();
    this.build = running;
    try {
      return await running.done;
    } finally {
      if (this.build === running) this.build = undefined;
    }
  }

  private async reportBuildFailure(built: BuildOutcome, gen: number): Promise<void> {
    const r = built.result!;
    const serving = this.supervisor.serving;
    const killedOutside = r.exitCode === null && !!r.signal && !r.cancelled && !r.timedOut;
    if (r.spawnError || r.timedOut || killedOutside) {
      const { message, hint } = killedOutside
        ? { message: `The build was killed from outside Gopher Reload (${r.signal}).`, hint: 'Nothing was changed; the previous server (if any) keeps serving. Save again to rebuild.' }
        : r.timedOut
        ? { message: `The build did not finish within ${Math.round(this.config.buildTimeoutMs / 1000)} s and was stopped.`, hint: 'Check the build output for what hangs, or raise gopherReload.buildTimeoutMs. Save again to retry.' }
        : toolchainHint(r.spawnError!, this.config);
      this.log.error(`${message} ${hint}`);
      this.out('engine', `✗ ${message}\n  ${hint}\n`);
      this.setState({ kind: 'error', message, hint, lastOutput: r.output.split('\n').slice(-20) });
      return;
    }
    if (!this.config.buildCommand && !this.buildStep && looksLikeNoMainPackage(r.output)) {
      // "…: no Go files" says nothing useful: name the main packages there are, and how to pick one.
      const advice = await mainPackageAdvice(this.config.root, this.config.package, this.lastEnv ?? process.env);
      if (gen !== this.generation) return;
      if (advice) {
        this.log.error(`${advice.message} ${advice.hint}`);
        this.out('engine', `✗ ${advice.message}\n  ${advice.hint}\n`);
        this.setState({ kind: 'error', message: advice.message, hint: advice.hint, lastOutput: r.output.split('\n').slice(-20) });
        return;
      }
    }
    const problems = parseBuildOutput(r.output, { moduleRoot: this.config.root });
    this.log.warn(`build failed in ${built.durationMs} ms with ${problems.length} problem(s); ${serving ? 'the previous server keeps serving' : 'no server is running'}`);
    this.out('engine', `✗ build failed (${problems.length} problem${problems.length === 1 ? '' : 's'})${serving ? ', the previous server keeps serving' : ''}\n`);
    if (this.config.stopOnBuildError && serving) await this.supervisor.stop();
    if (gen !== this.generation) return;
    this.setState({ kind: 'build-failed', problems, output: r.output, serving: this.supervisor.serving, buildMs: built.durationMs });
  }

  // ---- helpers --------------------------------------------------------------------------

  private isEnvFile(file: string): boolean {
    const abs = path.resolve(file);
    return this.config.envFiles.some((f) => path.resolve(this.config.root, f) === abs);
  }

  private environment(): NodeJS.ProcessEnv {
    const c = this.config;
    const files = loadEnvFiles(c.root, c.envFiles, !c.envFilesDefault);
    for (const w of files.warnings) {
      this.log.warn(w);
      this.out('engine', `! ${w}\n`);
    }
    return this.link.environment({ ...process.env, ...files.env, ...c.env });
  }

  private out(source: EngineOutput['source'], text: string): void {
    if (source === 'server') this.insights.write(text);
    this.outputEmitter.fire({ source, text });
  }

  private setState(s: EngineState): void {
    if (s.kind === 'crashed') this.insights.ended();
    // Behind the proxy, the port to show and open is the proxy's; the app's own is kept beside it.
    if ((s.kind === 'running' || s.kind === 'starting') && this.link.port !== undefined) s = { ...s, appPort: s.port, port: this.link.port };
    this.link.onState(s);
    this.current = s;
    this.stateEmitter.fire(s);
  }
}

function describeFiles(files: string[]): string {
  if (files.length <= 3) return files.join(', ');
  return `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`;
}
