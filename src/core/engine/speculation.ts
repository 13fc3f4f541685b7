import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { binaryForBuild, ensureOutputDir } from '../build/buildPlan';
import { runCommand, type RunningCommand } from '../build/command';
import { defaultBuildArgv, type EngineConfig } from '../config/config';
import type { Logger } from '../util/log';
import { ScratchDir } from '../build/scratchDir';

interface Candidate {
  /** Absolute file → sha1 of the unsaved text it was built from. */
  overlay: Map<string, string>;
  /** Files that changed on disk since this candidate started (they must all be overlay files). */
  since: Set<string>;
  binary: string;
  run: RunningCommand;
  ok: Promise<boolean>;
  startedAt: number;
}

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');

/** `nice` where there is one: the speculative build must not make typing stutter. */
const NICE = process.platform === 'win32' ? undefined : ['/usr/bin/nice', '/bin/nice'].find((p) => existsSync(p));

/**
 * Speculative builds: while the user pauses typing, build the unsaved editor contents with
 * `go build -overlay` (the go command's own way to substitute file contents; nothing on disk is
 * touched) into a candidate binary. On save, the candidate is used only if the saved files are
 * byte for byte what it was built from and nothing else changed since it started; otherwise the
 * normal build runs. At most one runs; a new keystroke cancels it.
 */
export class Speculation {
  private current?: Candidate;
  private seq = 0;
  /** Our own marked folder for the overlay copies: nothing else in outputDir is ever deleted. */
  private readonly scratch: ScratchDir;

  constructor(
    private readonly config: () => EngineConfig,
    private readonly log: Logger,
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
    let dir: string;
    try {
      ensureOutputDir(c);
      dir = this.scratch.fresh();
      let i = 0;
      for (const [file, text] of files) {
        const copy = path.join(dir, `${i++}-${path.basename(file)}`);
        writeFileSync(copy, text);
        replace[file] = copy;
        overlay.set(file, sha1(text));
      }
      writeFileSync(path.join(dir, 'overlay.json'), JSON.stringify({ Replace: replace }));
    } catch (e) {
      this.log.trace(`pre-build skipped: ${(e as Error).message}`);
      return;
    }
    const binary = binaryForBuild({ ...c, binary: `${c.binary}-next` }, seq);
    const argv = defaultBuildArgv(c, binary);
    argv.splice(2, 0, `-overlay=${path.join(dir, 'overlay.json')}`);
    const run = runCommand(NICE ? [NICE, '-n', '10', ...argv] : argv, { cwd: c.root, env, timeoutMs: c.buildTimeoutMs, onOutput: () => undefined });
    const startedAt = performance.now();
    const ok = run.done.then((r) => {
      if (r.ok) this.log.trace(`pre-built ${files.size} unsaved file(s) in ${Math.round(performance.now() - startedAt)} ms`);
      else if (!r.cancelled) this.log.trace(`pre-build of unsaved changes failed (the save will build and report it): ${r.output.split('\n')[0]}`);
      return r.ok;
    });
    this.current = { overlay, since: new Set(), binary, run, ok, startedAt };
  }

  cancel(): void {
    this.current?.run.cancel();
    this.current = undefined;
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

  /** A file changed on disk (a save, or anything else). */
  noteChange(file: string): void {
    this.current?.since.add(path.resolve(file));
  }

  /**
   * The candidate binary, if it was built from exactly what is on disk now: every change since it
   * started is one of its files, and every one of its files now holds the text it was built from.
   * Waits for a candidate still building (it is ahead of a fresh build). Consumes the candidate.
   */
  async take(): Promise<{ binary: string; waitedMs: number } | undefined> {
    const cand = this.current;
    if (!cand) return undefined;
    this.current = undefined;
    const matches = [...cand.since].every((f) => cand.overlay.has(f)) && [...cand.overlay].every(([f, hash]) => diskHash(f) === hash);
    if (!matches) {
      cand.run.cancel();
      this.log.trace('pre-built binary not used: the saved files differ from what it was built from');
      return undefined;
    }
    const t0 = performance.now();
    if (!(await cand.ok)) return undefined;
    return { binary: cand.binary, waitedMs: Math.round(performance.now() - t0) };
  }
}

function diskHash(file: string): string | undefined {
  try {
    return sha1(readFileSync(file));
  } catch {
    return undefined;
  }
}
