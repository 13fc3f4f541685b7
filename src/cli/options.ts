import type { RawSettings } from '../core';

/** The CLI's flags (node:util parseArgs shape). words.ts names settings by these, so they stay in step. */
export const CLI_OPTIONS = {
  package: { type: 'string', short: 'p' },
  folder: { type: 'string' },
  build: { type: 'string' },
  'build-flag': { type: 'string', multiple: true },
  'build-timeout-ms': { type: 'string' },
  binary: { type: 'string' },
  'output-dir': { type: 'string' },
  'debug-info': { type: 'boolean' },
  'pre-build': { type: 'string', multiple: true },
  'post-stop': { type: 'string', multiple: true },
  'proxy-port': { type: 'string' },
  'proxy-port-env': { type: 'string' },
  'proxy-hold-ms': { type: 'string' },
  'no-live-reload': { type: 'boolean' },
  'proxy-allowed-host': { type: 'string', multiple: true },
  arg: { type: 'string', short: 'a', multiple: true },
  env: { type: 'string', short: 'e', multiple: true },
  'env-file': { type: 'string', multiple: true },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'no-default-includes': { type: 'boolean' },
  'no-default-excludes': { type: 'boolean' },
  'quiet-ms': { type: 'string' },
  poll: { type: 'string' },
  signal: { type: 'string' },
  'kill-delay-ms': { type: 'string' },
  port: { type: 'string' },
  'health-url': { type: 'string' },
  'ready-pattern': { type: 'string' },
  'startup-timeout-ms': { type: 'string' },
  'stop-on-error': { type: 'boolean' },
  'no-restart-on-crash': { type: 'boolean' },
  'no-air': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliOption = keyof typeof CLI_OPTIONS;

/**
 * Options whose value may start with '-': a Go server's own flags (`-a -addr=:9999`) and go build
 * flags (`--build-flag -race`). parseArgs refuses `--arg -x` as ambiguous, so these are joined
 * into `--arg=-x` before parsing.
 */
export const DASH_VALUES: readonly CliOption[] = ['arg', 'build-flag'];

/** Each engine setting, named the way a CLI user can act on it: its flag, or a sentence when it has none. */
export const SETTING_WORDS: Record<keyof RawSettings | 'services', `--${CliOption}` | `--${CliOption} ${string}` | { sentence: string }> = {
  package: '--package',
  buildCommand: '--build',
  buildFlags: '--build-flag',
  debugInfo: '--debug-info',
  buildTimeoutMs: '--build-timeout-ms',
  preBuild: '--pre-build',
  postStop: '--post-stop',
  outputDir: '--output-dir',
  binary: '--binary',
  args: '--arg',
  env: '--env',
  envFiles: '--env-file',
  include: '--include',
  exclude: '--exclude',
  quietWindowMs: '--quiet-ms',
  stopSignal: '--signal',
  killDelayMs: '--kill-delay-ms',
  port: '--port',
  healthUrl: '--health-url',
  readyPattern: '--ready-pattern',
  startupTimeoutMs: '--startup-timeout-ms',
  stopOnBuildError: '--stop-on-error',
  restartOnCrash: '--no-restart-on-crash',
  buildWhileTyping: { sentence: 'pre-building while typing (an editor feature; the CLI builds on save)' },
  proxyPort: '--proxy-port',
  proxyPortEnv: '--proxy-port-env',
  proxyHoldMs: '--proxy-hold-ms',
  liveReload: '--no-live-reload',
  proxyAllowedHosts: '--proxy-allowed-host',
  services: { sentence: 'services (an editor setting; run one gopher-reload per server with --folder or --package)' },
};
