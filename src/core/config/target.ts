import * as path from 'node:path';
import { AirTomlError, readAirToml, type AirImport } from './airToml';
import type { ConfigIssue, RawSettings } from './config';
import { resolveServices } from './services';

/**
 * What a module runs and from which settings: the one place that decides between the user's
 * settings, .air.toml and `services`. Both adapters call it; they only print what it found.
 *
 * The precedence, highest first:
 *  1. Flags (the CLI's command line): per key, over everything below. `folder` (--folder) wins
 *     over .air.toml's `root`.
 *  2. A service's own keys over the module's settings (`env` merges per key); see services.ts.
 *  3. The project's settings file, as a whole: the gopherReload settings when any is set, else
 *     .air.toml (unless `useAir` is false), else nothing (the engine's defaults). A services list
 *     takes its base from the settings only: .air.toml describes one server.
 *
 * Why whole-file at level 3 and not per key: "Convert .air.toml to Settings" writes air's keys as
 * settings, and the extension has always told users "set any gopherReload setting to stop using
 * .air.toml"; merging per key would silently bring back a file the user moved away from. The CLI
 * has no settings file, so there flags sit on .air.toml per key, as they always have. Both
 * adapters keep exactly the behaviour their tests pin down, now stated in one place.
 */
export interface TargetSources {
  moduleRoot: string;
  /** The workspace folder above the module: its .air.toml applies when its `root` points into the module. */
  folderRoot?: string;
  /** Settings the user saved (gopherReload.*): only the keys that were set. */
  settings: RawSettings;
  /** The raw `services` setting (unvalidated). */
  services?: unknown;
  /** Per-run overrides (CLI flags): only keys that were given. */
  flags?: RawSettings;
  /** Absolute folder inside the module to run in (CLI --folder, already checked). */
  folder?: string;
  /** False: never read .air.toml (CLI --no-air). */
  useAir?: boolean;
}

export interface ResolvedTarget {
  /** The service's name; undefined for the module as one server. */
  service?: string;
  /** Where it builds, runs and watches. */
  root: string;
  raw: RawSettings;
}

export interface TargetResolution {
  /** One per valid service, or one for the module. */
  targets: ResolvedTarget[];
  /** Where level 3 came from. */
  source: 'settings' | 'air' | 'defaults';
  /** The .air.toml used (source 'air'): adapters report its unsupported/ignored keys and poll. */
  air?: AirImport;
  /** An .air.toml that would have been used but cannot be read: the defaults are used. */
  airError?: AirTomlError;
  /** Problems with `services`. */
  issues: ConfigIssue[];
}

export function resolveTarget(s: TargetSources): TargetResolution {
  const moduleRoot = path.resolve(s.moduleRoot);
  const flags = s.flags ?? {};
  const withFlags = (t: ResolvedTarget): ResolvedTarget => ({ ...t, root: s.folder ?? t.root, raw: { ...t.raw, ...flags } });
  const { services, issues } = resolveServices(moduleRoot, s.settings, s.services);
  if (services.length) {
    return { targets: services.map((sv) => withFlags({ service: sv.name, root: sv.root, raw: sv.raw })), source: 'settings', issues };
  }
  if (Object.keys(s.settings).length > 0) return { targets: [withFlags({ root: moduleRoot, raw: s.settings })], source: 'settings', issues };
  if (s.useAir !== false) {
    try {
      const air = readAirToml(moduleRoot, s.folderRoot);
      if (air) return { targets: [withFlags({ root: air.root, raw: air.settings })], source: 'air', air, issues };
    } catch (e) {
      if (!(e instanceof AirTomlError)) throw e;
      return { targets: [withFlags({ root: moduleRoot, raw: {} })], source: 'defaults', airError: e, issues };
    }
  }
  return { targets: [withFlags({ root: moduleRoot, raw: {} })], source: 'defaults', issues };
}
