// What the smoke run (smoke.mjs) and debug.mjs itself check in a debug bench result: that every
// number exists and each row measured what it says, never what the numbers are.
import * as path from 'node:path';
import { WORK } from './lib.mjs';
import { debugTable } from './debugReport.mjs';
import { processesUnder } from '../support/index.mjs';

/** Problems with debug.json's content (empty when complete), plus any process of the bench's folders running now. */
export function debugProblems(d) {
  if (!d?.saveToServing) return ['no debug bench result'];
  const problems = [];
  for (const k of ['ours-debug', 'ours', 'floor-debug']) {
    const v = d.saveToServing[k];
    if (!v || v.skipped) problems.push(`${k}: not measured${v?.skipped ? ` (${v.skipped})` : ''}`);
    else if (v.n !== d.n || v.failed) problems.push(`${k}: ${v.n ?? 0} of ${d.n} edits served`);
    else if (v.underDlv !== (k === 'ours' ? 0 : d.n)) problems.push(`${k}: served under dlv ${v.underDlv} times of ${d.n}, expected ${k === 'ours' ? 0 : d.n}`);
  }
  if (!d.dlvSeen) problems.push('no dlv process was seen serving: the leftover check had nothing to look for');
  for (const k of ['ours-debug', 'floor-debug']) {
    const f = d.firstSwitch?.rows?.[k];
    if (!(f?.ms > 0) || !f.underDlv) problems.push(`first switch to debug mode: ${k} ${f ? 'not under dlv' : 'not measured'}`);
  }
  for (const p of d.leftRunning ?? ['(no record)']) problems.push(`left running after Ctrl-C: ${p.cmd ?? p} (${p.tool ?? ''})`);
  for (const p of processesUnder(path.join(WORK, 'debug-'))) problems.push(`running now: ${p.pid} ${p.cmd}`);
  if (debugTable(d).length < 5) problems.push('the Markdown table is missing rows');
  return problems;
}
