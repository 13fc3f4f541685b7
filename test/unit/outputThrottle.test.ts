import * as assert from 'node:assert/strict';
import { OutputThrottle } from '../../src/core/util/outputThrottle';
import { FakeClock } from '../support/fakeClock';
import { seeded } from '../support/random';

/**
 * The terminal's pacing and its hold during a reload (fake clock: the timing is the logic).
 * Held output is written when released or after 1 s at the latest, nothing lost, order kept.
 */
describe('OutputThrottle: paced writes, held during a reload', () => {
  function throttle(maxBytes = 64 * 1024) {
    const clock = new FakeClock();
    const writes: { at: number; text: string }[] = [];
    const t = new OutputThrottle((text) => writes.push({ at: clock.now(), text }), maxBytes, 16, 1000, clock);
    return { t, clock, writes, shown: () => writes.map((w) => w.text).join('') };
  }

  it('writes what arrives within one interval as one batch', async () => {
    const { t, clock, writes } = throttle();
    t.push('a\n');
    t.push('b\n');
    await clock.advance(15);
    assert.equal(writes.length, 0);
    await clock.advance(1);
    assert.deepEqual(writes, [{ at: 16, text: 'a\nb\n' }]);
  });

  it('holds output until release, then writes it at once, in order, in one write', async () => {
    const { t, clock, writes } = throttle();
    t.push('before\n');
    await clock.advance(16);
    t.hold();
    for (let i = 0; i < 5; i++) {
      t.push(`line ${i}\n`);
      await clock.advance(40); // spread over several frames
    }
    assert.equal(writes.length, 1, 'nothing written while held');
    t.release();
    assert.deepEqual(writes[1], { at: 216, text: 'line 0\nline 1\nline 2\nline 3\nline 4\n' });
    t.push('after\n');
    await clock.advance(16);
    assert.equal(writes[2].text, 'after\n', 'unheld again');
  });

  it('releases on its own after 1 s (a hold is not extended by holding again)', async () => {
    const { t, clock, writes } = throttle();
    t.hold();
    t.push('x\n');
    await clock.advance(500);
    t.hold();
    t.push('y\n');
    await clock.advance(499);
    assert.equal(writes.length, 0);
    await clock.advance(1);
    assert.deepEqual(writes, [{ at: 1000, text: 'x\ny\n' }]);
    assert.equal(t.held, false);
  });

  it('a flood while held: keeps exactly what an unheld throttle shows, drains at most one frame per interval', async () => {
    const maxBytes = 1024;
    const held = throttle(maxBytes);
    const free = throttle(maxBytes);
    const random = seeded('THROTTLE_FLOOD');
    held.t.hold();
    for (let ms = 0; ms < 800; ms++) {
      const text = `${ms} ${'x'.repeat(Math.floor(random() * 200))}\n`;
      held.t.push(text);
      free.t.push(text);
      await Promise.all([held.clock.advance(1), free.clock.advance(1)]);
    }
    held.t.release();
    await Promise.all([held.clock.advance(2000), free.clock.advance(2000)]);
    assert.ok(free.shown().includes('skipped'), 'the flood was more than the display takes');
    assert.equal(held.shown(), free.shown(), 'same text, same order');
    for (const w of held.writes) assert.ok(w.text.length <= maxBytes + 100, `a write of ${w.text.length} bytes`);
    const gaps = held.writes.slice(1).map((w, i) => w.at - held.writes[i].at);
    assert.ok(
      gaps.every((g) => g >= 16),
      `drained one batch per interval: ${gaps.join(',')}`,
    );
  });

  it('random pushes, holds and releases: every byte shown once, in order', async () => {
    const random = seeded('THROTTLE_HOLD');
    const { t, clock, shown } = throttle();
    let sent = '';
    for (let i = 0; i < 500; i++) {
      const r = random();
      if (r < 0.1) t.hold();
      else if (r < 0.2) t.release();
      else {
        const text = `${i}:${'y'.repeat(Math.floor(random() * 30))}\n`;
        sent += text;
        t.push(text);
      }
      await clock.advance(Math.floor(random() * 60));
    }
    await clock.advance(1000);
    assert.equal(shown(), sent);
  });

  it('holds back to back on a flood: the unwritten backlog stays bounded; what is dropped is said', async () => {
    const maxBytes = 1024;
    const { t, clock, writes } = throttle(maxBytes);
    for (let s = 0; s < 20; s++) {
      t.hold();
      for (let ms = 0; ms < 1000; ms++) {
        t.push('z'.repeat(200) + '\n');
        await clock.advance(1);
      }
      // The 1 s limit released it a moment ago: one batch went out, then the next reload holds again.
    }
    const before = writes.length;
    t.dispose(); // writes the whole backlog at once
    assert.equal(writes.length, before + 1);
    const backlog = writes[before].text.length;
    // At most what one hold cuts (1 s of 16 ms frames); 20 s of frames without the bound.
    assert.ok(backlog <= Math.ceil(1000 / 16) * (maxBytes + 100), `${backlog} bytes were waiting`);
    assert.match(writes[before].text, /^\x1b\[2m… [\d.]+ [KM]?B of output skipped/, 'the backlog starts by saying what was dropped');
  });

  it('dispose writes what is held', async () => {
    const { t, writes } = throttle();
    t.hold();
    t.push('last words\n');
    t.dispose();
    assert.deepEqual(
      writes.map((w) => w.text),
      ['last words\n'],
    );
  });
});
