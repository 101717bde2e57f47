// src/cli/simple-args.ts answers exactly what util.parseArgs (strict, with
// tokens) answers, or declines: checked on the command lines tsinit's own
// tests and users give, and on arbitrary ones built from the pieces that
// matter (known and unknown names, `=`, `--`, dashes, short options).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parseArgs } from "node:util";
import { parseSimpleArgs } from "../../src/cli/simple-args";
import { check } from "../fuzz/fuzz";

const test = suite("simple args");

const OPTIONS = {
  scandir: { type: "string", default: "/etc/s6/service" },
  rundir: { type: "string" },
  "no-mount": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  out: { type: "string", short: "o" },
  tag: { type: "string", multiple: true },
} as const;

/** util.parseArgs's answer as plain data, or "throws". */
function reference(args: string[], allowPositionals: boolean): unknown {
  try {
    const r = parseArgs({ args, options: OPTIONS, allowPositionals, strict: true, tokens: true });
    return JSON.parse(JSON.stringify({ values: { ...r.values }, positionals: r.positionals, tokens: r.tokens }));
  } catch {
    return "throws";
  }
}

function same(args: string[], allowPositionals: boolean): boolean {
  const ours = parseSimpleArgs(args, OPTIONS, allowPositionals);
  if (ours === null) return false;
  const plain = JSON.parse(JSON.stringify({ values: { ...ours.values }, positionals: ours.positionals, tokens: ours.tokens }));
  assert.equal(plain, reference(args, allowPositionals), JSON.stringify(args));
  assert.is(Object.getPrototypeOf(ours.values), null, "values has no prototype, as util's");
  return true;
}

test("the lines a boot and the CLI give are answered, as util.parseArgs answers them", () => {
  for (const args of [
    [],
    ["--scandir", "/s", "--rundir", "/r"],
    ["--scandir=/s", "--no-mount"],
    ["--rundir", "/r", "--rundir", "/r2"],
    ["--scandir="],
    ["svc", "-", "dir"],
    ["--out", "x", "a", "b"],
  ]) {
    assert.ok(same(args, true), `answered: ${JSON.stringify(args)}`);
  }
});

test("declined, for util.parseArgs to answer or word the error", () => {
  for (const args of [["-h"], ["--", "x"], ["--unknown"], ["--no-mount=1"], ["--out"], ["--out", "-x"], ["--tag", "a"], ["--"], ["-o", "x"], ["--=x"]]) {
    assert.is(parseSimpleArgs(args, OPTIONS, true), null, JSON.stringify(args));
  }
  assert.is(parseSimpleArgs(["operand"], OPTIONS, false), null, "an operand where none is allowed");
});

test("any line: declined, or exactly util.parseArgs's answer", () => {
  const piece = fc.oneof(
    fc.constantFrom(
      "--scandir",
      "--rundir",
      "--no-mount",
      "--help",
      "--out",
      "--tag",
      "--nope",
      "--",
      "-",
      "-h",
      "-o",
      "-ho",
      "--scandir=",
      "--no-mount=x",
      "--out=-1",
    ),
    fc.constantFrom("a", "/x", "-1", "--", "=", "b=c"),
    fc.string({ maxLength: 4 }),
  );
  let answered = 0;
  check(
    "simple-args",
    fc.property(fc.array(piece, { maxLength: 6 }), fc.boolean(), (args, allow) => {
      if (same(args, allow)) answered++;
    }),
  );
  assert.ok(answered > 0, "some lines were answered");
});

test.run();
