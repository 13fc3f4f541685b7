import * as assert from 'node:assert/strict';
import { LIVE_SCRIPT_TAG, MAX_INJECT_BYTES } from '../../src/core/proxy/liveReload';
import { SNIFF_BYTES, ScriptInjector, shouldInject } from '../../src/core/proxy/proxyInject';
import { seeded } from '../support/random';

/** The streaming injector on its own: every way a body can be cut into chunks must give the same bytes. */

const TAG = LIVE_SCRIPT_TAG;

/** Runs `body` through a fresh injector in the given chunk sizes; returns the output and what went out per chunk. */
function run(body: Buffer, cuts: number[]): { out: Buffer; perChunk: Buffer[] } {
  const inj = new ScriptInjector();
  const perChunk: Buffer[] = [];
  let at = 0;
  for (const c of cuts) {
    perChunk.push(inj.push(body.subarray(at, at + c)));
    at += c;
  }
  if (at < body.length) perChunk.push(inj.push(body.subarray(at)));
  perChunk.push(inj.end());
  return { out: Buffer.concat(perChunk), perChunk };
}

/** Every split of `body` into two chunks, and one byte at a time. */
function everySplit(body: Buffer): Buffer[] {
  const outs: Buffer[] = [];
  for (let i = 0; i <= body.length; i++) outs.push(run(body, [i]).out);
  outs.push(
    run(
      body,
      Array.from({ length: body.length }, () => 1),
    ).out,
  );
  return outs;
}

const b = (s: string) => Buffer.from(s, 'latin1');

describe('proxy: the streaming live-reload injector', () => {
  const cases: [string, string, string][] = [
    ['before </body>', '<!DOCTYPE html><html><body><h1>Hi</h1></body></html>', `<!DOCTYPE html><html><body><h1>Hi</h1>${TAG}</body></html>`],
    [
      'before the first real </body>, not one in a comment',
      '<html><body><!-- old </body> --><p>x</p></BODY >\n<!-- </body> --></html>',
      `<html><body><!-- old </body> --><p>x</p>${TAG}</BODY >\n<!-- </body> --></html>`,
    ],
    ['before </html> when there is no </body>', '<html><head><title>t</title></head><p>x</html>', `<html><head><title>t</title></head><p>x${TAG}</html>`],
    [
      'not inside a script string or a textarea',
      '<html><body><script>var s = "</body>";</script><textarea></body></textarea><p>x</p></body></html>',
      `<html><body><script>var s = "</body>";</script><textarea></body></textarea><p>x</p>${TAG}</body></html>`,
    ],
    ['at the end of a document with neither', '<!doctype html><title>t</title><p>unclosed', `<!doctype html><title>t</title><p>unclosed${TAG}`],
    ['<bodyguard> is not <body>, and a fragment gets nothing', '<bodyguard>x</bodyguard><div>y</div>', '<bodyguard>x</bodyguard><div>y</div>'],
    ['an htmx fragment passes untouched', '<tr><td>1</td></tr>\n<tr><td>2</td></tr>', '<tr><td>1</td></tr>\n<tr><td>2</td></tr>'],
    ['latin1 and UTF-8 bytes pass unchanged', '<html><body>é – 日本 \xff\xfe</body></html>', `<html><body>é – 日本 \xff\xfe${TAG}</body></html>`],
  ];
  for (const [title, input, want] of cases) {
    it(`${title}, however the body is cut into chunks`, () => {
      const body = title.startsWith('latin1')
        ? Buffer.concat([b('<html><body>'), Buffer.from('é – 日本 '), Buffer.from([0xff, 0xfe]), b('</body></html>')])
        : b(input);
      const expected = title.startsWith('latin1')
        ? Buffer.concat([b('<html><body>'), Buffer.from('é – 日本 '), Buffer.from([0xff, 0xfe]), b(`${TAG}</body></html>`)])
        : b(want);
      for (const out of everySplit(body)) assert.equal(out.toString('latin1'), expected.toString('latin1'));
    });
  }

  it('holds back only bytes that could start a tag it looks for, never a whole chunk', () => {
    const head = b('<!DOCTYPE html><html><head><title>slow</title></head><body><p>first</p>');
    const { perChunk } = run(Buffer.concat([head, b('<p>second</p></bo'), b('dy></html>')]), [head.length, 17]);
    assert.equal(perChunk[0].toString('latin1'), head.toString('latin1'), 'the first chunk went out whole, at once');
    assert.equal(perChunk[1].toString('latin1'), '<p>second</p>', 'only "</bo" was held');
    assert.equal(perChunk[2].toString('latin1'), `${TAG}</body></html>`);
    // A chunk that ends in '<p' (which starts none of the tags) is not held at all.
    const p = run(b('<html><body><p'), [14]);
    assert.equal(p.perChunk[0].toString('latin1'), '<html><body><p');
  });

  it(`decides "fragment" within the first ${SNIFF_BYTES} bytes and never looks again`, () => {
    const late = b(`<div>${'x'.repeat(SNIFF_BYTES)}</div><html><body></body></html>`);
    for (const out of everySplit(late).slice(0, 50)) assert.ok(out.equals(late), 'a document marker after the bound does not make it a page');
    const early = b(`<!-- ${'c'.repeat(200)} -->\n<html><body>${'y'.repeat(5000)}</body></html>`);
    assert.ok(
      run(early, [100, 1000])
        .out.toString('latin1')
        .includes(`${'y'.repeat(10)}${TAG}</body>`),
    );
  });

  it('stops looking after the first 5 MB of a page (passes it untouched, as before)', () => {
    const big = Buffer.concat([b('<html><body>'), Buffer.alloc(MAX_INJECT_BYTES + 10, 'a'), b('</body></html>')]);
    const { out } = run(big, [1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20]);
    assert.ok(out.equals(big));
  });

  it('random bodies and random chunkings: output = input with the tag at the one place the whole-body rule says', () => {
    const parts = ['<p>', '</p>', '</body>', '</html>', '<!--', '-->', '<', '/', 'body', 'html', '>', ' ', 'x', '</bo', '-', '<script>', '</script>', 'script'];
    const random = seeded('INJECT');
    for (let n = 0; n < 500; n++) {
      const seed = Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256)));
      const body = '<html><body>' + Array.from(seed.subarray(0, 40), (v) => parts[v % parts.length]).join('');
      // The whole-body rule: the first </body or </html (followed by whitespace, > or /) outside
      // comments and outside a script's text.
      let expected = body + TAG;
      for (let i = 0, until = ''; i < body.length; i++) {
        if (until) {
          if (body.startsWith(until, i)) ((i += until.length - 1), (until = ''));
          continue;
        }
        if (body.startsWith('<!--', i)) {
          until = '-->';
          i += 3;
          continue;
        }
        if (/^<script[\s>/]/i.test(body.slice(i, i + 8))) {
          until = '</script';
          continue;
        }
        const m = /^<\/(body|html)[\s>/]/i.exec(body.slice(i, i + 8));
        if (m) {
          expected = body.slice(0, i) + TAG + body.slice(i);
          break;
        }
      }
      const cuts = Array.from(seed.subarray(40, 60), (v) => 1 + (v % 12));
      const got = run(b(body), cuts).out.toString('latin1');
      assert.equal(got.replace(TAG, ''), body, `bytes changed for ${JSON.stringify(body)}`);
      assert.equal(got.indexOf(TAG), expected.indexOf(TAG), `tag misplaced for ${JSON.stringify(body)} cut ${cuts}`);
    }
  });

  it('chooses which responses to touch', () => {
    const html = { 'content-type': 'text/html; charset=utf-8' };
    assert.equal(shouldInject('GET', 200, html), true);
    assert.equal(shouldInject('HEAD', 200, html), false, 'HEAD: no body to change, headers as the app said');
    assert.equal(shouldInject('GET', 304, html), false);
    assert.equal(shouldInject('GET', 200, { ...html, 'content-encoding': 'gzip' }), false);
    assert.equal(shouldInject('GET', 200, { ...html, 'content-disposition': 'attachment; filename="page.html"' }), false);
    assert.equal(shouldInject('GET', 200, { ...html, 'content-disposition': 'inline' }), true);
    assert.equal(shouldInject('GET', 200, { ...html, 'cache-control': 'public, no-transform' }), false);
    assert.equal(shouldInject('GET', 200, { ...html, 'cache-control': 'no-cache' }), true);
    assert.equal(shouldInject('GET', 200, { 'content-type': 'application/json' }), false);
  });
});
