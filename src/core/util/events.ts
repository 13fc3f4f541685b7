/** A minimal typed event: the core stays free of Node's EventEmitter string keys and of `vscode`. */
export type Listener<T> = (value: T) => void;

export interface Subscription {
  dispose(): void;
}

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  /** Subscribe; the returned object unsubscribes (fits VS Code's Disposable shape). */
  readonly event = (listener: Listener<T>): Subscription => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch {
        // A faulty listener (a UI adapter) must never break the reload loop.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
