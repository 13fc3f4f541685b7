/**
 * Every setting, declared once. The rows feed RawSettings, the engine's defaults and bounds, the
 * VS Code key lists (which keys the engine reads, which need a restart), the CLI's flags, its
 * --help and raw-settings map, the README tables and package.json's contributes.configuration
 * (`npm run gen:settings` rewrites it; test/unit/schema.test.ts fails when they drift apart).
 * Before this table a setting was declared in up to seven places and nothing checked that they
 * agreed: a key missing from one list was silently ignored.
 */

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGKILL'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export const DEFAULT_INCLUDE = [
  '**/*.go',
  '**/*.tmpl',
  '**/*.tpl',
  '**/*.html',
  'go.mod',
  'go.sum',
  'go.work',
  '**/*.{c,h,s,S,sx,cc,cpp,cxx,hh,hpp,hxx,m,syso}',
  '**/default.pgo',
];
/**
 * testdata/ and _test.go are left out of builds by the go command for Go sources only: a template
 * kept in testdata/ (Gin's own template example) is read at run time, so its edits must count.
 */
export const DEFAULT_EXCLUDE = ['**/vendor/**', '**/node_modules/**', '**/.git/**', '**/testdata/**/*.go', '**/*_test.go'];

/**
 * How a value is typed and checked: 'strings' is a list of strings, 'command' an argv list or one
 * shell string, 'commands' a list of those, 'env' an object of strings, 'port' 1..65535 or empty.
 */
export type SettingKind = 'string' | 'number' | 'boolean' | 'strings' | 'command' | 'commands' | 'env' | 'port' | 'signal' | 'services';

export interface CliFlag {
  /** The long flag without `--`. */
  flag: string;
  short?: string;
  /** The value's name in --help (`<ms>`); none for a boolean. */
  arg?: string;
  /** A `--no-…` flag that sets a default-true boolean to false. */
  negate?: boolean;
  /** One line of --help and of the README's CLI table (wrapped by the printer; a '\n' keeps an example whole on a line of its own). */
  help: string;
}

export interface SettingRow {
  key: string;
  kind: SettingKind;
  /** As package.json shows it; null for "empty" (the engine then detects or leaves it off). */
  default: unknown;
  min?: number;
  max?: number;
  /** A change rebuilds and restarts the server (true), applies at once (false), or is handled by its own code ('own'). */
  restart: boolean | 'own';
  /** false: the VS Code adapter reads it, the engine never sees it (not part of RawSettings). */
  engine?: false;
  /**
   * Why there is no CLI flag: the setting only means something inside VS Code. Said as the CLI's
   * words for the setting when a core message names it (cli/words.ts).
   */
  vscodeOnly?: string;
  cli?: CliFlag;
  /** The markdown description package.json and the README show. */
  description: string;
  /** More of package.json's JSON schema (enum, items of an object list). */
  json?: Record<string, unknown>;
}

export const SETTINGS = [
  {
    key: 'startOnOpen',
    kind: 'boolean',
    default: false,
    restart: false,
    engine: false,
    vscodeOnly: 'starting on open (an editor setting; the CLI starts when it is run)',
    description:
      'Turn hot reload on when the workspace opens. Once you toggle hot reload from the status bar, that choice is remembered for this workspace and wins over this setting.',
  },
  {
    key: 'services',
    kind: 'services',
    default: [],
    // The controller restarts only the services whose own spec changed.
    restart: 'own',
    engine: false,
    vscodeOnly: 'services (an editor setting; run one gopher-reload per server with --folder or --package)',
    description:
      'Several servers in this module, each with its own build, terminal, Problems and status, for example `[{"name": "api", "package": "./cmd/api", "port": 8081}, {"name": "worker", "package": "./cmd/worker", "env": {"PORT": "8082"}}]`. A service takes every `gopherReload.*` setting of the module and overrides any of them (`env` is merged); `folder` moves it to a folder below the module. A change rebuilds only the services whose packages import the changed file (asked of `go list -deps`). Empty: the module is one server.',
    json: {
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: true,
        properties: {
          name: { type: 'string', pattern: '^[\\w.-]{1,40}$', description: 'Shown in the status bar, the terminal name and the Problems source.' },
          folder: { type: 'string', description: 'A folder below the module the service builds and runs in (default: the module root).' },
          package: { type: 'string', description: 'The main package, for example ./cmd/api.' },
          buildCommand: { type: ['array', 'string'], items: { type: 'string' } },
          binary: { type: 'string' },
          args: { type: 'array', items: { type: 'string' } },
          env: { type: 'object', additionalProperties: { type: 'string' } },
          envFiles: { type: 'array', items: { type: 'string' } },
          port: { type: ['number', 'null'] },
          healthUrl: { type: 'string' },
          readyPattern: { type: 'string' },
        },
      },
    },
  },
  {
    key: 'package',
    kind: 'string',
    default: '.',
    restart: true,
    cli: { flag: 'package', short: 'p', arg: 'pkg', help: 'package to build, relative to the folder (default ".")' },
    description: 'The main package to build, relative to the module root (for example `./cmd/api`).',
  },
  {
    key: 'buildCommand',
    kind: 'command',
    default: null,
    restart: true,
    cli: { flag: 'build', arg: 'cmd', help: 'build command, run in your shell (must write --binary); or give it as an argv after --' },
    description:
      'The build command. An **array** is an argv run without a shell (`${binary}`, `${package}`, `${root}`, `${outputDir}` are replaced), for example `["go", "build", "-tags", "dev", "-o", "${binary}", "${package}"]`. A **string** is run in your shell. Empty: `go build -v -ldflags="-s -w" -o ${binary} ${package}` (`-v` lists each package as it is compiled: that is the build progress; those lines are not shown). The command must write the binary named by `#gopherReload.binary#`.',
  },
  {
    key: 'buildTask',
    kind: 'string',
    default: '',
    restart: true,
    engine: false,
    vscodeOnly: 'a build task (a tasks.json task runs only in VS Code; give the CLI the command with --build or after --)',
    description:
      "Label of a task in `tasks.json` to run as the build step instead of `#gopherReload.buildCommand#` (its terminal and problem matcher are the task's own). It must write `#gopherReload.binary#`.",
  },
  {
    key: 'buildFlags',
    kind: 'strings',
    default: [],
    restart: true,
    cli: { flag: 'build-flag', arg: 'flag', help: 'extra go build flag, e.g. --build-flag -race (repeatable)' },
    description: 'Extra flags for the default `go build`, for example `["-tags", "dev"]` or `["-race"]`.',
  },
  {
    key: 'debugInfo',
    kind: 'boolean',
    default: false,
    restart: true,
    cli: { flag: 'debug-info', help: 'keep DWARF and disable optimisations (for a debugger)' },
    description:
      'Build with full debug information and without optimisations (`-gcflags=all=-N -l`) for a debugger. Off: the faster development profile `-ldflags="-s -w"` (no symbol table or DWARF; panics still show file:line).',
  },
  {
    key: 'debug',
    kind: 'boolean',
    default: false,
    restart: true,
    cli: { flag: 'debug', help: 'run the server under Delve (dlv --headless) on a printed port, again after each reload; implies --debug-info' },
    description:
      'Run the server under the Delve debugger, again after every reload: breakpoints survive each save. Builds with `-gcflags=all=-N -l` (implies `#gopherReload.debugInfo#`). In VS Code the debug session follows each new server by itself; the command **Debug Server (hot reload)** and a `gopher-reload` launch configuration turn it on too.',
  },
  {
    key: 'dlvPath',
    kind: 'string',
    default: '',
    restart: true,
    cli: { flag: 'dlv', arg: 'path', help: 'the dlv binary (default: found on PATH, $GOBIN, $GOPATH/bin)' },
    description:
      "The Delve binary for `#gopherReload.debug#`. Empty: the Go extension's `go.alternateTools` entry for `dlv`, then `dlv` on PATH, in `$GOBIN` and in each `$GOPATH/bin`.",
  },
  {
    key: 'debugPort',
    kind: 'port',
    default: null,
    restart: true,
    cli: { flag: 'debug-port', arg: 'n', help: 'the port Delve listens on with --debug (default: a free one, the same after every reload)' },
    description:
      'The port Delve listens on (loopback only) with `#gopherReload.debug#`. Empty: a free port, kept across reloads so another debugger (GoLand, nvim-dap) can attach to the same address.',
  },
  {
    key: 'buildWhileTyping',
    kind: 'boolean',
    default: true,
    restart: false,
    vscodeOnly: 'pre-building while typing (an editor feature; the CLI builds on save)',
    description:
      'While you pause typing in a Go file of a running server, build the unsaved text in the background (`-overlay`; nothing on disk is touched): after 100 ms the edited packages are compiled, after 300 ms the binary is linked. Saving exactly that text then swaps to the pre-built binary at once, with no build after the save; any other save builds as usual (and finds the compile done when it saved the compiled text). Only with the default build and no `#gopherReload.preBuild#` steps.',
  },
  {
    key: 'preBuild',
    kind: 'commands',
    default: [],
    restart: true,
    cli: { flag: 'pre-build', arg: 'cmd', help: 'run before each build, in your shell (repeatable)' },
    description:
      'Commands run before each build, for example `["go generate ./..."]` or `[["swag", "init"]]` (a string runs in your shell, an array without one). Files they write do not trigger another build.',
  },
  {
    key: 'postStop',
    kind: 'commands',
    default: [],
    restart: false,
    cli: { flag: 'post-stop', arg: 'cmd', help: 'run once when gopher-reload exits, in your shell (repeatable)' },
    description:
      'Commands run once when the server is stopped for good (Stop Server, hot reload off, closing VS Code, the CLI exiting), never between reloads; `.air.toml`\'s `post_cmd`. Example: `["docker compose stop db"]`. Each may take up to 10 s.',
  },
  {
    key: 'buildTimeoutMs',
    kind: 'number',
    default: 300000,
    min: 1000,
    max: 3600000,
    restart: true,
    cli: { flag: 'build-timeout-ms', arg: 'ms', help: 'stop a build that runs longer (default 300000)' },
    description: 'A build running longer than this is stopped and reported.',
  },
  {
    key: 'outputDir',
    kind: 'string',
    default: '.gopher-reload',
    restart: true,
    cli: { flag: 'output-dir', arg: 'dir', help: 'folder for binaries (default .gopher-reload; not the module root or a folder with Go sources)' },
    description:
      'Folder (relative to the module root) for built binaries. Changes inside it never trigger a build. When Gopher Reload creates the folder (or it is the default `.gopher-reload`), it writes a `.gitignore` of `*` in it so `git add -A` never commits binaries. Must not be the module root or a folder holding Go sources.',
  },
  {
    key: 'binary',
    kind: 'string',
    default: '',
    restart: true,
    cli: { flag: 'binary', arg: 'path', help: 'the binary to run (default <output-dir>/<dir name>)' },
    description: 'The binary to run. Empty: `<outputDir>/<module folder name>`.',
  },
  {
    key: 'args',
    kind: 'strings',
    default: [],
    restart: true,
    cli: {
      flag: 'arg',
      short: 'a',
      arg: 'arg',
      help: "one argument for the server (repeatable); values may start with '-':\n-a -addr=:9999, --arg -addr=:9999 and --arg=-addr=:9999 all work",
    },
    description: 'Arguments passed to the server.',
  },
  {
    key: 'env',
    kind: 'env',
    default: {},
    restart: true,
    cli: { flag: 'env', short: 'e', arg: 'K=V', help: 'environment variable for build and server (repeatable)' },
    description:
      'Environment variables for the build and the server, for example `{"GIN_MODE": "debug", "PORT": "8080"}`. They win over `#gopherReload.envFiles#`.',
  },
  {
    key: 'envFiles',
    kind: 'strings',
    default: ['.env'],
    restart: true,
    cli: { flag: 'env-file', arg: 'file', help: '.env file to load (repeatable; default .env if present)' },
    description:
      '`.env` files (dotenv syntax) loaded in order, relative to the module root. A missing default `.env` is fine; a missing file you listed is reported.',
  },
  {
    key: 'include',
    kind: 'strings',
    default: DEFAULT_INCLUDE,
    restart: false,
    cli: { flag: 'include', arg: 'glob', help: `more files that trigger a rebuild (repeatable; added to the defaults ${DEFAULT_INCLUDE.join(' ')})` },
    description: 'Globs (relative to the module root) of files whose changes rebuild.',
  },
  {
    key: 'exclude',
    kind: 'strings',
    default: DEFAULT_EXCLUDE,
    restart: false,
    cli: { flag: 'exclude', arg: 'glob', help: `more files that never do (repeatable; added to the defaults ${DEFAULT_EXCLUDE.join(' ')})` },
    description:
      'Globs of files that never trigger a rebuild. The output folder is always excluded. Like the go command, `testdata/` and `_test.go` are excluded for Go sources only: a template in `testdata/` still counts.',
  },
  {
    key: 'quietWindowMs',
    kind: 'number',
    default: 30,
    min: 0,
    max: 10000,
    restart: false,
    cli: { flag: 'quiet-ms', arg: 'ms', help: 'quiet window that coalesces a burst of changes (default 30)' },
    description: 'Changes closer together than this form one build (Save All, format-on-save, branch switches). air waits 1000 ms.',
  },
  {
    key: 'stopSignal',
    kind: 'signal',
    default: 'SIGINT',
    restart: false,
    cli: { flag: 'signal', arg: 'SIG', help: 'stop signal (default SIGINT)' },
    description: "Signal sent to the server's process group to stop it (SIGINT is what Ctrl-C sends).",
    json: {
      enum: STOP_SIGNALS,
      enumDescriptions: [
        'Ctrl-C: what Go servers with graceful shutdown usually wait for',
        'Polite termination',
        'Hang-up',
        'Quit (Go prints all goroutine stacks)',
        'Kill at once, no graceful shutdown',
      ],
    },
  },
  {
    key: 'killDelayMs',
    kind: 'number',
    default: 2000,
    min: 0,
    max: 60000,
    restart: false,
    cli: { flag: 'kill-delay-ms', arg: 'ms', help: 'time to exit before the tree is killed (default 2000)' },
    description: 'How long the server may take to exit after the stop signal before its whole process tree is killed.',
  },
  {
    key: 'port',
    kind: 'port',
    default: null,
    restart: true,
    cli: { flag: 'port', arg: 'n', help: 'port the server listens on (default: detected)' },
    description:
      "The port the server listens on. Empty: detected from its output (Gin's `Listening and serving HTTP on :8080`) or its sockets. Used for readiness, the port-free check and Open in Browser.",
  },
  {
    key: 'healthUrl',
    kind: 'string',
    default: '',
    restart: true,
    cli: { flag: 'health-url', arg: 'url', help: 'ready when this URL answers below 400' },
    description: 'When set, the server is ready once this URL answers with a status below 400, for example `http://localhost:8080/health`.',
  },
  {
    key: 'readyPattern',
    kind: 'string',
    default: '',
    restart: true,
    cli: { flag: 'ready-pattern', arg: 're', help: 'ready when a log line matches' },
    description: 'When set, the server is ready once a line of its output matches this regular expression.',
  },
  {
    key: 'startupTimeoutMs',
    kind: 'number',
    default: 30000,
    min: 100,
    max: 600000,
    restart: false,
    cli: { flag: 'startup-timeout-ms', arg: 'ms', help: 'how long to wait for ready (default 30000)' },
    description: 'How long to wait for the server to become ready before reporting it as not ready.',
  },
  {
    key: 'proxyPort',
    kind: 'port',
    default: null,
    restart: true,
    cli: {
      flag: 'proxy-port',
      arg: 'n',
      help: 'serve on this port through a proxy that holds requests during reloads (the app gets a free port in $PORT, see --proxy-port-env)',
    },
    description:
      'Turns on the request-holding proxy: it listens on this port (the one you browse to) and forwards to your app on a port of its own (`#gopherReload.port#` if set, else a free one), given to the app in `#gopherReload.proxyPortEnv#` (or `${appPort}` in `#gopherReload.args#`). While the server reloads, requests wait and are forwarded as soon as it is ready, so none fails; when the build fails, pages show the build errors. Empty: no proxy.',
  },
  {
    key: 'proxyPortEnv',
    kind: 'string',
    default: 'PORT',
    restart: true,
    cli: { flag: 'proxy-port-env', arg: 'v', help: 'the env variable that tells the app its port (default PORT)' },
    description: "With `#gopherReload.proxyPort#`: the environment variable that tells your app which port to listen on (Gin's `r.Run()` reads `PORT`).",
  },
  {
    key: 'proxyHoldMs',
    kind: 'number',
    default: 10000,
    min: 100,
    max: 300000,
    restart: true,
    cli: { flag: 'proxy-hold-ms', arg: 'ms', help: 'how long the proxy holds a request while the server reloads (default 10000)' },
    description: 'With `#gopherReload.proxyPort#`: how long a request may wait for the server during a reload before it gets a 503.',
  },
  {
    key: 'liveReload',
    kind: 'boolean',
    default: true,
    restart: true,
    cli: { flag: 'no-live-reload', negate: true, help: "with the proxy: don't reload open pages after each reload" },
    description:
      'With `#gopherReload.proxyPort#`: HTML pages get a small script and reload themselves after each reload (and show the build errors when a build fails).',
  },
  {
    key: 'proxyAllowedHosts',
    kind: 'strings',
    default: [],
    restart: true,
    cli: {
      flag: 'proxy-allowed-host',
      arg: 'host',
      help: "a host besides localhost that may see the proxy's own pages (build errors, live reload), for a forwarded port: my-box.example.com, or .app.github.dev for its subdomains (repeatable)",
    },
    description:
      'With `#gopherReload.proxyPort#`: hosts besides loopback allowed to see the proxy\'s own pages and endpoints (build errors, live reload), for remote development through a forwarded port: e.g. `["my-box.example.com", ".app.github.dev"]`; a leading dot allows subdomains. Other hosts are refused there; requests forwarded to your app are unaffected. In VS Code, **Open in Browser** and the Gin Routes links allow the host VS Code forwards the port under by themselves.',
  },
  {
    key: 'stopOnBuildError',
    kind: 'boolean',
    default: false,
    restart: false,
    cli: { flag: 'stop-on-error', help: 'stop the old server when a build fails' },
    description: 'Stop the running server when a build fails. Off: the old server keeps serving until a build succeeds.',
  },
  {
    key: 'restartOnCrash',
    kind: 'boolean',
    default: true,
    restart: false,
    cli: { flag: 'no-restart-on-crash', negate: true, help: "don't restart a server that crashed" },
    description: 'Restart a server that exits with an error, after 0.5, 1 and 2 s; then wait for the next save.',
  },
] as const satisfies readonly SettingRow[];

type Row = (typeof SETTINGS)[number];
export type SettingKey = Row['key'];
/** The keys the engine reads: every row but the adapter-only ones. */
export type EngineKey = Exclude<Row, { engine: false }>['key'];

/** Untrusted values as a user wrote them (settings.json, flags, .air.toml); resolveConfig checks them. */
export type RawSettings = { [K in EngineKey]?: unknown };

const rows: readonly SettingRow[] = SETTINGS;

export function settingRow(key: SettingKey): SettingRow {
  return rows.find((r) => r.key === key)!;
}

export const ENGINE_KEYS: readonly EngineKey[] = rows.filter((r) => r.engine !== false).map((r) => r.key as EngineKey);
/** Keys whose change needs a rebuild and restart (VS Code applies the others at once). */
export const RESTART_KEYS: readonly SettingKey[] = rows.filter((r) => r.restart === true).map((r) => r.key as SettingKey);

/** A number's default and bounds, as resolveConfig checks them. */
export function bounds(key: SettingKey): { def: number; min: number; max: number } {
  const r = settingRow(key);
  return { def: r.default as number, min: r.min!, max: r.max! };
}

/** contributes.configuration.properties as package.json should hold it. */
export function packageJsonProperties(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const r of rows) {
    const p: Record<string, unknown> = { type: jsonType(r.kind) };
    if (r.kind === 'strings') p.items = { type: 'string' };
    if (r.kind === 'command') p.items = { type: 'string' };
    if (r.kind === 'commands') p.items = { type: ['array', 'string'], items: { type: 'string' } };
    if (r.kind === 'env') p.additionalProperties = { type: 'string' };
    if (r.kind === 'signal') p.enum = r.json?.enum;
    p.default = r.default;
    if (r.min !== undefined) p.minimum = r.min;
    if (r.max !== undefined) p.maximum = r.max;
    if (r.kind === 'port') Object.assign(p, { minimum: 1, maximum: 65535 });
    p.markdownDescription = r.description;
    const { items, ...more } = r.json ?? {};
    Object.assign(p, more);
    p.scope = 'resource';
    if (items) p.items = items;
    out[`gopherReload.${r.key}`] = p;
  }
  return out;
}

function jsonType(kind: SettingKind): string | string[] {
  switch (kind) {
    case 'string':
    case 'signal':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'port':
      return ['number', 'null'];
    case 'command':
      return ['array', 'string', 'null'];
    case 'env':
      return 'object';
    default:
      return 'array';
  }
}
