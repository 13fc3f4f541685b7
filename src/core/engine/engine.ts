import { t } from '../util/l10n';
import * as path from 'node:path';
import { ChangeFilter } from '../watch/filter';
import { ChangeLedger } from '../watch/changeLedger';
import { describeCommand, runCommand, stopLingering } from '../build/command';
import type { DebugClient, DebugPause, DebugTarget } from './state';
import type { EngineConfig } from '../config/config';
import { Emitter } from '../util/events';
import { loadEnvFiles } from '../config/envFiles';
import { silentLogger, type Logger } from '../util/log';
import { parseBuildOutput } from '../build/buildOutput';
import { sleep } from '../run/processTree';
import { Supervisor } from '../run/supervisor';
import type { BuildProgress, EngineOutput, EngineState, ReloadTimings } from './state';
import { toolchainHint } from '../build/buildPlan';
import { looksLikeNoMainPackage, mainPackageAdvice } from '../build/mainPackages';
import { ModuleScope } from '../watch/moduleScope';
import { ServerInsights } from '../insights/serverInsights';
import { Speculation } from './speculation';
import { ProxyLink } from '../proxy/proxyLink';
import { Builder, type BuildOutcome, type BuildStep } from './builder';
import { ChangeQueue, realClock, type Clock } from './changeQueue';
import { ReloadLoop } from './loop';
import { say, type SayOptions } from './output';
import { readByGoBuild } from '../watch/changeKind';
import { GinTemplateScan, loadedBy, readElsewhere } from '../watch/ginTemplates';
import { existsSync } from 'node:fs';
import { GoToolchain } from './goToolchain';

export type { BuildStep } from './builder';

/** postStop commands get this long each (VS Code gives deactivate() a few seconds in all). */
const POST_STOP_TIMEOUT_MS = 10_000;

/**
 * The reload engine: wires the change queue (intake, quiet window, storm backoff), the builder
 * (pre-build steps and the build, cancellable) and the supervisor (swap, health check, crash
 * restarts) into the reload loop, and decides which file changes count (filter, module scope,
 * content ledger, pre-build step writes). It knows nothing of VS Code; the extension and the CLI
 * are adapters over its events.
 */
export class ReloadEngine {
  private readonly stateEmitter = new Emitter<EngineState>();
  private readonly outputEmitter = new Emitter<EngineOutput>();
  readonly onState = this.stateEmitter.event;
  readonly onOutput = this.outputEmitter.event;
  private readonly progressEmitter = new Emitter<BuildProgress | undefined>();
  /** The running build's progress (go build -v): about 4 times a second and every second; undefined when it is over. */
  readonly onProgress = this.progressEmitter.event;
  private readonly debugEmitter = new Emitter<DebugTarget | undefined>();
  /**
   * gopherReload.debug: a new Delve listens (a new generation, before its debugger attaches and
   * before readiness), a pause began or ended, or Delve is gone (undefined).
   */
  readonly onDebug = this.debugEmitter.event;

  private current: EngineState = { kind: 'stopped' };
  /** The last build failure, shown again when a crash restart brings the old binary back. */
  private lastFailure?: Extract<EngineState, { kind: 'build-failed' }>;
  private filter: ChangeFilter;
  private readonly ledger = new ChangeLedger();
  private active = false;
  private disposed = false;
  private readonly queue: ChangeQueue;
  private readonly builder: Builder;
  private readonly loop: ReloadLoop;
  private readonly supervisor: Supervisor;
  private readonly scope: ModuleScope;
  private readonly speculation: Speculation;
  private readonly link: ProxyLink;
  private readonly ginScan = new GinTemplateScan();
  /** The one go every go command of this engine runs (found like the Go extension finds it). */
  private readonly go: GoToolchain;
  /** Gin routes and panics the running server printed (the extension shows them). */
  readonly insights: ServerInsights;

  constructor(
    private config: EngineConfig,
    private readonly log: Logger = silentLogger,
    private buildStep?: BuildStep,
    clock: Clock = realClock,
  ) {
    this.filter = new ChangeFilter(config.root, config.include, config.exclude);
    this.go = new GoToolchain(log);
    this.toolEnv();
    this.link = new ProxyLink(() => this.config, log);
    this.supervisor = new Supervisor({
      config: () => this.link.serverConfig(this.config),
      beforeStop: (paused) => this.link.beforeStop(paused),
      log,
      out: (o) => this.out(o),
      setState: (st) => this.setState(st),
      active: () => this.active,
      // A newer save must never wait for the readiness of a server it is about to replace.
      superseded: () => this.queue.superseding,
      state: () => this.current,
      debug: (t) => this.debugEmitter.fire(t),
      respawn: (reason) => {
        this.queue.respawn(reason);
        this.loop.ensure();
      },
    });
    this.builder = new Builder({
      config: () => this.config,
      buildStep: () => this.buildStep,
      log,
      out: (o) => this.out(o),
      requeue: (files) => this.queue.requeue(files.map((f) => this.filter.relative(f))),
      progress: (p) => this.progressEmitter.fire(p),
    });
    this.queue = new ChangeQueue(
      {
        quietWindowMs: () => this.config.quietWindowMs,
        building: () => this.builder.busy,
        supersede: (windowMs) => {
          this.log.info(`a newer change arrived during the build: cancelling it and building again (quiet window now ${windowMs} ms)`);
          this.loop.supersede();
        },
        ready: () => this.loop.ensure(),
      },
      clock,
    );
    this.loop = new ReloadLoop(
      {
        log,
        out: (o) => this.out(o),
        setState: (st) => this.setState(st),
        active: () => this.active && !this.disposed,
        server: this.supervisor,
        ensureProxy: () => this.link.ensure(),
        prebuilt: () => this.speculation.take(),
        cancelPrebuilt: () => this.speculation.cancel(),
        environment: () => this.environment(),
        build: (env, signal) => this.builder.run(env, signal),
        reportFailure: (built, signal) => this.reportBuildFailure(built, signal),
        buildFailed: () => this.scope.invalidate('the build failed'),
        beforeSwap: (respawn) => this.insights.reset(this.config.root, respawn),
        // The old binary is back after a crash, but the code on disk still does not build: the
        // state (status bar, the proxy's pages and overlay) keeps saying so, not "running".
        respawned: () => {
          const f = this.lastFailure;
          if (f && this.supervisor.serving) this.setState({ ...f, serving: true });
        },
        served: (env) => this.scope.refresh('imports', env),
        pagesOnly: (files) => this.pagesOnly(files),
        reloadPages: (timings) => this.reloadPages(timings),
        buildCancelled: () => {
          const serving = this.supervisor.serving;
          const message = t('Build cancelled.');
          const hint = serving
            ? t('The previous server keeps serving. Save a file or run "Restart Server" to build again.')
            : t('No server is running. Save a file or run "Start Server" to build again.');
          this.say('warning', message, { hint });
          this.setState({ kind: 'error', message, hint });
        },
        now: () => clock.now(),
      },
      this.queue,
    );
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

  /** The running server's Delve (gopherReload.debug), while there is one. */
  get debugTarget(): DebugTarget | undefined {
    return this.supervisor.delve.target;
  }

  /** The debugger the engine attaches to each new generation (the VS Code adapter's); none in the CLI. */
  setDebugClient(client: DebugClient | undefined): void {
    this.supervisor.delve.client = client;
  }

  /** A DAP client saw generation `generation` stop (`pause`) or run again (undefined). */
  debugPaused(generation: number, pause: DebugPause | undefined): void {
    this.supervisor.delve.paused(generation, pause);
  }

  /** A DAP client saw the server of `generation` exit with `code` (Delve itself always exits 0). */
  debugExited(generation: number, code: number): void {
    this.supervisor.delve.exited(generation, code);
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
      const env = this.toolEnv();
      this.scope.refresh('local', env);
      // Asked now, beside the first build, so embedded files are known as soon as possible.
      this.scope.refresh('imports', env);
      // Our default build adds the debugger's flags; a build of the user's own may not.
      if (this.config.debug && (this.config.buildCommand || this.buildStep))
        this.say(
          'warning',
          t('Debugging with your own build command: breakpoints bind only if it builds with -gcflags=all=-N -l and without -ldflags=-s -w.'),
          {
            hint: t('Add those flags to gopherReload.buildCommand (or the build task), or clear it to use the default build.'),
          },
        );
    }
    this.active = true;
    this.queue.force(reason);
    this.supervisor.resetCrashes();
    this.loop.ensure();
  }

  /**
   * A file was created, changed or deleted. Irrelevant paths and content-identical rewrites are
   * dropped; the rest start (or extend) the quiet window, after which one build runs.
   */
  fileChanged(file: string): boolean {
    if (!this.active || this.disposed) return false;
    // Before any filtering: the unsaved text being pre-built may import a package or embed a file
    // that counts for nothing yet, so any change in the tree makes the candidate unusable (when
    // in doubt, build). Not our own binaries (a custom binary path may lie outside outputDir).
    const abs = path.resolve(file);
    if ((this.filter.inTree(abs) || this.scope.isManifest(abs)) && !abs.startsWith(this.config.binary)) this.speculation.noteChange(abs);
    // A file no include glob names still counts when the build embeds it (//go:embed), or when
    // it is one of the env files the server runs with (a port or a flag moved to .env).
    const manifest = this.scope.isManifest(file); // also a go.work above the module
    if (!manifest && !this.filter.matches(file) && !this.isEnvFile(file) && !this.scope.embeds(file)) return false;
    if (manifest) this.scope.refresh('local', this.toolEnv());
    // An env file can set GOFLAGS (-tags) or GOOS: which packages the build reads may change.
    if (this.isEnvFile(file)) this.scope.invalidate(`${this.filter.relative(file)} changed`);
    if (!this.scope.affects(file)) {
      // Still recorded: if main imports that package later, a revert to this content is a change.
      this.ledger.remember(file);
      this.log.trace(`ignored ${this.filter.relative(file)}: ${this.config.package} does not import that package`);
      return false;
    }
    const known = this.ledger.has(file);
    // A failed build makes an identical re-save a retry, but not a generator's identical rewrite.
    if (this.ledger.classify(file, this.loop.lastBuildFailed && !this.builder.inPreBuild) === 'unchanged') {
      this.log.trace(`ignored ${this.filter.relative(file)}: content unchanged`);
      return false;
    }
    if (this.builder.inPreBuild) {
      // The step's own output, or the user's save while it runs: decided when the step ends.
      this.builder.stepWrites.during(file, known);
      return false;
    }
    this.builder.stepWrites.outside(file);
    const rel = this.filter.relative(file);
    const kind = this.changeKind(file);
    this.queue.add(rel, kind, kind === 'restart' && this.pagesOnly([rel]) !== undefined);
    this.speculation.noteChange(abs);
    // The save of exactly the text pre-built while typing: nothing to coalesce, swap at once.
    if (kind === 'build' && !this.builder.busy && this.speculation.matchesDisk()) this.queue.now();
    return true;
  }

  /**
   * Whether a change needs a build, or only a restart of the same binary, decided now with what
   * the scope knows now. When in doubt, build: a custom build or pre-build step may read any file
   * (templ, swag, go-bindata read templates); before go answered, any file may be embedded; env
   * files can set GOFLAGS, CGO_ENABLED or GOOS for the build; a build flag may name the file.
   */
  private changeKind(file: string): 'build' | 'restart' {
    const c = this.config;
    if (c.buildCommand || this.buildStep || c.preBuild.length) return 'build';
    if (readByGoBuild(file) || this.scope.isManifest(file) || this.isEnvFile(file)) return 'build';
    if (!this.scope.known || this.scope.embeds(file)) return 'build';
    // A file a build flag names (-overlay, -pgo, -modfile), in the settings or in GOFLAGS.
    const base = path.basename(file);
    const goflags = [this.loop.lastEnv?.GOFLAGS, c.env.GOFLAGS, process.env.GOFLAGS].filter(Boolean).join(' ');
    if (c.buildFlags.some((f) => f.includes(base)) || goflags.includes(base)) return 'build';
    return 'restart';
  }

  /**
   * Gin in debug mode (this server process printed the templates it loaded) parses its templates
   * again on every request (render.HTMLDebug): a changed file it printed, that a LoadHTMLGlob or
   * LoadHTMLFiles literal in the built packages names (relative to the server's working folder),
   * shows on the next request. A file not in the printed list (new) restarts the server.
   */
  private pagesOnly(files: string[]): string | undefined {
    const names = this.insights.ginDebugTemplates;
    const dirs = this.scope.packageDirs;
    if (!names?.size || !dirs || !this.supervisor.serving || this.current.kind !== 'running') return undefined;
    const own = [this.config.root, ...this.scope.localDirs];
    const inside = (d: string) => own.some((o) => d === o || d.startsWith(o + path.sep));
    const sources = this.ginScan.scan(dirs.filter(inside));
    if (sources.ownRenderer) return undefined;
    for (const rel of files) {
      const abs = path.resolve(this.config.root, rel);
      if (!names.has(path.basename(abs)) || !existsSync(abs) || !loadedBy(sources, abs, this.config.root)) return undefined;
      // Other code may have read it once at startup (an e-mail renderer over the same folder).
      if (readElsewhere(sources, abs, this.config.root)) return undefined;
    }
    return 'Gin (debug mode) parses these templates again on every request';
  }

  /** The server shows the change already: the state says so, and the proxy reloads open pages. */
  private reloadPages(timings: ReloadTimings): void {
    const s = this.current;
    if (s.kind !== 'running') return;
    if (this.link.port === undefined) this.log.info('no proxy (gopherReload.proxyPort), so open pages are not reloaded: refresh them to see the change');
    const { appPort, ...rest } = s;
    this.setState({ ...rest, port: appPort ?? s.port, timings });
  }

  /**
   * The user paused typing: build the unsaved contents of these files (absolute path → text) in
   * the background, so that saving exactly this text swaps at once. Only for the default build
   * (a custom command or task cannot take -overlay) and without preBuild steps (they would not
   * see the unsaved text). Returns whether a speculative build started.
   */
  speculate(files: Map<string, string>): boolean {
    const c = this.config;
    if (!this.active || this.disposed || !c.buildWhileTyping || c.buildCommand || this.buildStep || c.preBuild.length || this.builder.busy) return false;
    const relevant = new Map([...files].filter(([f]) => f.endsWith('.go') && this.filter.matches(f)));
    // Several services: only those that import one of the edited packages pre-build.
    if (![...relevant.keys()].some((f) => this.scope.affects(f))) return false;
    this.speculation.start(relevant, this.loop.lastEnv ?? this.toolEnv());
    return true;
  }

  /** A keystroke: the text being built is already stale. */
  cancelSpeculation(): void {
    this.speculation.cancel();
  }

  /**
   * Cancels the build in progress (and its pre-build steps), as a stop does, but only the build:
   * the previous server keeps serving, and the next change builds again (even a template edit:
   * the binary that runs is not built from the code on disk). True if a build was running.
   */
  cancelBuild(): boolean {
    return this.loop.cancelBuild();
  }

  /** Stops the server tree and any build; changes are ignored until start(). */
  async stop(message?: string): Promise<void> {
    const wasActive = this.active;
    this.active = false;
    this.queue.clear();
    this.supervisor.cancelRetry();
    this.speculation.cancel();
    await this.loop.stop();
    await Promise.all([this.supervisor.stop(), this.scope.close(), stopLingering(this.builder)]);
    await this.link.close();
    this.insights.reset(this.config.root, true); // no server, no routes; its panics stay until a reload
    if (wasActive) await this.runPostStop();
    this.setState({ kind: 'stopped', message });
  }

  /** postStop (air's post_cmd): once per stop for good, bounded so closing VS Code never hangs on it. */
  private async runPostStop(): Promise<void> {
    for (const spec of this.config.postStop) {
      this.say('info', `$ ${describeCommand(spec)}`, { log: `post-stop: $ ${describeCommand(spec)}` });
      const r = await runCommand(spec, {
        cwd: this.config.root,
        env: this.environment(),
        timeoutMs: POST_STOP_TIMEOUT_MS,
        onOutput: (text) => this.out({ source: 'build', text }),
      }).done;
      if (!r.ok) {
        const why = r.spawnError
          ? r.spawnError.message
          : r.timedOut
            ? t('still running after {0} s, stopped', POST_STOP_TIMEOUT_MS / 1000)
            : `exit ${r.exitCode ?? r.signal}`;
        this.say('warning', t('post-stop command failed ({0})', why), { log: `post-stop command failed (${why}): ${describeCommand(spec)}` });
      }
    }
  }

  /**
   * Applies a new configuration and build step (none: the configured command); with `restart`,
   * rebuilds and restarts if the engine is active.
   */
  reconfigure(config: EngineConfig, restart: boolean, buildStep?: BuildStep): void {
    this.config = config;
    this.toolEnv();
    // Flags (-tags, from go.buildTags too) or env (GOFLAGS) may select other packages: what the
    // main package imports is unknown until go is asked again, so every Go file counts meanwhile.
    this.scope.invalidate('the configuration changed');
    this.buildStep = buildStep;
    this.speculation.cancel();
    // Flags, env or the build command may have changed: the binary that runs is not what the
    // next build would make, so no change may skip the build until one ran.
    this.loop.markStale();
    const extra = this.filter.extraRoots;
    this.filter = new ChangeFilter(config.root, config.include, config.exclude);
    this.filter.extraRoots = extra;
    if (restart && this.active) this.start('configuration changed');
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.stop();
    await this.speculation.dispose();
    this.disposed = true;
    this.insights.dispose();
    this.stateEmitter.clear();
    this.outputEmitter.clear();
    this.progressEmitter.clear();
  }

  /** Resolves once no build or swap is in progress and none is waiting (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.loop.busy || this.queue.waiting) await sleep(5);
    await Promise.all([this.scope.settled(), this.speculation.settled()]);
  }

  private async reportBuildFailure(built: BuildOutcome, signal: AbortSignal): Promise<void> {
    const r = built.result!;
    const serving = this.supervisor.serving;
    const killedOutside = r.exitCode === null && !!r.signal && !r.cancelled && !r.timedOut;
    if (r.spawnError || r.timedOut || killedOutside) {
      const { message, hint } = killedOutside
        ? {
            message: t('The build was killed from outside Gopher Reload ({0}).', String(r.signal)),
            hint: t('Nothing was changed; the previous server (if any) keeps serving. Save again to rebuild.'),
          }
        : r.timedOut
          ? {
              message: t('The build did not finish within {0} s and was stopped.', Math.round(this.config.buildTimeoutMs / 1000)),
              hint: t('Check the build output for what hangs, or raise gopherReload.buildTimeoutMs. Save again to retry.'),
            }
          : toolchainHint(r.spawnError!, this.config, this.go.notFound);
      this.say('error', message, { hint });
      this.setState({ kind: 'error', message, hint, lastOutput: r.output.split('\n').slice(-20) });
      return;
    }
    if (!this.config.buildCommand && !this.buildStep && looksLikeNoMainPackage(r.output)) {
      // "…: no Go files" says nothing useful: name the main packages there are, and how to pick one.
      const advice = await mainPackageAdvice(this.config.root, this.config.package, this.loop.lastEnv ?? process.env, undefined, this.config.goBinary);
      if (signal.aborted) return;
      if (advice) {
        this.say('error', advice.message, { hint: advice.hint });
        this.setState({ kind: 'error', message: advice.message, hint: advice.hint, lastOutput: r.output.split('\n').slice(-20) });
        return;
      }
    }
    const problems = parseBuildOutput(r.output, { moduleRoot: this.config.root });
    this.log.warn(
      `build failed in ${built.durationMs} ms with ${problems.length} problem(s); ${serving ? 'the previous server keeps serving' : 'no server is running'}`,
    );
    const n = problems.length;
    this.say(
      'error',
      `${n === 1 ? t('build failed (1 problem)') : t('build failed ({0} problems)', n)}${serving ? t(', the previous server keeps serving') : ''}`,
      {
        log: false,
      },
    );
    if (this.config.stopOnBuildError && serving) await this.supervisor.stop();
    if (signal.aborted) return;
    this.lastFailure = { kind: 'build-failed', problems, output: r.output, serving: this.supervisor.serving, buildMs: built.durationMs };
    this.setState(this.lastFailure);
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
      this.say('warning', w);
    }
    return this.link.environment(this.withGo({ ...process.env, ...files.env, ...c.env }));
  }

  /**
   * The environment of the go commands that run before or beside a build (`go list`, go.mod
   * reads, pre-builds): the build's own, env files included (a GOFLAGS=-tags in .env changes which
   * packages count), without saying the env files' warnings again (environment() says them).
   */
  private toolEnv(): NodeJS.ProcessEnv {
    const c = this.config;
    return this.withGo({ ...process.env, ...loadEnvFiles(c.root, c.envFiles, false).env, ...c.env });
  }

  /**
   * `env` with the found go first on PATH (GoToolchain), and that go named in the config for our
   * own argv. Every go command the engine starts gets its environment from here.
   */
  private withGo(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const out = this.go.apply(env, this.config);
    if (this.config.goBinary !== this.go.binary) this.config = { ...this.config, goBinary: this.go.binary };
    return out;
  }

  /** The authority asExternalUri gave for the proxy's port: its pages and live reload answer that exact host too. */
  allowForwardedHost(authority: string): string | undefined {
    return this.link.allowHost(authority);
  }

  /** Whether the proxy's error page links files to VS Code (off in remote development: the paths are not the user's). */
  setFileLinks(on: boolean): void {
    this.link.setFileLinks(on);
  }

  /** Which go the engine runs and why, as the log says it. */
  get goDescription(): string {
    return this.go.description;
  }

  /** The go binary the engine's go commands run (absolute when found), for adapters that start go themselves. */
  get goBinary(): string {
    return this.go.binary;
  }

  private out(output: EngineOutput): void {
    if (output.source === 'server') this.insights.write(output.text);
    this.outputEmitter.fire(output);
  }

  /** A line for the user, in the log and the terminal alike (see say()). */
  private say(level: Parameters<typeof say>[1], message: string, options?: SayOptions): void {
    say({ log: this.log, out: (o) => this.out(o) }, level, message, options);
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
