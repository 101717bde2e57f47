// A restart after a death is spawned before the state files are written:
// death_tally, supervise/status and the event letters of the death and of
// the new start follow the spawn, status once (on a disk-backed service dir
// each atomic write costs a rename, milliseconds of restart latency); so does
// supervise/tsinit-record, after status, rewritten in place (no rename). A start does the same: status
// once, naming the pid, and death_tally emptied in place if there (no rename); and a
// scan that starts many services writes no record while their spawns are in
// flight (on the spawner thread): each service's status, then its record, once.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, renameSync, watch } from "node:fs";
import { eventually, sleep, startPid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { bootScan, endBooted, sh, svPid } from "../helpers/booted";

const test = suite("restart writes");

test("a restart writes supervise/status once, with the new pid, and the record after it, in place", async () => {
  const m = await bootScan({ "a/run": sh("exec sleep 1000") });
  try {
    const a = `${m.root}/a`;
    const first = await eventually(() => svPid(a), 10_000, "a up");
    await sleep(1100); // ran >= 1 s: restarted at once, no throttle
    const renamed: string[] = [];
    const events: string[] = [];
    const watcher = watch(`${a}/supervise`, (type, name) => {
      if (name === "status" || name === "tsinit-record") events.push(`${type}:${name}`);
      if (type === "rename" && (name === "status" || name === "tsinit-record")) renamed.push(name);
    });
    try {
      const k = m.init.exec(["kill", "-KILL", String(first)]);
      assert.is(k.status, 0, k.stderr);
      const second = await eventually(() => {
        const p = svPid(a);
        return p && p !== first ? p : 0;
      }, 5000, "a new pid");
      // The record is the restart's last write: wait for it to follow status.
      await eventually(() => events.includes("rename:status") && events.at(-1) === "change:tsinit-record", 5000, `the record after status (${events.join(" ")})`);
      assert.ok(second > 0);
      // The record is rewritten in place (no rename), after status.
      assert.equal(renamed, ["status"], `renamed: ${renamed.join(" ")}`);
      assert.ok(events.indexOf("change:tsinit-record") > events.indexOf("rename:status"), `events: ${events.join(" ")}`);
    } finally {
      watcher.close();
    }
  } finally {
    await endBooted(m);
  }
});

test("a start writes supervise/status once, naming the pid, and renames nothing but it and the record", async () => {
  const m = await bootScan({});
  // Made aside with supervise/ already there, so its writes are watched from the first.
  const aside = tempTree({ "b/run": sh("exec sleep 1000"), "b/supervise/": null });
  const events: string[] = [];
  const watcher = watch(`${aside}/b/supervise`, (type, name) => {
    if (type === "rename" && name && !name.endsWith(".new")) events.push(name);
  });
  try {
    renameSync(`${aside}/b`, `${m.root}/b`); // the scanner sees it appear, whole
    const pid = await eventually(() => svPid(`${m.root}/b`), 10_000, "b up");
    // The record is the start's last write (made once, renamed into place).
    await eventually(() => events.includes("tsinit-record"), 5000, `the record written (${events.join(" ")})`);
    assert.equal(events.filter((n) => n === "status"), ["status"], `events: ${events.join(" ")}`);
    assert.ok(pid > 0);
    // No deaths: death_tally is not made on a fresh supervise/ (absent = none).
    assert.not.ok(existsSync(`${m.root}/b/supervise/death_tally`), "no death_tally made");
  } finally {
    watcher.close();
    removeTree(aside);
    await endBooted(m);
  }
});

test("a scan of several new services writes each status before its record, each once", async () => {
  const names = ["a", "b", "c", "d", "e"];
  const tree: Record<string, string | null> = {};
  for (const n of names) Object.assign(tree, { [`${n}/run`]: sh("exec sleep 1000"), [`${n}/supervise/`]: null });
  // Watched before the scanner starts, so all five are in its first scan.
  const root = tempTree(tree);
  const events: string[] = [];
  const watchers = names.map((n) => watch(`${root}/${n}/supervise`, (type, name) => {
    if (type === "rename" && (name === "status" || name === "tsinit-record")) events.push(`${n}:${name}`);
  }));
  const m = { root, init: startPid1(["scan", root]) };
  try {
    for (const n of names) await eventually(() => svPid(`${root}/${n}`), 10_000, `${n} up`);
    await eventually(() => events.filter((e) => e.endsWith("tsinit-record")).length === names.length || 0, 5000, "every record");
    await sleep(300); // let every write of the start land
    for (const n of names) {
      const own = events.filter((e) => e.startsWith(`${n}:`));
      assert.equal(own, [`${n}:status`, `${n}:tsinit-record`], `events: ${events.join(" ")}`);
    }
  } finally {
    for (const w of watchers) w.close();
    await endBooted(m);
  }
});

test.run();
