import { runCommand } from './command';

export interface CompilePlan {
  /** Import paths of the packages the build compiles: the stale ones, in go list -deps order. */
  stale: string[];
  /** The main package's import path (go list -deps names it last). */
  main?: string;
}

export interface PlanQuery {
  readonly done: Promise<CompilePlan | undefined>;
  cancel(): void;
}

/**
 * Asks `go list -deps` which packages of the build are stale, i.e. not in the build cache for
 * these flags: exactly what `go build -v` will print, so "37/180" counts real work on a warm
 * cache as on a cold one. buildArgv is the default build's argv (go build … -o bin pkg); the flags
 * are passed as they are (go list takes the build flags), without -v, -o and its value.
 * undefined when go list fails: the progress then has no total, nothing else changes.
 */
export function listPackagesToCompile(buildArgv: string[], cwd: string, env: NodeJS.ProcessEnv): PlanQuery {
  const o = buildArgv.indexOf('-o');
  const flags = buildArgv.slice(2, o === -1 ? -1 : o).filter((f) => f !== '-v');
  const pkg = buildArgv[buildArgv.length - 1];
  const run = runCommand([buildArgv[0], 'list', '-deps', '-f', '{{.Stale}} {{.ImportPath}}', ...flags, '--', pkg], { cwd, env, timeoutMs: 120_000 });
  const done = run.done.then((r) => {
    if (!r.ok) return undefined;
    const stale: string[] = [];
    let main: string | undefined;
    // stdout and stderr come mixed: only "true x" / "false x" lines are go list's answer.
    for (const line of r.output.split(/\r?\n/)) {
      const m = /^(true|false) (\S+)$/.exec(line);
      if (!m) continue;
      main = m[2];
      if (m[1] === 'true') stale.push(m[2]);
    }
    return main === undefined ? undefined : { stale, main };
  });
  return { done, cancel: () => run.cancel() };
}
