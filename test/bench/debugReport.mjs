// The debug bench's table for the README's Performance section, from debug.json (debugBench()'s
// result): save → serving with --debug against normal mode and the debug floor, measured together.
//   import { debugTable } from './debugReport.mjs'; lines.push(...debugTable(result));
//   node test/bench/debugReport.mjs DIR/debug.json   (prints the Markdown)
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ms = (x) => (x === undefined || x === null ? '–' : `${Math.round(x)} ms`);
const secs = (x) => (x === undefined || x === null ? '–' : `${(x / 1000).toFixed(1)} s`);
const times = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '–');

/** Markdown lines: one row per contender, the floor's parts, the first switch, the run's conditions. */
export function debugTable(d) {
  if (!d?.saveToServing) return [];
  const s = d.saveToServing;
  const normal = s.ours?.median;
  const floor = s['floor-debug']?.median;
  const lines = [
    `**Debug mode** (\`gopher-reload --debug\`: every server generation runs under \`dlv exec --headless --accept-multiclient\`, which the engine starts (no debugger attached); Delve ${d.versions.dlv}; the Gin fixture, ${d.n} round${d.n === 1 ? '' : 's'} of the same one-line edit, one save per row per round, the order rotating; from the file write to the first answer with the new text, polled ${d.polling})`,
    '',
    '| contender | min | median | p90 | max | × normal mode | × debug floor |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const v of Object.values(s)) {
    if (v.skipped) {
      lines.push(`| ${v.label} | not measured: ${v.skipped} | | | | | |`);
      continue;
    }
    const failed = v.failed ? ` (${v.failed} never served)` : '';
    lines.push(
      `| ${v.label} | ${ms(v.min)} | ${ms(v.median)}${failed} | ${ms(v.p90)} | ${ms(v.max)} | ${times(v.median, normal)} | ${times(v.median, floor)} |`,
    );
  }
  lines.push('');
  const parts = ['ours-debug', 'ours']
    .filter((k) => s[k]?.parts)
    .map((k) => `${k === 'ours' ? 'normal mode' : '--debug'}: build ${ms(s[k].parts.buildMs)}, restart ${ms(s[k].parts.restartMs)}`);
  const p = s['floor-debug']?.parts;
  if (p)
    parts.push(
      `the debug floor by hand: \`go build ${d.debugGcflags}\` ${ms(p.buildMs)}, Ctrl-C to dlv until it has exited ${ms(p.stopMs)}, \`dlv exec\` again to the first answer ${ms(p.startMs)}`,
    );
  if (parts.length)
    lines.push(
      `Where the time goes (medians of their own; the CLI's from its "● running" line, restart = the old server and its Delve stopped, the new one listening): ${parts.join('; ')}.`,
    );
  const f = d.firstSwitch;
  if (f) {
    const rows = Object.values(f.rows).map((r) => `${r.label} ${secs(r.ms)}`);
    const builds = Object.entries(f.rows).map(([k, r]) => `${k === 'floor-debug' ? 'the floor' : 'Gopher Reload'} ${secs(r.buildMs)}`);
    lines.push(
      `First switch to debug mode, once, from a build cache holding only the normal build (its own cold build took ${secs(f.coldNormalBuildMs)}): start → first answer, ${rows.join('; ')} (one sample each; of it the build: ${builds.join(', ')}). Every later debug build finds the -N -l packages in the cache.`,
    );
  }
  lines.push(
    `Load average ${d.loadavgStart[0]} at the start, ${d.loadavgEnd?.[0] ?? '–'} at the end (${d.machine.cpus} CPUs); processes left after Ctrl-C: ${d.leftRunning.length}.`,
  );
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) {
    console.error('usage: node test/bench/debugReport.mjs DIR/debug.json');
    process.exit(2);
  }
  console.log(debugTable(JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))).join('\n'));
}
