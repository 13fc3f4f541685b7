import * as fs from 'node:fs';
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
  private droppedGoroot?: string;

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
    if (r.notFound) return env;
    const out = goEnvironment(env, r, c.goroot ? expandSetting(c.goroot, o) : undefined, this.platform, sameFile);
    const dropped = env.GOROOT && !out.GOROOT ? env.GOROOT : undefined;
    if (dropped && dropped !== this.droppedGoroot) this.log.info(`GOROOT=${dropped} is another go's: unset for the go commands of ${r.path}`);
    this.droppedGoroot = dropped;
    return out;
  }
}

/**
 * `env` with the found go's folder first on PATH, unless PATH already gives that go first; with
 * GOROOT set from `go.goroot` when that is where it was found; and without a GOROOT that belongs to
 * another go (a shell's exported GOROOT would make the found go compile against another toolchain's
 * standard library: "version go1.26 does not match go tool version go1.22"). `sameFile` tells
 * whether two paths are one binary (symlinks: /usr/bin/go is often /usr/lib/go/bin/go).
 */
export function goEnvironment(
  env: NodeJS.ProcessEnv,
  found: GoFound,
  goroot: string | undefined,
  platform: NodeJS.Platform,
  sameFile: (a: string, b: string) => boolean = (a, b) => a === b,
): NodeJS.ProcessEnv {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const out = { ...env };
  const keys = (name: string) => Object.keys(out).filter((k) => (platform === 'win32' ? k.toUpperCase() === name : k === name));
  if (found.via === 'go.goroot' && goroot) {
    for (const k of keys('GOROOT')) delete out[k];
    out.GOROOT = goroot;
  } else if (found.via !== '$GOROOT/bin') {
    const other = envValue(env, 'GOROOT', platform);
    if (other && !sameFile(p.join(other, 'bin', found.name), found.path)) for (const k of keys('GOROOT')) delete out[k];
  }
  if (found.via === 'PATH') return out;
  const dir = p.dirname(found.path);
  const sep = platform === 'win32' ? ';' : ':';
  // On Windows, Path and PATH may both be there (a PATH setting over the system's Path): both get it.
  const pathKeys = keys('PATH');
  for (const k of pathKeys.length ? pathKeys : ['PATH']) out[k] = out[k] ? `${dir}${sep}${out[k]}` : dir;
  return out;
}

/** Whether two paths are the same file once symlinks are followed. */
export function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}
