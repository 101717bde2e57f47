// boot/tasks.ts with the real gate and the real addon's spawnAsync: a task
// the gate releases is spawned a loop turn later (that turn's poll phase
// handles the services' spawn reports and readiness first), not in the
// gate's own microtask; and a task whose turn comes after the machine began
// to stop (the gate closed) is not spawned at all.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startTasks, type TaskDeaths } from "../../src/boot/tasks";
import { DepGate } from "../../src/supervise/dep-gate";
import { microtasks, nextTurn } from "./child";

const test = suite("sys: task release");

/** A task dir with one task, a state dir, and deaths that count the spawns asked for. */
function setUp() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "tsinit-task-release-")));
  mkdirSync(join(root, "task"));
  mkdirSync(join(root, "state"));
  writeFileSync(join(root, "task", "t1"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  let spawns = 0;
  const deaths: TaskDeaths = {
    watchPid: () => undefined,
    expectSpawn: () => {
      spawns++;
      return {} as ReturnType<TaskDeaths["expectSpawn"]>;
    },
    spawnReported: () => undefined,
  };
  return { root, deaths, spawns: () => spawns, done: () => rmSync(root, { recursive: true, force: true }) };
}

/** One task handed to a real gate, run to the gate's microtask, which releases it. */
async function released(t: ReturnType<typeof setUp>) {
  const gate = new DepGate();
  const [record] = startTasks(join(t.root, "task"), join(t.root, "state"), () => [], t.deaths, [0, 1, 2], gate);
  await microtasks();
  assert.is(gate.state("t1"), "started", "the gate released it");
  return { gate, record: record! };
}

test("released by the gate in its microtask, spawned a loop turn later", async () => {
  const t = setUp();
  try {
    const { record } = await released(t);
    assert.is(t.spawns(), 0, "not in the gate's microtask");
    assert.is(record.state, "waiting");
    await nextTurn();
    assert.is(t.spawns(), 1, "spawned in the next turn");
    assert.is(record.state, "running");
  } finally {
    t.done();
  }
});

test("a release whose turn comes after the gate closed spawns nothing", async () => {
  const t = setUp();
  try {
    const { gate, record } = await released(t);
    gate.close();
    await nextTurn();
    assert.is(t.spawns(), 0);
    assert.is(record.state, "waiting");
  } finally {
    t.done();
  }
});

test.run();
