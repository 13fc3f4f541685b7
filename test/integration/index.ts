import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * The suite entry VS Code loads (extensionTestsPath), in VS Code Server or desktop VS Code.
 * GOPHER_RELOAD_SCENARIO names the test file for the opened workspace; the counts go to the file
 * named by GOPHER_RELOAD_TEST_RESULTS so the result does not depend on the browser.
 */
export function run(): Promise<void> {
  const scenario = process.env.GOPHER_RELOAD_SCENARIO ?? 'go';
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, `${scenario}.test.js`));
  const failures: { title: string; error: string }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failed) => {
      const file = process.env.GOPHER_RELOAD_TEST_RESULTS;
      const stats = runner.stats ?? { passes: 0, failures: failed, pending: 0 };
      if (file) fs.writeFileSync(file, JSON.stringify({ passed: stats.passes, failed: stats.failures, pending: stats.pending, failures }));
      if (failed > 0) reject(new Error(`${failed} test(s) failed`));
      else resolve();
    });
    runner.on('fail', (t, err) => failures.push({ title: t.fullTitle(), error: String((err as Error)?.stack ?? err) }));
  });
}
