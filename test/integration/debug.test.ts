import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, get, setDescribeContext, waitFor, type ModuleView } from './util';

/**
 * Debugging across reloads in a real VS Code (issue 14), on a copy of the Gin fixture that starts
 * with hot reload on. A breakpoint set through the API in the Index handler (GET /) must stop the
 * server under Delve, then stop the NEXT server (a new pid under a new Delve) after a save, with
 * no F5 in between; a failed build keeps the old server, its Delve and its session; Stop in the
 * debug toolbar and "Stop Debugging (keep hot reload)" leave no Delve behind and the server runs on
 * without it. Each test builds on the last. Run alone:
 *   GOPHER_RELOAD_SCENARIOS=debug node test/integration/run.mjs
 */

/** One process from /proc: enough to tell a server under Delve from one that is not. */
interface Proc {
  pid: number;
  ppid: number;
  /** The kernel's one-letter state: 't' is "tracing stop", a debuggee stopped by its debugger. */
  state: string;
  tracerPid: number;
  cmd: string;
  exe: string;
}

function proc(pid: number): Proc | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (after[0] === 'Z' || after[0] === 'X') return undefined; // exited, not yet reaped
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    let exe = '';
    try {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // a kernel thread
    }
    return {
      pid,
      ppid: Number(after[1]),
      state: after[0],
      tracerPid: Number(/^TracerPid:\s*(\d+)/m.exec(status)?.[1] ?? 0),
      cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(),
      exe,
    };
  } catch {
    return undefined; // gone while we looked
  }
}

function allProcs(): Proc[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .map((n) => proc(Number(n)))
    .filter((p): p is Proc => !!p);
}

/** GET that waits as long as a paused server makes it (the point is to hold it), never rejects. */
function held(port: number, urlPath = '/'): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 60_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', (e) => resolve(`error: ${e.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

/**
 * Edits through the editor the way a user does and saves: only the matched text is replaced, so
 * the editor keeps the breakpoint on its line (replacing the whole document would move it).
 */
async function editAndSave(uri: vscode.Uri, from: string, to: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preserveFocus: true });
  const at = doc.getText().indexOf(from);
  if (at < 0) throw new Error(`${from} not found in ${uri.fsPath}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + from.length)), to);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('applyEdit failed');
  if (!(await doc.save())) throw new Error('save failed');
}

interface DapEvent {
  session: vscode.DebugSession;
  event: string;
  body: Record<string, unknown> | undefined;
}

describe('Gopher Reload in VS Code: debugging across reloads (Gin, Delve)', function () {
  const folder = fs.realpathSync(vscode.workspace.workspaceFolders![0].uri.fsPath);
  const general = vscode.Uri.file(path.join(folder, 'handlers', 'general.go'));
  const message = vscode.Uri.file(path.join(folder, 'handlers', 'message.go'));
  const port = Number(process.env.GOPHER_RELOAD_PORT);
  /** The Index handler's only statement: GET / stops here. */
  const HANDLER = 'c.String(http.StatusOK, Message)';
  /** The breakpoint's line (1-based): a test below moves it by adding a line above it. */
  let line =
    fs
      .readFileSync(general.fsPath, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(HANDLER)) + 1;
  const where = () => `handlers/general.go:${line}`;
  let mod: () => ModuleView;
  const dbg = () => mod().debug;
  const pidOf = () => (mod().state as { pid?: number }).pid;

  // Everything the debug adapters said, from our own tracker (the extension has its own).
  const events: DapEvent[] = [];
  const started: vscode.DebugSession[] = [];
  const ended: vscode.DebugSession[] = [];
  /** Sessions whose breakpoints Delve accepted (configurationDone answered): the extension may retry a stuck attach in a new session. */
  const configured = new Set<string>();
  const disposables: vscode.Disposable[] = [];
  const generationOf = (s: vscode.DebugSession) => (s.configuration.__gopherReload as { generation?: number } | undefined)?.generation;

  /** Delve processes of this workspace: their command line names the binary under the folder. */
  const delves = () => allProcs().filter((p) => /(^|\/)dlv$/.test(p.exe) && p.cmd.includes(folder));

  /** Waits for the next `stopped` event after `mark` (an index into events). */
  const stoppedAfter = (mark: number, what: string) => waitFor(what, () => events.slice(mark).find((e) => e.event === 'stopped'), 30_000);

  /** The top frame of the stopped thread, asked of the session like VS Code's call stack does. */
  async function topFrame(e: DapEvent): Promise<{ file: string; line: number; name: string }> {
    const r = (await e.session.customRequest('stackTrace', { threadId: e.body?.threadId, startFrame: 0, levels: 1 })) as {
      stackFrames: { name: string; line: number; source?: { path?: string } }[];
    };
    const f = r.stackFrames[0];
    // In VS Code Server the workbench hands the path back as a URI (vscode-remote://host/path).
    const file = f.source?.path ?? '';
    return { file: /^[a-z][\w+.-]+:\/\//i.test(file) ? vscode.Uri.parse(file).fsPath : file, line: f.line, name: f.name };
  }

  /** Requests sent to stop at the breakpoint, and those that did, in the server they were meant for (printed at the end). */
  const tally = { asked: 0, stopped: 0 };

  /** Sends GET /, asserts it stops at the breakpoint in process `pid` of `generation`; returns the held request. */
  async function requestStops(pid: number, generation: number): Promise<{ answer: Promise<string>; stop: DapEvent }> {
    tally.asked++;
    const mark = events.length;
    const answer = held(port);
    const stop = await stoppedAfter(mark, `a stop at ${where()} in generation ${generation} (pid ${pid})`);
    assert.equal(stop.body?.reason, 'breakpoint', JSON.stringify(stop.body));
    assert.equal(generationOf(stop.session), generation, 'the session that stopped belongs to the running server');
    // What the Call Stack view asks first: the threads, which must include the one that stopped.
    const threads = await Promise.race([
      stop.session.customRequest('threads') as Promise<{ threads: { id: number; name: string }[] }>,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000)),
    ]);
    assert.ok(threads, `Delve did not answer "threads" within 5 s (session ${stop.session.name}): the Call Stack view stays empty`);
    assert.ok(
      threads.threads.some((t) => t.id === stop.body?.threadId),
      `the stopped thread ${String(stop.body?.threadId)} is listed: ${JSON.stringify(threads.threads.slice(0, 5))}`,
    );
    const top = await topFrame(stop);
    assert.deepEqual({ file: top.file, line: top.line }, { file: general.fsPath, line }, `top frame ${top.name}`);
    assert.match(top.name, /handlers\.Index$/);
    // The kernel says which process is stopped by its debugger: this server, traced by its Delve.
    const p = proc(pid);
    assert.ok(p, `server pid ${pid} is alive`);
    assert.equal(p.state, 't', `pid ${pid} is in tracing stop: ${JSON.stringify(p)}`);
    // TracerPid names the tracing thread, which is one of Delve's threads.
    assert.ok(fs.existsSync(`/proc/${dbg()!.dlvPid}/task/${p.tracerPid}`), `traced (by ${p.tracerPid}) by the Delve the API names (${dbg()!.dlvPid})`);
    await waitFor(`status bar "paused at ${where()}"`, () => mod().statusText.includes(`paused at ${where()}`), 10_000);
    assert.equal(dbg()?.paused?.line, line, JSON.stringify(dbg()));
    tally.stopped++;
    return { answer, stop };
  }

  async function resume(stop: DapEvent): Promise<void> {
    await stop.session.customRequest('continue', { threadId: stop.body?.threadId });
  }

  /** Waits for a server of a later generation than `after` to run under its own Delve with a session attached. */
  async function nextGeneration(after: number): Promise<{ generation: number; pid: number; dlvPid: number; session: vscode.DebugSession }> {
    const d = await waitFor(
      `a debugged server after generation ${after}`,
      () => {
        const d = dbg();
        return mod().state.kind === 'running' && d && d.generation > after && d.pid ? d : undefined;
      },
      60_000,
    );
    const session = await waitFor(`a gopher-reload session for generation ${d.generation}`, () =>
      started.find((s) => generationOf(s) === d.generation && configured.has(s.id) && !ended.includes(s)),
    );
    assert.equal(session.type, 'gopher-reload');
    const p = proc(d.pid!);
    assert.ok(p, `pid ${d.pid} alive`);
    assert.equal(p.ppid, d.dlvPid, `the server is Delve's child: ${JSON.stringify(p)}`);
    assert.equal(p.exe.startsWith(folder), true, `the server runs the binary built in the workspace: ${p.exe}`);
    assert.ok([d.pid, d.dlvPid].includes(pidOf()!), `the state names this server (${pidOf()}) or its Delve`);
    return { generation: d.generation, pid: d.pid!, dlvPid: d.dlvPid, session };
  }

  /** After debugging is off: no Delve of this workspace, a plain untraced server that answers at once. */
  async function runsWithoutDelve(expected: string): Promise<void> {
    await waitFor('the debug view cleared and the server running', () => !dbg() && mod().state.kind === 'running' && pidOf(), 60_000);
    await waitFor('no Delve left', () => delves().length === 0, 10_000).catch(() => {
      throw new Error(`Delve left running: ${JSON.stringify(delves())}`);
    });
    const p = proc(pidOf()!)!;
    assert.equal(p.tracerPid, 0, `the server is not traced: ${JSON.stringify(p)}`);
    assert.ok(!/(^|\/)dlv$/.test(proc(p.ppid)?.exe ?? ''), 'its parent is not Delve');
    assert.equal(vscode.debug.breakpoints.length, 1, 'the breakpoint is still set');
    const mark = events.length;
    assert.equal(await held(port), expected, 'GET / answers at once although the breakpoint is set');
    assert.equal(events.slice(mark).filter((e) => e.event === 'stopped').length, 0);
    const open = () => started.filter((s) => s.type === 'gopher-reload' && !ended.includes(s));
    await waitFor('no gopher-reload session left open', () => open().length === 0, 10_000).catch(() => {
      throw new Error(`a debug session outlived its Delve: ${open().map((s) => `${s.name} (generation ${generationOf(s)})`)}`);
    });
    assert.doesNotMatch(mod().statusText, /debugging|paused/);
  }

  before(async () => {
    const a = await api();
    mod = () => a.modules()[0];
    setDescribeContext(
      () =>
        `state: ${JSON.stringify(mod().state).slice(0, 300)}; status: ${mod().statusText}; debug: ${JSON.stringify(dbg())}; ` +
        `sessions: ${started.map((s) => `${s.id}/${generationOf(s)}${ended.includes(s) ? ' ended' : ''}`).join(', ')}; ` +
        `last events: ${events
          .slice(-6)
          .map((e) => e.event)
          .join(', ')}; output: ${mod().serverOutput.join(' | ').slice(-400)}`,
    );
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('gopher-reload', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (m: { type?: string; event?: string; command?: string; success?: boolean; body?: Record<string, unknown> }) => {
            if (m.type === 'event' && m.event) events.push({ session, event: m.event, body: m.body });
            if (m.type === 'response' && m.command === 'configurationDone' && m.success) configured.add(session.id);
          },
        }),
      }),
      vscode.debug.onDidStartDebugSession((s) => started.push(s)),
      vscode.debug.onDidTerminateDebugSession((s) => ended.push(s)),
    );
  });

  // Each test builds on the one before: after a failure the rest would only repeat it.
  let failed = false;
  beforeEach(function () {
    if (failed) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    // How many sessions each generation took to attach (the extension retries a stuck one).
    const tries = new Map<number, number>();
    for (const s of started) if (s.type === 'gopher-reload') tries.set(generationOf(s) ?? -1, (tries.get(generationOf(s) ?? -1) ?? 0) + 1);
    console.log(`debug sessions started per generation: ${[...tries].map(([g, n]) => `${g}: ${n}`).join(', ')}`);
    console.log(
      `debug scenario: ${tally.stopped} of ${tally.asked} requests stopped at the breakpoint in the server they were sent to, over ${tries.size} servers started under Delve`,
    );
    for (const d of disposables) d.dispose();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });

  it('runs the Gin server with hot reload and not under Delve', async () => {
    await waitFor('running', () => mod().state.kind === 'running' && pidOf());
    assert.equal(await held(port), 'Hello from Gin v1');
    assert.equal(dbg(), undefined);
    assert.equal(proc(pidOf()!)?.tracerPid, 0);
    assert.equal(delves().length, 0);
    assert.ok(line > 0, `${HANDLER} found in general.go`);
  });

  let gen: { generation: number; pid: number; dlvPid: number; session: vscode.DebugSession };

  /** After a reload while paused: the request it held ended (never a hang), the server, its Delve and its session are gone. */
  async function pausedServerGone(old: typeof gen, heldAnswer: Promise<string>): Promise<void> {
    const settled = await Promise.race([heldAnswer, new Promise<string>((r) => setTimeout(() => r('still held'), 15_000))]);
    assert.notEqual(settled, 'still held', 'the request held by the stopped server ended with it');
    assert.equal(proc(old.pid), undefined, 'the paused server is gone');
    assert.equal(proc(old.dlvPid), undefined, 'its Delve is gone');
    await waitFor('the old session ended', () => ended.includes(old.session), 10_000);
  }

  it('Debug Server (hot reload) runs it under Delve with a session attached; GET / stops at the breakpoint set through the API', async () => {
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(general, new vscode.Position(line - 1, 0)))]);
    const plainPid = pidOf()!;
    await vscode.commands.executeCommand('gopherReload.debugServer', mod().id);
    gen = await nextGeneration(0);
    assert.notEqual(gen.pid, plainPid, 'a new server, built for the debugger, under Delve');
    assert.match(mod().statusText, /debugging/);
    assert.equal(delves().length, 1, JSON.stringify(delves()));
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    assert.equal(stop.session.id, gen.session.id);
    // Held while paused: the server answers nothing until Continue.
    assert.equal(await Promise.race([answer, new Promise((r) => setTimeout(() => r('still held'), 500))]), 'still held');
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1');
    await waitFor('the status bar no longer says paused', () => !mod().statusText.includes('paused') && !dbg()?.paused, 10_000);
  });

  it('after a save of the handler, the new server (a new pid under a new Delve) stops at the same breakpoint with no F5', async () => {
    const old = gen;
    await editAndSave(general, HANDLER, 'c.String(http.StatusOK, Message+" (edited)")');
    gen = await nextGeneration(old.generation);
    assert.notEqual(gen.pid, old.pid);
    assert.notEqual(gen.dlvPid, old.dlvPid);
    assert.notEqual(gen.session.id, old.session.id);
    await waitFor('the old session ended', () => ended.includes(old.session), 10_000);
    assert.equal(proc(old.pid), undefined, 'the old server is gone');
    assert.equal(proc(old.dlvPid), undefined, 'the old Delve is gone');
    assert.equal(delves().length, 1, JSON.stringify(delves()));
    assert.equal(vscode.debug.breakpoints.length, 1);
    assert.equal((vscode.debug.breakpoints[0] as vscode.SourceBreakpoint).location.range.start.line, line - 1, 'the breakpoint stayed on its line');
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    assert.equal(stop.session.id, gen.session.id);
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1 (edited)');
  });

  it('a broken save lands in Problems; the old server, its Delve and its session stay, still debuggable', async () => {
    await editAndSave(general, 'Message+" (edited)"', 'Message+missingName');
    await waitFor('build failed', () => mod().state.kind === 'build-failed');
    const diags = vscode.languages.getDiagnostics(general).filter((d) => d.source === 'go build');
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.match(diags[0].message, /undefined: missingName/);
    assert.equal(diags[0].range.start.line, line - 1);
    assert.equal(dbg()?.generation, gen.generation, 'no new generation');
    assert.equal(dbg()?.pid, gen.pid);
    assert.ok(!ended.includes(gen.session), 'the session is still there');
    assert.equal(vscode.debug.activeDebugSession?.id, gen.session.id);
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    assert.equal(stop.session.id, gen.session.id, 'the same session stopped');
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1 (edited)', 'the last good build answers');
  });

  it('saving the fix while paused at the breakpoint still reloads, and the new server stops there again', async () => {
    const old = gen;
    const first = await requestStops(old.pid, old.generation);
    await editAndSave(general, 'Message+missingName', 'Message+" (fixed)"');
    gen = await nextGeneration(old.generation);
    await waitFor('diagnostics cleared', () => vscode.languages.getDiagnostics(general).filter((d) => d.source === 'go build').length === 0, 10_000);
    // The request the old server held while paused ends with it (an error, never a hang).
    await pausedServerGone(old, first.answer);
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1 (fixed)');
  });

  it('a line added above the breakpoint: the breakpoint moves with its line and the next server stops at the new line', async () => {
    const old = gen;
    await editAndSave(general, '// Index answers GET /', '// A comment a user adds above the handler.\n// Index answers GET /');
    line += 1;
    gen = await nextGeneration(old.generation);
    assert.equal((vscode.debug.breakpoints[0] as vscode.SourceBreakpoint).location.range.start.line, line - 1, 'the breakpoint moved with its line');
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1 (fixed)');
  });

  it('Restart Server while paused at the breakpoint: the paused server goes, the new one stops there again', async () => {
    const old = gen;
    const first = await requestStops(old.pid, old.generation);
    await vscode.commands.executeCommand('gopherReload.restart', mod().id);
    gen = await nextGeneration(old.generation);
    await pausedServerGone(old, first.answer);
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1 (fixed)');
  });

  it('Stop in the debug toolbar turns debugging off: the server runs on without Delve and nothing of Delve is left', async () => {
    const old = gen;
    await vscode.debug.stopDebugging(old.session);
    await runsWithoutDelve('Hello from Gin v1 (fixed)');
    assert.equal(proc(old.dlvPid), undefined);
    assert.notEqual(pidOf(), old.pid);
  });

  it('Debug Server again, then Stop Debugging (keep hot reload): debugging ends, hot reload goes on', async () => {
    await vscode.commands.executeCommand('gopherReload.debugServer', mod().id);
    gen = await nextGeneration(gen.generation);
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1 (fixed)');
    await vscode.commands.executeCommand('gopherReload.stopDebugging', mod().id);
    await runsWithoutDelve('Hello from Gin v1 (fixed)');
    const pid = pidOf();
    await editAndSave(general, 'Message+" (fixed)"', 'Message+" (after debugging)"');
    await waitFor('the save served without Delve', async () => pidOf() !== pid && (await held(port)) === 'Hello from Gin v1 (after debugging)');
    assert.equal(delves().length, 0);
    assert.equal(dbg(), undefined);
  });

  it('gopherReload.debug turned on in the settings runs it under Delve again', async () => {
    const cfg = vscode.workspace.getConfiguration('gopherReload', vscode.Uri.file(folder));
    await cfg.update('debug', true, vscode.ConfigurationTarget.Workspace);
    gen = await nextGeneration(gen.generation);
    const { answer, stop } = await requestStops(gen.pid, gen.generation);
    await resume(stop);
    assert.equal(await answer, 'Hello from Gin v1 (after debugging)');
  });

  it('a request sent the moment the new server answers (a browser refreshed right after the save) stops at the breakpoint, save after save', async () => {
    const misses: string[] = [];
    for (let v = 2; v <= 5; v++) {
      const before = gen.generation;
      // GET /home has no breakpoint: the new greeting on it says the new server listens.
      await editAndSave(message, `Hello from Gin v${v - 1}"`, `Hello from Gin v${v}"`);
      await waitFor(`the new server answering /home with v${v}`, async () => (await get(port, '/home', 1000))?.includes(`Hello from Gin v${v}`), 60_000);
      const mark = events.length;
      tally.asked++;
      const answer = held(port);
      const first = await Promise.race([stoppedAfter(mark, `a stop at the breakpoint in the server of v${v}`), answer]);
      if (typeof first === 'string') {
        misses.push(`v${v}: answered ${JSON.stringify(first)} without stopping (debug: ${JSON.stringify(dbg())}, state ${mod().state.kind})`);
      } else {
        assert.ok((generationOf(first.session) ?? 0) > before, `the new server stopped, not generation ${before}`);
        tally.stopped++;
        await resume(first);
        assert.equal(await answer, `Hello from Gin v${v} (after debugging)`);
      }
      gen = await nextGeneration(before);
    }
    assert.deepEqual(misses, [], 'GET / reached a new server before its breakpoints were set');
  });

  it('an unrecovered panic in a goroutine pauses the server on it, the status bar says where; Continue lets it crash and it comes back under Delve', async () => {
    const old = gen;
    const PONG = 'c.JSON(http.StatusOK, gin.H{"message": "pong"})';
    // Gin recovers a handler's own panics, not those of a goroutine it starts.
    await editAndSave(general, PONG, `go func() { var m map[string]int; m["boom"] = 1 }()\n\t${PONG}`);
    gen = await nextGeneration(old.generation);
    const boom =
      fs
        .readFileSync(general.fsPath, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('m["boom"] = 1')) + 1;
    const mark = events.length;
    void held(port, '/ping'); // its answer races the panic: not checked
    const stop = await stoppedAfter(mark, 'a stop on the panic');
    assert.equal(stop.body?.reason, 'exception', JSON.stringify(stop.body));
    await waitFor(
      `status bar "paused on a panic at handlers/general.go:${boom}"`,
      () => mod().statusText.includes(`paused on a panic at handlers/general.go:${boom}`),
      10_000,
    );
    assert.equal(dbg()?.paused?.reason, 'panic', JSON.stringify(dbg()));
    assert.equal(proc(gen.pid)?.state, 't', 'the panicking server is held by Delve');
    await resume(stop);
    // The program dies of its panic (Delve keeps nothing alive) and the crash restart brings it back under a new Delve.
    const crashed = gen;
    gen = await nextGeneration(crashed.generation);
    assert.equal(proc(crashed.pid), undefined, 'the crashed server is gone');
    assert.equal(proc(crashed.dlvPid), undefined, 'its Delve is gone');
    const { answer, stop: again } = await requestStops(gen.pid, gen.generation);
    await resume(again);
    assert.equal(await answer, 'Hello from Gin v5 (after debugging)');
  });

  it('gopherReload.debug turned off in the settings: no Delve left, the server runs on without it', async () => {
    const cfg = vscode.workspace.getConfiguration('gopherReload', vscode.Uri.file(folder));
    await cfg.update('debug', undefined, vscode.ConfigurationTarget.Workspace);
    await runsWithoutDelve('Hello from Gin v5 (after debugging)');
  });
});
