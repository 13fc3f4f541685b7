import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChangeLedger } from '../../src/core/watch/changeLedger';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gr-small-'));

describe('change ledger', () => {
  it('drops a second event for identical content and keeps real changes', () => {
    const dir = tmp();
    const f = path.join(dir, 'a.go');
    fs.writeFileSync(f, 'package a // 1');
    const l = new ChangeLedger();
    assert.equal(l.classify(f), 'changed');
    assert.equal(l.classify(f), 'unchanged'); // editor save + watcher event for the same save
    fs.writeFileSync(f, 'package a // 1'); // format-on-save rewriting the same bytes
    assert.equal(l.classify(f), 'unchanged');
    fs.writeFileSync(f, 'package a // 2');
    assert.equal(l.classify(f), 'changed');
    fs.rmSync(f);
    assert.equal(l.classify(f), 'changed'); // deletion is a change
  });

  it('decides by content, never by mtime: a restore with an old mtime (cp -p) is a change', () => {
    const dir = tmp();
    const f = path.join(dir, 'main.go');
    fs.writeFileSync(f, 'package main // v1');
    const l = new ChangeLedger();
    assert.equal(l.classify(f), 'changed');
    fs.writeFileSync(f, 'package main // v2');
    const old = Date.now() / 1000 - 3600;
    fs.utimesSync(f, old, old); // what cp -p, tar x, unzip and rsync -a leave behind
    assert.equal(l.classify(f), 'changed');
    const fresh = new ChangeLedger(); // nothing seen yet: a first sighting with an old mtime still counts
    assert.equal(fresh.classify(f), 'changed');
  });

  it('after a failed build, the same content saved again a second later is a retry', () => {
    const dir = tmp();
    const f = path.join(dir, 'main.go');
    fs.writeFileSync(f, 'package main // broken');
    const l = new ChangeLedger();
    assert.equal(l.classify(f, true, 0), 'changed');
    assert.equal(l.classify(f, true, 200), 'unchanged', 'the watcher event for the same save');
    assert.equal(l.classify(f, true, 1500), 'changed', 'a deliberate re-save');
    assert.equal(l.classify(f, false, 5000), 'unchanged', 'after a good build, identical content is noise');
  });
});
