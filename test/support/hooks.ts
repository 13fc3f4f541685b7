import * as fs from 'node:fs';
import { disposeAll, processesUnder, TEST_TMP } from './helpers';

/**
 * Root hooks: every test's engines are disposed, and no process started under the test folder
 * may survive a test. A leak fails the test that caused it (and is then killed, so the next
 * test starts clean).
 */
export const mochaHooks = {
  async afterEach(this: Mocha.Context) {
    await disposeAll();
    const deadline = Date.now() + 3000;
    let left = processesUnder(TEST_TMP);
    while (left.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      left = processesUnder(TEST_TMP);
    }
    if (left.length) {
      for (const p of left) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      throw new Error(`processes left behind: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
    }
  },
  afterAll() {
    fs.rmSync(TEST_TMP, { recursive: true, force: true });
  },
};
