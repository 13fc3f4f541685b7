import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/helpers';

/**
 * Each fault test records its figure (reloads done, processes left, requests failed, memory
 * peak...) here; test/faults/report.mjs turns the file into the README's Reliability section, so
 * the README says what the last run measured, not what someone typed.
 */
export const RESULTS = process.env.GOPHER_RELOAD_RELIABILITY_OUT ?? path.join(repoRoot(), 'test', 'results', 'reliability.json');

export interface Figure {
  group: 'Load and faults' | 'Bad input' | 'Security';
  test: string;
  figure: string;
}

export function record(f: Figure): void {
  // Temp paths differ per run and say nothing: the project folder is written <project>.
  f = { ...f, figure: f.figure.replace(/\/[^\s"]*gopher-reload-tests-\d+\/[^/\s"]+/g, '<project>') };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  const all: Figure[] = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : [];
  const i = all.findIndex((x) => x.test === f.test);
  if (i >= 0) all[i] = f;
  else all.push(f);
  fs.writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}
