// The machine's timers for one service: at most one of each kind, armed and
// cancelled as its effects say; a timer that fires is forgotten first, so
// what it feeds back may arm the same kind again.

export class Timers<K> {
  private readonly armed = new Map<K, NodeJS.Timeout>();

  /** Arms kind (replacing one already armed) to call fire after ms. */
  arm(kind: K, ms: number, fire: () => void): void {
    this.cancel(kind);
    this.armed.set(
      kind,
      setTimeout(() => {
        this.armed.delete(kind);
        fire();
      }, ms),
    );
  }

  cancel(kind: K): void {
    const t = this.armed.get(kind);
    if (t) clearTimeout(t);
    this.armed.delete(kind);
  }

  cancelAll(): void {
    for (const kind of [...this.armed.keys()]) this.cancel(kind);
  }
}
