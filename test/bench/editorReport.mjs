// The editor bench's table for the README's Performance section, from editor.json
// (editorTyping()'s result): save → serving per delay against the floor measured in the same run.
//   import { editorTable } from './editorReport.mjs'; lines.push(...editorTable(result));
//   node test/bench/editorReport.mjs DIR/editor.json   (prints the Markdown)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ms = (x) => (x === undefined || x === null ? '–' : `${Math.round(x)} ms`);
const times = (x) => (x === undefined || x === null ? '–' : `${x.toFixed(2)}×`);

/** Markdown lines: one row per case, then the floors, then the CPU and the load it ran under. */
export function editorTable(e) {
  if (!e?.delays) return [];
  const lines = [
    `**Typing in VS Code** (VS Code Server ${e.versions.codeServer} + Chromium; keys typed one at a time, ${e.keyIntervalsMs.min}–${e.keyIntervalsMs.max} ms apart, seed ${e.seed}; saves per row: ${e.n}, interleaved; the Gopher Reload terminal ${e.terminalShown ? 'shown' : 'not shown (as after the automatic start)'}; the floor timed by hand in the same run, with the workbench open)`,
    '',
    '| save | median save → serving | p90 | pre-built binary used | × floor | × floor -s -w |',
    '|---|---|---|---|---|---|',
  ];
  for (const [key, r] of Object.entries(e.delays)) {
    const what = key === 'pause' ? `after a ${r.delayMs} ms pause` : `${r.delayMs} ms after the last key`;
    const failed = r.failed ? ` (${r.failed} failed)` : '';
    lines.push(`| ${what} | ${ms(r.median)}${failed} | ${ms(r.p90)} | ${r.prebuiltUsed}/${r.of} | ${times(r.ratioToFloor)} | ${times(r.ratioToFloorSW)} |`);
  }
  lines.push(`| floor: \`go build\`, stop, start, by hand | ${ms(e.floor.median)} | ${ms(e.floor.p90)} | – | 1.00× | |`);
  lines.push(`| floor with \`-ldflags="-s -w"\` (our default) | ${ms(e.floorSW.median)} | ${ms(e.floorSW.p90)} | – | | 1.00× |`);
  const pause = e.delays.pause?.fromLogMedian;
  lines.push('');
  if (pause?.decisionMs !== undefined) {
    lines.push(
      `After a pause, Ctrl+S → the engine takes the pre-built binary: ${ms(pause.decisionMs)}; → the new server ready: ${ms(pause.readyMs)} (stop ${ms(pause.stopMs)}, start ${ms(pause.startMs)}); → first answer: ${ms(e.delays.pause.median)} (each a median of its own).`,
    );
  }
  lines.push(
    `CPU per save (medians): the browser ${e.browserCpuSecondsPerReload.median} s (${e.browserCpuSecondsPerReload.typing} s of it while typing), the extension host ${e.extensionHostCpuSecondsPerReload.median} s, the builds ${e.buildCpuSecondsPerReload.editor} s (pre-builds included) against the floor's ${e.buildCpuSecondsPerReload.floor} s (${e.buildCpuSecondsPerReload.floorSW} s with -s -w). Load average ${e.machine.loadavgStart[0]} at the start, ${e.machine.loadavgEnd[0]} at the end (${e.machine.cpus} CPUs).`,
  );
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file || !fs.existsSync(file)) {
    console.error('usage: node test/bench/editorReport.mjs DIR/editor.json (written by node test/bench/editor.mjs --out DIR)');
    process.exit(2);
  }
  console.log(editorTable(JSON.parse(fs.readFileSync(file, 'utf8'))).join('\n'));
}
