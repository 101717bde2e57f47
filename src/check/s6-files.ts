// s6's own files in a service directory, each checked with the rule the
// supervisor reads it by (supervise/config.ts): where boot would warn and
// use a default, check says so before the image is built.
import { INT_MAX, scanUint, timeoutUpOf } from "../supervise/config";
import { MAX_DEATH_TALLY, THROTTLE_MS } from "../supervise/machine";
import { parseSignal } from "../s6/signal-names";
import { parseRestartLimit } from "../supervise/machine-limit";
import { optionalLine, type CheckContext } from "./context";

/** Checks notification-fd, down-signal, the timeouts, max-death-tally, restart-delay-max and restart-limit of DIR. */
export function checkS6Files(ctx: CheckContext, dir: string): void {
  const at = (f: string) => `${dir}/${f}`;
  const show = (f: string) => ctx.show(at(f));

  const fd = optionalLine(ctx, at("notification-fd"));
  if (fd !== null) {
    const n = scanUint(fd, INT_MAX);
    if (n === null) ctx.out.error(show("notification-fd"), `${JSON.stringify(fd)} is not a number`, "write a descriptor number such as 3");
    // s6-supervise accepts 0-2 (the pipe then takes stdin, stdout or stderr's
    // place), and so does the supervisor: legal, but seldom what was meant.
    else if (n < 3)
      ctx.out.warning(
        show("notification-fd"),
        `${n} is ${["stdin", "stdout", "stderr"][n]}: run's ${["input", "output", "errors"][n]} would go to the readiness pipe instead`,
        "write a descriptor number of 3 or more, unless run signals readiness on it",
      );
  }
  const sig = optionalLine(ctx, at("down-signal"));
  if (sig !== null && parseSignal(sig) === null) {
    ctx.out.error(
      show("down-signal"),
      `${JSON.stringify(sig)} is not a signal (boot uses SIGTERM)`,
      "write a name such as TERM, HUP or SIGINT, or a number from 1 to 64",
    );
  }
  const backoff = optionalLine(ctx, at("restart-delay-max"));
  if (backoff !== null) {
    const n = scanUint(backoff, INT_MAX);
    if (n === null)
      ctx.out.error(
        show("restart-delay-max"),
        `${JSON.stringify(backoff)} is not a number of milliseconds (boot uses no backoff)`,
        "write milliseconds such as 30000 (0: no backoff)",
      );
    else if (n > 0 && n < THROTTLE_MS)
      ctx.out.warning(show("restart-delay-max"), `${n} ms is below the 1000 ms every restart waits anyway: no backoff`, "write 1000 or more, e.g. 30000");
  }
  const limit = optionalLine(ctx, at("restart-limit"));
  if (limit !== null) {
    const r = parseRestartLimit(limit);
    if ("error" in r)
      ctx.out.error(
        show("restart-limit"),
        `${r.error} (boot restarts it for ever)`,
        "write a count and seconds such as 3 10: failed after 3 deaths within 10 s",
      );
  }
  for (const name of ["timeout-kill", "timeout-finish"]) {
    const v = optionalLine(ctx, at(name));
    if (v !== null && scanUint(v, INT_MAX) === null) {
      ctx.out.error(
        show(name),
        `${JSON.stringify(v)} is not a number of milliseconds (boot uses the default)`,
        "write milliseconds such as 5000 (0: no limit)",
      );
    }
  }
  const up = optionalLine(ctx, at("timeout-up"));
  if (up !== null && timeoutUpOf(up) === 0 && !/^0+$/.test(up)) {
    ctx.out.error(
      show("timeout-up"),
      `${JSON.stringify(up)} is not a number of milliseconds (boot waits forever)`,
      "write milliseconds such as 10000, or remove the file for no timeout",
    );
  }
  const tally = optionalLine(ctx, at("max-death-tally"));
  if (tally !== null) {
    const n = scanUint(tally, Number.MAX_SAFE_INTEGER);
    if (n === null) ctx.out.error(show("max-death-tally"), `${JSON.stringify(tally)} is not a number`, `write a count from 0 to ${MAX_DEATH_TALLY}`);
    else if (n > MAX_DEATH_TALLY)
      ctx.out.warning(show("max-death-tally"), `${n} is above ${MAX_DEATH_TALLY}, which is what is kept`, `write ${MAX_DEATH_TALLY} or less`);
  }
}
