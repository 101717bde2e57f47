// The files of issue 24's health and failure policy (docs/health.md), checked
// as the start-ups read them: on-failure's word (supervise/on-failure.ts),
// and for a service, whether anything can make it fail at all.
import { FAILURE_ACTIONS, parseOnFailure } from "../supervise/on-failure";
import { optionalLine, type CheckContext } from "./context";

/** Checks DIR's on-failure, for a service or a task directory. */
export function checkHealthFiles(ctx: CheckContext, dir: string, kind: "service" | "task"): void {
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
