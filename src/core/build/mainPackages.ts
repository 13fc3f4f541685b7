import { t } from '../util/l10n';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { isInside } from '../util/paths';

/*
 * "No main package here": a module whose server lives in ./cmd/api, run at its root. go build
 * only says `no Go files in /x` (or, for a library package, builds an archive that cannot run),
 * so this finds the main packages and names them in a message the user can act on.
 */
export interface MainPackageAdvice {
  message: string;
  hint: string;
  /** Main packages under the root as `./cmd/api` patterns, `.` for the root itself. */
  mains: string[];
}

/** Build output that means the package has no Go files to build (cheap test before asking go). */
export function looksLikeNoMainPackage(buildOutput: string): boolean {
  return /no Go files in |build constraints exclude all Go files in |is not a main package|is a program, not an importable package/.test(buildOutput);
}

/**
 * Undefined when `pkg` is a main package (or go cannot tell); else what it is and which main
 * packages exist. Call after a failed build whose output passes looksLikeNoMainPackage, or when
 * a built "binary" cannot be executed (go build of a library writes an ar archive).
 */
export async function mainPackageAdvice(
  root: string,
  pkg: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60_000,
  go = 'go',
): Promise<MainPackageAdvice | undefined> {
  const run = (args: string[]) => goOutput(go, args, root, env, timeoutMs);
  const answer = await run(['list', '-e', '-f', '{{.Name}}|{{if .Error}}{{.Error}}{{end}}', pkg]);
  if (answer === undefined) return undefined;
  const [name, error] = [
    answer.slice(0, answer.indexOf('|')),
    answer
      .slice(answer.indexOf('|') + 1)
      .trim()
      .split('\n')[0],
  ];
  if (name === 'main') return undefined;
  const dirs = (await run(['list', '-e', '-f', '{{if eq .Name "main"}}{{.Dir}}{{end}}', './...'])) ?? '';
  const mains = dirs
    .split('\n')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => {
      const rel = path.relative(root, d).split(path.sep).join('/');
      return rel === '' ? '.' : isInside(d, root) ? `./${rel}` : d;
    });
  const what = name ? t('"{0}" is package {1}, not a main package (package main with func main)', pkg, name) : `"${pkg}": ${error || t('no Go files')}`;
  const message = t('No main package to run: {0}.', what);
  const listed = `${mains.slice(0, 10).join(', ')}${mains.length > 10 ? ' ' + t('and {0} more', mains.length - 10) : ''}`;
  const hint = mains.length
    ? t('Main packages in {0}: {1}. Set gopherReload.package to the one to run (for example "{2}"), then save again.', root, listed, mains[0])
    : t("No main package was found under {0}. Open the module that holds your server's package main, or set gopherReload.package to its path.", root);
  return { message, hint, mains };
}

/** stdout of a go command (argv, no shell), or undefined if it could not run. */
function goOutput(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(go, args, { cwd, env: { ...env, PWD: cwd }, timeout: timeoutMs, maxBuffer: 16 << 20, windowsHide: true, encoding: 'utf8' }, (err, stdout) =>
      // `go list -e` exits 0 for a broken package; a non-zero exit means go itself failed.
      resolve(err ? undefined : stdout),
    );
  });
}
