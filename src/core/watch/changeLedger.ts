import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ChangeFilter } from './filter';

/**
 * Tells a real change from noise by content alone: the second event for the same save (editor
 * save + file watcher), an identical rewrite (format-on-save), or a file a pre-build step
 * generated. It remembers the content hash last seen per path; an event whose content equals it
 * is noise. Modification times are never trusted: `cp -p`, `mv`, `tar x`, `unzip`, `rsync -a`
 * and restored backups all bring old mtimes with new content.
 */
export type ChangeVerdict = 'changed' | 'unchanged';

const MAX_HASHED_BYTES = 4 << 20;
/** Files hashed when the engine starts (a few ms for a typical app; a huge tree stops there). */
const SEED_LIMIT = 5000;
/** After a failed build, the same content saved again this much later is a deliberate retry. */
const RETRY_GAP_MS = 1000;

export class ChangeLedger {
  private readonly seen = new Map<string, { hash: string; at: number }>();

  /**
   * `changed`: content not seen before for this path. `unchanged`: the same content as last seen,
   * unless `retry` (the last build failed) and it was last seen more than a second ago: then the
   * user saved again on purpose, and a build is what they expect.
   */
  classify(file: string, retry = false, now = performance.now()): ChangeVerdict {
    const hash = fingerprint(file);
    const prev = this.seen.get(file);
    this.seen.set(file, { hash, at: now });
    if (prev?.hash !== hash) return 'changed';
    return retry && now - prev.at > RETRY_GAP_MS ? 'changed' : 'unchanged';
  }

  /**
   * Records what the tree holds now, before the first build reads it: a late or duplicate event
   * for content the build already has is then noise, decided by content. Safe because it runs
   * before the build: a write after this moment differs from what was recorded, so it counts.
   * Bounded: files past the limit are simply not recorded (their first event counts).
   */
  seed(root: string, filter: ChangeFilter, limit = SEED_LIMIT): number {
    let n = 0;
    const walk = (dir: string) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (n >= limit) return;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!filter.prunesDirectory(p)) walk(p);
        } else if (e.isFile() && filter.matches(p)) {
          this.remember(p);
          n++;
        }
      }
    };
    walk(root);
    return n;
  }

  /** Whether this path was seen (or recorded at start) before. */
  has(file: string): boolean {
    return this.seen.has(file);
  }

  /** Records the content without judging it (files written while a pre-build step runs). */
  remember(file: string, now = performance.now()): void {
    this.seen.set(file, { hash: fingerprint(file), at: now });
  }
}

function fingerprint(file: string): string {
  try {
    const st = statSync(file);
    if (!st.isFile()) return 'not-a-file';
    // Very large files: size and mtime stand in for content (hashing them would stall saves);
    // a different mtime counts as a change, so this errs towards building.
    if (st.size > MAX_HASHED_BYTES) return `big:${st.size}:${st.mtimeMs}`;
    return createHash('sha1').update(readFileSync(file)).digest('hex');
  } catch {
    return 'missing';
  }
}
