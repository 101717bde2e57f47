// The crash path carries a pid the child itself stored before its exec
// (spawn's carryPidAs): a crash right after the spawn returns, before TS
// has put the pid in the prepared environment, still tells the next image.
// Each case runs crash-carry-child.ts as a process of its own, whose crash
// exec is a shell printing the variable.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const test = suite("sys: crash carries a pid");
const CHILD = join(__dirname, "crash-carry-child.ts");

function crash(mode: string): { spawned: number; carried: string } {
  const r = spawnSync(process.execPath, ["-r", "tsx/cjs", CHILD, mode], { encoding: "utf8", timeout: 20_000 });
  const spawned = Number(/^spawned=(\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  if (spawned > 0) {
    try {
      process.kill(spawned, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  const carried = /^carried=(.*)$/m.exec(r.stdout)?.[1];
  assert.ok(spawned > 0 && carried !== undefined, `${mode}: ${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /crash-carry-child: crashed/);
  return { spawned, carried: carried! };
}

test("a child spawned with carryPidAs has its pid carried by a crash TS had no time to record", () => {
  const { spawned, carried } = crash("carry");
  assert.is(carried, String(spawned));
});

test("without carryPidAs nothing is carried (what a CMD started twice saw)", () => {
  assert.is(crash("plain").carried, "none");
});

test("carryPidOnCrash(name, 0) clears it: an ended CMD is not carried", () => {
  assert.is(crash("cleared").carried, "none");
});

test("an entry TS prepared under the same name wins: no second one is added", () => {
  assert.is(crash("prepared").carried, "123");
});

test.run();
