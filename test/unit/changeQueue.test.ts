import * as assert from 'node:assert/strict';
import { ChangeQueue, STORM_WINDOW_MS } from '../../src/core/engine/changeQueue';
import { FakeClock } from '../support/fakeClock';

/** The change queue alone, on a fake clock: quiet window, coalescing and storm backoff in exact milliseconds. */
describe('change queue (fake clock, no Go)', () => {
  const QUIET = 50;
  function queue(building = () => false) {
    const clock = new FakeClock();
    const events = { ready: 0, superseded: [] as number[] };
    const q = new ChangeQueue(
      {
        quietWindowMs: () => QUIET,
        building,
        supersede: (w) => events.superseded.push(w),
        ready: () => events.ready++,
      },
      clock,
    );
    return { q, clock, events };
  }

  it('a change waits exactly the quiet window, then is ready as one round', async () => {
    const { q, clock, events } = queue();
    q.add('main.go');
    assert.equal(q.hasWork(), false, 'waiting for the quiet window');
    await clock.advance(QUIET - 1);
    assert.equal(events.ready, 0);
    assert.equal(q.hasWork(), false);
    await clock.advance(1);
    assert.equal(events.ready, 1);
    assert.equal(q.hasWork(), true);
    assert.deepEqual(q.take(), { files: ['main.go'], forced: undefined, changeAt: 0 });
    assert.equal(q.hasWork(), false, 'taken: empty');
  });

  it('now() (the save of exactly the pre-built text) ends the quiet window at once; a later save still gets a round of its own', async () => {
    const { q, clock, events } = queue();
    q.add('main.go');
    q.now();
    assert.equal(events.ready, 1, 'ready without waiting');
    assert.deepEqual(q.take().files, ['main.go']);
    q.add('other.go');
    await clock.advance(QUIET - 1);
    assert.equal(events.ready, 1, 'the next change waits its window as usual');
    await clock.advance(1);
    assert.equal(events.ready, 2);
    q.now();
    assert.equal(events.ready, 2, 'nothing waiting: now() does nothing');
  });

  it('now() does not cut the window while a build runs (the window decides whether it is superseded)', async () => {
    const { q, clock, events } = queue(() => true);
    q.add('main.go');
    q.now();
    assert.equal(events.ready, 0);
    await clock.advance(QUIET);
    assert.equal(events.ready, 1);
  });

  it('a burst of saves each inside the window of the last is one round of every file, timed from the last save', async () => {
    const { q, clock, events } = queue();
    for (let i = 0; i < 20; i++) {
      q.add(`f${i}.go`);
      await clock.advance(QUIET - 10);
    }
    assert.equal(events.ready, 0, 'each save extended the window');
    await clock.advance(10);
    assert.equal(events.ready, 1);
    const round = q.take();
    assert.equal(round.files.length, 20);
    assert.equal(round.changeAt, 19 * (QUIET - 10), 'the last save');
  });

  it('a storm that keeps cancelling builds doubles the window up to the cap; a build that finishes ends the storm', async () => {
    let building = true;
    const { q, clock, events } = queue(() => building);
    const windows: number[] = [];
    for (let i = 0; i < 5; i++) {
      q.add('main.go');
      windows.push(q.windowMs);
      await clock.advance(q.windowMs);
      q.take();
    }
    assert.deepEqual(windows, [QUIET, QUIET * 4, QUIET * 8, STORM_WINDOW_MS, STORM_WINDOW_MS]);
    assert.deepEqual(events.superseded, [QUIET * 4, QUIET * 8, STORM_WINDOW_MS, STORM_WINDOW_MS, STORM_WINDOW_MS]);
    building = false; // the build of the latest save runs to the end
    q.add('main.go');
    q.built();
    assert.equal(q.windowMs, STORM_WINDOW_MS, 'a change waits: the storm is not over');
    await clock.advance(STORM_WINDOW_MS);
    q.take();
    q.built();
    assert.equal(q.windowMs, QUIET, 'the latest code was built: back to the configured window');
    q.add('main.go');
    await clock.advance(QUIET);
    assert.equal(events.superseded.length, 5, 'no build running: nothing to cancel');
  });

  it('forced work and a crash respawn need no quiet window; a change takes precedence over a respawn', () => {
    const { q } = queue();
    q.respawn('crash restart');
    assert.equal(q.hasWork(), true);
    q.add('main.go');
    assert.equal(q.takeRespawn(), undefined, 'a change waits: build it rather than restart the old binary');
    assert.equal(q.superseding, true);
    q.force('restart');
    assert.deepEqual(q.take().forced, 'restart');
    assert.equal(q.hasWork(), false, 'the respawn was folded into the round');
  });

  it('files saved during a pre-build step are queued without another window; clear() forgets everything', async () => {
    const { q, clock, events } = queue();
    q.requeue(['gen.go']);
    assert.equal(q.hasWork(), true);
    q.add('main.go');
    q.clear();
    assert.equal(q.hasWork(), false);
    assert.equal(clock.pending, 0, 'the quiet timer is gone');
    await clock.advance(1000);
    assert.equal(events.ready, 0);
  });
});
