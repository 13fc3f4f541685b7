import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { binaryForBuild, ensureOutputDir } from '../build/buildPlan';
import { runCommand, type RunningCommand } from '../build/command';
import { withoutPackageLines } from '../build/buildProgress';
import { defaultBuildArgv, type EngineConfig } from '../config/config';
import type { Logger } from '../util/log';
import { ScratchDir } from '../build/scratchDir';

interface Candidate {
  /** Absolute file → sha1 of the unsaved text it was built from. */
  overlay: Map<string, string>;
  /** Files that changed on disk since this candidate started (they must all be overlay files). */
  since: Set<string>;
  binary: string;
  /** The compile-only pass (`go list -export`), until it ends or a save needs the binary now. */
  compile?: RunningCommand;
  /** The full build into `binary`, once started. */
  build?: RunningCommand;
  /** Starts the full build now instead of after the link pause (a matching save is waiting). */
  hurry: () => void;
  cancelled: boolean;
  ok: Promise<boolean>;
}

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');

/** After the compile-only pass starts, how long typing must stay paused before the full build (link) starts. */
export const LINK_PAUSE_MS = 200;

/**
 * Speculative builds: while the user pauses typing, build the unsaved editor contents with
 * `-overlay` (the go command's own way to substitute file contents; nothing on disk is touched).
 * Two passes, because a quick save should find most of the work done:
 *  1. at once, compile only: `go list -export` with the build's own flags compiles the package
 *     and what it imports into the go build cache (keyed by content) without linking. Needs no
 *     safety check: a later build of the same content finds it in the cache, of other content
 *     does not.
 *  2. after LINK_PAUSE_MS more of quiet (when the full build started before there was pass 1)
 *     and pass 1 has ended, the full build into a candidate binary: it only links.
 * Neither is niced: a save may wait on them, and an unprivileged process can never lower a nice
 * value again, so a niced build a save waits on stays starved by the editor (measured: a save
 * waited 2.1-2.9 s for a niced pre-build where a plain build took 1.3-1.7 s). The keystroke that
 * would compete with them cancels them.
 * On save, the candidate is used only if the saved files are byte for byte what it was built from
 * and nothing else changed since it started; otherwise the normal build runs. A matching save
 * during pass 1 starts pass 2 as soon as pass 1 ends (it is ahead of a fresh build), or at once
 * when pass 1 has done less than half of what the last one took. At most one runs; a keystroke
 * cancels it.
 */
export class Speculation {
  private current?: Candidate;
  private seq = 0;
  /** How long the last compile-only pass took: whether a save should wait for one in progress. */
  private lastCompileMs?: number;
  /** Our own marked folder for the overlay copies: nothing else in outputDir is ever deleted. */
  private readonly scratch: ScratchDir;

  constructor(
    private readonly config: () => EngineConfig,
    private readonly log: Logger,
    private readonly linkPauseMs = LINK_PAUSE_MS,
  ) {
    this.scratch = new ScratchDir(() => this.config().outputDir);
  }

  /** Starts a candidate build of `files` (absolute path → unsaved text); cancels the previous one. */
  start(files: Map<string, string>, env: NodeJS.ProcessEnv): void {
    this.cancel();
    const c = this.config();
    const seq = ++this.seq;
    const replace: Record<string, string> = {};
    const overlay = new Map<string, string>();
    let overlayJson: string;
    try {
      ensureOutputDir(c);
      const dir = this.scratch.fresh();
      let i = 0;
      for (const [file, text] of files) {
        const copy = path.join(dir, `${i++}-${path.basename(file)}`);
        writeFileSync(copy, text);
        replace[file] = copy;
        overlay.set(file, sha1(text));
      }
      overlayJson = path.join(dir, 'overlay.json');
      writeFileSync(overlayJson, JSON.stringify({ Replace: replace }));
    } catch (e) {
      this.log.trace(`pre-build skipped: ${(e as Error).message}`);
      return;
    }
    const binary = binaryForBuild({ ...c, binary: `${c.binary}-next` }, seq);
    const argv = defaultBuildArgv(c, binary);
    argv.splice(2, 0, `-overlay=${overlayJson}`);
    const opts = { cwd: c.root, env, timeoutMs: c.buildTimeoutMs, onOutput: () => undefined };
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    let hurry = () => {};
    const cand: Candidate = { overlay, since: new Set(), binary, cancelled: false, hurry: () => hurry(), ok: Promise.resolve(false) };
    const compile = runCommand(compileOnlyArgv(argv), opts);
    cand.compile = compile;
    void compile.done.then((r) => {
      if (r.ok) this.lastCompileMs = ms();
      if (r.ok) this.log.trace(`compiled ${files.size} unsaved file(s) in ${ms()} ms (the build cache has them)`);
      else if (!r.cancelled) this.log.trace(`compile-only pass failed: ${withoutPackageLines(r.output).split('\n')[0]}`);
    });
    const pause = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.linkPauseMs);
      hurry = () => {
        clearTimeout(timer);
        // A save soon after pass 1 started: it has barely begun (loading packages, the go
        // command's fixed cost), and waiting for it and then paying that cost again in pass 2
        // is slower than one build now (measured: 1.2 s against a 0.85 s plain build).
        if (this.lastCompileMs !== undefined && ms() < this.lastCompileMs / 2) compile.cancel();
        resolve();
      };
    });
    cand.ok = (async () => {
      await pause;
      // After the compile has ended, so the two never compile the same package side by side;
      // after a failed compile too: a flag `go list` refuses must not lose the pre-build.
      await compile.done;
      if (cand.cancelled) return false;
      cand.build = runCommand(argv, opts);
      const r = await cand.build.done;
      if (r.ok) this.log.trace(`pre-built ${files.size} unsaved file(s) in ${ms()} ms`);
      else if (!r.cancelled) this.failed(r.output);
      return r.ok;
    })();
    this.current = cand;
  }

  private failed(output: string): false {
    this.log.trace(`pre-build of unsaved changes failed (the save will build and report it): ${withoutPackageLines(output).split('\n')[0]}`);
    return false;
  }

  cancel(): void {
    const cand = this.current;
    this.current = undefined;
    if (cand) stop(cand);
  }

  /** Cancels and removes the scratch folder (the engine's dispose). */
  async dispose(): Promise<void> {
    const cand = this.current;
    this.cancel();
    await cand?.ok;
    this.scratch.remove();
  }

  /** Resolves when the candidate in progress (if any) has finished building (tests, idle()). */
  async settled(): Promise<void> {
    await this.current?.ok;
  }

  /** Resolves when the compile-only pass in progress (if any) has ended; true if it compiled (tests). */
  async compiled(): Promise<boolean> {
    return (await this.current?.compile?.done)?.ok ?? false;
  }

  /** A file changed on disk (a save, or anything else). */
  noteChange(file: string): void {
    this.current?.since.add(path.resolve(file));
  }

  /**
   * Whether take() would use the candidate now: what is on disk is exactly what it is built from
   * (a save of the text typed). The quiet window that waits for more of a burst can then be
   * skipped: a later change of the burst builds again, as any change does.
   */
  matchesDisk(): boolean {
    return !!this.current && holdsDisk(this.current);
  }

  /**
   * The candidate binary, if it was built from exactly what is on disk now: every change since it
   * started is one of its files, and every one of its files now holds the text it was built from.
   * Waits for a candidate still building (it is ahead of a fresh build), and starts its full
   * build as soon as the compile-only pass ends when it was still in it. Consumes the candidate.
   */
  async take(): Promise<{ binary: string; waitedMs: number } | undefined> {
    const cand = this.current;
    if (!cand) return undefined;
    this.current = undefined;
    if (!holdsDisk(cand)) {
      stop(cand);
      this.log.trace('pre-built binary not used: the saved files differ from what it was built from');
      return undefined;
    }
    const t0 = performance.now();
    cand.hurry();
    if (!(await cand.ok)) return undefined;
    return { binary: cand.binary, waitedMs: Math.round(performance.now() - t0) };
  }
}

/**
 * `go list -export` with the build's flags and overlay: compiles without linking. The flags must
 * be the build's own (-ldflags too: it is part of the main package's build info, so a list
 * without it compiles a main package the build cannot reuse; measured).
 */
export function compileOnlyArgv(buildArgv: string[]): string[] {
  const o = buildArgv.indexOf('-o');
  const flags = buildArgv.slice(2, o === -1 ? -1 : o);
  const pkg = buildArgv[buildArgv.length - 1];
  return [buildArgv[0], 'list', '-export', '-f', '{{.Export}}', ...flags, pkg];
}

/** Every change since it started is one of its files, and each of them holds the text it was built from. */
function holdsDisk(cand: Candidate): boolean {
  return [...cand.since].every((f) => cand.overlay.has(f)) && [...cand.overlay].every(([f, hash]) => diskHash(f) === hash);
}

function stop(cand: Candidate): void {
  cand.cancelled = true;
  cand.hurry();
  cand.compile?.cancel();
  cand.build?.cancel();
}

function diskHash(file: string): string | undefined {
  try {
    return sha1(readFileSync(file));
  } catch {
    return undefined;
  }
}
