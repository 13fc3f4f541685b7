import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/**
 * Tells a real change from noise: the second event for the same save (editor save + file
 * watcher), an identical rewrite (format-on-save), or a file a pre-build step generated. It
 * remembers the content hash last seen per path; an event whose content is unchanged is noise.
 */
export type ChangeVerdict = 'changed' | 'unchanged' | 'included';

const MAX_HASHED_BYTES = 4 << 20;

export class ChangeLedger {
  private readonly hashes = new Map<string, string>();
  /** Wall-clock ms at which the most recent build read the tree. */
  buildStartedAt = 0;

  /**
   * `changed`: a content change not yet seen. `unchanged`: same content as last seen.
   * `included`: a first sighting of a file written before the current build started (a late
   * event, e.g. from a generator): that build already reads it. Only trusted when the file
   * system gives sub-second mtimes, so a coarse clock can never hide a real save.
   */
  classify(file: string): ChangeVerdict {
    const { hash, mtimeMs } = fingerprint(file);
    const prev = this.hashes.get(file);
    this.hashes.set(file, hash);
    if (prev === hash) return 'unchanged';
    const fineClock = mtimeMs !== undefined && mtimeMs % 1000 !== 0;
    if (prev === undefined && fineClock && mtimeMs! < this.buildStartedAt) return 'included';
    return 'changed';
  }

  /** Records the content without judging it (files written while a pre-build step runs). */
  remember(file: string): void {
    this.hashes.set(file, fingerprint(file).hash);
  }
}

function fingerprint(file: string): { hash: string; mtimeMs?: number } {
  try {
    const st = statSync(file);
    if (!st.isFile()) return { hash: 'not-a-file', mtimeMs: st.mtimeMs };
    // Very large files: size and mtime stand in for content (hashing them would stall saves).
    if (st.size > MAX_HASHED_BYTES) return { hash: `big:${st.size}:${st.mtimeMs}`, mtimeMs: st.mtimeMs };
    const hash = createHash('sha1').update(readFileSync(file)).digest('hex');
    return { hash, mtimeMs: st.mtimeMs };
  } catch {
    return { hash: 'missing' };
  }
}
