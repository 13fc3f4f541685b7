import * as path from 'node:path';
import picomatch from 'picomatch';

/**
 * Decides which paths count as a change. Globs are matched against the path relative to the
 * workspace root with forward slashes, so the same setting works on Windows.
 */
export class ChangeFilter {
  private readonly isIncluded: (p: string) => boolean;
  private readonly isExcluded: (p: string) => boolean;
  /**
   * Folders outside the root whose files count too (local `replace` targets, go.work modules);
   * their paths are matched relative to their own folder.
   */
  extraRoots: string[] = [];

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

  /** The path the globs see: relative to the root, or to the extra root that holds it; undefined outside all. */
  private globPath(absPath: string): string | undefined {
    const rel = this.relative(absPath);
    if (rel && !rel.startsWith('../') && !path.isAbsolute(rel)) return rel;
    for (const extra of this.extraRoots) {
      const r = path.relative(extra, absPath).split(path.sep).join('/');
      if (r && !r.startsWith('../') && !path.isAbsolute(r)) return r;
    }
    return undefined;
  }

  /** True for a file whose change should rebuild. */
  matches(absPath: string): boolean {
    const rel = this.globPath(absPath);
    if (!rel) return false;
    return this.isIncluded(rel) && !this.isExcluded(rel);
  }

  /** True for a path inside the watched tree that no exclude glob covers (a candidate embedded file). */
  inTree(absPath: string): boolean {
    const rel = this.globPath(absPath);
    return !!rel && !this.isExcluded(rel);
  }

  /**
   * True for a directory a watcher need not enter (vendor/, node_modules/...): pruning there keeps
   * huge trees cheap to watch. A directory is pruned when the exclude globs cover anything inside it.
   */
  prunesDirectory(absPath: string): boolean {
    const rel = this.globPath(absPath);
    if (!rel) return false;
    return this.isExcluded(`${rel}/\u0000probe`) && this.isExcluded(`${rel}/\u0000probe/x.go`);
  }
}
