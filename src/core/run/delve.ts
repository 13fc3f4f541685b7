/**
 * Finding Delve (dlv) for gopherReload.debug, and how other debuggers attach to it. The process
 * side (how a generation runs under Delve) is in debuggee.ts and delveRuns.ts.
 */
import { execFile } from 'node:child_process';
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

export function isExecutable(p: string): boolean {
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

/** How any debugger attaches to a generation's headless Delve (the CLI prints these). */
export function remoteAttachConfigs(host: string, port: number, cwd: string) {
  return {
    vscode: { name: 'Attach to gopher-reload', type: 'go', request: 'attach', mode: 'remote', host, port, cwd },
    nvimDap:
      `dap.adapters.gopher_reload = { type = 'server', host = '${host}', port = ${port} }\n` +
      `dap.configurations.go = { { type = 'gopher_reload', request = 'attach', mode = 'remote', name = 'gopher-reload' } }`,
    goland: `Run > Edit Configurations > + > Go Remote: host ${host}, port ${port} (JSON-RPC on the same port)`,
  };
}
