import * as path from 'path';

/*
 * The one "is this path under that folder" check. Both take absolute or relative paths (each is
 * resolved against the process cwd first). A path counts as outside only when the relative path
 * from the folder starts with the `..` segment itself or is absolute (another drive on Windows):
 * a child named `..data` or `...` is inside, which a bare `startsWith('..')` got wrong.
 */

/** True when `child` is `parent` itself or anywhere below it. */
export function within(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || !(rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel));
}

/** True when `child` is strictly below `parent` (the folder itself is not inside itself). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel !== '' && within(child, parent);
}
