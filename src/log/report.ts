// Error reports at most once per kind per interval: a full disk fails every
// write, and the console must not fill with the same line.
import { codeOf, reason } from "../sys/errors";

/** Says a message unless one with the same key was said within everyMs. */
export class RateLimitedReporter {
  private readonly last = new Map<string, number>();
  /** reports swallowed by the limit */
  suppressed = 0;

  constructor(
    private readonly say: (message: string, code: string) => void,
    private readonly everyMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports "unable to VERB OBJECT: reason", keyed by the error's code. */
  failed(verb: string, object: string, e: unknown): void {
    const key = codeOf(e);
    const t = this.now();
    const prev = this.last.get(key);
    if (prev !== undefined && t - prev < this.everyMs) {
      this.suppressed++;
      return;
    }
    this.last.set(key, t);
    try {
      this.say(`unable to ${verb} ${object}: ${reason(e)}`, key);
    } catch {
      /* a reporter that throws must not stop the logger */
    }
  }
}
