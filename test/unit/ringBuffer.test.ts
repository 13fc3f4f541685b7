import * as assert from 'node:assert/strict';
import { LineRing } from '../../src/core/util/ringBuffer';

describe('line ring', () => {
  it('keeps only the last lines, bounded in length', () => {
    const r = new LineRing(3, 10);
    r.push('one\ntwo\nthr');
    r.push('ee\nfour\n' + 'x'.repeat(50) + '\npartial');
    assert.deepEqual(r.tail(), ['four', 'x'.repeat(10) + '…', 'partial']);
    assert.deepEqual(r.tail(2), ['x'.repeat(10) + '…', 'partial']);
  });
  it('stays bounded after 200 MB-scale input', () => {
    const r = new LineRing(100, 200);
    const chunk = 'log line with some text\n'.repeat(10_000);
    for (let i = 0; i < 50; i++) r.push(chunk);
    assert.equal(r.tail().length, 100);
  });
});
