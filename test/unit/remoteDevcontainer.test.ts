import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { watchTree } from '../../src/core/watch/watcher';
import { harness, repoRoot, waitState } from '../support/helpers';

/*
 * The example app's .devcontainer/devcontainer.json (Dev Containers, Codespaces): it parses as
 * the JSONC VS Code reads (comments, trailing commas), its image's Go is the one go.mod asks for,
 * it forwards the port the app listens on by default, and it recommends the Go extension and
 * ours. Editing it is no reason to rebuild the app.
 */

const app = path.join(repoRoot(), 'test', 'fixtures', 'gin-api');
const file = path.join(app, '.devcontainer', 'devcontainer.json');

interface DevContainer {
  image?: string;
  forwardPorts?: (number | string)[];
  postCreateCommand?: string;
  customizations?: { vscode?: { extensions?: string[] } };
}

function read(): DevContainer {
  const errors: ParseError[] = [];
  const text = fs.readFileSync(file, 'utf8');
  const json = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as DevContainer;
  assert.deepEqual(
    errors.map((e) => `${printParseErrorCode(e.error)} at ${e.offset}`),
    [],
    'devcontainer.json parses as JSONC',
  );
  assert.ok(json && typeof json === 'object', 'an object');
  return json;
}

describe('the example app in a Dev Container (remote)', function () {
  it("parses, uses go.mod's Go, forwards the app's default port, and recommends golang.go and Gopher Reload", () => {
    const c = read();
    const goMod = fs.readFileSync(path.join(app, 'go.mod'), 'utf8');
    const goVersion = /^go (\d+\.\d+)/m.exec(goMod)?.[1];
    assert.ok(goVersion, 'go.mod has a go line');
    assert.equal(c.image, `mcr.microsoft.com/devcontainers/go:1-${goVersion}-bookworm`);

    const main = fs.readFileSync(path.join(app, 'main.go'), 'utf8');
    const defaultPort = /port = "(\d+)"/.exec(main)?.[1];
    assert.ok(defaultPort, "main.go's default port");
    assert.deepEqual(c.forwardPorts, [Number(defaultPort)]);

    assert.equal(c.postCreateCommand, 'go mod download');
    assert.deepEqual(c.customizations?.vscode?.extensions, ['golang.go', 'gopher-reload.gopher-reload']);
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { publisher: string; name: string };
    assert.ok(c.customizations?.vscode?.extensions?.includes(`${pkg.publisher}.${pkg.name}`), "this extension's id");
  });

  it('a change to .devcontainer/ does not rebuild or restart the app', async function () {
    this.timeout(180_000);
    const h = await harness('gin-api');
    try {
      h.engine.start();
      const running = await waitState(h, 'running', 120_000, 0);
      const from = h.states.length;
      // Changes reach the engine as they do in the CLI: watchTree with the engine's filter.
      const taken: [string, boolean][] = [];
      const w = watchTree(h.dir, h.engine.changeFilter, { onChange: (f) => taken.push([f, h.engine.fileChanged(f)]) });
      try {
        await w.ready;
        const dc = path.join(h.dir, '.devcontainer');
        const copy = path.join(dc, 'devcontainer.json');
        assert.ok(fs.existsSync(copy), 'the copy has it');
        fs.writeFileSync(copy, fs.readFileSync(copy, 'utf8').replace('"forwardPorts": [8080]', '"forwardPorts": [8080, 9090]'));
        fs.writeFileSync(path.join(dc, 'Dockerfile'), 'FROM scratch\n');
        assert.equal(h.engine.fileChanged(copy), false, 'the engine itself says it is no reason to rebuild');
        // The watcher settles changes within its debounce; give it well over that.
        await new Promise((r) => setTimeout(r, 3000));
      } finally {
        await w.close();
      }
      assert.ok(taken.length > 0, 'the watcher saw the writes');
      assert.deepEqual(
        taken.filter(([, rebuild]) => rebuild),
        [],
        'the engine takes none of them as a reason to rebuild',
      );
      const after = h.states.slice(from).map((s) => s.kind);
      assert.deepEqual(after, [], `no new state after the change (saw ${after.join(', ')})`);
      const now = h.engine.state;
      assert.equal(now.kind, 'running');
      assert.equal((now as { pid: number }).pid, (running as { pid: number }).pid, 'the same server');
    } finally {
      await h.dispose();
    }
  });
});
