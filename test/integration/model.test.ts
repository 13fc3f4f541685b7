import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compiles, expected, initialState, Model, MODULE, projectFiles, rng, type FileIO, type ModelState, type Step } from '../faults/model';
import { api, get, setDescribeContext, waitFor, type ModuleView } from './util';

/**
 * "The last save always wins" through the extension in a real VS Code: the seeded model of
 * test/faults/model.ts (same generator, same project, written by run.mjs with writeProject), but
 * plain saves go through an editor (open, replace the text, document.save()) and the engine hears
 * of them as a user's saves do; renames, cp -p restores, move-ins and deletes stay plain file
 * operations, delivered by VS Code's own file watcher. After each step the server must answer what
 * the files on disk say within BOUND_MS, and still answer it once the extension has settled.
 * Replay or extend: GOPHER_RELOAD_SCENARIOS=model GOPHER_RELOAD_MODEL_SEED=7 GOPHER_RELOAD_MODEL_STEPS=16 node test/integration/run.mjs
 * (GOPHER_RELOAD_MODEL_KEEP_GOING=1 and a shorter GOPHER_RELOAD_MODEL_BOUND_MS list every failing step
 * instead of stopping at the first; the scenario as a whole must end within run.mjs's 240 s).
 */
const SEED = Number(process.env.GOPHER_RELOAD_MODEL_SEED ?? 7);
const STEPS = Number(process.env.GOPHER_RELOAD_MODEL_STEPS ?? 16);
const BOUND_MS = Number(process.env.GOPHER_RELOAD_MODEL_BOUND_MS ?? 30_000);
/** Survey mode: run every step even after one failed (each step checks only what the disk says), to list all that fail. */
const KEEP_GOING = process.env.GOPHER_RELOAD_MODEL_KEEP_GOING === '1';
/** Longer than the engine's storm window (400 ms) plus VS Code's watcher delivery, so a late event has fired. */
const SETTLE_MS = 1_000;
const REPLAY = `GOPHER_RELOAD_SCENARIOS=model GOPHER_RELOAD_MODEL_SEED=${SEED} GOPHER_RELOAD_MODEL_STEPS=${STEPS} node test/integration/run.mjs`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A draft of a Go file that compiles and serves something else: main's constant or the package's
 * answer with "draft-" in front. Served after the save, it would be a pre-build of unsaved text
 * that won over the saved text.
 */
function draftOf(text: string): string | undefined {
  const draft = text.replace(/(const M = "|return ")/, '$1draft-');
  return draft === text ? undefined : draft;
}

/**
 * Saves from the editor. A user edits the text the editor shows, and the editor shows a change
 * made outside it (a rename, a restore) only once VS Code's watcher has reloaded it: wait for that
 * as the user would, instead of saving over it (VS Code would refuse: "the file is newer").
 * How the text gets typed is drawn from the seed too (its own generator, so the model's steps stay
 * those of the fault test): mostly typed and saved at once; sometimes typed, then a pause long
 * enough for the extension to pre-build the unsaved text, then saved (the pre-built binary may be
 * swapped in); sometimes a different draft typed first, paused on (its pre-build starts), then
 * replaced by the final text and saved at once (the draft's binary must never be served);
 * sometimes a draft typed into another file the server is built from and left unsaved while this
 * one is typed, paused on (one pre-build holds both) and saved alone: that pre-build holds text
 * that is on no disk and must never be served. The draft is reverted once the save's build has
 * begun, as a user who abandons it would.
 */
function editorIO(folder: string, seed: number, note: (line: string) => void): FileIO {
  const rand = rng(seed ^ 0x5eed);
  const replaceAll = async (doc: vscode.TextDocument, text: string) => {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`applyEdit failed on ${doc.uri.fsPath}`);
  };
  return {
    async save(rel, text) {
      const uri = vscode.Uri.file(path.join(folder, rel));
      const onDisk = () => (fs.existsSync(uri.fsPath) ? fs.readFileSync(uri.fsPath, 'utf8') : undefined);
      if (onDisk() === undefined) {
        // Like the Explorer's New File: an empty file on disk first, then typed into and saved.
        const create = new vscode.WorkspaceEdit();
        create.createFile(uri, { ignoreIfExists: true });
        if (!(await vscode.workspace.applyEdit(create))) throw new Error(`VS Code did not create ${rel}`);
      }
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: false });
      const synced = () => !doc.isDirty && doc.getText() === onDisk();
      if (!(await settles(synced, 5_000))) {
        // Not reloaded yet: what a user does next is File: Revert File (reload from disk).
        note(`    (the editor still showed an older ${rel} after 5 s: File: Revert File)`);
        await vscode.commands.executeCommand('workbench.action.files.revert');
        if (!(await settles(synced, 5_000))) throw new Error(`the editor never showed ${rel} as it is on disk (VS Code did not reload it)`);
      }
      const how = rand();
      const pause = 500 + Math.round(rand() * 700); // the extension pre-builds after a 300 ms pause
      const draft = draftOf(text);
      const other = otherServedFile(folder, rel, text);
      let abandoned: vscode.TextDocument | undefined;
      if (draft && how < 0.15) {
        note(`    (${rel}: typed a draft, paused ${pause} ms, then typed the final text and saved at once)`);
        await replaceAll(doc, draft);
        await sleep(pause);
      } else if (draft && how < 0.3) {
        note(`    (${rel}: typed, paused ${pause} ms before saving: the pre-build may be swapped in)`);
        await replaceAll(doc, text);
        await sleep(pause);
      } else if (other && how < 0.45) {
        const odoc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder, other)));
        const odraft = draftOf(odoc.getText());
        if (odraft && !odoc.isDirty && odoc.getText() === fs.readFileSync(odoc.uri.fsPath, 'utf8')) {
          note(`    (${other}: a draft typed and left unsaved; ${rel} typed, paused ${pause} ms (one pre-build holds both), saved alone)`);
          await vscode.window.showTextDocument(odoc, { preview: false });
          await replaceAll(odoc, odraft);
          await vscode.window.showTextDocument(doc, { preview: false });
          await replaceAll(doc, text);
          await sleep(pause);
          abandoned = odoc;
        }
      }
      if (doc.getText() !== text) await replaceAll(doc, text);
      if (!(await doc.save())) throw new Error(`VS Code refused to save ${rel} (a conflict with the file on disk?)`);
      if (onDisk() !== text) throw new Error(`${rel} on disk is not the text just saved from the editor`);
      if (abandoned) {
        await sleep(400); // the build this save starts has taken or refused the pre-build by now
        await vscode.window.showTextDocument(abandoned, { preview: false });
        await vscode.commands.executeCommand('workbench.action.files.revert');
        if (!(await settles(() => !abandoned.isDirty, 5_000))) throw new Error(`File: Revert File left the draft of ${abandoned.uri.fsPath} unsaved`);
      }
    },
  };
}

/** main.go, or (when saving main.go) the package its new text imports, if that exists on disk: a file whose draft would change the answer. */
function otherServedFile(folder: string, rel: string, text: string): string | undefined {
  if (rel !== 'main.go') return fs.existsSync(path.join(folder, 'main.go')) ? 'main.go' : undefined;
  const imp = new RegExp(`"${MODULE.replace(/\./g, '\\.')}/(\\w+)"`).exec(text)?.[1];
  const file = imp && `${imp}/${imp}.go`;
  return file && fs.existsSync(path.join(folder, file)) ? file : undefined;
}

async function settles(ok: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/**
 * When the files were last written: their newest ctime. Not the end of step.run() (an editor save
 * may be followed by reverting an abandoned draft) nor mtime (cp -p and mv of an old file keep an
 * old one): the kernel sets ctime at every write, rename and utimes.
 */
function lastWriteAt(folder: string, s: ModelState): number {
  return Math.max(...[...projectFiles(s).keys()].map((rel) => fs.statSync(path.join(folder, rel)).ctimeMs));
}

/** Which of the model's files differ on disk from what the model says (tells a test fault from a stale server). */
function diskVersusModel(folder: string, s: ModelState): string {
  const off = [...projectFiles(s)].filter(([rel, text]) => {
    const file = path.join(folder, rel);
    return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
  });
  return off.length ? `files on disk differ from the model: ${off.map(([rel]) => rel).join(', ')}` : 'the files on disk are exactly what the model says';
}

describe(`Gopher Reload in VS Code: the last save always wins (model, seed ${SEED}, ${STEPS} steps, saves from the editor)`, function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const port = Number(process.env.GOPHER_RELOAD_PORT);
  const log: string[] = [];
  const model = new Model(
    folder,
    SEED,
    editorIO(folder, SEED, (l) => log.push(l)),
  );
  // The generator depends only on the seed and its own state, never on the disk: draw every step
  // now, so each is its own test (mocha prints its name and time) and the full sequence is known.
  const steps: { step: Step; state: ModelState }[] = Array.from({ length: STEPS }, () => {
    const step = model.next();
    return { step, state: structuredClone(model.state) };
  });
  /** State kinds as the extension went through them (sampled every 20 ms), for the failure report and breaksFirst. */
  const kinds: string[] = [];
  const served: number[] = [];
  /** Servers started from a binary pre-built while "typing" (state.timings.prebuilt), by pid. */
  const prebuilt = new Set<number>();
  let mod: () => ModuleView;
  let sampler: NodeJS.Timeout | undefined;
  let failed = false;

  before(async () => {
    const a = await api();
    mod = () => a.modules()[0];
    setDescribeContext(() => `state: ${JSON.stringify(mod().state).slice(0, 400)}`);
    sampler = setInterval(() => {
      const st = mod().state;
      if (kinds[kinds.length - 1] !== st.kind) kinds.push(st.kind);
      if (st.kind === 'running' && st.timings.prebuilt) prebuilt.add(st.pid);
    }, 20);
  });

  after(() => {
    if (sampler) clearInterval(sampler);
    const sorted = [...served].sort((a, b) => a - b);
    // The step log and the figures (this goes to the browser console, which the harness prints).
    console.log(log.join('\n'));
    if (sorted.length)
      console.log(
        `model seed ${SEED}: served ${sorted.length} of ${STEPS} steps; median ${sorted[Math.floor(sorted.length / 2)]} ms, slowest ${sorted[sorted.length - 1]} ms after the last write; ${prebuilt.size} served from a binary pre-built while typing`,
      );
  });

  it('Toggle Hot Reload serves the generated project as written', async () => {
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('running', () => mod().state.kind === 'running');
    assert.equal(await get(port), expected(initialState()));
  });

  steps.forEach(({ step, state }, n) => {
    const i = n + 1;
    it(`step ${i}: ${step.what}`, async function () {
      this.timeout(BOUND_MS * 2 + 30_000);
      if (failed && !KEEP_GOING) this.skip();
      log.push(`${i}. ${step.what}`);
      const from = kinds.length;
      const want = expected(state);
      try {
        assert.ok(compiles(state), 'model: every step ends with code that compiles');
        await step.run();
        const t0 = lastWriteAt(folder, state);
        await waitFor(`step ${i} served: ${want}`, async () => (await get(port)) === want, BOUND_MS);
        const ms = Math.round(Date.now() - t0);
        // Nothing later may flip it back to stale code (a late watcher event, a stale build).
        await waitFor('running once served', () => mod().state.kind === 'running', BOUND_MS);
        await sleep(SETTLE_MS);
        await waitFor('running once settled', () => mod().state.kind === 'running', BOUND_MS);
        assert.equal(await get(port), want, `step ${i} still served once settled`);
        if (step.breaksFirst)
          assert.ok(
            kinds.slice(from - 1).some((k) => k === 'build-failed' || k === 'building'),
            `step ${i} built`,
          );
        served.push(ms); // counted only once every check of the step passed
      } catch (e) {
        failed = true;
        const err = e as Error;
        err.message = [
          `seed ${SEED}, step ${i} of ${STEPS} (replay: ${REPLAY}):`,
          ...log.map((l) => `  ${l}`),
          err.message,
          `expected: ${want}; served now: ${await get(port)}`,
          diskVersusModel(folder, state),
          `last states: ${kinds.slice(-10).join(' → ')}`,
        ].join('\n');
        throw err;
      }
    });
  });
});
