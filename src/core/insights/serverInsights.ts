import { Emitter } from '../util/events';
import { LineSplitter } from '../util/text';
import { parseGinRoute, type GinRoute } from './ginRoutes';
import { PanicScanner, type RuntimePanic } from './panics';

/** Keeps the last lines bounded: a route line is short, anything longer is not one. */
const MAX_LINE = 4096;

/**
 * What the running server says about itself, read from its output: the routes Gin registers
 * (its `[GIN-debug] GET /path --> handler` table) and the panics it prints. Both belong to one
 * server process: `reset()` at each start clears them, which is how a reload clears a panic.
 */
export class ServerInsights {
  private readonly changed = new Emitter<void>();
  readonly onChange = this.changed.event;
  routes: GinRoute[] = [];
  panics: RuntimePanic[] = [];
  /**
   * The template names this server process printed as loaded by Gin in debug mode
   * (`[GIN-debug] Loaded HTML Templates (N):` then `\t- name` lines, printed only in debug mode,
   * where render.HTMLDebug parses the files again on every request). Undefined: it printed none.
   */
  ginDebugTemplates?: Set<string>;
  /** Inside the printed template list: the `\t- name` lines that follow belong to it. */
  private inTemplateList = false;
  private scanner: PanicScanner;
  /** Route lines are short: a cut line is not one. */
  private lines = this.newSplitter();
  private added = false;
  private flushTimer?: NodeJS.Timeout;

  constructor(private root: string) {
    this.scanner = this.newScanner();
  }

  private newScanner(): PanicScanner {
    return new PanicScanner(this.root, (p) => {
      // Bounded: a handler that panics on every request must not grow this without end.
      this.panics = [...this.panics.slice(-19), p];
      this.changed.fire();
    });
  }

  write(text: string): void {
    this.scanner.write(text);
    this.added = false;
    this.lines.write(text);
    if (this.added) this.changed.fire();
  }

  private newSplitter(): LineSplitter {
    return new LineSplitter(MAX_LINE, (line, cut) => {
      if (!cut) this.routeLine(line);
    });
  }

  private routeLine(line: string): void {
    if (this.templateLine(line)) return;
    if (!line.includes('[GIN-debug]')) return;
    const r = parseGinRoute(line);
    if (r && !this.routes.some((x) => x.method === r.method && x.path === r.path)) {
      this.routes.push(r);
      this.added = true;
    }
  }

  private templateLine(line: string): boolean {
    const clean = line.replace(/\r$/, '');
    if (this.inTemplateList) {
      const m = /^\t- (.*)$/.exec(clean);
      if (m) {
        if (m[1]) this.ginDebugTemplates!.add(m[1]);
        return true;
      }
      this.inTemplateList = false;
    }
    if (!/\[GIN-debug\] Loaded HTML Templates \(\d+\):/.test(clean)) return false;
    this.ginDebugTemplates ??= new Set();
    this.inTemplateList = true;
    return true;
  }

  /**
   * The server exited: a trace cut off by the exit is complete. Flushed a moment later because
   * the pipes can still deliver output after the exit event.
   */
  ended(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.scanner.flush(), 100);
    this.flushTimer.unref();
  }

  /**
   * Another server process starts. With a new build everything goes (a reload clears its
   * panics); a crash restart of the same binary keeps the panic that crashed it.
   */
  reset(root: string, keepPanics = false): void {
    clearTimeout(this.flushTimer);
    this.scanner.flush();
    const had = this.routes.length > 0 || (!keepPanics && this.panics.length > 0);
    this.root = root;
    this.scanner = this.newScanner();
    this.lines = this.newSplitter(); // the old process's unfinished line is not the new one's
    this.routes = [];
    this.ginDebugTemplates = undefined;
    this.inTemplateList = false;
    if (!keepPanics) this.panics = [];
    if (had) this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    this.changed.clear();
  }
}
