import * as path from 'node:path';

/**
 * What a changed file can affect, from the most to the least demanding:
 * - build: the go command reads it when it builds (Go and cgo sources, manifests, embedded files);
 * - restart: the binary cannot change, but the server may read the file when it starts;
 * - reload: the running server re-reads it on every request (Gin's debug-mode templates): only
 *   the open pages need to reload. Decided at the moment the round runs (see ginTemplates.ts);
 *   a queued change is only ever 'build' or 'restart'.
 */
export type ChangeKind = 'build' | 'restart' | 'reload';

const RANK: Record<ChangeKind, number> = { reload: 0, restart: 1, build: 2 };

/** The most demanding of several kinds (a round of changes does what its most demanding file needs). */
export function strongest(kinds: Iterable<ChangeKind>): ChangeKind {
  let k: ChangeKind = 'reload';
  for (const x of kinds) if (RANK[x] > RANK[k]) k = x;
  return k;
}

/**
 * Extensions the go command compiles or links when they sit in a package folder: Go, cgo's C,
 * C++, Objective-C and Fortran, assembly, SWIG, and .syso objects; default.pgo steers the
 * compiler (PGO is on by default since Go 1.21).
 */
const COMPILED_EXT = new Set([
  '.go',
  '.c',
  '.h',
  '.s',
  '.S',
  '.sx',
  '.cc',
  '.cpp',
  '.cxx',
  '.hh',
  '.hpp',
  '.hxx',
  '.m',
  '.f',
  '.F',
  '.for',
  '.f90',
  '.swig',
  '.swigcxx',
  '.syso',
  '.pgo',
]);
/** Files the go command reads for every build of a module. */
const MANIFESTS = new Set(['go.mod', 'go.sum', 'go.work', 'go.work.sum']);
/** Any go.mod or go.work by another name: GOFLAGS=-modfile=dev.mod, go -workfile (in an env file or `go env -w`). */
const MANIFEST_EXT = new Set(['.mod', '.sum', '.work']);

/**
 * True for a file the go command reads when it builds, whatever the module says: by extension
 * (case-sensitive, as go's are: .S is assembly with the preprocessor), by manifest name, or
 * vendor/modules.txt. Embedded files are the scope's question (ModuleScope.embeds).
 */
export function readByGoBuild(file: string): boolean {
  const base = path.basename(file);
  if (MANIFESTS.has(base)) return true;
  if (base === 'modules.txt' && path.basename(path.dirname(file)) === 'vendor') return true;
  return COMPILED_EXT.has(path.extname(base)) || MANIFEST_EXT.has(path.extname(base));
}

/**
 * Go's path/filepath.Match on '/'-separated paths: `*` any run of non-separators, `?` one
 * non-separator, `[...]` a class (`^` negates, `a-z` ranges), `\` escapes; no `**`. The whole
 * name must match. A malformed pattern matches nothing (go returns ErrBadPattern; Gin panics).
 */
export function goPathMatch(pattern: string, name: string): boolean {
  const re = goPatternRegExp(pattern);
  return !!re && re.test(name);
}

const cache = new Map<string, RegExp | undefined>();

function goPatternRegExp(pattern: string): RegExp | undefined {
  if (cache.has(pattern)) return cache.get(pattern);
  let src = '';
  let ok = true;
  for (let i = 0; i < pattern.length && ok; i++) {
    const c = pattern[i];
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) ok = false;
      else src += escapeRe(pattern[++i]);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      let first = true;
      for (; j < pattern.length && (pattern[j] !== ']' || first); j++) {
        first = false;
        let ch = pattern[j];
        if (ch === '\\') ch = pattern[++j] ?? '';
        if (ch === '' || ch === '/') {
          ok = false;
          break;
        }
        cls += ch === '-' && pattern[j - 1] !== '\\' ? '-' : escapeRe(ch);
      }
      if (j >= pattern.length || cls === '' || cls === '^') ok = false;
      // A class never matches the separator, negated or not.
      src += cls.startsWith('^') ? `[${cls}/]` : `(?!/)[${cls}]`;
      i = j;
    } else src += escapeRe(c);
  }
  let re: RegExp | undefined;
  try {
    re = ok ? new RegExp(`^${src}$`, 's') : undefined;
  } catch {
    re = undefined;
  }
  if (cache.size > 200) cache.clear();
  cache.set(pattern, re);
  return re;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
