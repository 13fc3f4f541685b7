import * as path from 'node:path';
import picomatch from 'picomatch';

/**
 * Decides which paths count as a change. Globs are matched against the path relative to the
 * workspace root with forward slashes, so the same setting works on Windows.
 */
export class ChangeFilter {
  private readonly isIncluded: (p: string) => boolean;
  private readonly isExcluded: (p: string) => boolean;

  constructor(
    private readonly root: string,
    include: string[],
    exclude: string[],
  ) {
    const opts = { dot: true };
    this.isIncluded = include.length ? picomatch(include, opts) : () => false;
    this.isExcluded = exclude.length ? picomatch(exclude, opts) : () => false;
  }

  /** Path relative to the root with '/' separators ('' for the root itself). */
  relative(absPath: string): string {
    return path.relative(this.root, absPath).split(path.sep).join('/');
  }

  /** True for a file whose change should rebuild. */
  matches(absPath: string): boolean {
    const rel = this.relative(absPath);
    if (!rel || rel.startsWith('../')) return false;
    return this.isIncluded(rel) && !this.isExcluded(rel);
  }

  /**
   * True for a directory a watcher need not enter (vendor/, node_modules/...): pruning there keeps
   * huge trees cheap to watch. A directory is pruned when the exclude globs cover anything inside it.
   */
  prunesDirectory(absPath: string): boolean {
    const rel = this.relative(absPath);
    if (!rel || rel.startsWith('../')) return false;
    return this.isExcluded(`${rel}/\u0000probe`) && this.isExcluded(`${rel}/\u0000probe/x.go`);
  }
}
