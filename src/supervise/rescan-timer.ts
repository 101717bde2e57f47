// When the scanner looks at its directory again: soon (many inotify records
// of one bulk install make one rescan, not one each), or in MS (after a
// supervisor exits, or an fd shortage), one timer at most, armed only then.

export class RescanTimer {
  private queued = false;
  private timer?: NodeJS.Timeout;
  private due = 0;

  constructor(private readonly rescan: () => void) {}

  /** One rescan after the current batch of events. */
  soon(): void {
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.rescan();
    });
  }

  /** One rescan in MS (or sooner, if one is already due sooner). */
  in(ms: number): void {
    const due = Date.now() + ms;
    if (this.timer && this.due <= due) return;
    this.cancel();
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rescan();
    }, ms);
  }

  /** Drops the timed rescan (supervision is ending). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
