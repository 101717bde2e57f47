// Small pieces the client commands (svc, wait, status, scan-ctl) share: how a
// path and an errno appear in a log line, and option parsing that keeps the
// order of flags (s6 tools let the last -u/-d/... win).
import type { ParseArgsConfig } from "node:util";
import { EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine, reason } from "../cli/log";
import { parseCommandLine, UsageError } from "../cli/usage";

/** Longest path printed whole in a message; longer ones are cut with "…". */
export const MAX_SHOWN_PATH = 80;

/** The path as a log line shows it: a 10 000-byte argument must not flood stderr. */
export function shortPath(path: string): string {
  return path.length > MAX_SHOWN_PATH ? `${path.slice(0, MAX_SHOWN_PATH)}…` : path;
}

/** Logs "unable to VERB OBJECT: Reason (ECODE)" and returns 111, s6's system-error exit. */
export function systemFailure(verb: string, object: string, e: unknown): number {
  logLine(`unable to ${verb} ${shortPath(object)}: ${reason(e)}`);
  return EXIT_SYSTEM;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One parsed option occurrence, in command-line order. */
export interface OptionToken {
  name: string;
  value: string | undefined;
}

/** parseArgs (strict) that returns the options in the order given plus the
 *  operands; a bad option becomes a UsageError naming it (exit 100) with HELP's usage lines. */
export function parseOrdered(help: string, args: string[], options: Options): { opts: OptionToken[]; operands: string[] } {
  const parsed = parseCommandLine(help, args, options);
  const opts: OptionToken[] = [];
  for (const t of parsed.tokens ?? []) {
    if (t.kind === "option") opts.push({ name: t.name, value: t.value });
  }
  return { opts, operands: parsed.positionals };
}

/** Parses a decimal millisecond count as skalibs' uint0_scan would accept it. */
export function parseMillis(help: string, option: string, value: string | undefined): number {
  if (value === undefined || !/^[0-9]+$/.test(value) || Number(value) > 0xffffffff) {
    throw new UsageError(`option ${option} takes milliseconds, not ${JSON.stringify(value ?? "")}`, help);
  }
  return Number(value);
}
