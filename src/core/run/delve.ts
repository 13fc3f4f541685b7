/**
 * Delve (dlv) for debugging across reloads: issue 14. PROTOTYPE, not wired into the engine.
 *
 * Findings this is built on (docs/debugging-notes.md):
 * - `dlv dap --listen=127.0.0.1:0` picks a free port and prints `DAP server listening at: 127.0.0.1:<port>`
 *   on stdout as its first line; it serves ONE client and exits when that client disconnects.
 * - In launch/exec mode the debuggee inherits dlv's stdout/stderr (unless the client asks for
 *   `outputMode: "remote"`), so the engine keeps reading the app's output from dlv's pipes, even
 *   when VS Code is the DAP client.
 * - The debuggee runs in its own process group (Delve calls setpgid), not dlv's; it dies with dlv
 *   even on SIGKILL (ptrace exit-kill), but the engine must still look for it by tree marker.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface FindDlvOptions {
  /** The environment the build and server run with (PATH, GOBIN, GOPATH). */
  env?: NodeJS.ProcessEnv;
  /** `go.alternateTools.dlv` of the Go extension: an absolute path, or a name looked up on PATH. */
  alternateTool?: string;
  /** The go binary, to ask `go env GOBIN GOPATH` when the environment does not say. */
  goBinary?: string;
}

export interface FoundDlv {
  path: string;
  /** Where it was found, for messages: "go.alternateTools", "PATH", "GOBIN", "GOPATH/bin". */
  via: string;
}

const exe = process.platform === 'win32' ? 'dlv.exe' : 'dlv';

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function goEnv(goBinary: string, env: NodeJS.ProcessEnv): Promise<{ GOBIN?: string; GOPATH?: string }> {
  return new Promise((resolve) => {
    execFile(goBinary, ['env', '-json', 'GOBIN', 'GOPATH'], { env, timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve({});
      try {
        resolve(JSON.parse(stdout) as { GOBIN?: string; GOPATH?: string });
      } catch {
        resolve({});
      }
    });
  });
}

/** Finds dlv: go.alternateTools, then PATH, then $GOBIN, then each $GOPATH/bin (go env's values when unset). */
export async function findDlv(opts: FindDlvOptions = {}): Promise<FoundDlv | undefined> {
  const env = opts.env ?? process.env;
  if (opts.alternateTool) {
    const alt = opts.alternateTool;
    const p = path.isAbsolute(alt) ? (isExecutable(alt) ? alt : undefined) : onPath(alt, env.PATH);
    if (p) return { path: p, via: 'go.alternateTools' };
  }
  const fromPath = onPath(exe, env.PATH);
  if (fromPath) return { path: fromPath, via: 'PATH' };
  let { GOBIN, GOPATH } = env;
  if (!GOBIN || !GOPATH) {
    const asked = await goEnv(opts.goBinary ?? 'go', env);
    GOBIN ||= asked.GOBIN;
    GOPATH ||= asked.GOPATH;
  }
  if (GOBIN && isExecutable(path.join(GOBIN, exe))) return { path: path.join(GOBIN, exe), via: 'GOBIN' };
  for (const dir of (GOPATH || path.join(os.homedir(), 'go')).split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'bin', exe))) return { path: path.join(dir, 'bin', exe), via: 'GOPATH/bin' };
  }
  return undefined;
}

/** The command offered when dlv is missing (run in a terminal, trusted workspace only). */
export const INSTALL_DLV = ['go', 'install', 'github.com/go-delve/delve/cmd/dlv@latest'] as const;

/** Build flags for a debuggable binary: no optimisation, no inlining, and no -s -w (DWARF is needed). */
export const DEBUG_GCFLAGS = '-gcflags=all=-N -l';

export interface DlvServer {
  process: ChildProcess;
  host: string;
  port: number;
  /** Resolves when dlv exits (code, signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartDlvOptions {
  dlvPath: string;
  cwd: string;
  /** dlv's environment; an exec-mode debuggee inherits it, merged with the launch request's env. */
  env?: NodeJS.ProcessEnv;
  host?: string;
  timeoutMs?: number;
  /** dlv's stdout after the "listening" line, and its stderr: in exec mode this is the APP's output. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

const LISTENING = /(?:DAP|API) server listening at: (\S+):(\d+)/;

function startAndLearnPort(args: string[], opts: StartDlvOptions): Promise<DlvServer> {
  const host = opts.host ?? '127.0.0.1';
  const child = spawn(opts.dlvPath, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // dlv in its own group, like a server; the debuggee gets yet another group (setpgid)
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let head = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dlv did not print its port within ${opts.timeoutMs ?? 20_000} ms: ${head.trim()}`));
    }, opts.timeoutMs ?? 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (found) return opts.onStdout?.(d);
      head += d.toString();
      const m = LISTENING.exec(head);
      if (!m) return;
      found = true;
      clearTimeout(timer);
      const rest = head.slice(head.indexOf('\n', m.index) + 1);
      if (rest) opts.onStdout?.(Buffer.from(rest));
      resolve({ process: child, host: m[1] || host, port: Number(m[2]), exited });
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (!found) head += d.toString();
      opts.onStderr?.(d);
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    void exited.then(({ code, signal }) => {
      if (found) return;
      clearTimeout(timer);
      reject(new Error(`dlv exited (${code ?? signal}) before listening: ${head.trim()}`));
    });
  });
}

/** `dlv dap --listen=host:0`: one DAP client (VS Code through DebugAdapterServer), which sends launch. */
export function startDlvDap(opts: StartDlvOptions): Promise<DlvServer> {
  return startAndLearnPort(['dap', `--listen=${opts.host ?? '127.0.0.1'}:0`], opts);
}

/**
 * `dlv exec --headless --accept-multiclient`: the CLI's shape. The target starts halted and runs after the
 * first client's configurationDone (or at once with `continueAtStart`); clients attach with mode "remote".
 */
export function startDlvHeadless(binary: string, args: string[], opts: StartDlvOptions & { port?: number; continueAtStart?: boolean }): Promise<DlvServer> {
  const dlvArgs = [
    'exec',
    '--headless',
    '--accept-multiclient',
    '--api-version=2',
    `--listen=${opts.host ?? '127.0.0.1'}:${opts.port ?? 0}`,
    ...(opts.continueAtStart ? ['--continue'] : []),
    binary,
    ...(args.length ? ['--', ...args] : []),
  ];
  return startAndLearnPort(dlvArgs, opts);
}

/** The DAP launch request arguments for `dlv dap` in exec mode (also a VS Code debug configuration body). */
export function execLaunchArguments(binary: string, cwd: string, env: Record<string, string>, args: string[] = []) {
  return {
    request: 'launch',
    mode: 'exec',
    program: binary,
    cwd,
    env, // merged over dlv's own environment by Delve
    args,
    stopOnEntry: false,
    outputMode: 'local', // the app writes to dlv's stdout/stderr (our pipes), not to DAP output events
  };
}

/** An attach configuration any DAP client can use against startDlvHeadless (printed by the CLI). */
export function remoteAttachConfigs(host: string, port: number, cwd: string) {
  return {
    vscode: { name: 'Attach to gopher-reload', type: 'go', request: 'attach', mode: 'remote', host, port, cwd },
    nvimDap:
      `dap.adapters.gopher_reload = { type = 'server', host = '${host}', port = ${port} }\n` +
      `dap.configurations.go = { { type = 'gopher_reload', request = 'attach', mode = 'remote', name = 'gopher-reload' } }`,
    goland: `Run > Edit Configurations > + > Go Remote: host ${host}, port ${port} (JSON-RPC on the same port)`,
  };
}
