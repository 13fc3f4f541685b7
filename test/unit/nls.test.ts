import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/helpers';

/**
 * package.json's user-facing texts are %keys% that VS Code looks up in package.nls.json (English)
 * and package.nls.<language>.json. A key missing from a file shows the raw %key% in that language;
 * a changed `code span`, setting link or command link turns a working hint into a wrong one.
 */
type Nls = Record<string, string>;
const read = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(repoRoot(), name), 'utf8'));

/** Every string in the manifest that is a whole %key%, as VS Code replaces them. */
export function manifestKeys(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node === 'string') {
    const m = /^%([\w.-]+)%$/.exec(node);
    if (m) out.add(m[1]);
  } else if (Array.isArray(node)) node.forEach((n) => manifestKeys(n, out));
  else if (node && typeof node === 'object') Object.values(node).forEach((n) => manifestKeys(n, out));
  return out;
}

/** What must read the same in every language: code spans, setting links, {0} placeholders, link targets. */
export function fixedParts(text: string): string[] {
  const parts = [
    ...[...text.matchAll(/`[^`]*`/g)].map((m) => m[0]),
    ...[...text.matchAll(/#gopherReload\.[\w.]+#/g)].map((m) => m[0]),
    ...[...text.matchAll(/\{\d+\}/g)].map((m) => m[0]),
    ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => `link ${m[1]}`),
  ];
  return parts.sort();
}

/** Product names that stay as they are in Chinese, by key; every other Chinese text must hold CJK. */
const SAME_IN_CHINESE = new Set(['command.category', 'configuration.title']);
const CJK = /[\u4e00-\u9fff]/;

/** Every problem with a manifest and its two bundles, one line each (empty: all good). */
export function nlsProblems(manifest: unknown, en: Nls, zh: Nls): string[] {
  const problems: string[] = [];
  for (const k of manifestKeys(manifest)) {
    if (typeof en[k] !== 'string') problems.push(`package.json uses %${k}% but package.nls.json lacks it`);
    if (typeof zh[k] !== 'string') problems.push(`package.json uses %${k}% but package.nls.zh-cn.json lacks it`);
  }
  for (const k of Object.keys(en)) if (!(k in zh)) problems.push(`${k} is in package.nls.json, not in package.nls.zh-cn.json`);
  for (const k of Object.keys(zh)) if (!(k in en)) problems.push(`${k} is in package.nls.zh-cn.json, not in package.nls.json`);
  for (const k of Object.keys(en)) {
    if (typeof zh[k] !== 'string') continue;
    const a = fixedParts(en[k]);
    const b = fixedParts(zh[k]);
    if (JSON.stringify(a) !== JSON.stringify(b))
      problems.push(`${k}: code, links or placeholders differ: English ${JSON.stringify(a)}, Chinese ${JSON.stringify(b)}`);
    if (!SAME_IN_CHINESE.has(k) && !CJK.test(zh[k])) problems.push(`${k}: the Chinese text has no Chinese in it: ${JSON.stringify(zh[k])}`);
  }
  return problems;
}

describe('package.json localisation (package.nls.json, package.nls.zh-cn.json)', () => {
  const manifest = read('package.json');
  const en = read('package.nls.json') as Nls;
  const zh = read('package.nls.zh-cn.json') as Nls;

  it('every %key% in package.json is in both languages, both files have the same keys, code and links are unchanged, Chinese is Chinese', () => {
    assert.deepEqual(nlsProblems(manifest, en, zh), []);
  });

  it('the manifest has no user-facing text left in English only', () => {
    const m = manifest as {
      description: string;
      capabilities: { untrustedWorkspaces: { description: string } };
      contributes: Record<string, unknown> & {
        commands: { title: string; category: string }[];
        configuration: { properties: Record<string, { markdownDescription: string; enumDescriptions?: string[] }> };
        views: Record<string, { name: string }[]>;
        walkthroughs: { title: string; description: string; steps: { title: string; description: string; media: { altText: string } }[] }[];
      };
    };
    const c = m.contributes;
    const texts = [
      m.description,
      m.capabilities.untrustedWorkspaces.description,
      ...c.commands.flatMap((x) => [x.title, x.category]),
      ...Object.values(c.configuration.properties).flatMap((p) => [p.markdownDescription, ...(p.enumDescriptions ?? [])]),
      ...Object.values(c.views).flatMap((vs) => vs.map((v) => v.name)),
      ...c.walkthroughs.flatMap((w) => [w.title, w.description, ...w.steps.flatMap((s) => [s.title, s.description, s.media.altText])]),
    ];
    assert.deepEqual(
      texts.filter((t) => !/^%[\w.-]+%$/.test(t)),
      [],
    );
    assert.ok(texts.length > 60, `only ${texts.length} texts found: the manifest's shape changed`);
  });

  // The checker itself, on damaged copies: a test that cannot fail proves nothing.
  it('finds a key deleted from either file, a changed code span or setting link, and English left in the Chinese file', () => {
    const drop = (o: Nls, k: string) => Object.fromEntries(Object.entries(o).filter(([x]) => x !== k));
    assert.match(nlsProblems(manifest, drop(en, 'command.restart.title'), zh).join('\n'), /%command\.restart\.title% but package\.nls\.json lacks it/);
    assert.match(nlsProblems(manifest, en, drop(zh, 'walkthrough.turnOn.title')).join('\n'), /walkthrough\.turnOn\.title is in package\.nls\.json, not in/);
    const key = 'gopherReload.buildTask.markdownDescription';
    assert.match(nlsProblems(manifest, en, { ...zh, [key]: zh[key].replace('#gopherReload.binary#', '#gopherReload.bin#') }).join('\n'), /buildTask.*differ/);
    assert.match(nlsProblems(manifest, en, { ...zh, [key]: zh[key].replace('`tasks.json`', '`task.json`') }).join('\n'), /buildTask.*differ/);
    assert.match(nlsProblems(manifest, en, { ...zh, 'command.stop.title': 'Stop Server' }).join('\n'), /command\.stop\.title: the Chinese text has no Chinese/);
    const link = 'walkthrough.turnOn.description';
    assert.match(
      nlsProblems(manifest, en, { ...zh, [link]: zh[link].replace('command:gopherReload.turnOn', 'command:gopherReload.start') }).join('\n'),
      /turnOn.*differ/,
    );
  });
});
