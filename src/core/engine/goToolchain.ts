import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineConfig } from '../config/config';
import { describeGo, envValue, expandSetting, findGo, goNotFoundMessage, type FindGoResult, type GoFound } from '../config/goTool';
import type { Logger } from '../util/log';

/**
 * The one `go` of an engine: found the way the Go extension finds it (findGo), then used by every
 * go command the engine starts — the build, `go list`, the pre-build steps, the `-overlay` builds
 * and a shell build command — because each of them gets this environment, with the found go's
 * folder first on PATH (and GOROOT from `go.goroot`, as the Go extension sets it). The argv of
 * our own commands names the binary itself too, so a `go.alternateTools.go` such as `go1.22.4`
 * (a name PATH would not give as `go`) is the one used.
 */
export class GoToolchain {
  private result: FindGoResult | undefined;
  private said = '';

  constructor(
    private readonly log: Logger,
    private readonly platform: NodeJS.Platform = process.platform,
    private readonly home: string = os.homedir(),
  ) {}

  /** The go binary for argv[0]: the absolute path found, or plain `go` when none was (the spawn then fails and says so). */
  get binary(): string {
    return this.result && !this.result.notFound ? this.result.path : 'go';
  }

  /** Which go and why (or where it was looked for): the line the log has. */
  get description(): string {
    return this.said;
  }

  /** Every place looked when go was not found (for the "not found" message). */
  get notFound(): string | undefined {
    return this.result?.notFound ? goNotFoundMessage(this.result) : undefined;
  }

  /** Finds go for this environment and configuration, and returns the environment every go command gets. */
  apply(env: NodeJS.ProcessEnv, c: Pick<EngineConfig, 'goroot' | 'goAlternateTool' | 'root'>): NodeJS.ProcessEnv {
    const o = { goroot: c.goroot, alternateTool: c.goAlternateTool, env, platform: this.platform, home: this.home, workspaceFolder: c.root };
    const r = findGo(o);
    this.result = r;
    const line = r.notFound ? goNotFoundMessage(r) : describeGo(r, o);
    if (line !== this.said) {
      this.said = line;
      if (r.notFound) this.log.warn(line.replace(/\n/g, ' '));
      else this.log.info(line);
    }
    return r.notFound ? env : goEnvironment(env, r, c.goroot ? expandSetting(c.goroot, o) : undefined, this.platform);
  }
}

/**
 * `env` with the found go's folder first on PATH, unless PATH already gives that go first, and
 * with GOROOT set from `go.goroot` when that is where it was found (a stale GOROOT would make the
 * found go use another toolchain's standard library).
 */
export function goEnvironment(env: NodeJS.ProcessEnv, found: GoFound, goroot: string | undefined, platform: NodeJS.Platform): NodeJS.ProcessEnv {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const out = { ...env };
  if (found.via === 'go.goroot' && goroot) out.GOROOT = goroot;
  if (found.via === 'PATH') return out;
  const key = Object.keys(env).find((k) => (platform === 'win32' ? k.toUpperCase() === 'PATH' : k === 'PATH')) ?? 'PATH';
  const current = envValue(env, 'PATH', platform) ?? '';
  const dir = p.dirname(found.path);
  out[key] = current ? `${dir}${platform === 'win32' ? ';' : ':'}${current}` : dir;
  return out;
}
