// Command-line parsing shared by the subcommands: util.parseArgs in strict
// mode, with its errors turned into one usage line and exit code 100.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_USAGE } from "./exit-codes";

/** A bad command line: main prints the message and exits 100. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs (strict, with tokens) that names the unknown or malformed option in a UsageError. */
export function parseCommandLine<O extends Options>(command: string, args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true, tokens: true });
  } catch (e) {
    const why = (e as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${why} (see tsinit ${command} --help)`);
  }
}
