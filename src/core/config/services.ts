import { t } from '../util/l10n';
import * as path from 'node:path';
import { within } from '../util/paths';
import type { ConfigIssue, RawSettings } from './config';

/**
 * Several servers in one module (air #854): `services` lists named targets, each its own engine.
 * A service takes the module's settings and overrides any of them; `env` merges (the service
 * wins per key); `folder` moves the service's root (build, run, env files and watching) below
 * the module. Each service gets its own binary so two builds never write the same file.
 */
export interface ServiceSpec {
  name: string;
  /** The folder the service builds and runs in: the module root or a folder below it. */
  root: string;
  raw: RawSettings;
}

const NAME = /^[\w.-]{1,40}$/;

export function resolveServices(moduleRoot: string, base: RawSettings, services: unknown): { services: ServiceSpec[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const bad = (message: string) => issues.push({ setting: 'services', message });
  if (services === undefined || services === null) return { services: [], issues };
  if (!Array.isArray(services)) {
    bad(
      t(
        'expected a list like {0}, got {1}; running the module as one server',
        '[{"name": "api", "package": "./cmd/api", "port": 8081}]',
        JSON.stringify(services),
      ),
    );
    return { services: [], issues };
  }
  const out: ServiceSpec[] = [];
  for (const [i, s] of (services as unknown[]).entries()) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      bad(t('item {0} is not an object; it is skipped', i + 1));
      continue;
    }
    const { name, folder, ...overrides } = s as Record<string, unknown>;
    if (typeof name !== 'string' || !NAME.test(name)) {
      bad(t("item {0} needs a \"name\" of letters, digits, '.', '_' or '-' (got {1}); it is skipped", i + 1, JSON.stringify(name)));
      continue;
    }
    if (out.some((o) => o.name === name)) {
      bad(t('two services are named "{0}"; the second is skipped', String(name)));
      continue;
    }
    let root = path.resolve(moduleRoot);
    if (folder !== undefined && folder !== null && folder !== '') {
      const dir = typeof folder === 'string' ? path.resolve(root, folder) : undefined;
      if (dir === undefined || !within(dir, root)) {
        bad(t('service "{0}": "folder" must be a folder inside the module, got {1}; it is skipped', String(name), JSON.stringify(folder)));
        continue;
      }
      root = dir;
    }
    const raw: RawSettings = { ...base, ...(overrides as RawSettings) };
    const env = { ...asObject(base.env), ...asObject(overrides.env) };
    if (Object.keys(env).length) raw.env = env;
    if (overrides.binary === undefined) {
      const outDir = typeof raw.outputDir === 'string' && raw.outputDir ? raw.outputDir : '.gopher-reload';
      raw.binary = path.join(outDir, name + (process.platform === 'win32' ? '.exe' : ''));
    }
    out.push({ name, root, raw });
  }
  return { services: out, issues };
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
