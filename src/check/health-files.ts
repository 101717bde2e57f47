// The files of the health and failure policy (docs/health.md), checked as
// the supervisor reads them: on-failure's word (supervise/on-failure.ts) and
// whether anything can make the service fail at all; notify-socket's shape.
import { FAILURE_ACTIONS, parseOnFailure } from "../supervise/on-failure";
import { optionalLine, type CheckContext } from "./context";
import { INT_MAX, scanUint } from "../supervise/config";

/** Checks DIR's on-failure, for a service or a task directory, and a service's notify-socket. */
export function checkHealthFiles(ctx: CheckContext, dir: string, kind: "service" | "task"): void {
  const sock = ctx.fs.stat(`${dir}/notify-socket`);
  const dog = kind === "service" ? optionalLine(ctx, `${dir}/watchdog-ms`) : null;
  if (dog !== null) {
    const ms = scanUint(dog, INT_MAX);
    const show = ctx.show(`${dir}/watchdog-ms`);
    if (ms === null)
      ctx.out.error(show, `${JSON.stringify(dog)} is not a number of milliseconds (boot uses no watchdog)`, "write milliseconds such as 30000 (0: none)");
    else if (ms > 0 && sock === null) ctx.out.warning(show, "without notify-socket no WATCHDOG=1 can arrive: no watchdog", "add an empty notify-socket file");
  }
  if (kind === "service" && sock !== null) {
    if (sock.isDirectory())
      ctx.out.error(ctx.show(`${dir}/notify-socket`), "a directory: the supervisor looks for a file (present = on)", "make it an empty file");
    else if (ctx.fs.stat(`${dir}/notification-fd`) !== null)
      ctx.out.warning(ctx.show(`${dir}/notify-socket`), "beside notification-fd: whichever says ready first flags it ready", "keep one of them");
  }
  const show = ctx.show(`${dir}/on-failure`);
  const word = optionalLine(ctx, `${dir}/on-failure`);
  if (word === null) return;
  const r = parseOnFailure(word);
  if (typeof r !== "string") return ctx.out.error(show, `${r.error} (boot does nothing)`, `write one of ${FAILURE_ACTIONS.join(", ")}`);
  // A service fails only by its restart-limit; without one, on-failure never applies.
  if (kind === "service" && r !== "nothing" && ctx.fs.stat(`${dir}/restart-limit`) === null) {
    ctx.out.warning(show, `${r} never happens: without restart-limit the service is restarted for ever and never fails`, "add restart-limit, e.g. 3 10");
  }
}
