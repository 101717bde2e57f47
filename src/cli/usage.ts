// Command-line parsing shared by the subcommands: util.parseArgs in strict
// mode; a bad command line becomes a UsageError that names the option, and
// main prints it with the command's usage lines and exits 100.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_USAGE } from "./exit-codes";

/** A bad command line: main prints the message, then the usage lines, and exits 100. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  /** the command's help text; main shows its usage lines under the message */
  constructor(message: string, readonly usage?: string) {
    super(message);
  }
}

/** The synopsis of a help text: from its "usage:" line to the first blank line. */
export function usageLines(help: string): string {
  const from = help.indexOf("usage:");
  const text = from < 0 ? help : help.slice(from);
  const end = text.indexOf("\n\n");
  return end < 0 ? text : text.slice(0, end);
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What is wrong with a command line strict parseArgs refused, named in our words
 *  (its own texts, "Option '--svg <value>' argument missing", are for programmers). */
function problem(args: string[], options: Options, allowPositionals: boolean): string {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind === "positional") {
      if (!allowPositionals) return `unexpected argument ${t.value}`;
      continue;
    }
    if (t.kind !== "option") continue;
    const spec = options[t.name];
    if (!spec) return `unknown option ${t.rawName}`;
    if (spec.type === "boolean" && t.value !== undefined) return `option ${t.rawName} takes no value`;
    // Strict mode refuses a value that looks like an option ("--svg --json").
    if (spec.type === "string" && (t.value === undefined || (!t.inlineValue && t.value.length > 1 && t.value.startsWith("-")))) {
      return `option ${t.rawName} needs a value`;
    }
  }
  return "invalid command line";
}

/** parseArgs (strict, with tokens); a bad option or argument is a UsageError
 *  that names it and carries the help text for its usage lines. */
export function parseCommandLine<O extends Options>(help: string, args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true, tokens: true });
  } catch {
    throw new UsageError(problem(args, options, allowPositionals), help);
  }
}
