// `tsinit status NAME`'s story from supervise/tsinit-record, with the real
// binary: a run that cannot be executed (EACCES, never "exit 0"), restarts
// counted, one crash-loop line in and one out, the opt-in backoff (delays
// grow, then reset), the record across a re-exec, and s6-svstat still
// reading supervise/status beside it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { BIN, eventually, sleep } from "../helpers/pid1";
import { bootInit, bootScan, endBooted, sh, svPid } from "../helpers/booted";
import type { ServiceRecord } from "../../src/supervise/service-record";

const test = suite("status-story");
const RTMIN = 34;

const status = (...args: string[]) => spawnSync(BIN, ["status", ...args], { encoding: "utf8" });
const record = (dir: string): ServiceRecord | null => {
  try {
    return JSON.parse(readFileSync(`${dir}/supervise/tsinit-record`, "utf8"));
  } catch {
    return null;
  }
};
const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, "g")) ?? []).length;
/** The run script's start times: it appends one line (ms) per start to ./starts. */
const starts = (dir: string) => readFileSync(`${dir}/starts`, "utf8").trim().split("\n").map(Number);
const STAMP = "echo $(($(date +%s%N) / 1000000)) >> starts";

test("a run that cannot be executed: its story says EACCES and the retry, never exit 0; s6-svstat still reads status", async () => {
  const m = await bootScan({ "bad/run": "exec sleep 1000\n", "good/run": sh("exec sleep 1000") });
  try {
    const bad = `${m.root}/bad`,
      good = `${m.root}/good`;
    await eventually(() => record(bad)?.spawnError, 10_000, "bad's failed start recorded");
    const story = status(bad);
    assert.is(story.status, 0, story.stderr);
    assert.match(story.stdout, /state: down since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (UTC|[+-]\d{4}) \(\d+s ago\)/);
    assert.match(story.stdout, new RegExp(`start failed: unable to execute ${bad}/run: Permission denied \\(EACCES\\), at .*; retrying every 10 s`));
    assert.match(story.stdout, /last exit: none/);
    assert.not.match(story.stdout, /exit (code )?0/);
    assert.match(story.stdout, /ready: never flagged \(no notification-fd/);
    const [json] = JSON.parse(status("--json", bad).stdout);
    assert.is(json.lastExit, null, "never ran: no exit code");
    assert.equal([json.spawnError.code, json.spawnError.path, json.spawnError.retryInMs], ["EACCES", `${bad}/run`, 10_000]);
    // A bare NAME in the running init's scan dir tells the same story.
    const named = spawnSync(BIN, ["status", "bad"], { encoding: "utf8", env: { ...process.env, TSINIT_SCANDIR: m.root } });
    assert.match(named.stdout, /^bad - /);
    assert.match(named.stdout, /start failed: .*\(EACCES\)/);
    const table = status(m.root).stdout;
    assert.match(table, /^bad\s+down\s+-\s+\d+s\s+want up, run: EACCES$/m);
    // The record is 0644 JSON beside an untouched 35-byte s6 status.
    assert.is(statSync(`${bad}/supervise/tsinit-record`).mode & 0o777, 0o644);
    assert.is(readFileSync(`${good}/supervise/status`).length, 35);
    const pid = await eventually(() => svPid(good), 5000, "good up");
    assert.match(spawnSync("s6-svstat", [good], { encoding: "utf8" }).stdout, new RegExp(`^up \\(pid ${pid}\\) \\d+ seconds`));
    assert.match(spawnSync("s6-svstat", [bad], { encoding: "utf8" }).stdout, /^down \(exitcode 0\) \d+ seconds, normally up, want up/);
  } finally {
    await endBooted(m);
  }
});

test("restarts counted; one crash-loop line in, one out, none per death", async () => {
  // Exits at once until ./stay exists, then stays up.
  const m = await bootScan({ "loop/run": sh(`${STAMP}\n[ -e stay ] && exec sleep 1000\necho dying; exit 3`) });
  try {
    const dir = `${m.root}/loop`;
    await m.init.waitFor(/loop is crash-looping/, 15_000);
    await eventually(() => starts(dir).length >= 8, 10_000, "8 starts");
    writeFileSync(`${dir}/stay`, "");
    await m.init.waitFor(/loop is no longer crash-looping: run has stayed up for 1 s/, 10_000);
    const out = m.init.output();
    assert.is(count(out, /is crash-looping/), 1, out);
    assert.is(count(out, /no longer crash-looping/), 1, out);
    assert.ok(count(out, /dying/) >= 7, "it did die many times");
    // The line is written a moment before the record.
    const rec = await eventually(() => (record(dir)?.crashLoop === false ? record(dir) : null), 2000, "record says out of the loop");
    assert.is(rec.restarts, starts(dir).length - 1, "every start after the first is a restart");
    assert.equal([rec.crashLoop, rec.lastExit?.code, rec.lastExit?.signal], [false, 3, null]);
    const story = status(dir).stdout;
    assert.match(story, new RegExp(`restarts: ${rec.restarts} since boot\\n`));
    assert.match(story, /last exit: exit code 3 at /);
    assert.match(status(m.root).stdout, new RegExp(`^loop\\s+up\\s+\\d+\\s+\\d+s\\s+${rec.restarts} restarts$`, "m"));
  } finally {
    await endBooted(m);
  }
});

test("restart-delay-max: the time between starts doubles to the max, and resets once run stayed up that long", async () => {
  const m = await bootScan({
    "back/run": sh(`${STAMP}\n[ -e stay ] && exec sleep 1000\nexit 1`),
    "back/restart-delay-max": "3000\n",
  });
  try {
    const dir = `${m.root}/back`;
    await eventually(() => starts(dir).length >= 5, 20_000, "5 starts");
    const t = starts(dir);
    const gaps = t.slice(1, 5).map((x, i) => x - t[i]!);
    // Stamped by the script once its shell runs, so each start carries its own
    // start-up jitter: compare the time since the first start, not each gap alone.
    const want = [1000, 3000, 6000, 9000];
    want.forEach((w, i) => {
      const since = t[i + 1]! - t[0]!;
      assert.ok(since >= w - 400 && since < w + 800, `start ${i + 2}: ${since} ms after the first, want ~${w} (gaps: ${gaps})`);
    });
    writeFileSync(`${dir}/stay`, "");
    await eventually(() => record(dir)?.pid, 10_000, "up with stay");
    await eventually(() => record(dir)?.delayMs === 1000, 8000, "delay back to 1 s after 3 s up");
    // Killed now, it comes back after s6's 1 s at most, not the max.
    const pid = svPid(dir);
    const before = starts(dir).length;
    assert.is(m.init.exec(["kill", String(pid)]).status, 0);
    await eventually(() => starts(dir).length > before, 5000, "restarted");
    const after = starts(dir);
    assert.ok(after.at(-1)! - after.at(-2)! < 3000 + 1000 + 800, "no long wait");
    assert.match(status(dir).stdout, /backoff: 2 s between starts now, at most 3 s/);
  } finally {
    await endBooted(m);
  }
});

test("a fifo in place of the record (a user's service dir): status does not hang and shows what supervise/status says", async () => {
  const m = await bootScan({ "svc/run": sh("exec sleep 1000") });
  try {
    const dir = `${m.root}/svc`;
    await eventually(() => record(dir)?.pid, 10_000, "svc up, record written");
    rmSync(`${dir}/supervise/tsinit-record`);
    assert.is(spawnSync("mkfifo", [`${dir}/supervise/tsinit-record`]).status, 0);
    const r = spawnSync(BIN, ["status", dir], { encoding: "utf8", timeout: 5000 });
    assert.is(r.error, undefined, "status returned (no timeout)");
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`state: up \\(pid ${svPid(dir)}\\)|up since`));
  } finally {
    await endBooted(m);
  }
});

test("the record survives a re-exec: restarts and last exit carry on, the pid is the same", async () => {
  const m = await bootInit(
    {
      "service/a/run": sh(`${STAMP}\necho "a starts as $$"\n[ -e stay ] && exec sleep 1000\nexit 7`),
      "service/a/log/": null,
    },
    { grace: 1000 },
  );
  try {
    const dir = `${m.root}/run/service/a`;
    await eventually(() => (record(dir)?.restarts ?? 0) >= 2, 10_000, "2 restarts");
    writeFileSync(`${dir}/stay`, "");
    // A run that checked for `stay` before it existed still exits 7 at once:
    // the pid to adopt is one that stays the same over 1.2 s.
    let pid = 0;
    for (let i = 0; i < 8 && !pid; i++) {
      const p = record(dir)?.pid;
      await sleep(1200);
      if (p && record(dir)?.pid === p) pid = p;
    }
    assert.ok(pid > 0, "a stays up");
    const before = record(dir)!;
    m.init.exec(["kill", `-${RTMIN + 25}`, "1"]);
    await eventually(() => (m.init.output().match(/boot: done in/g) ?? []).length >= 2, 15_000, "second boot");
    await sleep(300);
    assert.is(svPid(dir), pid, "adopted, not restarted");
    const after = record(dir)!;
    assert.equal([after.restarts, after.lastExit, after.startedAt], [before.restarts, before.lastExit, before.startedAt]);
    assert.is(m.init.exec(["kill", String(pid)]).status, 0);
    await eventually(() => record(dir)?.pid && record(dir)!.pid !== pid, 5000, "restarted");
    assert.is(record(dir)!.restarts, before.restarts + 1, "counting went on from the old image's count");
    assert.equal(record(dir)!.lastExit?.signal, "TERM");
    // The story ends with the built-in logger's last lines, from the dir the supervisor recorded.
    const now = await eventually(() => record(dir)?.pid, 5000, "a up again");
    const story = await eventually(
      () => {
        const out = status(dir).stdout;
        return out.includes(`a starts as ${now}`) ? out : null;
      },
      5000,
      "the new start in the story's log lines",
    );
    assert.match(story, new RegExp(`last \\d+ log lines \\(${m.root}/run/log/a\\):\\n`));
    assert.match(story, new RegExp(`^  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} a: a starts as ${pid}$`, "m"), story);
  } finally {
    await endBooted(m);
  }
});

test.run();
