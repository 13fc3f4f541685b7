import * as assert from 'node:assert/strict';
import { mayHaveTwins, messageKey, minus, twinsOf, utf16Column, type PlainDiagnostic } from '../../src/extension/diagnosticOverlap';
import { statusView } from '../../src/extension/statusView';

const ours = (line: number, character: number, message: string): PlainDiagnostic => ({ line, character, message, severity: 'error', source: 'go build' });
const gopls = (line: number, character: number, message: string, severity: PlainDiagnostic['severity'] = 'error'): PlainDiagnostic => ({
  line,
  character,
  message,
  severity,
  source: 'compiler',
});

describe('diagnostic overlap with gopls', () => {
  // Messages as cmd/compile (go build) and go/types (gopls) print them for the same file (Go 1.26).
  it('hides ours for each common compile error gopls reports at the same start with the same text', () => {
    const build = [
      ours(4, 1, '"os" imported and not used'),
      ours(11, 0, 'missing return'),
      ours(14, 1, 'declared and not used: x'),
      ours(15, 16, 'cannot use 3 (untyped int constant) as string value in variable declaration'),
      ours(16, 6, 'undefined: nope'),
      ours(18, 6, 'too many arguments in call to g\n\thave (number, number)\n\twant (int)'),
    ];
    const theirs = [
      gopls(4, 1, '"os" imported and not used'), // a type error: gopls publishes it as an error (cache/check.go)
      gopls(11, 0, 'missing return'),
      gopls(14, 1, 'declared and not used: x'),
      gopls(15, 16, 'cannot use 3 (untyped int constant) as string value in variable declaration'),
      gopls(16, 6, 'undefined: nope'),
      gopls(18, 6, 'too many arguments in call to g\n\thave (number, number)\n\twant (int)'),
    ];
    assert.deepEqual(
      [...twinsOf(build, theirs)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5],
    );
  });

  it('keeps ours when the message, the line or the column differ, or when theirs is only a hint', () => {
    const build = [ours(16, 6, 'undefined: nope')];
    assert.equal(twinsOf(build, [gopls(16, 6, 'undefined: nope2')]).size, 0, 'same place, other message');
    assert.equal(twinsOf(build, [gopls(17, 6, 'undefined: nope')]).size, 0, 'other line');
    assert.equal(twinsOf(build, [gopls(16, 7, 'undefined: nope')]).size, 0, 'other column');
    assert.equal(twinsOf(build, [gopls(16, 6, 'undefined: nope', 'hint')]).size, 0, 'a hint hides no error');
    assert.equal(twinsOf(build, []).size, 0, 'no twin');
    assert.equal(twinsOf([ours(0, 0, '')], [gopls(0, 0, '')]).size, 0, 'an empty message is no evidence');
  });

  it("a warning of theirs never hides an error of ours (gopls' printf analyzer says what go vet says, as a warning)", () => {
    const text = 'fmt.Printf format %d has arg "x" of wrong type string';
    assert.deepEqual([...twinsOf([ours(5, 13, text)], [gopls(5, 13, text, 'warning')])], []);
    assert.deepEqual([...twinsOf([ours(5, 13, text)], [gopls(5, 13, text)])], [0]);
    assert.deepEqual([...twinsOf([{ ...ours(5, 13, text), severity: 'warning' }], [gopls(5, 13, text)])], [0], 'an error of theirs covers a warning of ours');
  });

  it('pairs one of theirs with one of ours: two identical errors on a line need two twins', () => {
    const build = [ours(3, 4, 'undefined: x'), ours(3, 4, 'undefined: x'), ours(3, 4, 'undefined: x')];
    assert.deepEqual([...twinsOf(build, [gopls(3, 4, 'undefined: x')])], [0]);
    assert.deepEqual([...twinsOf(build, [gopls(3, 4, 'undefined: x'), gopls(3, 4, 'undefined: x')])], [0, 1]);
  });

  it('compares the first line without the file prefix, trimmed: gopls moves the detail into related information', () => {
    assert.equal(messageKey('./handlers/users.go:12:3: undefined: db'), 'undefined: db');
    assert.equal(messageKey('C:\\app\\main.go:1:2: undefined: db'), 'undefined: db');
    assert.equal(messageKey('  too many arguments in call to g\n\thave (number, number)\n\twant (int)  '), 'too many arguments in call to g');
    assert.equal(messageKey('cannot use x  (variable of type int)\tas string'), 'cannot use x (variable of type int) as string');
    // A message that merely mentions a file keeps it.
    assert.equal(messageKey('could not import example.com/x (no such file main.go)'), 'could not import example.com/x (no such file main.go)');
    const build = [ours(2, 0, './main.go:3:1: missing return')];
    assert.equal(twinsOf(build, [gopls(2, 0, 'missing return (see details)')]).size, 0, 'a different first line is another error');
    assert.equal(twinsOf(build, [gopls(2, 0, 'missing return')]).size, 1);
  });

  it('converts the compiler byte column to the UTF-16 column gopls reports', () => {
    // `_ = "héllo"; z := nope2`: go build says column 21 (bytes), gopls character 19 (UTF-16, 0-based).
    const line = '\t_ = "héllo"; z := nope2';
    assert.equal(utf16Column(line, 21), 19);
    assert.equal(line.slice(19, 24), 'nope2');
    assert.equal(utf16Column('\tx := 1', 2), 1, 'a tab is one byte and one unit');
    assert.equal(utf16Column('s := "😀"; y', 14), 11, 'an astral character is 4 bytes, 2 units');
    assert.equal(utf16Column('abc', 1), 0);
    assert.equal(utf16Column('abc', 9), 8, 'past the end (the file changed since the build) keeps the bytes');
  });

  it('looks for twins in Go files only: go.mod and go.work problems stay ours', () => {
    assert.equal(mayHaveTwins('/app/handlers/users.go'), true);
    assert.equal(mayHaveTwins('/app/go.mod'), false);
    assert.equal(mayHaveTwins('/app/go.work'), false);
    assert.equal(mayHaveTwins('/app/templates/index.tmpl'), false);
  });

  it('other sources are all diagnostics less ours, one for one: two servers showing one error do not count as another source', () => {
    const sig = (d: PlainDiagnostic) => `${d.source}|${d.line}:${d.character}|${d.message}`;
    const api = ours(3, 4, 'undefined: x');
    const worker = ours(3, 4, 'undefined: x'); // another service of the module, same shared file
    const twin = gopls(3, 4, 'undefined: x');
    assert.deepEqual(minus([api, twin, worker], [api, worker], sig), [twin]);
    assert.deepEqual(minus([api, worker], [api, worker], sig), [], 'no gopls: nothing hides either');
    // Another extension that happens to use our source name still counts once ours are taken away.
    assert.deepEqual(minus([api, worker, ours(3, 4, 'undefined: x')], [api, worker], sig).length, 1);
  });

  it("the failed build's tooltip still counts every build error and links to Problems", () => {
    const v = statusView({
      id: '/a',
      name: 'a',
      trusted: true,
      hotReload: true,
      configIssues: [],
      state: {
        kind: 'build-failed',
        problems: [
          { file: '/a/main.go', line: 3, column: 2, message: 'undefined: x', severity: 'error' },
          { file: '/a/main.go', line: 4, column: 2, message: 'undefined: y', severity: 'error' },
        ],
        output: '',
        serving: false,
        buildMs: 1,
      },
    });
    assert.match(v.text, /Build failed \(2\)/);
    assert.match(v.tooltip, /\(command:workbench\.actions\.view\.problems\)/);
  });
});
