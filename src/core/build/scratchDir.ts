import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * A scratch folder the engine can delete without risk: uniquely named per process and marked as
 * ours, so a user's file in the output folder (`deploy/overlay/keep.txt`) is never touched. Only
 * a folder that carries the marker is ever removed, and a stale one only when its process is gone.
 */
const PREFIX = '.gopher-reload-overlay-';
const MARKER = '.gopher-reload-scratch';
const MARK = 'Gopher Reload scratch folder: deleted when its process ends.\n';

export class ScratchDir {
  private dir?: string;

  constructor(private readonly parent: () => string) {}

  /** An empty folder of ours inside the parent, created (and stale ones of dead processes swept) on first use. */
  fresh(): string {
    const parent = this.parent();
    if (this.dir && path.dirname(this.dir) !== parent) this.remove();
    if (this.dir && isOurs(this.dir)) {
      for (const f of fs.readdirSync(this.dir)) if (f !== MARKER) fs.rmSync(path.join(this.dir, f), { recursive: true, force: true });
      return this.dir;
    }
    fs.mkdirSync(parent, { recursive: true });
    sweepStale(parent);
    const dir = path.join(parent, `${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    fs.mkdirSync(dir); // fails if it exists: never adopt a folder we did not make
    fs.writeFileSync(path.join(dir, MARKER), MARK);
    this.dir = dir;
    return dir;
  }

  /** Removes our folder, if it is still ours. */
  remove(): void {
    if (this.dir && isOurs(this.dir)) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

function isOurs(dir: string): boolean {
  try {
    return !fs.lstatSync(dir).isSymbolicLink() && fs.readFileSync(path.join(dir, MARKER), 'utf8') === MARK;
  } catch {
    return false;
  }
}

/** Removes marked scratch folders left by processes that no longer run (a crash, a kill -9). */
export function sweepStale(parent: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${PREFIX.replace(/\./g, '\\.')}(\\d+)-[0-9a-f]+$`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const dir = path.join(parent, name);
    if (isOurs(dir)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
