// Each step of stage 1 and stage 3 is logged with how long it took, so a slow
// boot or shutdown shows where the time went. A failed step is logged and the
// caller goes on: a missing piece must never stop a boot.
import { logLine, reason } from "./log";

/** Runs fn as the step `what`; logs "boot: WHAT[: result] (1.2 ms)" or
 *  "boot: unable to WHAT: reason (1.2 ms)". A string result is the detail.
 *  A step that returns a promise is the same once it settles: its rejection
 *  is the step's failure, logged, and the promise resolves undefined. */
export function timed<T>(stage: string, what: string, fn: () => Promise<T>): Promise<T | undefined>;
export function timed<T>(stage: string, what: string, fn: () => T): T | undefined;
export function timed<T>(stage: string, what: string, fn: () => T | Promise<T>): T | undefined | Promise<T | undefined> {
  const t0 = process.hrtime.bigint();
  return guarded(
    fn,
    (result) => {
      const detail = typeof result === "string" && result ? `: ${result}` : "";
      logLine(`${stage}: ${what}${detail} (${elapsed(t0)})`);
    },
    (e) => logLine(`${stage}: unable to ${what}: ${reason(e)} (${elapsed(t0)})`),
  );
}

/** fn's result after ok(result), or undefined after failed(error); for a
 *  promise, the same once it settles. The one guard every boot step runs in. */
export function guarded<T>(fn: () => Promise<T>, ok: (result: T) => void, failed: (e: unknown) => void): Promise<T | undefined>;
export function guarded<T>(fn: () => T, ok: (result: T) => void, failed: (e: unknown) => void): T | undefined;
export function guarded<T>(fn: () => T | Promise<T>, ok: (result: T) => void, failed: (e: unknown) => void): T | undefined | Promise<T | undefined> {
  const fail = (e: unknown): undefined => {
    failed(e);
    return undefined;
  };
  try {
    const result = fn();
    if (result instanceof Promise) {
      return result.then((r) => {
        ok(r);
        return r;
      }, fail);
    }
    ok(result);
    return result;
  } catch (e) {
    return fail(e);
  }
}

/** Milliseconds since t0 as "1.2 ms". */
export function elapsed(t0: bigint): string {
  return `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`;
}

/** Resolves true if p settles within ms, false otherwise. */
export function within(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
