/**
 * Files that change while a pre-build step (go generate, swag init) runs are either the step's own
 * output, which must not trigger another build (or a generator would rebuild for ever), or a save
 * the user made meanwhile, which must (the step may have read the old content, or failed on it).
 * Nothing says who wrote a file, so this decides from what was seen:
 * - a path the engine knew before (there when it started, or saved outside any step) is the
 *   user's: the build runs again for it;
 * - a path first seen during a step is the step's output;
 * - a path that changed during two step runs in a row is the step's output from then on (a
 *   generator that stamps the time into a file it rewrites every run).
 * When unsure, this errs towards one more build, never towards stale code.
 */
export class StepWrites {
  private readonly generated = new Set<string>();
  private readonly stepOnly = new Set<string>();
  private round = new Set<string>();
  private previous = new Set<string>();
  private readonly user = new Set<string>();

  /** A content change seen outside any step: from now on that path is the user's. */
  outside(file: string): void {
    this.stepOnly.delete(file);
  }

  /** A content change seen while a step runs; `known`: the engine had seen the path before. */
  during(file: string, known: boolean): void {
    this.round.add(file);
    if (this.generated.has(file)) return;
    if (!known) this.stepOnly.add(file);
    if (!this.stepOnly.has(file)) this.user.add(file);
  }

  /** The steps of one build ended: the user's changes they saw (build again for those). */
  endRound(): string[] {
    for (const f of this.round) {
      if (this.previous.has(f)) {
        this.generated.add(f);
        this.user.delete(f);
      }
    }
    this.previous = this.round;
    this.round = new Set();
    const out = [...this.user];
    this.user.clear();
    return out;
  }
}
