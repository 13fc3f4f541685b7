import { t } from '../util/l10n';
import * as path from 'node:path';
import { mkdirSync } from 'node:fs';
import { describeCommand, runCommand, type CommandResult, type RunningCommand } from '../build/command';
import { defaultBuildArgv, expandArgv, type CommandSpec, type EngineConfig } from '../config/config';
import type { Logger } from '../util/log';
import { sleep } from '../run/processTree';
import { binaryForBuild, ensureOutputDir } from '../build/buildPlan';
import type { BuildProgress, EngineOutput } from './state';
import { mainImportPath, PackageLineFilter, withoutPackageLines } from '../build/buildProgress';
import { ProgressTicker } from './progressTicker';
import { listPackagesToCompile, type PlanQuery } from '../build/packagesToCompile';
import { say } from './output';
import { StepWrites } from './stepWrites';

/**
 * A build still compiling after this long asks go list which packages it compiles (the progress's
 * total). A quicker build, a save's usual rebuild, never pays for that query.
 */
const PLAN_AFTER_MS = 1000;

/** Replaces the build command (the extension runs a VS Code task instead). */
export type BuildStep = (ctx: { binary: string; env: NodeJS.ProcessEnv; onOutput: (text: string) => void }) => RunningCommand;

export interface BuildOutcome {
  result?: CommandResult;
  binary: string;
  durationMs: number;
}

/** What the builder needs from the engine that owns it. */
export interface BuilderHost {
  config(): EngineConfig;
  buildStep(): BuildStep | undefined;
  log: Logger;
  out(output: EngineOutput): void;
  /** Files the user saved while the pre-build steps ran: queued so that the loop builds them. */
  requeue(files: string[]): void;
  /** The running build's progress, at most ~4 times a second and every second; undefined: the build is over. */
  progress?(p: BuildProgress | undefined): void;
}

/**
 * One build: the pre-build steps, then the build command (or the injected BuildStep), each a
 * cancellable process. Cancelled through the AbortSignal the loop passes (a newer save, a stop).
 */
export class Builder {
  private running?: RunningCommand;
  private preBuild = false;
  private seq = 0;
  /** Tells the user's saves during a pre-build step from the step's own output. */
  readonly stepWrites = new StepWrites();

  constructor(private readonly host: BuilderHost) {}

  /** A build command or step is running now (a newer save cancels it). */
  get busy(): boolean {
    return this.running !== undefined;
  }
  /** The pre-build steps run now: the changes seen are decided when they end (see StepWrites). */
  get inPreBuild(): boolean {
    return this.preBuild;
  }

  async run(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<BuildOutcome> {
    const emit = this.host.progress?.bind(this.host);
    const c = this.host.config();
    const ticker = emit && new ProgressTicker(emit, { mainPackage: mainImportPath(c.root, c.package) });
    try {
      return await this.build(env, signal, ticker);
    } finally {
      ticker?.end();
    }
  }

  private async build(env: NodeJS.ProcessEnv, signal: AbortSignal, ticker: ProgressTicker | undefined): Promise<BuildOutcome> {
    const c = this.host.config();
    const t0 = performance.now();
    const binary = binaryForBuild(c, ++this.seq);
    try {
      ensureOutputDir(c);
      mkdirSync(path.dirname(binary), { recursive: true });
    } catch (e) {
      this.host.log.warn(`could not create ${path.dirname(binary)}: ${(e as Error).message}`);
    }
    const done = () => Math.round(performance.now() - t0);
    if (c.preBuild.length) {
      this.preBuild = true;
      let failed: CommandResult | undefined;
      try {
        for (const spec of c.preBuild) {
          const r = await this.runTracked(withGoBinary(spec, c), env, signal);
          if (!r.ok) {
            failed = r;
            break;
          }
        }
        // Let the watcher deliver the generators' own writes while they still count as ours.
        if (!failed) await sleep(Math.max(150, c.quietWindowMs));
      } finally {
        this.preBuild = false;
      }
      const saved = this.stepWrites.endRound();
      if (saved.length && !failed?.cancelled) {
        // Saved while the steps ran: they may have read the old content (or failed on it). Run
        // everything again for the code on disk now, rather than report or serve the old.
        this.host.log.info(
          `${saved.map((f) => path.relative(c.root, f).split(path.sep).join('/')).join(', ')} changed while the pre-build steps ran: running them again`,
        );
        this.host.requeue(saved);
        return { result: { ok: false, cancelled: true, exitCode: null, output: '', durationMs: done(), timedOut: false }, binary, durationMs: done() };
      }
      if (failed) return { result: failed, binary, durationMs: done() };
    }
    const step = this.host.buildStep();
    if (step) {
      // A task's output is not ours to count (any one-word line would look like a package):
      // its progress is the elapsed time.
      const onOutput = (text: string) => this.host.out({ source: 'build', text });
      const result = await this.track(() => step({ binary, env, onOutput }), signal);
      return { result, binary, durationMs: done() };
    }
    const spec: CommandSpec = c.buildCommand
      ? typeof c.buildCommand === 'string'
        ? c.buildCommand
        : withGoBinary(expandArgv(c.buildCommand, c, binary), c)
      : defaultBuildArgv(c, binary);
    // Our own -v (the default build): its package lines are progress, not output to show or parse.
    const result = await this.runTracked(spec, { ...env, GOPHER_RELOAD_BINARY: binary }, signal, { ticker, ownVerbose: !c.buildCommand });
    return { result, binary, durationMs: done() };
  }

  private async runTracked(
    spec: CommandSpec,
    env: NodeJS.ProcessEnv,
    signal: AbortSignal,
    build?: { ticker?: ProgressTicker; ownVerbose: boolean },
  ): Promise<CommandResult> {
    const c = this.host.config();
    say(this.host, 'info', `$ ${describeCommand(spec)}`);
    const filter = build?.ownVerbose ? new PackageLineFilter() : undefined;
    const show = (text: string) => text && this.host.out({ source: 'build', text });
    const planner = build?.ticker && build.ownVerbose && Array.isArray(spec) ? this.planLater(spec, env, build.ticker) : undefined;
    let r = await this.track(
      () =>
        runCommand(spec, {
          cwd: c.root,
          env,
          timeoutMs: c.buildTimeoutMs,
          onOutput: (text) => {
            // Only our own -v lines are counted: a custom command's "Building..." is no package.
            if (build?.ownVerbose) build.ticker?.write(text);
            show(filter ? filter.write(text) : text);
          },
          owner: this,
        }),
      signal,
    ).finally(() => planner?.stop());
    if (filter) {
      show(filter.flush());
      r = { ...r, output: withoutPackageLines(r.output) };
    }
    if (r.lingering?.length) {
      // A step is done when its own process exits; a `cmd &` it started may hold the pipe for ever.
      say(
        this.host,
        'warning',
        t(
          '"{0}" left {1} background process(es) running that still hold its output (pid {2}): not waited for; they are stopped when the server stops for good',
          describeCommand(spec),
          r.lingering.length,
          r.lingering.join(', '),
        ),
      );
    }
    return r;
  }

  /** After PLAN_AFTER_MS, go list's stale packages become the progress's total; stop() ends the query. */
  private planLater(argv: string[], env: NodeJS.ProcessEnv, ticker: ProgressTicker): { stop(): Promise<void> } {
    let query: PlanQuery | undefined;
    let answered = false;
    const timer = setTimeout(() => {
      // A save's rebuild of a large app: its packages compiled at once, then a link of seconds.
      // A total would say nothing new there; go list would only take CPU from the linker.
      if (ticker.linking) return;
      query = listPackagesToCompile(argv, this.host.config().root, env);
      void query.done.then((plan) => {
        answered = true;
        if (plan) ticker.plan(plan);
      });
    }, PLAN_AFTER_MS);
    timer.unref();
    return {
      async stop() {
        clearTimeout(timer);
        if (!query) return;
        // Never signal a process group that has already exited (its id may be reused).
        if (!answered) query.cancel();
        await query.done;
      },
    };
  }

  /** Runs one command as the cancellable "current build"; the signal cancels it. */
  private async track(start: () => RunningCommand, signal: AbortSignal): Promise<CommandResult> {
    const running = start();
    this.running = running;
    const cancel = () => running.cancel();
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    try {
      return await running.done;
    } finally {
      signal.removeEventListener('abort', cancel);
      if (this.running === running) this.running = undefined;
    }
  }
}

/**
 * A user's argv that starts with plain `go` runs the go the engine found (EngineConfig.goBinary):
 * its folder first on PATH gives the same go only when the file is named `go` (not for a
 * go.alternateTools.go such as go1.22.4 or a go.sh wrapper). A shell string resolves `go` on PATH.
 */
export function withGoBinary(spec: CommandSpec, c: Pick<EngineConfig, 'goBinary'>): CommandSpec {
  return Array.isArray(spec) && spec[0] === 'go' && c.goBinary ? [c.goBinary, ...spec.slice(1)] : spec;
}
