import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvFiles } from '../../src/core/config/envFiles';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gr-small-'));

describe('env files', () => {
  it('merges files in order with dotenv syntax and names malformed lines', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '.env'), 'A=1\n# comment\nB="two words"\nexport C=3\nthis line is wrong\n');
    fs.writeFileSync(path.join(dir, '.env.local'), 'A=override\n');
    const r = loadEnvFiles(dir, ['.env', '.env.local'], true);
    assert.deepEqual(r.env, { A: 'override', B: 'two words', C: '3' });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /line\(s\) 5 /);
  });
  it('says so when a configured env file is missing, not when the default .env is', () => {
    const dir = tmp();
    assert.deepEqual(loadEnvFiles(dir, ['.env'], false).warnings, []);
    const r = loadEnvFiles(dir, ['config/dev.env'], true);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /dev\.env.*ENOENT/);
  });
});
