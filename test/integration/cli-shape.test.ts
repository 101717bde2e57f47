// One CLI style (issue 15): every subcommand of src/commands.ts (a new
// one is covered by being in the table) answers --help with a usage line, an
// example and its exit codes, and a bad option with exit 100, a line naming
// it and the usage lines. Only the command line is parsed: nothing runs.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { commands } from "../../src/commands";
import { tsinit } from "./cli-helpers";

const test = suite("cli shape");

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
      const r = tsinit(name, bad, "x");
      assert.is(r.status, 100, r.err);
      assert.is(r.out, "");
      const [first, second] = r.err.split("\n");
      // PID 1 speaks as plain "tsinit".
      assert.is(first, `${name === "init" ? "tsinit" : `tsinit ${name}`}: unknown option ${bad}`);
      assert.match(second!, /^usage: tsinit /);
    }
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
