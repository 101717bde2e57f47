// Each step of stage 1 and stage 3 is logged with how long it took, so a slow
// boot or shutdown shows where the time went. A failed step is logged and the
// caller goes on: a missing piece must never stop a boot.
import { logLine, reason } from "./log";

/** Runs fn as the step `what`; logs "boot: WHAT[: result] (1.2 ms)" or
 *  "boot: unable to WHAT: reason (1.2 ms)". A string result is the detail. */
export function timed<T>(stage: string, what: string, fn: () => T): T | undefined {
  const t0 = process.hrtime.bigint();
  try {
    const result = fn();
    const detail = typeof result === "string" && result ? `: ${result}` : "";
    logLine(`${stage}: ${what}${detail} (${elapsed(t0)})`);
    return result;
  } catch (e) {
    logLine(`${stage}: unable to ${what}: ${reason(e)} (${elapsed(t0)})`);
    return undefined;
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
