// A service's limit files copied into its cgroup, against plain temp files
// standing in for the interface files (empty = never written; a write lands at
// offset 0, as cgroupfs takes it): what differs is written, what the cgroup
// already holds is not, and a removed file goes back to the default.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { applyLimits, fresh } from "../../src/cgroup/limits";

const INTERFACE = ["memory.max", "cpu.max", "pids.max", "memory.oom.group"];

function setup() {
  const svc = mkdtempSync(`${tmpdir()}/tsinit-limits-svc-`);
  const cg = mkdtempSync(`${tmpdir()}/tsinit-limits-cg-`);
  for (const f of INTERFACE) writeFileSync(`${cg}/${f}`, "");
  const read = (f: string) => readFileSync(`${cg}/${f}`, "utf8");
  const done = () => {
    rmSync(svc, { recursive: true });
    rmSync(cg, { recursive: true });
  };
  return { svc, cg, read, done };
}

test("a fresh cgroup and no limit files: nothing is written", () => {
  const { svc, cg, read, done } = setup();
  applyLimits("x", svc, cg, new Set(), fresh());
  for (const f of INTERFACE) assert.is(read(f), "", f);
  done();
});

test("a limit is written once; a removed file resets to the default; an unknown cgroup gets every value", () => {
  const { svc, cg, read, done } = setup();
  const applied = fresh();
  writeFileSync(`${svc}/memory.max`, "16M\n");
  applyLimits("x", svc, cg, new Set(), applied);
  assert.is(read("memory.max"), "16M");
  assert.is(read("memory.oom.group"), "1");
  assert.is(read("pids.max"), "");

  writeFileSync(`${cg}/memory.max`, "X");
  applyLimits("x", svc, cg, new Set(), applied);
  assert.is(read("memory.max"), "X", "the same value is not written again");

  unlinkSync(`${svc}/memory.max`);
  applyLimits("x", svc, cg, new Set(), applied);
  assert.is(read("memory.max"), "max");
  assert.is(read("memory.oom.group"), "0");

  // A cgroup found already there (after a re-exec): its values are unknown, all are written.
  applyLimits("x", svc, cg, new Set(), new Map());
  assert.equal(INTERFACE.map(read), ["max", "max 100000", "max", "0"]);
  done();
});

test.run();
