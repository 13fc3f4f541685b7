import * as crypto from 'node:crypto';
import type { BuildProblem } from '../build/problem';
import { LIVE_SCRIPT_TAG, type FailedBuild } from './liveReload';

/*
 * The pages the proxy answers with itself when it has nothing to forward to: a failed build, a
 * stopped server, a server that did not come up in time. Each exists as HTML (for the browser
 * tab the developer is looking at) and as plain text (for curl, fetch and API clients). The HTML
 * carries the live-reload script, so the tab turns back into the app once the next build works.
 */

/** Raw build output shown on the page is cut to its tail: the end of a log is where the error is. */
const MAX_OUTPUT_CHARS = 64 * 1024;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** `file:line:col`, leaving out positions the compiler did not give. */
export function problemLocation(p: BuildProblem): string {
  let loc = p.file;
  if (p.line > 0) loc += `:${p.line}`;
  if (p.line > 0 && p.column) loc += `:${p.column}`;
  return loc;
}

/**
 * A link VS Code opens at the position: `vscode://file/<abs path>:<line>:<col>`. The path's own
 * leading slash is the one after `file` (VS Code's documented form), Windows separators become
 * `/`, and characters that would end or split a URL are escaped.
 */
export function vscodeLink(p: BuildProblem): string {
  const file = p.file.replace(/\\/g, '/').replace(/^\/+/, '');
  const encoded = encodeURI(file).replace(/[#?]/g, (c) => encodeURIComponent(c));
  const pos = p.line > 0 ? `:${p.line}${p.column ? `:${p.column}` : ''}` : '';
  return `vscode://file/${encoded}${pos}`;
}

function tail(output: string): string {
  return output.length > MAX_OUTPUT_CHARS ? `…\n${output.slice(-MAX_OUTPUT_CHARS)}` : output;
}

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2328; background: #fff; }
  h1 { font-size: 1.4rem; color: #b42318; }
  ul.problems { list-style: none; padding: 0; font-family: ui-monospace, monospace; font-size: 13px; }
  ul.problems li { margin: .4rem 0; white-space: pre-wrap; }
  ul.problems a { color: #0969da; }
  pre { background: #f6f8fa; padding: 1rem; overflow: auto; font-size: 12px; border-radius: 6px; }
  .hint { color: #59636e; }
  @media (prefers-color-scheme: dark) { body { color: #e6edf3; background: #0d1117; } pre { background: #161b22; } ul.problems a { color: #4493f8; } h1 { color: #ff7b72; } .hint { color: #9198a1; } }
`;

/**
 * The Content-Security-Policy of the proxy's own pages: the one style block above (by hash) and
 * the live-reload script from the proxy itself; nothing else loads, runs, submits or frames it.
 * So even text that slipped past escaping could not run, and no other site can frame the build
 * output.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`,
  "script-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * A page shell; `liveReload` adds the script that reloads the tab on the next successful restart.
 * data-gopher-reload-page tells that script this is our page, not the app's (no overlay on it).
 */
function page(title: string, bodyHtml: string, liveReload: boolean): string {
  return `<!doctype html>
<html lang="en" data-gopher-reload-page>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Gopher Reload</title>
<style>${STYLE}</style>
</head>
<body>
${bodyHtml}
${liveReload ? '<p class="hint">This page reloads itself when the server is back.</p>' : '<p class="hint">Reload this page once the server is back.</p>'}
${liveReload ? LIVE_SCRIPT_TAG : ''}
</body>
</html>
`;
}

/**
 * `fileLinks` false: the locations are text, not vscode://file links. In remote development
 * (Remote-SSH, Dev Containers, WSL, Codespaces, code-server) the files are not on the machine
 * whose VS Code such a link opens, and stable VS Code API does not tell an extension the remote
 * authority that a vscode://vscode-remote/<authority>/ link would need.
 */
export function buildFailedHtml(problems: BuildProblem[], output: string, liveReload: boolean, fileLinks = true): string {
  const items = problems
    .map((p) => {
      const href = fileLinks ? vscodeLink(p) : undefined;
      const loc = escapeHtml(problemLocation(p));
      return `<li>${href ? `<a href="${escapeHtml(href)}">${loc}</a>` : loc} ${escapeHtml(p.message)}</li>`;
    })
    .join('\n');
  const body = `<h1>Build failed</h1>
${problems.length ? `<ul class="problems">\n${items}\n</ul>` : '<p>The build failed without a message naming a file; its output is below.</p>'}
${output.trim() ? `<h2>Output</h2>\n<pre>${escapeHtml(tail(output))}</pre>` : ''}`;
  return page('Build failed', body, liveReload);
}

export function buildFailedText(problems: BuildProblem[], output: string): string {
  const lines = problems.map((p) => `${problemLocation(p)} ${p.message}`);
  if (lines.length === 0 && output.trim()) lines.push(tail(output).trimEnd());
  return `Gopher Reload: the last build failed.\n${lines.join('\n')}\n`;
}

export function messageHtml(title: string, detail: string, liveReload: boolean): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<pre>${escapeHtml(detail)}</pre>`, liveReload);
}

export function messageText(title: string, detail: string): string {
  return `Gopher Reload: ${title}\n${detail ? `${detail}\n` : ''}`;
}

/** The 503 after holdMs: the request waited and nothing became ready. */
export function notReadyDetail(holdMs: number): { title: string; detail: string } {
  const secs = Number((holdMs / 1000).toFixed(1));
  return {
    title: `The server did not become ready within ${secs} s`,
    detail: `The request waited ${secs} s for the app to start listening. Check the Gopher Reload output for build or startup errors.`,
  };
}

/** What the overlay on an open page shows of a failed build (the output cut shorter: it travels in an event). */
export function failedBuildSummary(problems: BuildProblem[], output: string): FailedBuild {
  const max = 16 * 1024;
  return {
    problems: problems.map((p) => ({ location: problemLocation(p), message: p.message })),
    output: output.length > max ? `…\n${output.slice(-max)}` : output,
  };
}
