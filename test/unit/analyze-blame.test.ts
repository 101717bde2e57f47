// tsinit analyze, pure parts: catch-all step lines → units, record → blame
// order and text, and the summary line.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { blameOrder, formatBlame, summary } from "../../src/analyze/blame";
import { beforeExec, chooseZero } from "../../src/analyze/collect";
import { checkRecord, parseStepLines, stepUnit } from "../../src/analyze/record";
import { RECORD } from "./analyze-fixture";

const parse = suite("analyze: catch-all step lines");

parse("reads stamped boot: lines, start = stamp - duration, stops at the first boot's end", () => {
  const text = [
    "2025-01-01T00:00:00.402Z tsinit: boot: start the catch-all log (1.5 ms)",
    "2025-01-01T00:00:00.410Z sh: some child's line",
    "2025-01-01T00:00:00.420Z tsinit: boot: set the hostname: dock0 (0.3 ms)",
    "2025-01-01T00:00:00.430Z tsinit: boot: unable to load the environment: ENOENT (2.0 ms)",
    "2025-01-01T00:00:00.500Z tsinit: boot: done in 500.0 ms",
    "2025-01-01T00:05:00.000Z tsinit: boot: start supervision (9.0 ms)",
  ].join("\n");
  const steps = parseStepLines(text);
  assert.equal(
    steps.map((s) => s.what),
    ["start the catch-all log", "set the hostname: dock0", "unable to load the environment: ENOENT"],
  );
  const zero = Date.parse("2025-01-01T00:00:00.000Z");
  const u = stepUnit(steps[0]!, zero);
  assert.equal([u.start, u.ready, u.state], [400.5, 402, "ok"]);
  assert.is(stepUnit(steps[2]!, zero).state, "failed");
});

parse("zero: /proc/1 when plausible, else the first step (outside the pid namespace)", () => {
  const steps = parseStepLines("2025-01-01T00:00:01.000Z tsinit: boot: start the catch-all log (10.0 ms)");
  const first = Date.parse("2025-01-01T00:00:00.990Z");
  assert.is(chooseZero({ wallMs: first - 400, kernelSec: 2 }, steps).zeroSource, "proc");
  const host = chooseZero({ wallMs: first - 86_400_000, kernelSec: 2 }, steps);
  assert.equal([host.zeroSource, host.zeroWallMs, host.zeroKernelSec], ["catch-all", first, null]);
  assert.is(chooseZero(null, steps).zeroSource, "catch-all");
});

parse("before the first step: the initrd up to our exec, when the exec step is logged", () => {
  const steps = [
    { kind: "step" as const, name: "start the catch-all log", start: 7600, ready: 7690, deps: [], state: "ok" },
    { kind: "step" as const, name: "exec to the catch-all log", start: 900, ready: 7690, deps: [], state: "ok" },
  ];
  assert.equal(
    beforeExec(steps).map((u) => [u.name, u.start, u.ready]),
    [["PID 1 before tsinit's exec (initrd)", 0, 900]],
  );
  assert.equal(
    beforeExec(steps.slice(0, 1)).map((u) => [u.name, u.ready]),
    [["before the catch-all log (console only)", 7600]],
  );
  assert.equal(beforeExec([{ ...steps[1]!, start: 0.4 }]), [], "in a pid namespace the exec is PID 1's start");
});

const blame = suite("analyze: blame");

blame("sorts by time to ready, slowest first", () => {
  assert.equal(
    blameOrder(RECORD.units).map((u) => u.name),
    ["db", "report", "start supervision", "hello", "start the catch-all log", "web"],
  );
});

blame("unfinished units go last", () => {
  const units = [...RECORD.units, { kind: "service" as const, name: "slow", queued: 450, start: 460, deps: [], state: "up" }];
  assert.is(blameOrder(units).at(-1)!.name, "slow");
});

blame("a restarted service's later start is not the boot's wait", () => {
  const units = [{ kind: "service" as const, name: "later", queued: 450, start: 38_494, ready: 38_500, deps: [], state: "up", restarts: 3 }];
  const text = formatBlame({ ...RECORD, units });
  assert.not.match(text, /waited/, text);
  assert.match(text, /later\s+up; restarted 3x: times are the last start's/);
});

blame("the text: a header, one line per unit with start offset, the summary", () => {
  const text = formatBlame(RECORD);
  const lines = text.trimEnd().split("\n");
  assert.match(lines[0]!, /^\s*TIME\s+START\s+KIND\s+UNIT\s+NOTES$/);
  assert.match(lines[1]!, /^\s*1\.045s\s+\+455ms\s+service\s+db\s+up; waited 5\.0ms$/);
  assert.match(lines[2]!, /^\s*380ms\s+\+1\.520s\s+task\s+report\s+exited 0; waited 1\.110s; after db, web$/);
  assert.is(lines.length, 1 + RECORD.units.length + 2);
  assert.is(lines.at(-1), "init started at 1.50 s (kernel), all services ready at 3.01 s (+1.510s after init)");
});

blame("summary names services that are not ready", () => {
  const r = { ...RECORD, units: [...RECORD.units, { kind: "service" as const, name: "late", queued: 450, deps: ["slow"], state: "waiting" }] };
  assert.match(summary(r), /not every service is ready: late \(waiting\); the others by 3\.01 s/);
  assert.match(summary({ ...RECORD, zeroKernelSec: null }), /init started at \? s .*all services ready at \+1\.510s after init$/);
});

blame("checkRecord takes a saved record back and refuses anything else", () => {
  assert.equal(checkRecord(JSON.parse(JSON.stringify(RECORD))), RECORD);
  assert.throws(() => checkRecord({ version: 2 }), /not a tsinit analyze record/);
  assert.throws(() => checkRecord({ ...RECORD, units: [{ kind: "x", name: "a" }] }), /without kind/);
});

parse.run();
blame.run();
