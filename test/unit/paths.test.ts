import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isInside, within } from '../../src/core/util/paths';

describe('paths: the one inside check', () => {
  const mod = path.resolve('/tmp/gr-mod');
  it('a child folder named ..data (or ...) is inside the module: only the `..` segment leaves it', () => {
    for (const child of ['..data', '...', '..data/x.go', '..']) {
      const abs = path.join(mod, child);
      const expected = child !== '..';
      assert.equal(isInside(abs, mod), expected, child);
      assert.equal(within(abs, mod), expected, child);
    }
  });
  it('the folder itself is within it but not inside it; a sibling sharing its prefix is neither', () => {
    assert.equal(within(mod, mod), true);
    assert.equal(isInside(mod, mod), false);
    assert.equal(within(mod + '-other', mod), false);
    assert.equal(within(path.join(mod, '..', 'gr-mod2', 'x'), mod), false);
    assert.equal(within(path.dirname(mod), mod), false);
  });
  it('relative paths resolve against the cwd; a trailing separator changes nothing', () => {
    assert.equal(within(path.join(process.cwd(), 'a', 'b'), 'a'), true);
    assert.equal(isInside(path.join(mod, 'a') + path.sep, mod + path.sep), true);
  });
});
