// Option parsing for check and install: the shared parser (cli/usage.ts),
// and on a bad command line the parser's message plus the usage line, exit 100.
import type { ParseArgsConfig } from "node:util";
import { EXIT_USAGE } from "../cli/exit-codes";
import { logLine } from "../cli/log";
import { parseCommandLine, UsageError } from "../cli/usage";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The parsed line, or the exit code 100 after saying what is wrong and how to call COMMAND. */
export function parseOrUsage<O extends Options>(command: string, args: string[], options: O, usage: string, check: (p: ReturnType<typeof parseCommandLine<O>>) => void) {
  try {
    const parsed = parseCommandLine(command, args, options);
    if (!(parsed.values as { help?: boolean }).help) check(parsed);
    return parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    logLine(e.message);
    process.stderr.write(`${usage.split("\n")[0]}\n`);
    return EXIT_USAGE;
  }
}
