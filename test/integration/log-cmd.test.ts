// `tsinit log` against an init booted from the real binary: the built-in
// logger's ISO lines, an s6-log dir's TAI64N lines and PID 1's catch-all,
// merged by time with each line's writer; -f follows across a rotation.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, writeFileSync } from "node:fs";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, endBooted, sh, svStatus } from "../helpers/booted";

const test = suite("tsinit log");
const UTC_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([^:]+): (.*)$/;

test("two services and the catch-all, two stamp formats, merged by time with their names", async () => {
  const m = await bootInit({
    "service/web/run": sh("exec 2>&1; echo web-a; sleep 0.6; echo web-c; exec sleep 1000"),
    "service/web/log/": null,
    "service/db/run": sh("exec 2>&1; sleep 0.3; echo db-b; exec sleep 1000"),
    "service/db/log/run": sh("exec s6-log t ./main"),
  });
  const env = { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` };
  const log = (...args: string[]) => {
    const r = require("node:child_process").spawnSync(BIN, ["log", ...args], { encoding: "utf8", env, cwd: "/" });
    return { out: r.stdout as string, err: r.stderr as string, status: r.status as number };
  };
  try {
    await eventually(() => log("web").out.includes("web-c") && log("db").out.includes("db-b"), 10_000, "web-c and db-b logged");
    const all = log("--utc");
    assert.is(all.status, 0, all.err);
    const lines = all.out
      .trimEnd()
      .split("\n")
      .map((l) => UTC_LINE.exec(l));
    assert.ok(lines.every(Boolean), all.out);
    const times = lines.map((x) => Date.parse(x![1]!));
    assert.equal(
      times,
      [...times].sort((a, b) => a - b),
      "in time order",
    );
    const ours = lines.filter((x) => /^(web|db)$/.test(x![2]!)).map((x) => `${x![2]}: ${x![3]}`);
    assert.equal(ours, ["web: web-a", "db: db-b", "web: web-c"]);
    assert.ok(
      lines.some((x) => x![2] === "tsinit" && /boot: done/.test(x![3]!)),
      "PID 1's own lines, labelled tsinit",
    );
    // The s6-log dir really holds TAI64N stamps, the built-in logger's ISO ones.
    assert.match(require("node:fs").readFileSync(`${m.root}/run/service/db/log/main/current`, "utf8"), /^@[0-9a-f]{24} db-b$/m);
    // -n: the last N of the merge; a bare name; local time by default.
    const two = log("-n", "2", "web", "db");
    assert.match(two.out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} db: db-b\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} web: web-c\n$/);
    const json = log("--json", "db")
      .out.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(
      json.map((j) => [j.service, j.text]),
      [["db", "db-b"]],
    );
    assert.is(log("--since", "1d", "db").out.includes("db-b"), true);
    assert.is(log("--since", "2999-01-01T00:00:00Z", "db").out, "");
    assert.is(log("--since", "soon").status, 100);
  } finally {
    await endBooted(m);
  }
});

/** `tsinit log ARGS` kept running against the booted root: its output so far, and its end. */
function startFollower(root: string, args: string[]) {
  const follower = spawn(BIN, ["log", ...args], { env: { ...process.env, TSINIT_SCANDIR: `${root}/run/service` }, cwd: "/" });
  let out = "";
  follower.stdout.on("data", (d) => (out += d));
  follower.stderr.on("data", (d) => (out += d));
  return {
    pid: follower.pid!,
    out: () => out,
    async end() {
      follower.kill("SIGKILL");
      // Its exit is awaited only briefly: in the one uvu process of the whole
      // folder an earlier file's addon event source may have taken SIGCHLD from
      // libuv, and a ChildProcess whose exit is never seen would keep the run
      // alive after its summary. Unref'ed with its pipes closed, it cannot.
      await new Promise((r) => {
        follower.once("exit", r);
        setTimeout(r, 2000).unref();
      });
      follower.stdout.destroy();
      follower.stderr.destroy();
      follower.unref();
    },
  };
}

test("-f follows across a rotation: every line once, in order, no polling", async () => {
  const m = await bootInit({
    // Lines come from a fifo the test writes; 4096 bytes per file force rotations.
    "service/web/run": sh("mkfifo feed 2>/dev/null; exec 2>&1; echo started; while :; do cat feed; done"),
    "service/web/log/max-size": "4096\n",
  });
  const live = `${m.root}/run/service/web`;
  const logDir = `${m.root}/run/log/web`;
  const f = startFollower(m.root, ["-f", "--utc", "web"]);
  const follower = { pid: f.pid };
  let out = "";
  const text = () => (out = f.out());
  try {
    await eventually(() => svStatus(live)?.pid && text().includes("web: started"), 10_000, "follower shows started");
    const body = Array.from({ length: 120 }, (_, i) => `line-${String(i).padStart(3, "0")} ${"x".repeat(90)}`);
    writeFileSync(`${live}/feed`, body.join("\n") + "\n");
    await eventually(() => text().includes("line-119"), 10_000, "all lines followed");
    const shown = out
      .split("\n")
      .map((l) => / web: (line-\d+)/.exec(l)?.[1])
      .filter(Boolean);
    assert.equal(
      shown,
      body.map((b) => b.slice(0, 8)),
      "each line once, in order",
    );
    assert.ok(readdirSync(logDir).filter((n) => /^@[0-9a-f]{24}\.s$/.test(n)).length >= 2, "rotated at least twice");
    // Idle means asleep in the kernel, not polling: the follower's state is S with no CPU growth.
    const stat = () => require("node:fs").readFileSync(`/proc/${follower.pid}/stat`, "utf8").split(" ");
    const cpu = (s: string[]) => Number(s[13]) + Number(s[14]);
    const before = cpu(stat());
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(cpu(stat()) - before <= 1, "no CPU while idle");
  } finally {
    await f.end();
    await endBooted(m);
  }
});

test("-f with no SERVICE: a log dir made after it started and a service added later are followed", async () => {
  const m = await bootInit({
    // The built-in logger makes quiet's dir at its first line, after the follower started.
    "service/quiet/run": sh("while [ ! -e go ]; do sleep 0.1; done\necho quiet-hello\nexec sleep 1000"),
    "service/quiet/log/max-size": "4096\n",
  });
  const logRoot = `${m.root}/run/log`;
  const f = startFollower(m.root, ["-f", "--utc"]);
  try {
    await eventually(() => svStatus(`${m.root}/run/service/quiet`)?.pid, 10_000, "quiet up");
    assert.not.ok(existsSync(`${logRoot}/quiet`), "no log dir before its first line");
    await eventually(() => /inotify/.test(readlinkAll(f.pid)), 10_000, "follower watching");
    writeFileSync(`${m.root}/run/service/quiet/go`, "");
    await eventually(() => f.out().includes("quiet: quiet-hello"), 10_000, `quiet's first line; follower:\n${f.out()}`);
    // A new service with a logger of its own: its lines are in no dir the follower knew.
    const stage = `${m.root}/stage-late`;
    mkdirSync(`${stage}/log`, { recursive: true });
    writeFileSync(`${stage}/log/max-size`, "4096\n");
    writeFileSync(`${stage}/run`, sh("echo late-hello\nexec sleep 1000"), { mode: 0o755 });
    renameSync(stage, `${m.root}/run/service/late`);
    await eventually(() => f.out().includes("late: late-hello"), 15_000, `late's line; follower:\n${f.out()}`);
    assert.ok(existsSync(`${logRoot}/late/current`), "late wrote through its own logger");
    const shown = f
      .out()
      .split("\n")
      .filter((l) => /(quiet|late)-hello/.test(l));
    assert.is(shown.length, 2, `each line once:\n${shown.join("\n")}`);
  } finally {
    await f.end();
    await endBooted(m);
  }
});

/** What a process's fds point at, one per line. */
function readlinkAll(pid: number): string {
  try {
    return readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return "";
        }
      })
      .join("\n");
  } catch {
    return "";
  }
}

test.run();
