// Option parsing for check and install: the shared parser (cli/usage.ts);
// a bad command line is a UsageError carrying the command's help, which
// main.ts says as every command's (the message, the usage lines, exit 100).
import type { ParseArgsConfig } from "node:util";
import { parseCommandLine, UsageError } from "../cli/usage";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The parsed line after CHECK looked at it; throws a UsageError with USAGE's lines. */
export function parseOrUsage<O extends Options>(args: string[], options: O, usage: string, check: (p: ReturnType<typeof parseCommandLine<O>>) => void) {
  const parsed = parseCommandLine(usage, args, options);
  try {
    if (!(parsed.values as { help?: boolean }).help) check(parsed);
  } catch (e) {
    if (e instanceof UsageError && e.usage === undefined) throw new UsageError(e.message, usage);
    throw e;
  }
  return parsed;
}
