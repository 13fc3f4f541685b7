// Named checks for script-style suites (ui.mjs), honest about what ran. Every check is registered
// before anything runs, so the total is the number of registered checks, never a typed constant;
// an exception outside a check (a workbench that never opens, a fixture that fails to copy) is a
// failure, not "skipped"; checks a failure kept from running are skipped and say so.

/**
 * `const plan = checkPlan('ui')`; `const c = plan.add('title')` registers a check (before any
 * setup runs); `await plan.section('what it sets up', async () => { await c(async () => {...}) })`
 * runs setup and checks: a failed check stops its section (later checks build on it), an error
 * thrown by the setup itself counts as one failure. `plan.summary()` prints
 * "label: N passed, N failed, N skipped" and returns the exit code.
 */
export function checkPlan(label) {
  const registered = [];
  const ran = new Set();
  const counted = new WeakSet();
  const r = { passed: 0, failed: 0 };
  const print = (mark, title, e) =>
    console.log(
      `  ${mark} ${title}${
        e
          ? `\n    ${String(e?.stack ?? e)
              .split('\n')
              .slice(0, 6)
              .join('\n    ')}`
          : ''
      }`,
    );

  process.on('uncaughtException', (e) => {
    r.failed++;
    print('✗', 'an exception outside any check', e);
    process.exit(finish());
  });
  process.on('unhandledRejection', (e) => {
    r.failed++;
    print('✗', 'a rejection nobody handled', e);
    process.exit(finish());
  });

  function finish() {
    const skipped = registered.filter((t) => !ran.has(t));
    for (const t of skipped) print('-', `${t} (not run)`);
    console.log(`${label}: ${r.passed} passed, ${r.failed} failed, ${skipped.length} skipped`);
    return r.failed ? 1 : 0;
  }

  return {
    add(title) {
      if (registered.includes(title)) throw new Error(`two checks named ${JSON.stringify(title)}`);
      registered.push(title);
      return async (fn) => {
        if (ran.has(title)) throw new Error(`check ${JSON.stringify(title)} ran twice`);
        ran.add(title);
        try {
          await fn();
          r.passed++;
          print('✔', title);
        } catch (e) {
          r.failed++;
          print('✗', title, e);
          if (e !== null && typeof e === 'object') counted.add(e);
          throw e;
        }
      };
    },
    /** Runs setup + checks; a failure outside a check counts, one already counted by a check does not. */
    async section(what, fn) {
      try {
        await fn();
      } catch (e) {
        if (e !== null && typeof e === 'object' && counted.has(e)) return;
        r.failed++;
        print('✗', `${what}: failed outside any check`, e);
      }
    },
    summary: finish,
  };
}
