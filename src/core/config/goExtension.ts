import type { RawSettings } from './schema';

/**
 * The Go extension's settings (golang.go) that say how this project builds, read by the VS Code
 * adapter. Only values someone set: an unset one is undefined.
 */
export interface GoExtensionSettings {
  /** `go.buildTags`: a comma-separated tag list (vscode-go passes it as `-tags`). */
  buildTags?: unknown;
  /** `go.buildFlags`: flags for go build/test/vet (vscode-go's own runs). */
  buildFlags?: unknown;
  /** `go.toolsEnvVars`: environment for the go command and tools. */
  toolsEnvVars?: unknown;
}

export interface GoExtensionMerge {
  raw: RawSettings;
  /** What was taken from the Go extension and what was left out, for the log. */
  notes: string[];
}

// Variables that pick the target platform: a server must run on this machine, so a toolsEnvVars
// value that cross-compiles (set so gopls analyses windows files, say) is not used for the build.
const TARGET_VARS = ['GOOS', 'GOARCH'];

/**
 * Fills what Gopher Reload's own settings leave unset from the Go extension's: `go.buildTags`
 * becomes `-tags`, `go.buildFlags` goes into the build flags (both only when gopherReload.buildFlags
 * is unset), and `go.toolsEnvVars` goes into the environment for each variable gopherReload.env does
 * not set. Ours always win, so a project that configured Gopher Reload is never changed by this.
 */
export function mergeGoExtension(raw: RawSettings, go: GoExtensionSettings, host: { goos: string; goarch: string }): GoExtensionMerge {
  const notes: string[] = [];
  const out: RawSettings = { ...raw };
  const flags = Array.isArray(go.buildFlags) && go.buildFlags.every((f) => typeof f === 'string') ? (go.buildFlags as string[]) : [];
  if (go.buildFlags !== undefined && !Array.isArray(go.buildFlags))
    notes.push(`go.buildFlags is not a list of strings (${JSON.stringify(go.buildFlags)}): not used`);
  const tags = typeof go.buildTags === 'string' ? go.buildTags.trim() : '';
  const hasTags = flags.some((f) => /^--?tags(=|$)/.test(f));
  const fromGo = [...flags, ...(tags && !hasTags ? ['-tags', tags] : [])];
  if (fromGo.length) {
    if (raw.buildFlags !== undefined) notes.push(`go.buildFlags/go.buildTags (${fromGo.join(' ')}) not used: gopherReload.buildFlags is set`);
    else {
      out.buildFlags = fromGo;
      notes.push(`build flags from the Go extension's settings: ${fromGo.join(' ')}`);
    }
  }
  const vars = go.toolsEnvVars;
  if (vars !== undefined && (typeof vars !== 'object' || vars === null || Array.isArray(vars))) notes.push('go.toolsEnvVars is not an object: not used');
  else if (vars) {
    const ours = raw.env && typeof raw.env === 'object' ? (raw.env as Record<string, unknown>) : {};
    const taken: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
      if (typeof v !== 'string') continue;
      if (k in ours) continue; // ours win, variable by variable
      const here = k === 'GOOS' ? host.goos : k === 'GOARCH' ? host.goarch : undefined;
      if (TARGET_VARS.includes(k) && v !== here) {
        notes.push(`go.toolsEnvVars ${k}=${v} not used: the server has to run on this machine (${k}=${here})`);
        continue;
      }
      taken[k] = v;
    }
    if (Object.keys(taken).length) {
      out.env = { ...taken, ...ours };
      notes.push(`environment from go.toolsEnvVars: ${Object.keys(taken).join(', ')}`);
    }
  }
  return { raw: out, notes };
}

/** Go's names for this machine, as GOOS/GOARCH spell them. */
export function hostGoPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): { goos: string; goarch: string } {
  const goos = platform === 'win32' ? 'windows' : platform === 'sunos' ? 'solaris' : platform;
  const goarch =
    (
      { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' } as Record<
        string,
        string
      >
    )[arch] ?? arch;
  return { goos, goarch };
}
