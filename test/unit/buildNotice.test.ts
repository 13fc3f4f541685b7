import * as assert from 'node:assert/strict';
import { BuildNotice, type NoticeStep } from '../../src/extension/buildNotice';
import type { BuildProgress } from '../../src/core/engine/state';

const at = (elapsedMs: number, done: number, extra: Partial<BuildProgress> = {}): BuildProgress => ({
  done,
  total: 200,
  elapsedMs,
  phase: 'compiling',
  downloaded: 0,
  ...extra,
});
const increments = (steps: NoticeStep[]) => steps.reduce((sum, s) => sum + (s.kind === 'report' ? (s.increment ?? 0) : 0), 0);

describe('VS Code build notification (pure part)', () => {
  it('a build under 3 s gets none', () => {
    const n = new BuildNotice();
    assert.deepEqual([...n.update(at(1000, 10)), ...n.update(at(2900, 150)), ...n.update(undefined)], []);
  });

  it('opens after 3 s, the bar follows done/total, full when linking, closes when the build is over', () => {
    const n = new BuildNotice();
    assert.deepEqual(n.update(at(2000, 20)), []);
    assert.deepEqual(n.update(at(3000, 50)), [{ kind: 'open' }, { kind: 'report', message: '50/200 packages · 3 s', increment: 25 }]);
    assert.deepEqual(n.update(at(4000, 50)), [{ kind: 'report', message: '50/200 packages · 4 s' }], 'no progress: no increment');
    const steps = [...n.update(at(5000, 120)), ...n.update(at(6000, 199)), ...n.update(at(7000, 199, { phase: 'linking' }))];
    assert.equal(25 + increments(steps), 100);
    assert.deepEqual(steps[steps.length - 1], { kind: 'report', message: 'linking · 7 s', increment: 1 });
    assert.deepEqual(n.update(undefined), [{ kind: 'close' }]);
  });

  it('without a total: the text moves, the bar does not', () => {
    const n = new BuildNotice();
    const steps = [...n.update(at(3500, 0, { phase: 'downloading', downloaded: 3, total: undefined })), ...n.update(at(4000, 12, { total: undefined }))];
    assert.deepEqual(steps, [{ kind: 'open' }, { kind: 'report', message: 'downloading modules (3) · 3 s' }, { kind: 'report', message: '12 packages · 4 s' }]);
  });

  it('once cancelled it stays closed for that build; the next long build opens it again', () => {
    const n = new BuildNotice();
    n.update(at(3000, 10));
    n.dismissed();
    assert.deepEqual(n.update(at(4000, 20)), []);
    assert.deepEqual(n.update(undefined), [], 'nothing left to close');
    assert.deepEqual(
      n.update(at(3100, 5)).map((s) => s.kind),
      ['open', 'report'],
    );
  });
});
