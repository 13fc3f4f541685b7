import * as assert from 'node:assert/strict';
import { binaryForBuild } from '../../src/core/build/buildPlan';
import { resolveConfig } from '../../src/core/config/config';

describe('binary per build', () => {
  it('uses a fresh name per build on Windows (the running .exe is locked), one name elsewhere', () => {
    const { config } = resolveConfig('/w/app', { binary: '/w/app/bin/app.exe' });
    assert.equal(binaryForBuild(config, 1, 'linux'), '/w/app/bin/app.exe');
    assert.equal(binaryForBuild(config, 7, 'win32'), '/w/app/bin/app-7.exe');
  });
});
