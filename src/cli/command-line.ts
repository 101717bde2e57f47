// The one command-line module every command uses. Options are read by
// util.parseArgs in strict mode (in the order given, when a command needs
// it: s6 tools let the last -u/-d win); the plainest lines by simple-args.ts,
// which answers the same without loading util's parser. A bad command line
// is a UsageError naming what is wrong, and main.ts says every one the same
// way (sayUsage): "tsinit COMMAND: WHAT", the command's usage lines, exit 100.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_USAGE } from "./exit-codes";
import { logLine, writeText } from "./log";
import { parseSimpleArgs } from "./simple-args";

/** A bad command line: the message, then HELP's usage lines, exit 100. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  /** help: the command's help text, whose usage lines are shown under the message */
  constructor(
    message: string,
    readonly help: string,
  ) {
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

/** Says a usage error, as every command does: the message (prefixed with the
 *  command's name by logLine), the usage lines on stderr; returns 100. */
export function sayUsage(e: UsageError): number {
  logLine(e.message);
  writeText(2, `${usageLines(e.help)}\n`);
  return e.exitCode;
}

/** Writes the whole help text to stdout (--help); returns 0. */
export function showHelp(help: string): number {
  writeText(1, `${help}\n`);
  return 0;
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

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
  const simple = parseSimpleArgs(args, options, allowPositionals);
  type Parsed = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true; tokens: true }>>;
  if (simple) return simple as unknown as Parsed;
  try {
    return parseArgs({ args, options, allowPositionals, strict: true, tokens: true });
  } catch {
    throw new UsageError(problem(args, options, allowPositionals), help);
  }
}

/** One parsed option occurrence, in command-line order. */
export interface OptionToken {
  name: string;
  value: string | undefined;
}

/** parseCommandLine's options in the order given, plus the operands. */
export function parseOrdered(help: string, args: string[], options: Options): { opts: OptionToken[]; operands: string[] } {
  const parsed = parseCommandLine(help, args, options);
  const opts: OptionToken[] = [];
  for (const t of parsed.tokens ?? []) {
    if (t.kind === "option") opts.push({ name: t.name, value: t.value });
  }
  return { opts, operands: parsed.positionals };
}

/** A decimal millisecond count as skalibs' uint0_scan accepts it (32 bits), or null. */
export function millis(value: string | undefined): number | null {
  if (value === undefined || !/^[0-9]+$/.test(value) || Number(value) > 0xffffffff) return null;
  return Number(value);
}

/** OPTION's value in milliseconds; anything else is a UsageError naming it. */
export function parseMillis(help: string, option: string, value: string | undefined): number {
  const ms = millis(value);
  if (ms === null) throw new UsageError(`option ${option} takes milliseconds, not ${JSON.stringify(value ?? "")}`, help);
  return ms;
}
