// One CLI style (issue 15): every subcommand of src/commands.ts (a new
// one is covered by being in the table) answers --help with a usage line, an
// example and its exit codes, and a bad option with exit 100, a line naming
// it and the usage lines. Only the command line is parsed: nothing runs.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { commands } from "../../src/commands";
import { usageLines } from "../../src/cli/command-line";
import { tsinit, type Ran } from "./cli-helpers";

const test = suite("cli shape");

/** How every command says a usage error: exit 100, nothing on stdout, one
 *  line "tsinit NAME: WHAT", then the usage lines of its --help, whole. */
function assertUsageError(name: string, r: Ran, what: string): void {
  assert.is(r.status, 100, r.err);
  assert.is(r.out, "");
  const usage = usageLines(tsinit(name, "--help").out.trimEnd());
  assert.is(r.err, `${name === "init" ? "tsinit" : `tsinit ${name}`}: ${what}\n${usage}\n`);
}

// svc and scan-ctl keep s6's -h (HUP, hangup): their --help says so.
const S6_H = ["svc", "scan-ctl"];

for (const { name } of commands) {
  test(`${name} --help: usage, example, exit codes`, () => {
    const r = tsinit(name, "--help");
    assert.is(r.status, 0, r.err);
    assert.is(r.err, "");
    assert.match(r.out, new RegExp(`^usage: tsinit (\\[init\\]|${name})`, "m"));
    assert.match(r.out, /^examples?: \S/m);
    assert.match(r.out, /^exit codes: \S/m);
    if (S6_H.includes(name)) assert.match(r.out, /--help +this text \(-h is s6-\w+'s/);
    else assert.equal(tsinit(name, "-h").out, r.out, "-h is --help");
  });

  test(`${name} with a bad option: exit 100, named, usage shown`, () => {
    for (const bad of ["--zzz", "-Z"]) {
      // PID 1 speaks as plain "tsinit".
      assertUsageError(name, tsinit(name, bad, "x"), `unknown option ${bad}`);
    }
  });
}

// A usage error found after the options were read (a missing or extra operand,
// options that do not go together) is said the same way, by every command.
const AFTER_PARSING: Record<string, [args: string[], what: string]> = {
  init: [["--grace", "soon"], 'option --grace takes milliseconds, not "soon"'],
  poweroff: [["now"], "unexpected argument now"],
  reboot: [["now"], "unexpected argument now"],
  halt: [["now"], "unexpected argument now"],
  reexec: [["now"], "unexpected argument now"],
  svc: [[], "missing SERVICE"],
  status: [["--json", "--tree"], "--json and --tree do not go together"],
  analyze: [["--from", "f", "--rundir", "r"], "--from analyzes a saved record: no --rundir or --scandir"],
  log: [["-n", "many"], 'option -n takes a number of lines (0 or more), not "many"'],
  wait: [["-t", "soon", "x"], 'option -t takes milliseconds, not "soon"'],
  "scan-ctl": [[], "missing SCANDIR"],
  check: [["--root", "/nonexistent", "../x"], "../x is not inside /nonexistent"],
  install: [[], "missing ROOT"],
  scan: [[], "missing DIR"],
};

for (const { name } of commands) {
  test(`${name}: a usage error after parsing is said as a bad option is`, () => {
    const listed = AFTER_PARSING[name];
    assert.ok(listed, `no usage error listed for ${name}: add one`);
    assertUsageError(name, tsinit(name, ...listed[0]), listed[1]);
  });
}

test("a string option without its value is named", () => {
  const r = tsinit("analyze", "--svg");
  assert.is(r.status, 100);
  assert.match(r.err, /^tsinit analyze: option --svg needs a value\nusage: tsinit analyze/);
  const t = tsinit("wait", "-t");
  assert.match(t.err, /^tsinit wait: option -t needs a value\nusage: tsinit wait/);
  const s = tsinit("svc", "-T");
  assert.match(s.err, /^tsinit svc: option -T needs a value\nusage: tsinit svc/);
});

test("an unknown command is named, with the top usage", () => {
  const r = tsinit("zzz");
  assert.is(r.status, 100);
  assert.match(r.err, /^tsinit: unknown command zzz\nusage: tsinit /);
});

test.run();
