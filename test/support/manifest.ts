import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers';

/** Replaces every whole-string %key% below node with its text from nls, as VS Code does when it loads the manifest. */
export function localise<T>(node: T, nls: Record<string, string>): T {
  if (typeof node === 'string') {
    const m = /^%([\w.-]+)%$/.exec(node);
    return (m && typeof nls[m[1]] === 'string' ? nls[m[1]] : node) as T;
  }
  if (Array.isArray(node)) return node.map((n) => localise(n, nls)) as T;
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, localise(v, nls)])) as T;
  return node;
}

/** package.json as an English-speaking user's VS Code reads it (texts from package.nls.json). */
export function englishManifest(root = repoRoot()): any {
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(root, name), 'utf8'));
  return localise(read('package.json'), read('package.nls.json'));
}
