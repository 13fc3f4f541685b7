import type * as http from 'node:http';
import { Transform } from 'node:stream';
import { LIVE_SCRIPT_TAG, MAX_INJECT_BYTES, isInjectable } from './liveReload';

/*
 * Putting the live-reload script into HTML pages as they stream through the proxy: bytes go on as
 * they come (a page that flushes its head first shows it at once), the tag goes in before the
 * first `</body>` (or `</html>`, or at the end), and only the few bytes at the end of a chunk that
 * could be the start of such a tag are held until the next chunk says what they are.
 */

/**
 * A page says it is a whole document in its first bytes (doctype, `<html>`, `<head>`, `<body>`),
 * while an htmx or Turbo fragment (`<tr>…`, `<div>…`) has none of them. One KB covers any real
 * page's top (a doctype and a few comment lines); looking further would take a fragment that
 * mentions `<html` in a script or a code sample for a page. Bytes pass on while we look, so the
 * bound costs no latency: all that waits is the decision to add the tag.
 */
export const SNIFF_BYTES = 1024;

const TAG = LIVE_SCRIPT_TAG;
/** Openings that make a response a document; `</body` and `</html` also do. */
const DOCUMENT_OPENINGS = ['<!doctype', '<html', '<head', '<body'];
const CLOSINGS = ['</body', '</html'];
const COMMENT_OPEN = '<!--';
const COMMENT_CLOSE = '-->';
/** Elements whose content is text, not markup: a `</body>` inside a script string or a textarea is not the page's. */
const RAW_TEXT = ['<script', '<style', '<textarea', '<title'];

/** Whether a response gets the script: an uncompressed HTML page, not a download, and not one that asks to be left alone. */
export function shouldInject(method: string | undefined, status: number, headers: http.IncomingHttpHeaders): boolean {
  if (!isInjectable(method, status, headers)) return false;
  // A download is a file for the disk, not a page: the user would save our tag in it.
  if (/^\s*attachment\b/i.test(headers['content-disposition'] ?? '')) return false;
  // RFC 9111 §5.2.2.6: an intermediary must not change a no-transform body.
  return !/(^|[\s,])no-transform\b/i.test(String(headers['cache-control'] ?? ''));
}

type Mode = 'sniff' | 'document' | 'fragment' | 'done';

/**
 * The injection as a plain state machine over chunks (latin1 strings keep one char per byte, so
 * any charset passes through unchanged). push() returns what may go out now; end() the rest.
 */
export class ScriptInjector {
  private mode: Mode = 'sniff';
  /** Inside a comment or a raw-text element: the token that ends it (`-->`, `</script`...). */
  private rawUntil?: string;
  /** Bytes of the stream before `held`. */
  private offset = 0;
  private held = '';

  push(chunk: Buffer): Buffer {
    if (this.mode === 'fragment' || this.mode === 'done') return chunk;
    return Buffer.from(this.scan(this.held + chunk.toString('latin1'), false), 'latin1');
  }

  end(): Buffer {
    if (this.mode === 'fragment' || this.mode === 'done') return Buffer.alloc(0);
    let out = this.scan(this.held, true);
    // A document without </body> or </html> (sloppy, or cut short by the template): the end it is.
    if (this.mode === 'document') {
      out += TAG;
      this.inserted = true;
    }
    this.mode = 'done';
    return Buffer.from(out, 'latin1');
  }

  /** Whether the tag went in (for tests and logs). */
  get injected(): boolean {
    return this.mode === 'done' && this.inserted;
  }

  private inserted = false;

  private scan(text: string, final: boolean): string {
    const lower = text.toLowerCase();
    let i = 0;
    let holdFrom = text.length;
    while (i < text.length) {
      if (this.rawUntil) {
        const until = this.rawUntil;
        const close = lower.indexOf(until, i);
        if (close === -1) {
          // Keep a tail that may be the start of the closing token, cut by the chunk's end.
          if (!final) holdFrom = Math.max(i, text.length - partialSuffix(lower, until));
          break;
        }
        this.rawUntil = undefined;
        i = close + until.length;
        continue;
      }
      const j = lower.indexOf('<', i);
      if (j === -1) break;
      if (this.mode === 'sniff' && this.offset + j >= SNIFF_BYTES) {
        this.mode = 'fragment';
        break;
      }
      const m = match(lower, j, this.mode === 'sniff', final);
      if (m === 'partial') {
        holdFrom = j;
        break;
      }
      if (m === 'comment') {
        this.rawUntil = COMMENT_CLOSE;
        i = j + COMMENT_OPEN.length;
        continue;
      }
      if (typeof m === 'object') {
        this.rawUntil = m.rawUntil;
        i = j + 1;
        continue;
      }
      if (m === 'opening') this.mode = 'document';
      if (m === 'closing') {
        // A closing </body> or </html> is a document's too, even one that never opened them.
        if (this.offset + j >= MAX_INJECT_BYTES) {
          // So far in, a page is not worth the scan: it passes untouched, as it always has.
          this.mode = 'done';
          break;
        }
        this.mode = 'done';
        this.inserted = true;
        this.offset += text.length;
        this.held = '';
        return text.slice(0, j) + TAG + text.slice(j);
      }
      i = j + 1;
    }
    if (this.mode === 'sniff' && this.offset + holdFrom >= SNIFF_BYTES) this.mode = 'fragment';
    if (this.mode === 'document' && this.offset + holdFrom >= MAX_INJECT_BYTES) this.mode = 'done';
    if (this.mode === 'fragment' || this.mode === 'done') holdFrom = text.length;
    this.held = text.slice(holdFrom);
    this.offset += holdFrom;
    return text.slice(0, holdFrom);
  }
}

/** What starts at `j`: a tag that matters, the start of one cut by the chunk's end ('partial'), or nothing. */
function match(lower: string, j: number, sniffing: boolean, final: boolean): 'comment' | 'opening' | 'closing' | 'partial' | { rawUntil: string } | undefined {
  const rest = lower.length - j;
  let partial = false;
  const at = (token: string, bounded: boolean): boolean => {
    if (rest < token.length + (bounded ? 1 : 0)) {
      if (!final && token.startsWith(lower.slice(j, j + token.length))) partial = true;
      return false;
    }
    if (!lower.startsWith(token, j)) return false;
    // `<bodyguard>` is not `<body>`: the name must end there.
    return !bounded || /[\s>/]/.test(lower[j + token.length]);
  };
  if (at(COMMENT_OPEN, false)) return 'comment';
  for (const t of CLOSINGS) if (at(t, true)) return 'closing';
  if (sniffing) for (const t of DOCUMENT_OPENINGS) if (at(t, true)) return 'opening';
  for (const t of RAW_TEXT) if (at(t, true)) return { rawUntil: `</${t.slice(1)}` };
  return partial ? 'partial' : undefined;
}

/** The length of the longest end of `text` that starts `token` (a token cut by the chunk's end). */
function partialSuffix(text: string, token: string): number {
  for (let n = Math.min(token.length - 1, text.length); n > 0; n--) if (token.startsWith(text.slice(text.length - n))) return n;
  return 0;
}

/** The injector as a stream to pipe the app's response through. */
export function scriptInjector(): Transform {
  const inj = new ScriptInjector();
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const out = inj.push(chunk);
      if (out.length) this.push(out);
      done();
    },
    flush(done) {
      const out = inj.end();
      if (out.length) this.push(out);
      done();
    },
  });
}
