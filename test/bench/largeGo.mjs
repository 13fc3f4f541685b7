// The go command on its own, for the large-app bench: package counts, link time (the linker's
// own -benchmark=cpu total), where one save's build time goes (go build -debug-actiongraph: which
// actions ran and how long each took), and the cost of VCS stamping inside a git repo.
// Synchronous on purpose: nothing else runs while these are measured.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { stats } from './lib.mjs';
import { handlerFile, messageSource } from './largeApp.mjs';

function go(dir, args, env = process.env) {
  const startedAt = Date.now();
  const t0 = performance.now();
  const r = spawnSync('go', args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} failed in ${dir}:\n${r.stderr}`);
  return { ms, startedAt, stdout: r.stdout, stderr: r.stderr };
}

const lines = (s) => s.split('\n').filter(Boolean).length;
const round = (x) => Math.round(x);

/** `go list -deps` of the main package: all packages, and those outside the standard library. */
export function packageCounts(dir) {
  return {
    all: lines(go(dir, ['list', '-deps', '.']).stdout),
    nonStd: lines(go(dir, ['list', '-deps', '-f', '{{if not .Standard}}{{.ImportPath}}{{end}}', '.']).stdout),
    module: lines(go(dir, ['list', './...']).stdout),
  };
}

/** A change to main alone (a comment): main recompiles in a few ms, the rest is the link. */
let touch = 0;
function touchMain(dir) {
  fs.appendFileSync(path.join(dir, 'main.go'), `// link probe ${++touch}\n`);
}

const TIME = '/usr/bin/time';

/**
 * The link alone, plain and with -s -w, median of `count`: its wall time and CPU time (user+sys,
 * through -toolexec /usr/bin/time where there is one: on a loaded machine the wall time grows,
 * the CPU time much less), and the linker's own costliest phases (-benchmark=cpu).
 */
export function linkTime(dir, log, count = 3) {
  const out = {};
  const probe = path.join(os.tmpdir(), `gopher-reload-large-link-${process.pid}`);
  for (const [name, ldflags] of [
    ['plain', '-benchmark=cpu'],
    ['sw', '-s -w -benchmark=cpu'],
  ]) {
    const wall = [];
    const cpu = [];
    let phases;
    for (let i = 0; i < count; i++) {
      touchMain(dir);
      const timed = fs.existsSync(TIME) ? [`-toolexec=${TIME} -f GRTOOL|%e|%U|%S|%C`] : [];
      const r = go(dir, ['build', `-ldflags=${ldflags}`, ...timed, '-o', probe, '.']);
      const text = r.stdout + r.stderr;
      const all = [...text.matchAll(/^Benchmark(\w+)\s+1\s+(\d+) ns\/op/gm)].map((m) => [m[1], Number(m[2]) / 1e6]);
      const tool = text.split('\n').find((l) => l.startsWith('GRTOOL|') && /\/link /.test(l));
      if (tool) {
        const [, e, u, s] = tool.split('|');
        wall.push(Number(e) * 1000);
        cpu.push((Number(u) + Number(s)) * 1000);
      } else wall.push(all.find(([k]) => k === 'TotalTime')?.[1]);
      // The phases that cost most, from the last run: what the link time is made of.
      phases = Object.fromEntries(
        all
          .filter(([k]) => k !== 'TotalTime')
          .sort((x, y) => y[1] - x[1])
          .slice(0, 6)
          .map(([k, v]) => [k, round(v)]),
      );
    }
    out[name] = { wallMs: stats(wall), cpuMs: stats(cpu), topPhasesMs: phases };
    log(
      `  link (${name === 'plain' ? 'go build' : '-ldflags="-s -w"'}): median ${out[name].wallMs.median} ms wall, ${out[name].cpuMs.median} ms CPU; ${JSON.stringify(phases)}`,
    );
  }
  fs.rmSync(probe, { force: true });
  return out;
}

/**
 * One handler edit, built by hand with -debug-actiongraph, plain and with -s -w: the wall time of
 * `go build`, the actions that ran a tool (compile, link) with their times, and what is left for
 * the go command itself (loading ~460 packages, hashing, checking the cache).
 */
export function goBuildCosts(dir, log) {
  const graph = path.join(os.tmpdir(), `gopher-reload-large-graph-${process.pid}.json`);
  const out = {};
  let i = 0;
  for (const [name, flags] of [
    ['plain', []],
    ['sw', ['-ldflags=-s -w']],
  ]) {
    fs.writeFileSync(handlerFile(dir), messageSource(`go build probe ${++i}`));
    const bin = path.join(dir, 'bin', `probe-${name}`);
    const r = go(dir, ['build', ...flags, `-debug-actiongraph=${graph}`, '-o', bin, '.']);
    const actions = JSON.parse(fs.readFileSync(graph, 'utf8'));
    const ran = actions
      .filter((a) => a.Cmd?.length && a.TimeStart && a.TimeDone)
      .map((a) => ({ action: `${a.Mode} ${a.Package}`, ms: round(new Date(a.TimeDone) - new Date(a.TimeStart)) }));
    const starts = actions.filter((a) => a.TimeStart).map((a) => new Date(a.TimeStart).getTime());
    const link = ran.find((a) => a.action.startsWith('link'))?.ms;
    out[name] = {
      wallMs: round(r.ms),
      linkMs: link,
      compiled: ran.filter((a) => a.action.startsWith('build')),
      // Before the first action starts the go command loads and hashes the package graph.
      beforeFirstActionMs: round(Math.min(...starts) - r.startedAt),
      binaryBytes: fs.statSync(bin).size,
    };
    log(
      `  a save's go build (${name}): ${out[name].wallMs} ms, link ${link} ms, compiled ${out[name].compiled.map((c) => `${c.action.split(' ')[1]} ${c.ms} ms`).join(', ')}`,
    );
    fs.rmSync(bin, { force: true });
  }
  fs.rmSync(graph, { force: true });
  return out;
}

/**
 * The go list queries the engine runs around a save, each after a one-line edit, median of
 * `count`: the package graph it reads after every good build (src/core/watch/goList.ts
 * packageGraph) and the stale-package count a long build's progress asks for
 * (src/core/build/packagesToCompile.ts). On a large app each costs CPU a save's build needs.
 */
export function goListCost(dir, log, count = 3) {
  const graph = [];
  const stale = [];
  for (let i = 0; i < count; i++) {
    fs.writeFileSync(handlerFile(dir), messageSource(`go list probe ${i}`));
    graph.push(go(dir, ['list', '-e', '-deps', '-json=Dir,Standard,Imports,ImportMap,EmbedPatterns,EmbedFiles', '--', '.']).ms);
    stale.push(go(dir, ['list', '-deps', '-f', '{{.Stale}} {{.ImportPath}}', '-ldflags=-s -w', '--', '.']).ms);
  }
  const r = { packageGraphMs: stats(graph), staleQueryMs: stats(stale) };
  log(
    `  go list -e -deps -json (after every good build): median ${r.packageGraphMs.median} ms; go list -deps {{.Stale}} (progress total): median ${r.staleQueryMs.median} ms`,
  );
  return r;
}

/**
 * `go build` with VCS stamping (-buildvcs=auto, the go command's default: inside a repo it runs
 * git to read the revision and whether the tree is modified) against -buildvcs=false, after a
 * one-line edit each, alternating, median of `count`. The flag is given on the command line, so
 * a GOFLAGS=-buildvcs=false in the environment or in go env (as on the bench machine) cannot hide it.
 */
export function vcsStampCost(dir, count, log) {
  const git = (args) => {
    const r = spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  // The binaries stay out of the commit, as in a real repo.
  fs.writeFileSync(path.join(dir, '.gitignore'), 'bin/\n.gopher-reload/\ntmp/\n');
  git(['init', '-q']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'large app']);
  const env = process.env;
  const bin = path.join(dir, 'bin', 'vcs');
  go(dir, ['build', '-buildvcs=auto', '-o', bin, '.'], env); // warm: both variants start from the same cache
  const times = { stamped: [], noStamp: [] };
  for (let i = 0; i < count; i++) {
    for (const [k, flags] of [
      ['stamped', ['-buildvcs=auto']],
      ['noStamp', ['-buildvcs=false']],
    ]) {
      fs.writeFileSync(handlerFile(dir), messageSource(`vcs ${k} ${i}`));
      times[k].push(go(dir, ['build', ...flags, '-o', bin, '.'], env).ms);
    }
  }
  const noStampHasRevision = /vcs\.revision/.test(go(dir, ['version', '-m', bin], env).stdout);
  go(dir, ['build', '-buildvcs=auto', '-o', bin, '.'], env);
  const stampedHasRevision = /vcs\.revision/.test(go(dir, ['version', '-m', bin], env).stdout);
  // Both must hold, or the two rows did not measure what they say.
  const r = { stamped: stats(times.stamped), noStamp: stats(times.noStamp), stampedHasRevision, noStampHasRevision };
  r.costMs = Math.round((r.stamped.median - r.noStamp.median) * 10) / 10;
  log(`  go build ${r.stamped.median} ms (revision stamped: ${stampedHasRevision}) vs -buildvcs=false ${r.noStamp.median} ms: stamping costs ${r.costMs} ms`);
  return r;
}
