import * as assert from 'node:assert/strict';
import { LineSplitter, stripAnsi } from '../../src/core/util/text';

function split(chunks: string[], max: number, flush = true): [string, boolean][] {
  const out: [string, boolean][] = [];
  const s = new LineSplitter(max, (line, cut) => out.push([line, cut]));
  for (const c of chunks) s.write(c);
  if (flush) s.flush();
  return out;
}

describe('text: stripAnsi and the one line splitter', () => {
  it('stripAnsi removes colour and cursor sequences, nothing else', () => {
    assert.equal(stripAnsi('\x1b[1;31mpanic: \x1b[0mboom \x1b[2K[x]'), 'panic: boom [x]');
    assert.equal(stripAnsi('a [31m b'), 'a [31m b');
  });

  it('lines split anywhere, even between \\r and \\n, come out whole without their ending', () => {
    const text = 'one\r\ntwo\n\nthree\r\nfour';
    const want: [string, boolean][] = [
      ['one', false],
      ['two', false],
      ['', false],
      ['three', false],
      ['four', false],
    ];
    for (let i = 0; i <= text.length; i++) assert.deepEqual(split([text.slice(0, i), text.slice(i)], 100), want, `split at ${i}`);
    assert.deepEqual(split([...text], 100), want, 'one character at a time');
  });

  it('a line over the bound is cut to its head and flagged; a line of exactly the bound (with \\r\\n) is not', () => {
    assert.deepEqual(split(['abcdefgh\nabcd\r\nabcde\n'], 4), [
      ['abcd', true],
      ['abcd', false],
      ['abcd', true],
    ]);
    assert.deepEqual(split(['ab', 'cd', '\r', '\n', 'x'], 4), [
      ['abcd', false],
      ['x', false],
    ]);
    assert.deepEqual(split(['abcd\rx\n'], 4), [['abcd', true]]);
  });

  it('memory stays bounded on a line that never ends; pending shows it; flush delivers it once', () => {
    const out: [string, boolean][] = [];
    const s = new LineSplitter(10, (line, cut) => out.push([line, cut]));
    for (let i = 0; i < 10_000; i++) s.write('x'.repeat(1000));
    assert.deepEqual(s.pending, { line: 'x'.repeat(10), cut: true });
    assert.equal(out.length, 0);
    s.flush();
    s.flush();
    assert.deepEqual(out, [['x'.repeat(10), true]]);
  });
});
