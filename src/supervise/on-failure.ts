// `on-failure` in a service or task directory: what the machine does when
// that service becomes failed (its restart-limit reached, machine-limit.ts)
// or that task exits non-zero. One word, read when the failure happens, so an
// edit applies without a restart. Who carries it out is the start-up's
// business (boot/on-failure.ts): PID 1 powers off, a container exits.
import { join } from "node:path";
import { reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { readHead } from "../sys/read-head";
import { firstLineOf } from "./config";
import { exitCodeOf, termSigOf } from "./machine-types";

/** One failure: a service's or a task's, its directory, and its last exit code (128+n for signal n). */
export interface Failure {
  what: string;
  dir: string;
  code: number;
}

/** exit code, or 128 + signal: what a shell says of a raw wait status. */
export function deathCode(status: number): number {
  const sig = termSigOf(status);
  return sig ? 128 + sig : exitCodeOf(status);
}

/** The actions, as systemd's FailureAction= names them (none → nothing). */
export const FAILURE_ACTIONS = ["nothing", "reboot", "poweroff", "halt", "exit"] as const;
export type FailureAction = (typeof FAILURE_ACTIONS)[number];

/** The word on its first line, or why it is none of FAILURE_ACTIONS. */
export function parseOnFailure(line: string): FailureAction | { error: string } {
  const word = line.trim();
  return (FAILURE_ACTIONS as readonly string[]).includes(word)
    ? (word as FailureAction)
    : { error: `${JSON.stringify(line)} is not one of ${FAILURE_ACTIONS.join(", ")}` };
}

/** DIR/on-failure's action: "nothing" when absent; a bad or unreadable file is a warning and "nothing". */
export function readOnFailure(dir: string): { action: FailureAction; warning: string | null } {
  const file = join(dir, "on-failure");
  let line: string;
  try {
    line = firstLineOf(readHead(file));
  } catch (e) {
    return { action: "nothing", warning: codeOf(e) === "ENOENT" ? null : `warning: unable to read ${file}: ${reason(e)} (doing nothing)` };
  }
  const r = parseOnFailure(line);
  return typeof r === "string" ? { action: r, warning: null } : { action: "nothing", warning: `warning: invalid ${file}: ${r.error} (doing nothing)` };
}
