import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { goPathMatch, readByGoBuild, strongest } from '../../src/core/watch/changeKind';
import { ginTemplateSources, GinTemplateScan, loadedBy, readElsewhere } from '../../src/core/watch/ginTemplates';
import { ServerInsights } from '../../src/core/insights/serverInsights';
import { ChangeQueue, PAGE_RELOAD_WINDOW_MS } from '../../src/core/engine/changeQueue';
import { FakeClock } from '../support/fakeClock';
import { TEST_TMP } from '../support/helpers';

describe('changeKind: what a changed file can affect', () => {
  it('files the go command reads build; others do not', () => {
    for (const f of [
      'a/b.go',
      'x.c',
      'x.h',
      'x.s',
      'x.S',
      'x.sx',
      'dev.mod',
      'dev.sum',
      'alt.work',
      'x.cpp',
      'x.syso',
      'x.swig',
      'default.pgo',
      'go.mod',
      'go.sum',
      'sub/go.work',
      'go.work.sum',
      'vendor/modules.txt',
    ])
      assert.equal(readByGoBuild(f), true, f);
    for (const f of ['templates/index.html', 'x.tmpl', 'x.css', 'x.js', 'config.yaml', 'modules.txt', 'go.mod.bak', 'x.gohtml', 'notes.txt'])
      assert.equal(readByGoBuild(f), false, f);
  });

  it('a round does what its most demanding file needs', () => {
    assert.equal(strongest(['reload', 'restart']), 'restart');
    assert.equal(strongest(['restart', 'build', 'reload']), 'build');
    assert.equal(strongest(['reload']), 'reload');
  });

  it("goPathMatch agrees with Go's path/filepath.Match (checked against the real go command)", function () {
    this.timeout(60_000);
    const cases: [string, string][] = [
      ['templates/*', 'templates/index.tmpl'],
      ['templates/*', 'templates/sub/index.tmpl'],
      ['templates/*', 'templates/'],
      ['templates/*.tmpl', 'templates/a.tmpl'],
      ['templates/*.tmpl', 'templates/a.html'],
      ['templates/**/*', 'templates/a/b.tmpl'],
      ['templates/**/*', 'templates/a.tmpl'],
      ['t/?.html', 't/a.html'],
      ['t/?.html', 't/ab.html'],
      ['t/[abc].html', 't/b.html'],
      ['t/[^abc].html', 't/d.html'],
      ['t/[^abc].html', 't/a.html'],
      ['t/[a-c]x', 't/bx'],
      ['t/[a-c]x', 't/dx'],
      ['t/\\*', 't/*'],
      ['t/\\*', 't/a'],
      ['t/[', 't/['],
      ['*', '.hidden'],
      ['views/*/*.html', 'views/admin/list.html'],
      ['a.b', 'axb'],
      ['x+y(1)', 'x+y(1)'],
    ];
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'gomatch-'));
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module m\n\ngo 1.22\n');
    fs.writeFileSync(
      path.join(dir, 'main.go'),
      `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	var cases [][2]string
	_ = json.NewDecoder(os.Stdin).Decode(&cases)
	for _, c := range cases {
		ok, _ := filepath.Match(c[0], c[1])
		fmt.Println(ok)
	}
}
`,
    );
    const out = execFileSync('go', ['run', '.'], { cwd: dir, input: JSON.stringify(cases), encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
    const want = out.trim().split('\n');
    cases.forEach(([p, n], i) => assert.equal(String(goPathMatch(p, n)), want[i], `${p} vs ${n}`));
  });

  it('reads LoadHTMLGlob and LoadHTMLFiles literals, not comments, not computed arguments', () => {
    const src = `package main
// r.LoadHTMLGlob("commented/*")
/* r.LoadHTMLGlob("block/*") */
func main() {
	r.LoadHTMLGlob("templates/*")
	r.LoadHTMLGlob(\`raw/*.html\`)
	r.LoadHTMLGlob(pattern)
	r.LoadHTMLFiles("a/one.html", "b/two.html", extra)
	s := "r.LoadHTMLGlob(\\"instring/*\\")"
}`;
    const s = ginTemplateSources(src);
    assert.deepEqual(s.globs, ['templates/*', 'raw/*.html']);
    assert.deepEqual(s.files, ['a/one.html', 'b/two.html']);
    assert.equal(s.ownRenderer, undefined);
    assert.equal(ginTemplateSources('r.LoadHTMLGlob("t/*")\nr.SetHTMLTemplate(t)').ownRenderer, true);
    assert.equal(ginTemplateSources('r.HTMLRender = multitemplate.NewRenderer()').ownRenderer, true);
    assert.equal(ginTemplateSources('if r.HTMLRender == nil {}').ownRenderer, undefined);
  });

  it('a template other code reads too (ParseGlob over the same folder, os.ReadFile, os.DirFS, a variable path) is read elsewhere: it restarts', () => {
    const root = path.join(TEST_TMP, 'readers');
    const tmpl = path.join(root, 'templates', 'index.tmpl');
    const src = (body: string) => ginTemplateSources(`package main\nfunc main() {\n\tr.LoadHTMLGlob("templates/*")\n\t${body}\n}\n`);
    assert.equal(readElsewhere(src('greeting, _ := os.ReadFile("greeting.txt")'), tmpl, root), false, 'another file read at startup');
    assert.equal(readElsewhere(src('db, _ := gorm.Open(postgres.Open(dsn), &gorm.Config{})'), tmpl, root), false, 'gorm.Open is no file reader');
    assert.equal(readElsewhere(src('v, _ := embedded.ReadFile("embedded/v.txt")'), tmpl, root), false, 'an embed.FS (built in)');
    assert.equal(
      readElsewhere(src('mail := template.Must(template.ParseGlob("templates/*.tmpl"))'), tmpl, root),
      true,
      'an e-mail renderer over the same folder',
    );
    assert.equal(readElsewhere(src('t, _ := tmpl.ParseFiles("./templates/index.tmpl")'), tmpl, root), true);
    assert.equal(readElsewhere(src('fsys := os.DirFS("templates")'), tmpl, root), true, 'a folder holding it');
    assert.equal(readElsewhere(src('b, _ := os.ReadFile(cfg.Path)'), tmpl, root), true, 'a variable path: unknown, so it may be this file');
    assert.equal(readElsewhere(src('// mail := template.ParseGlob("templates/*")'), tmpl, root), false, 'a comment');
  });

  it('a template is loaded when its path, relative to the server folder, matches a glob or a listed file', () => {
    const root = path.join(path.sep, 'srv', 'my[app]');
    const s = { globs: ['./templates/*', '/abs/views/*.tmpl'], files: ['pages/home.html'] };
    assert.equal(loadedBy(s, path.join(root, 'templates', 'index.tmpl'), root), true);
    assert.equal(loadedBy(s, path.join(root, 'templates', 'sub', 'index.tmpl'), root), false);
    assert.equal(loadedBy(s, path.join(root, 'pages', 'home.html'), root), true);
    assert.equal(loadedBy(s, path.join(root, 'pages', 'other.html'), root), false);
    assert.equal(loadedBy(s, '/abs/views/x.tmpl', root), true);
    assert.equal(loadedBy(s, '/abs/views/x.html', root), false);
  });

  it('the scan reads a Go file again only when it changed, and forgets deleted files', () => {
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'ginscan-'));
    const main = path.join(dir, 'main.go');
    fs.writeFileSync(main, 'package main\nfunc main() { r.LoadHTMLGlob("a/*") }\n');
    fs.writeFileSync(path.join(dir, 'x_test.go'), 'package main\nfunc T() { r.LoadHTMLGlob("test/*") }\n');
    const scan = new GinTemplateScan();
    assert.deepEqual(scan.scan([dir]).globs, ['a/*']);
    fs.writeFileSync(main, 'package main\nfunc main() { r.LoadHTMLGlob("bb/*") }\n');
    assert.deepEqual(scan.scan([dir]).globs, ['bb/*']);
    fs.rmSync(main);
    assert.deepEqual(scan.scan([dir]).globs, []);
  });
});

describe("serverInsights: Gin's debug-mode template list", () => {
  const list = '[GIN-debug] Loaded HTML Templates (3): \n\t- \n\t- index.tmpl\n\t- list.tmpl\n\n[GIN-debug] GET / --> main.main.func1 (3 handlers)\n';

  it('reads the names Gin printed, across chunk boundaries, and forgets them at the next start', () => {
    const ins = new ServerInsights('/x');
    for (let i = 0; i < list.length; i += 7) ins.write(list.slice(i, i + 7));
    assert.deepEqual([...ins.ginDebugTemplates!], ['index.tmpl', 'list.tmpl']);
    assert.equal(ins.routes.length, 1, 'the route after the list is still read');
    ins.reset('/x');
    assert.equal(ins.ginDebugTemplates, undefined);
    ins.dispose();
  });

  it('release mode prints no list: nothing is known', () => {
    const ins = new ServerInsights('/x');
    ins.write('[GIN] 2024/01/01 | 200 | GET /\n\t- index.tmpl\n');
    assert.equal(ins.ginDebugTemplates, undefined);
    ins.dispose();
  });
});

describe('changeQueue: kinds', () => {
  const host = (building: () => boolean, superseded: number[]) => ({
    quietWindowMs: () => 50,
    building,
    supersede: (w: number) => superseded.push(w),
    ready: () => undefined,
  });

  it('a round is as demanding as its most demanding file; forced work always builds', () => {
    const clock = new FakeClock();
    const q = new ChangeQueue(
      host(() => false, []),
      clock,
    );
    q.add('templates/a.tmpl', 'restart');
    q.add('static/app.css', 'restart');
    assert.equal(q.staleBuild, false);
    assert.equal(q.take().kind, 'restart');
    q.add('templates/a.tmpl', 'restart');
    q.add('main.go', 'build');
    assert.equal(q.staleBuild, true);
    assert.equal(q.take().kind, undefined);
    // The same file seen as build then restart stays build (the scope knew less the first time).
    q.add('x.html', 'build');
    q.add('x.html', 'restart');
    assert.equal(q.take().kind, undefined);
    q.force('start');
    q.add('x.html', 'restart');
    assert.equal(q.take().kind, undefined);
  });

  it('changes the running server shows by itself wait a short window; any other change in the round brings back the quiet window', async () => {
    const clock = new FakeClock();
    let ready = 0;
    const q = new ChangeQueue({ ...host(() => false, []), ready: () => ready++ }, clock);
    q.add('templates/a.tmpl', 'restart', true);
    await clock.advance(PAGE_RELOAD_WINDOW_MS);
    assert.equal(ready, 1);
    q.take();
    q.add('templates/a.tmpl', 'restart', true);
    q.add('greeting.txt', 'restart');
    await clock.advance(PAGE_RELOAD_WINDOW_MS);
    assert.equal(ready, 1, 'greeting.txt restarts: the quiet window applies');
    await clock.advance(50);
    assert.equal(ready, 2);
    q.take();
    q.add('main.go', 'build', true);
    await clock.advance(PAGE_RELOAD_WINDOW_MS);
    assert.equal(ready, 2, 'a build change never gets the short window');
  });

  it('only a change the build reads supersedes the build in progress', async () => {
    const clock = new FakeClock();
    const superseded: number[] = [];
    const q = new ChangeQueue(
      host(() => true, superseded),
      clock,
    );
    q.add('templates/a.tmpl', 'restart');
    await clock.advance(100);
    assert.equal(superseded.length, 0);
    q.add('main.go', 'build');
    await clock.advance(100);
    assert.equal(superseded.length, 1);
  });
});
