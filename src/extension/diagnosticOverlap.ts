/**
 * Which of our build diagnostics another source (gopls) already shows. Free of `vscode`, so the
 * matching is unit-tested in plain Node; diagnostics.ts maps vscode.Diagnostics to these shapes.
 *
 * "Same" is decided on what gopls and `go build` share, checked against go/types (what gopls runs)
 * and cmd/compile (what `go build` runs) on the common errors (undefined, declared and not used,
 * missing return, mismatched types, imported and not used, wrong argument count):
 * - the start position: the compiler prints a point, gopls a real range starting at the same token.
 *   Both count bytes; gopls then converts to UTF-16 (LSP), so ours is converted too (utf16Column);
 * - the message's first line, trimmed, whitespace collapsed: go/types and cmd/compile print the same
 *   text, gopls drops the `./file.go:1:2: ` prefix, and the detail lines after the first
 *   (`\thave (...)\n\twant (...)`) may reach gopls' Problems entry as related information instead;
 * - theirs is an error or a warning (a faint hint must not hide an error).
 * Anything else is kept: missing a duplicate costs a second line in Problems, hiding an error that
 * gopls does not show costs the user the error.
 */
export interface PlainDiagnostic {
  /** 0-based, as VS Code counts (columns in UTF-16 code units). */
  line: number;
  character: number;
  message: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  source?: string;
}

/**
 * Only Go files: gopls' compile errors are there. Problems on go.mod and go.work (module errors
 * the build puts there) stay ours even when another tool reports something alike.
 */
export function mayHaveTwins(file: string): boolean {
  return /\.go$/i.test(file);
}

/** The first line of a message, without a `file.go:1:2: ` prefix, trimmed, whitespace collapsed. */
export function messageKey(message: string): string {
  const first = message.replace(/^\s+/, '').split(/\r?\n/)[0];
  return first
    .replace(/^(?:[A-Za-z]:)?[^\s:]*\.go:\d+(?::\d+)?:\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const key = (d: PlainDiagnostic) => `${d.line}:${d.character}:${messageKey(d.message)}`;

/**
 * The indexes of `ours` that have a twin in `theirs`. One of theirs pairs with at most one of ours
 * (`x + x` with both undefined is two errors; one twin hides one of them).
 */
export function twinsOf(ours: readonly PlainDiagnostic[], theirs: readonly PlainDiagnostic[]): Set<number> {
  // A twin must be at least as severe as ours: gopls' analyzers publish warnings, and one must
  // never turn a build error into a warning in Problems (an error count of 0, an errors-only filter).
  const available = new Map<string, { error: number; warning: number }>();
  for (const t of theirs) {
    if (t.severity !== 'error' && t.severity !== 'warning') continue;
    const pool = available.get(key(t)) ?? { error: 0, warning: 0 };
    pool[t.severity]++;
    available.set(key(t), pool);
  }
  const hidden = new Set<number>();
  ours.forEach((d, i) => {
    const pool = available.get(key(d));
    if (!pool || messageKey(d.message) === '') return;
    if (d.severity !== 'error' && pool.warning > 0) pool.warning--;
    else if (pool.error > 0) pool.error--;
    else return;
    hidden.add(i);
  });
  return hidden;
}

/**
 * `all` less one item per item of `remove` with the same key: a URI's diagnostics from every
 * source less what our own collections show (two servers may show the same build error; a
 * gopls copy identical to none of ours stays).
 */
export function minus<T>(all: readonly T[], remove: readonly T[], key: (t: T) => string): T[] {
  const left = new Map<string, number>();
  for (const r of remove) left.set(key(r), (left.get(key(r)) ?? 0) + 1);
  return all.filter((t) => {
    const n = left.get(key(t)) ?? 0;
    if (n > 0) left.set(key(t), n - 1);
    return n === 0;
  });
}

/**
 * The compiler's 1-based byte column as a 0-based UTF-16 column on `lineText` (what VS Code and
 * gopls count). A column past the line's end (the file changed since the build) keeps its bytes.
 */
export function utf16Column(lineText: string, byteColumn: number): number {
  const target = Math.max(0, byteColumn - 1);
  let bytes = 0;
  let units = 0;
  for (const ch of lineText) {
    if (bytes >= target) return units;
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    units += ch.length;
  }
  return bytes >= target ? units : units + (target - bytes);
}
