import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, get, waitFor } from './util';

/**
 * Not a correctness test: the benchmark's measurements from inside the extension host
 * (test/bench/extension.mjs opens this scenario). Results go to GOPHER_RELOAD_BENCH_OUT.
 */
const N = Number(process.env.GOPHER_RELOAD_BENCH_N ?? 5);
const IDLE_MS = Number(process.env.GOPHER_RELOAD_BENCH_IDLE_MS ?? 2000);

function stats(values: number[]) {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: v.length, min: r(v[0]), median: r(q(0.5)), p90: r(q(0.9)), max: r(v[v.length - 1]), failed: 0 };
}

async function idle(ms: number) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peakRss = 0;
  let sumRss = 0;
  let samples = 0;
  while (performance.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 250));
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    sumRss += rss;
    samples++;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  return {
    seconds: Math.round(wall / 100) / 10,
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
    meanRssMiB: Math.round(sumRss / samples / 2 ** 20),
    peakRssMiB: Math.round(peakRss / 2 ** 20),
  };
}

describe('benchmark: the extension in the host', function () {
  this.timeout(30 * 60_000); // N edits plus two idle windows of IDLE_MS
  it('measures', async () => {
    const port = Number(process.env.GOPHER_RELOAD_PORT);
    const a = await api();
    const mod = () => a.modules()[0];
    await waitFor('first start', () => mod().state.kind === 'running', 180_000);
    const file = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'handlers', 'message.go'));
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const times: number[] = [];
    const saveToBuild: number[] = [];
    const builds: number[] = [];
    const restarts: number[] = [];
    for (let i = 1; i <= N; i++) {
      const text = `editor edit ${i}`;
      const edit = new vscode.WorkspaceEdit();
      edit.replace(
        file,
        new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)),
        `package handlers\n\nconst Message = ${JSON.stringify(text)}\n`,
      );
      await vscode.workspace.applyEdit(edit);
      const t0 = performance.now();
      await doc.save();
      await waitFor(text, async () => (await get(port)) === text, 60_000);
      times.push(performance.now() - t0);
      const s = mod().saveToBuildMs;
      if (s !== undefined) saveToBuild.push(s);
      await waitFor('running state', () => mod().state.kind === 'running');
      const st = mod().state;
      if (st.kind === 'running') {
        if (st.timings.buildMs !== undefined) builds.push(st.timings.buildMs);
        restarts.push((st.timings.stopMs ?? 0) + (st.timings.startToReadyMs ?? 0));
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    // The same edits, but with a pause before the save, as when you stop typing to look: the
    // unsaved text is pre-built (go build -overlay) and the save swaps with no build.
    const prebuiltTimes: number[] = [];
    let prebuiltUsed = 0;
    for (let i = 1; i <= N; i++) {
      const text = `typed edit ${i}`;
      const edit = new vscode.WorkspaceEdit();
      edit.replace(
        file,
        new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)),
        `package handlers\n\nconst Message = ${JSON.stringify(text)}\n`,
      );
      await vscode.workspace.applyEdit(edit);
      await new Promise((r) => setTimeout(r, 2000)); // the pause: 300 ms, then the pre-build
      const t0 = performance.now();
      await doc.save();
      await waitFor(text, async () => (await get(port)) === text, 60_000);
      prebuiltTimes.push(performance.now() - t0);
      await waitFor('running state', () => mod().state.kind === 'running');
      const st = mod().state;
      if (st.kind === 'running' && st.timings.prebuilt) prebuiltUsed++;
      await new Promise((r) => setTimeout(r, 300));
    }
    const idleOn = await idle(IDLE_MS);
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('off', () => mod().state.kind === 'stopped');
    const idleOff = await idle(IDLE_MS);
    const out = {
      activationMs: a.activationMs,
      saveToServing: stats(times),
      saveToServingSamples: times.map(Math.round),
      saveToServingPrebuilt: stats(prebuiltTimes),
      saveToServingPrebuiltSamples: prebuiltTimes.map(Math.round),
      prebuiltUsed,
      saveEventToBuildStartMs: saveToBuild.length ? stats(saveToBuild) : undefined,
      buildMs: builds.length ? stats(builds) : undefined,
      restartMs: restarts.length ? stats(restarts) : undefined,
      idleHotReloadOn: idleOn,
      idleHotReloadOff: idleOff,
    };
    fs.writeFileSync(process.env.GOPHER_RELOAD_BENCH_OUT!, JSON.stringify(out, null, 2));
  });
});
