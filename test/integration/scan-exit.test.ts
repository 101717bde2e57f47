// `x` to a supervisor whose directory stays in the scan dir (finding 6 of
// issue 13). Under s6-svscan (checked with Debian's 2.11.3.2) the
// supervisor exits, its logger's supervisor and the pipe stay, and the next
// scan — 1 s after the exit, or at once on `s6-svscanctl -a` — starts a new
// supervisor, which starts the service again (no ./down). Same here, with or
// without log/.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { bootScan, endBooted, sh, svPid } from "../helpers/booted";

const test = suite("scan: x on a supervisor");

function run(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  return { out: (r.stdout ?? "") + (r.stderr ?? ""), status: r.status };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);

const TREE = {
  "a/run": sh("echo $$ >> ../a.starts; echo hello from $$; exec sleep 1000"),
  "a/log/run": sh("echo $$ >> ../../log.starts; exec cat >> ../../a.log"),
  "b/run": sh("echo $$ >> ../b.starts; exec sleep 1000"),
};

test("s6-svc -dx on a service with log/, then s6-svscanctl -a: supervised again, same logger, no line lost", async () => {
  const m = await bootScan(TREE);
  try {
    const a = `${m.root}/a`;
    const first = await eventually(() => svPid(a), 10_000, "a up");
    const logger = await eventually(() => svPid(`${a}/log`), 10_000, "a/log up");
    assert.is(run("s6-svc", "-dx", a).status, 0);
    await eventually(() => run("s6-svok", a).status !== 0 || lines(`${m.root}/a.starts`).length > 1, 5000, "a's supervisor gone");
    assert.is(run("s6-svscanctl", "-a", m.root).status, 0);
    const second = await eventually(
      () => {
        const p = svPid(a);
        return p && p !== first ? p : 0;
      },
      5000,
      "a up again under a new supervisor",
    );
    assert.is(run("s6-svok", a).status, 0, "s6-svok sees a supervisor");
    assert.match(run("s6-svstat", a).out, /^up \(pid \d+\)/);
    assert.is(svPid(`${a}/log`), logger, "the logger was left running");
    assert.equal(lines(`${m.root}/log.starts`), [String(logger)]);
    await eventually(() => lines(`${m.root}/a.log`).length === 2, 5000, "both lines in the log");
    assert.equal(lines(`${m.root}/a.log`), [`hello from ${first}`, `hello from ${second}`]);
  } finally {
    await endBooted(m);
  }
});

test("without scan-ctl: a new supervisor 1 s after the exit, as s6-svscan's next scan", async () => {
  const m = await bootScan(TREE);
  try {
    const a = `${m.root}/a`;
    const b = `${m.root}/b`;
    const firstA = await eventually(() => svPid(a), 10_000, "a up");
    const firstB = await eventually(() => svPid(b), 10_000, "b up");
    await eventually(() => svPid(`${a}/log`), 10_000, "a/log up");
    const t0 = Date.now();
    assert.is(run("s6-svc", "-dx", a).status, 0);
    assert.is(run("s6-svc", "-dx", b).status, 0);
    await eventually(
      () => {
        const p = svPid(a);
        return p && p !== firstA;
      },
      5000,
      "a back",
    );
    await eventually(
      () => {
        const p = svPid(b);
        return p && p !== firstB;
      },
      5000,
      "b back",
    );
    assert.ok(Date.now() - t0 >= 900, `back after ${Date.now() - t0} ms: the new supervisor waits 1 s, as s6-svscan's`);
    await sleep(1500);
    assert.is(lines(`${m.root}/a.starts`).length, 2, "one new start of a, not a loop");
    assert.is(lines(`${m.root}/b.starts`).length, 2, "one new start of b");
  } finally {
    await endBooted(m);
  }
});

test.run();
