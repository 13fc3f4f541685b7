// Turns benchmark results into test/bench/results/latest.{json,md}, a chart (media/bench.png,
// rendered from SVG with Debian's Chromium), and the README's Performance section.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './lib.mjs';
import { editorTable } from './editorReport.mjs';

const ms = (x) => (x === undefined || x === null ? '—' : `${Math.round(x)} ms`);
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '—');

export function markdown(r) {
  const s = r.saveToServing;
  const floorMed = s.floor?.median;
  const airMed = (s['air-default'] ?? s['air-delay0'])?.median;
  const airName = s['air-default'] ? 'air (defaults)' : 'air (delay 0)';
  const lines = [];
  lines.push(
    `Measured ${r.date.slice(0, 10)} on ${r.machine.cpus} cores (${r.machine.cpu}), ${r.machine.memGiB} GiB, ${r.machine.os}; ${r.versions.go}, Node ${r.versions.node}, air ${r.versions.air}. The Gin fixture (\`test/fixtures/gin-api\`), ${r.n} edits per tool, each a one-line change to a handler string; time from the file write to the first HTTP response with the new string (polled every 3 ms).${r.smoke ? ' **Smoke run (tiny N): not representative.**' : ''}`,
  );
  lines.push('');
  lines.push('**Save → serving**');
  lines.push('');
  lines.push(`| tool | min | median | p90 | max | median / floor | median / ${airName} |`);
  lines.push('|---|---|---|---|---|---|---|');
  for (const [, v] of Object.entries(s)) {
    lines.push(`| ${v.label} | ${ms(v.min)} | ${ms(v.median)} | ${ms(v.p90)} | ${ms(v.max)} | ${ratio(v.median, floorMed)} | ${ratio(v.median, airMed)} |`);
  }
  lines.push('');
  lines.push('**Downtime during reloads** (a request every 5 ms from a loopback client)');
  lines.push('');
  lines.push('| tool | reloads | requests | failed | longest window without an answer |');
  lines.push('|---|---|---|---|---|');
  for (const v of Object.values(r.downtime)) lines.push(`| ${v.label} | ${v.reloads} | ${v.sent} | ${v.failed} | ${ms(v.longestGapMs)} |`);
  lines.push('');
  lines.push('**Bursts**');
  lines.push('');
  lines.push('| tool | burst | files | builds started | to final code served |');
  lines.push('|---|---|---|---|---|');
  for (const [kind, byTool] of Object.entries(r.bursts)) {
    for (const v of Object.values(byTool))
      lines.push(`| ${v.label} | ${kind === 'saveAll' ? 'Save All' : 'branch switch'} | ${v.files} | ${v.buildsStarted} | ${ms(v.toFinalCodeMs)} |`);
  }
  if (r.templates?.length) {
    lines.push('');
    lines.push(
      '**Template edits** (`test/fixtures/gin-tmpl`: `LoadHTMLGlob`, not embedded). In release mode Gin parses templates once, so the server must restart; in debug mode (its default) Gin parses them on every request, so only open pages need to reload.',
    );
    lines.push('');
    lines.push('| tool | Gin mode | what is timed | median | p90 | builds run |');
    lines.push('|---|---|---|---|---|---|');
    for (const t of r.templates) lines.push(`| ${t.label} | ${t.mode} | ${t.what} | ${ms(t.median)} | ${ms(t.p90)} | ${t.builds} |`);
  }
  if (r.extension) {
    const e = r.extension;
    lines.push('');
    lines.push(`**The extension** (VS Code Server ${'4.100.3'}, workspace of ${e.workspaceFiles} generated files in vendor/, node_modules/ and web/)`);
    lines.push('');
    lines.push('| measure | value |');
    lines.push('|---|---|');
    lines.push(`| activation (activate() to engines ready) | ${e.activationMs} ms |`);
    if (e.saveEventToBuildStartMs) lines.push(`| save event → build start (median) | ${e.saveEventToBuildStartMs.median} ms |`);
    if (e.buildMs) lines.push(`| of save → serving: the go build (median) | ${e.buildMs.median} ms |`);
    if (e.restartMs) lines.push(`| of save → serving: stop + start + ready (median) | ${e.restartMs.median} ms |`);
    lines.push(
      `| extension host idle ${e.idleHotReloadOn.seconds} s, hot reload on: CPU / mean RSS / peak RSS | ${e.idleHotReloadOn.cpuPercent} % / ${e.idleHotReloadOn.meanRssMiB} MiB / ${e.idleHotReloadOn.peakRssMiB} MiB |`,
    );
    lines.push(`| same, hot reload off | ${e.idleHotReloadOff.cpuPercent} % / ${e.idleHotReloadOff.meanRssMiB} MiB / ${e.idleHotReloadOff.peakRssMiB} MiB |`);
  }
  if (r.editorTyping) lines.push('', ...editorTable(r.editorTyping));
  return lines.join('\n');
}

/** A horizontal bar chart of median save→serving (p90 as a whisker), as SVG. */
export function chartSvg(r) {
  const rows = Object.values(r.saveToServing).filter((v) => v.median !== undefined);
  const max = Math.max(...rows.map((v) => v.p90 ?? v.median)) * 1.1;
  const W = 880,
    left = 330,
    barH = 30,
    gap = 14,
    top = 60;
  const H = top + rows.length * (barH + gap) + 40;
  const x = (v) => left + ((W - left - 60) * v) / max;
  const colour = (label) => (label.startsWith('Gopher') ? '#00ADD8' : label.startsWith('floor') ? '#8a8a8a' : '#d9822b');
  const bars = rows
    .map((v, i) => {
      const y = top + i * (barH + gap);
      return `<text x="${left - 12}" y="${y + barH / 2 + 5}" text-anchor="end" font-size="14" fill="#222">${v.label.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>
<rect x="${left}" y="${y}" width="${x(v.median) - left}" height="${barH}" rx="4" fill="${colour(v.label)}"/>
<line x1="${x(v.median)}" x2="${x(v.p90)}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#333" stroke-width="1.5"/>
<line x1="${x(v.p90)}" x2="${x(v.p90)}" y1="${y + 8}" y2="${y + barH - 8}" stroke="#333" stroke-width="1.5"/>
<text x="${x(v.p90) + 8}" y="${y + barH / 2 + 5}" font-size="13" fill="#222">${Math.round(v.median)} ms</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="32" font-size="18" font-weight="bold" fill="#111">Save → new code serving, median (whisker: p90), lower is better</text>
${bars}
<text x="20" y="${H - 14}" font-size="12" fill="#666">Gin fixture, ${r.n} edits per tool, ${r.machine.cpus} cores, ${r.versions.go}, ${r.date.slice(0, 10)}</text>
</svg>`;
}

async function renderPng(svg, file) {
  const { launchBrowser } = await import('../host/codeServer.mjs');
  const browser = await launchBrowser();
  try {
    const m = /width="(\d+)" height="(\d+)"/.exec(svg);
    const page = await browser.newPage({ viewport: { width: Number(m[1]), height: Number(m[2]) } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

export async function writeReport(r, outDir, { readme, chart }) {
  fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(r, null, 2) + '\n');
  const md = markdown(r);
  fs.writeFileSync(path.join(outDir, 'latest.md'), `# Benchmark results\n\n${md}\n`);
  const svg = chartSvg(r);
  fs.writeFileSync(path.join(outDir, 'latest.svg'), svg);
  if (chart) await renderPng(svg, path.join(ROOT, 'media', 'bench.png'));
  if (readme) {
    const file = path.join(ROOT, 'README.md');
    const text = fs.readFileSync(file, 'utf8');
    const section = `<!-- bench:start -->\n![Save to serving: Gopher Reload, the floor and air](media/bench.png)\n\n${md}\n<!-- bench:end -->`;
    fs.writeFileSync(file, text.replace(/<!-- bench:start -->[\s\S]*?<!-- bench:end -->/, section));
  }
  console.log('\n' + md);
}
