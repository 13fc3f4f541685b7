import { readFileSync } from 'node:fs';

/** What one Go file brings into a build: the packages it imports and the files it embeds. */
export interface GoFileFacts {
  imports: string[];
  /** //go:embed patterns, unquoted, as `go list` reports them in EmbedPatterns. */
  embeds: string[];
}

/**
 * Reads a Go file's imports and //go:embed patterns without a Go parser: a small tokenizer that
 * skips comments, strings and runes, so `"http://x"` or a commented-out import never count.
 * It only has to be conservative: an import it reports that go would not see costs one extra
 * `go list`, never a missed change. undefined when the file cannot be read (deleted).
 */
export function goFileFacts(file: string): GoFileFacts | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return scanGoSource(text);
}

export function scanGoSource(text: string): GoFileFacts {
  const imports: string[] = [];
  const embeds: string[] = [];
  for (const m of text.matchAll(/^[ \t]*\/\/go:embed[ \t]+(.*)$/gm)) embeds.push(...embedPatterns(m[1]));
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== 'import') continue;
    let j = i + 1;
    const grouped = tokens[j] === '(';
    if (grouped) j++;
    // Each spec: [name | "." | "_"] "path" ; a group ends at ")".
    for (; j < tokens.length; j++) {
      const t = tokens[j];
      if (t === ')') break;
      if (t.startsWith('"') || t.startsWith('`')) {
        imports.push(unquote(t));
        if (!grouped) break;
      }
    }
    i = j;
  }
  return { imports, embeds };
}

/** Identifiers, string literals and single punctuation; comments and whitespace dropped. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`') {
      const e = text.indexOf('`', i + 1);
      const end = e < 0 ? n : e + 1;
      out.push(text.slice(i, end));
      i = end;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /\w/.test(text[j])) j++;
      out.push(text.slice(i, j));
      i = j;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      out.push(c);
      i++;
    }
  }
  return out;
}

/** A Go string literal's value: `raw` as is, "interpreted" with its escapes (JSON's are Go's for what source paths use). */
export function unquote(lit: string): string {
  if (lit.startsWith('`')) return lit.slice(1, -1);
  try {
    return JSON.parse(lit) as string;
  } catch {
    return lit.slice(1, -1);
  }
}

/** The patterns of one //go:embed line: space-separated, each possibly "quoted" or `raw`. */
function embedPatterns(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)/g)) {
    if (m[1] !== undefined) out.push(unquote(`"${m[1]}"`));
    else if (m[2] !== undefined) out.push(m[2]);
    else out.push(m[3]);
  }
  return out;
}
