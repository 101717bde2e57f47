// The one command-line module (src/cli/command-line.ts): what a bad command
// line is called, options kept in order, milliseconds as s6 reads them, and
// the usage lines a usage error shows.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { millis, parseCommandLine, parseMillis, parseOrdered, usageLines, UsageError } from "../../src/cli/command-line";
import { EXIT_USAGE } from "../../src/cli/exit-codes";

const test = suite("command line");

const HELP = `usage: tsinit demo [-v] [--out FILE] ARG...
       tsinit demo --help

Does nothing.

exit codes: 0 ok; 100 usage`;

const OPTIONS = {
  verbose: { type: "boolean", short: "v" },
  out: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

/** The UsageError fn throws (fails when it throws nothing or something else). */
function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new assert.Assertion({ message: "no usage error", operator: "throws", expects: "UsageError", actual: "nothing", generated: false });
}

test("a good line: values and operands", () => {
  const { values, positionals } = parseCommandLine(HELP, ["-v", "--out=f", "a", "b"], OPTIONS);
  assert.equal({ ...values }, { verbose: true, out: "f" });
  assert.equal(positionals, ["a", "b"]);
});

test("each bad line is named in our words, with exit 100 and the help it belongs to", () => {
  const cases: Array<[string[], string, boolean?]> = [
    [["--zzz"], "unknown option --zzz"],
    [["-Z"], "unknown option -Z"],
    [["--verbose=yes"], "option --verbose takes no value"],
    [["--out"], "option --out needs a value"],
    [["-o"], "option -o needs a value"],
    [["--out", "--verbose"], "option --out needs a value"],
    [["a"], "unexpected argument a", false],
  ];
  for (const [args, message, positionals] of cases) {
    const e = usageErrorOf(() => parseCommandLine(HELP, args, OPTIONS, positionals ?? true));
    assert.is(e.message, message, args.join(" "));
    assert.is(e.exitCode, EXIT_USAGE);
    assert.is(e.help, HELP);
  }
});

test("a value that looks like an option is taken when joined with =", () => {
  assert.is(parseCommandLine(HELP, ["--out=-"], OPTIONS).values.out, "-");
  assert.is(parseCommandLine(HELP, ["--out", "-"], OPTIONS).values.out, "-");
});

test("parseOrdered keeps every occurrence in command-line order", () => {
  const { opts, operands } = parseOrdered(HELP, ["-o", "1", "-v", "x", "--out", "2"], OPTIONS);
  assert.equal(opts, [
    { name: "out", value: "1" },
    { name: "verbose", value: undefined },
    { name: "out", value: "2" },
  ]);
  assert.equal(operands, ["x"]);
  assert.is(usageErrorOf(() => parseOrdered(HELP, ["-q"], OPTIONS)).message, "unknown option -q");
});

test("milliseconds: decimal digits up to 32 bits, as skalibs' uint0_scan", () => {
  assert.is(millis("0"), 0);
  assert.is(millis("4294967295"), 4294967295);
  for (const bad of [undefined, "", "4294967296", "-1", "1e3", " 5", "1.5", "0x10", "soon"]) assert.is(millis(bad), null, String(bad));
  assert.is(parseMillis(HELP, "-t", "250"), 250);
  assert.is(usageErrorOf(() => parseMillis(HELP, "-t", "soon")).message, 'option -t takes milliseconds, not "soon"');
  assert.is(usageErrorOf(() => parseMillis(HELP, "-t", undefined)).message, 'option -t takes milliseconds, not ""');
});

test("usage lines: from the usage: line to the first blank line, every line of it", () => {
  assert.is(usageLines(HELP), "usage: tsinit demo [-v] [--out FILE] ARG...\n       tsinit demo --help");
  assert.is(usageLines(`tsinit demo 1.0\n\nusage: tsinit demo\n\nmore`), "usage: tsinit demo");
  assert.is(usageLines("usage: tsinit demo"), "usage: tsinit demo");
});

test.run();
