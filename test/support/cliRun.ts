import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './helpers';

/** The CLI as a user runs it: dist/cli.js in a real process, stdout and stderr collected. */
export interface CliRun {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  exit: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** The CLI bundle under test (a mutated copy can be pointed at to check that a test can fail). */
export const CLI_JS = process.env.GOPHER_RELOAD_TEST_CLI ?? path.join(repoRoot(), 'dist', 'cli.js');

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  // English unless a test asks for a language: the machine's own LANG must not change what tests read.
  const proc = spawn(process.execPath, [CLI_JS, ...args], {
    env: { ...process.env, NO_COLOR: '1', LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8', ...env },
    stdio: 'pipe',
  });
  let out = '';
  proc.stdout.on('data', (b) => (out += b));
  proc.stderr.on('data', (b) => (out += b));
  proc.stdout.on('error', () => undefined);
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    out: () => out,
    exit,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGINT');
      return exit;
    },
  };
}
