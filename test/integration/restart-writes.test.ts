// A restart after a death is spawned before the state files are written:
// death_tally, supervise/status and the event letters of the death and of
// the new start follow the spawn, status once (on a disk-backed service dir
// each atomic write costs a rename, milliseconds of restart latency); so does
// supervise/tsinit-record, after status, once. A start does the same: status
// once, naming the pid, and death_tally emptied in place if there (no rename); and a
// scan that starts many services writes no record while their spawns are in
// flight (on the spawner thread): each service's status, then its record, once.
// A scan's stop renames each status once, at the death, and no death_tally.
// A death's record is appended to death_tally until the tally is full.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, renameSync, statSync, watch } from "node:fs";
import { spawnSync } from "node:child_process";
import { eventually, sleep, startPid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { bootScan, endBooted, sh, svPid, svStatus } from "../helpers/booted";

const test = suite("restart writes");

/** How many times NAME was put in place, from a dir's rename events in order: a
 *  rename of NAME.new over it shows NAME once, an exchange with NAME.new
 *  (swap-file.ts) shows it twice in a row (moved in, moved out). */
const placed = (renames: string[], name: string) => renames.filter((n, i) => n === name && renames[i - 1] !== name).length;

test("a restart writes supervise/status once, with the new pid, and the record once after it", async () => {
  const m = await bootScan({ "a/run": sh("exec sleep 1000") });
  try {
    const a = `${m.root}/a`;
    const first = await eventually(() => svPid(a), 10_000, "a up");
    await sleep(1100); // ran >= 1 s: restarted at once, no throttle
    const renamed: string[] = [];
    const watcher = watch(`${a}/supervise`, (type, name) => {
      if (type === "rename" && name) renamed.push(name);
    });
    try {
      const k = m.init.exec(["kill", "-KILL", String(first)]);
      assert.is(k.status, 0, k.stderr);
      const second = await eventually(
        () => {
          const p = svPid(a);
          return p && p !== first ? p : 0;
        },
        5000,
        "a new pid",
      );
      // The record is the restart's last write: wait for it to follow status.
      await eventually(
        () => renamed.includes("tsinit-record") && renamed.at(-1) === "tsinit-record.new",
        5000,
        `the record after status (${renamed.join(" ")})`,
      );
      assert.ok(second > 0);
      assert.is(placed(renamed, "status"), 1, `renamed: ${renamed.join(" ")}`);
      assert.is(placed(renamed, "tsinit-record"), 1, `renamed: ${renamed.join(" ")}`);
      assert.ok(renamed.indexOf("tsinit-record") > renamed.lastIndexOf("status"), `renamed: ${renamed.join(" ")}`);
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
    if (type === "rename" && name) events.push(name);
  });
  try {
    renameSync(`${aside}/b`, `${m.root}/b`); // the scanner sees it appear, whole
    const pid = await eventually(() => svPid(`${m.root}/b`), 10_000, "b up");
    // The record is the start's last write (made once, renamed into place).
    await eventually(() => events.includes("tsinit-record"), 5000, `the record written (${events.join(" ")})`);
    assert.is(placed(events, "status"), 1, `events: ${events.join(" ")}`);
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
  const watchers = names.map((n) =>
    watch(`${root}/${n}/supervise`, (type, name) => {
      if (type === "rename" && (name === "status" || name === "tsinit-record")) events.push(`${n}:${name}`);
    }),
  );
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

test("a death adds its record to death_tally in place while the tally has room, and s6-svdt reads every one", async () => {
  const m = await bootScan({ "a/run": sh("exit 3"), "a/max-death-tally": "5\n" });
  try {
    const tally = `${m.root}/a/supervise/death_tally`;
    await eventually(() => existsSync(tally) && statSync(tally).size === 14, 10_000, "the first death in death_tally");
    const renamed: string[] = [];
    const watcher = watch(`${m.root}/a/supervise`, (type, name) => {
      if (type === "rename" && name?.startsWith("death_tally")) renamed.push(name);
    });
    try {
      // s6's throttle: a start a second.
      await eventually(() => statSync(tally).size === 3 * 14 || 0, 10_000, "three deaths in death_tally");
      assert.equal(renamed, [], `renamed: ${renamed.join(" ")}`);
      const dt = spawnSync("s6-svdt", [`${m.root}/a`], { encoding: "utf8" });
      if (dt.error) console.log(`  (s6-svdt not run: ${dt.error.message})`);
      else
        assert.equal(
          dt.stdout
            .trim()
            .split("\n")
            .map((l) => l.replace(/^\S+ /, "")),
          ["exitcode 3", "exitcode 3", "exitcode 3"],
          dt.stdout + dt.stderr,
        );
      // Full (5): the oldest goes, the tally is replaced whole and stays 5 long.
      await eventually(() => renamed.includes("death_tally") || 0, 10_000, "the tally replaced once full");
      assert.is(statSync(tally).size, 5 * 14);
    } finally {
      watcher.close();
    }
  } finally {
    await endBooted(m);
  }
});

test("a scan's stop renames each service's status once, at its death, and writes no death_tally", async () => {
  const m = await bootScan({ "a/run": sh("exec sleep 1000"), "b/run": sh("trap 'exit 0' TERM; while :; do sleep 0.1; done") });
  try {
    for (const n of ["a", "b"]) await eventually(() => svPid(`${m.root}/${n}`), 10_000, `${n} up`);
    await sleep(300); // let every write of the start land
    const renamed: Record<string, string[]> = { a: [], b: [] };
    const watchers = ["a", "b"].map((n) =>
      watch(`${m.root}/${n}/supervise`, (type, name) => {
        if (type === "rename" && name) renamed[n]!.push(name);
      }),
    );
    try {
      process.kill(m.init.hostPid(), "SIGTERM"); // s6-svscanctl -t: stop every service, then exit
      assert.is(await m.init.exited, 0);
      await sleep(100); // the watchers' last events
      // The wish ("want down") is not written on its own: the death's status says it too.
      for (const n of ["a", "b"]) {
        assert.is(placed(renamed[n]!, "status"), 1, `${n} renamed: ${renamed[n]!.join(" ")}`);
        // The last deaths' tally is read by nobody once the supervisor is gone.
        assert.not.ok(
          renamed[n]!.some((e) => e.startsWith("death_tally")),
          `${n} renamed: ${renamed[n]!.join(" ")}`,
        );
      }
      for (const n of ["a", "b"]) assert.is(svStatus(`${m.root}/${n}`)?.pid, 0, `${n}'s status says down`);
    } finally {
      for (const w of watchers) w.close();
    }
  } finally {
    await endBooted(m);
  }
});

test.run();
