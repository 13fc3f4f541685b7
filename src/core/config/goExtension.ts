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
    // Build flags go into the default build only: a build command of one's own has its own.
    else if (raw.buildCommand !== undefined && raw.buildCommand !== null && raw.buildCommand !== '')
      notes.push(`go.buildFlags/go.buildTags (${fromGo.join(' ')}) not used: the build command is your own (gopherReload.buildCommand)`);
    else {
      out.buildFlags = fromGo;
      notes.push(`build flags from the Go extension's settings: ${fromGo.join(' ')}`);
    }
  }
  const vars = go.toolsEnvVars;
  if (vars !== undefined && (typeof vars !== 'object' || vars === null || Array.isArray(vars))) notes.push('go.toolsEnvVars is not an object: not used');
  else if (vars && raw.env !== undefined && (typeof raw.env !== 'object' || raw.env === null || Array.isArray(raw.env)))
    notes.push('go.toolsEnvVars not used: gopherReload.env is not an object (see its settings problem)');
  else if (vars) {
    const ours = raw.env && typeof raw.env === 'object' ? (raw.env as Record<string, unknown>) : {};
    const taken: Record<string, string> = {};
    for (const [k, value] of Object.entries(vars as Record<string, unknown>)) {
      // A number or boolean (CGO_ENABLED: 0) is the string an environment would hold.
      const v = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
      if (typeof v !== 'string') {
        notes.push(`go.toolsEnvVars ${k} is not a string: not used`);
        continue;
      }
      if (k in ours) continue; // ours win, variable by variable
      const here = k === 'GOOS' ? host.goos : k === 'GOARCH' ? host.goarch : undefined;
      if (TARGET_VARS.includes(k) && v !== here) {
        notes.push(`go.toolsEnvVars ${k}=${v} not used: the server has to run on this machine (${k}=${here})`);
        continue;
      }
      taken[k] = v;
    }
    if (tags && /(^|\s)-?-tags[=\s]/.test(taken.GOFLAGS ?? '') && out.buildFlags === fromGo)
      notes.push('go.buildTags wins over the -tags in go.toolsEnvVars GOFLAGS (a flag on the command line beats GOFLAGS)');
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
