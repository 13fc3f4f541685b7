import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChangeLedger } from '../../src/core/watch/changeLedger';
import { loadEnvFiles } from '../../src/core/config/envFiles';
import { LineRing } from '../../src/core/util/ringBuffer';
import { portFromLine } from '../../src/core/run/readiness';
import { binaryForBuild } from '../../src/core/build/buildPlan';
import { resolveConfig } from '../../src/core/config/config';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gr-small-'));

describe('port detection from log lines', () => {
  const cases: { line: string; want: number | undefined }[] = [
    { line: '[GIN-debug] Listening and serving HTTP on :8080', want: 8080 },
    { line: '[GIN-debug] Listening and serving HTTPS on 127.0.0.1:8443', want: 8443 },
    { line: '2026/01/01 listening on :3000', want: 3000 },
    { line: 'Server listening at http://localhost:4000', want: 4000 },
    { line: 'http server started on [::]:1323', want: 1323 }, // Echo
    { line: 'Serving on http://127.0.0.1:9090/', want: 9090 },
    { line: '[GIN-debug] GET /users/:id --> main.getUser (3 handlers)', want: undefined },
    { line: 'connected to db at 10.0.0.1:5432', want: undefined },
  ];
  for (const c of cases) it(JSON.stringify(c.line), () => assert.equal(portFromLine(c.line), c.want));
});

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

describe('env files', () => {
  it('merges files in order with dotenv syntax and names malformed lines', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '.env'), 'A=1\n# comment\nB="two words"\nexport C=3\nthis line is wrong\n');
    fs.writeFileSync(path.join(dir, '.env.local'), 'A=override\n');
    const r = loadEnvFiles(dir, ['.env', '.env.local'], true);
    assert.deepEqual(r.env, { A: 'override', B: 'two words', C: '3' });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /line\(s\) 5 /);
  });
  it('says so when a configured env file is missing, not when the default .env is', () => {
    const dir = tmp();
    assert.deepEqual(loadEnvFiles(dir, ['.env'], false).warnings, []);
    const r = loadEnvFiles(dir, ['config/dev.env'], true);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /dev\.env.*ENOENT/);
  });
});

describe('line ring', () => {
  it('keeps only the last lines, bounded in length', () => {
    const r = new LineRing(3, 10);
    r.push('one\ntwo\nthr');
    r.push('ee\nfour\n' + 'x'.repeat(50) + '\npartial');
    assert.deepEqual(r.tail(), ['four', 'x'.repeat(10) + '…', 'partial']);
    assert.deepEqual(r.tail(2), ['x'.repeat(10) + '…', 'partial']);
  });
  it('stays bounded after 200 MB-scale input', () => {
    const r = new LineRing(100, 200);
    const chunk = 'log line with some text\n'.repeat(10_000);
    for (let i = 0; i < 50; i++) r.push(chunk);
    assert.equal(r.tail().length, 100);
  });
});

describe('binary per build', () => {
  it('uses a fresh name per build on Windows (the running .exe is locked), one name elsewhere', () => {
    const { config } = resolveConfig('/w/app', { binary: '/w/app/bin/app.exe' });
    assert.equal(binaryForBuild(config, 1, 'linux'), '/w/app/bin/app.exe');
    assert.equal(binaryForBuild(config, 7, 'win32'), '/w/app/bin/app-7.exe');
  });
});
