import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { goPathMatch } from './changeKind';
import { unquote } from './goSource';

/** The template files a Gin app loads from disk: `LoadHTMLGlob("…")` patterns and `LoadHTMLFiles("…", …)` paths, as written. */
export interface GinTemplateSources {
  globs: string[];
  files: string[];
  /**
   * The code also sets a renderer itself (SetHTMLTemplate, `.HTMLRender =`, e.g. multitemplate):
   * what renders may be templates parsed once at startup, whatever Gin printed.
   */
  ownRenderer?: boolean;
  /**
   * String literals passed to other file readers in the code (template.ParseGlob/ParseFiles/
   * ParseFS, os.ReadFile/ReadDir/Open/OpenFile/DirFS, filepath.Glob/Walk/WalkDir): such code may
   * read a template once at startup (an e-mail renderer over the same folder), so those files
   * restart the server. `readsUnknown`: a reader called with no literal at all (a variable path).
   */
  reads?: string[];
  readsUnknown?: boolean;
}

/**
 * Calls that read files or folders: the template parsers on any receiver (template.ParseGlob,
 * tmpl.ParseFiles), and the os, ioutil, filepath and fs functions (sql.Open or gorm.Open are not).
 */
const READERS =
  /(?:\b(?:ParseGlob|ParseFiles|ParseFS)|\b(?:os|ioutil|filepath|fs)\.(?:ReadFile|ReadDir|Open|OpenFile|DirFS|Glob|WalkDir|Walk))\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g;

/** Strings (kept) and comments (dropped): a commented-out LoadHTMLGlob must not count. */
const TOKENS = /"(?:[^"\\\n]|\\.)*"|`[^`]*`|'(?:[^'\\\n]|\\.)*'|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;

/**
 * The template sources one Go file names with string literals. Only literals count: a pattern
 * built at run time (a variable, a flag) cannot be known, so its files restart the server.
 */
export function ginTemplateSources(source: string): GinTemplateSources {
  const text = source.replace(TOKENS, (t) => (t.startsWith('//') || t.startsWith('/*') ? ' ' : t));
  const out: GinTemplateSources = { globs: [], files: [] };
  if (/\.SetHTMLTemplate\(|\.HTMLRender\s*=[^=]/.test(text)) out.ownRenderer = true;
  for (const m of text.matchAll(/\.LoadHTMLGlob\(\s*("(?:[^"\\\n]|\\.)*"|`[^`]*`)\s*\)/g)) out.globs.push(unquote(m[1]));
  for (const m of text.matchAll(/\.LoadHTMLFiles\(([^)]*)\)/g)) {
    for (const lit of m[1].matchAll(/"(?:[^"\\\n]|\\.)*"|`[^`]*`/g)) out.files.push(unquote(lit[0]));
  }
  for (const m of text.matchAll(READERS)) {
    const lits = [...m[1].matchAll(/"(?:[^"\\\n]|\\.)*"|`[^`]*`/g)].map((l) => unquote(l[0]));
    if (lits.length) (out.reads ??= []).push(...lits);
    else out.readsUnknown = true;
  }
  return out;
}

/**
 * Whether `file` is one of the templates the sources load, as the server (running in `cwd`)
 * resolves them: a relative glob or path is relative to the server's working folder. Paths are
 * compared cleaned ("./templates/*" is "templates/*").
 */
export function loadedBy(sources: GinTemplateSources, file: string, cwd: string): boolean {
  const abs = path.resolve(file);
  const slash = (p: string) => p.split(path.sep).join('/');
  for (const f of sources.files) if (path.resolve(cwd, f) === abs) return true;
  // Matched relative to the folder, so that glob characters in the folder's own name never count.
  const rel = slash(path.relative(cwd, abs));
  for (const g of sources.globs) {
    if (path.isAbsolute(g) ? goPathMatch(slash(path.normalize(g)), slash(abs)) : goPathMatch(path.posix.normalize(g), rel)) return true;
  }
  return false;
}

/**
 * Whether other code may read `file` itself (see GinTemplateSources.reads): a reader with a
 * variable path, or a literal naming the file, a glob matching it, or a folder holding it.
 */
export function readElsewhere(sources: GinTemplateSources, file: string, cwd: string): boolean {
  if (sources.readsUnknown) return true;
  const abs = path.resolve(file);
  for (const r of sources.reads ?? []) {
    const target = path.resolve(cwd, r);
    if (target === abs || abs.startsWith(target + path.sep)) return true;
    if (loadedBy({ globs: [r], files: [] }, abs, cwd)) return true;
  }
  return false;
}

/**
 * The Gin template sources of the Go files in some package folders, cached by each file's size
 * and mtime (a template edit asks again; only changed Go files are read again).
 */
export class GinTemplateScan {
  private readonly perFile = new Map<string, { key: string; sources: GinTemplateSources }>();

  /** All template sources named in the non-test Go files of `dirs`. */
  scan(dirs: Iterable<string>): GinTemplateSources {
    const all: GinTemplateSources = { globs: [], files: [] };
    const seen = new Set<string>();
    for (const dir of dirs) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.endsWith('.go') || name.endsWith('_test.go')) continue;
        const file = path.join(dir, name);
        seen.add(file);
        const s = this.read(file);
        if (!s) continue;
        all.globs.push(...s.globs);
        all.files.push(...s.files);
        if (s.ownRenderer) all.ownRenderer = true;
        if (s.reads) (all.reads ??= []).push(...s.reads);
        if (s.readsUnknown) all.readsUnknown = true;
      }
    }
    for (const f of this.perFile.keys()) if (!seen.has(f)) this.perFile.delete(f);
    return all;
  }

  private read(file: string): GinTemplateSources | undefined {
    try {
      const st = statSync(file);
      const key = `${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const hit = this.perFile.get(file);
      if (hit?.key === key) return hit.sources;
      const text = readFileSync(file, 'utf8');
      // Most files never mention Gin's loaders: skip the tokenizing.
      const sources = /LoadHTML|SetHTMLTemplate|HTMLRender|Parse(?:Glob|Files|FS)|\b(?:os|ioutil|filepath|fs)\./.test(text)
        ? ginTemplateSources(text)
        : { globs: [], files: [] };
      this.perFile.set(file, { key, sources });
      return sources;
    } catch {
      return undefined;
    }
  }
}
