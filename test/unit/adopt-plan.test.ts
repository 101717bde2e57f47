// What a supervisor may take over from supervise/status claims and /proc
// facts, without processes: adopt-plan.ts is pure.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { dirOf, planAdoption, planSurvivors, planUnchecked, START_SLACK_MS, type ProcInfo, type StatusClaim } from "../../src/supervise/adopt-plan";
import { stampFromMs, type SuperviseStatus } from "../../src/s6/status-file";

const test = suite("adopt-plan");
const SELF = 1;
const T = 1_700_000_000_000;

const status = (pid: number, at = T): SuperviseStatus => ({
  stamp: stampFromMs(at),
  readyStamp: stampFromMs(at),
  pid,
  waitStatus: 0,
  paused: false,
  finishing: false,
  wantUp: true,
  ready: true,
});
const claim = (dir: string, st: SuperviseStatus | null): StatusClaim => ({ dir, status: st });
const proc = (pid: number, cwd: string | null, o: Partial<ProcInfo> = {}): ProcInfo => ({
  pid,
  ppid: SELF,
  session: pid,
  state: "S",
  startMs: T + 5,
  cwd,
  ...o,
});
const CLOCK = { bootMs: T - 3600_000, nowMs: T + 3600_000 };
const table = (...ps: ProcInfo[]) => new Map(ps.map((p) => [p.pid, p]));

test("dirOf: the longest service dir that is or holds the cwd", () => {
  const dirs = ["/s/a", "/s/a/log", "/s/ab"];
  assert.is(dirOf("/s/a", dirs), "/s/a");
  assert.is(dirOf("/s/a/log", dirs), "/s/a/log");
  assert.is(dirOf("/s/a/data", dirs), "/s/a");
  assert.is(dirOf("/s/abc", dirs), null, "a name prefix is not a parent");
  assert.is(dirOf("/", dirs), null);
  assert.is(dirOf(null, dirs), null);
});

test("a good claim is adopted; nothing stopped", () => {
  const plan = planAdoption([claim("/s/a", status(10))], table(proc(10, "/s/a")), SELF);
  assert.equal([...plan.adopt.keys()], ["/s/a"]);
  assert.equal(plan.stop, []);
  assert.equal(plan.refused, []);
});

test("a child that chdir'd away is still adopted: cwd only breaks ties", () => {
  const plan = planAdoption([claim("/s/a", status(10))], table(proc(10, "/")), SELF);
  assert.ok(plan.adopt.has("/s/a"));
});

test("a status that does not decode: the service's processes are stopped, not adopted", () => {
  const plan = planAdoption([claim("/s/a", null), claim("/s/b", status(11))], table(proc(10, "/s/a"), proc(11, "/s/b")), SELF);
  assert.equal([...plan.adopt.keys()], ["/s/b"]);
  assert.equal(
    plan.stop.map((s) => [s.pid, s.dir]),
    [[10, "/s/a"]],
  );
});

test("a claim naming a pid known as something else (a task, the CMD) is refused; that pid is neither adopted nor stopped", () => {
  const claims = [claim("/s/a", status(20)), claim("/s/b", status(21))];
  // 20 is a task that runs in a's dir (the worst case), 21 the container's CMD; 10 is a's own run.
  const procs = table(proc(10, "/s/a"), proc(20, "/s/a"), proc(21, "/"));
  const others = new Map([
    [20, "task t's process"],
    [21, "the container's command (nginx)"],
  ]);
  const plan = planAdoption(claims, procs, SELF, others);
  assert.is(plan.adopt.size, 0);
  assert.equal(
    plan.refused.map((r) => [r.dir, r.pid, r.why]),
    [
      ["/s/a", 20, "it is task t's process"],
      ["/s/b", 21, "it is the container's command (nginx)"],
    ],
  );
  assert.equal(
    plan.stop.map((s) => s.pid),
    [10],
    "a's own process is stopped before a's fresh start; the task is not",
  );
  // Without others, the same forged claim held: what the fix is for.
  assert.ok(planAdoption(claims, procs, SELF).adopt.has("/s/a"));
});

test("unchecked (no /proc): a live pid claimed once is adopted; a dead, shared or known one is refused; nothing stopped", () => {
  const claims = [
    claim("/s/a", status(10)),
    claim("/s/b", status(11)),
    claim("/s/c", status(12)),
    claim("/s/d", status(12)),
    claim("/s/e", status(20)),
    claim("/s/f", null),
  ];
  const alive = (pid: number) => pid !== 11;
  const plan = planUnchecked(claims, alive, new Map([[20, "task t's process"]]));
  assert.equal([...plan.adopt.keys()], ["/s/a"]);
  assert.equal(
    plan.refused.map((r) => [r.dir, r.why]),
    [
      ["/s/b", "not running"],
      ["/s/c", "claimed by 2 services"],
      ["/s/d", "claimed by 2 services"],
      ["/s/e", "it is task t's process"],
    ],
  );
  assert.equal(plan.stop, []);
});

test("a pid that is not our child, gone, or a zombie is refused", () => {
  const claims = [claim("/s/a", status(10)), claim("/s/b", status(11)), claim("/s/c", status(12))];
  const plan = planAdoption(claims, table(proc(10, "/s/a", { ppid: 77 }), proc(12, "/s/c", { state: "Z" })), SELF);
  assert.is(plan.adopt.size, 0);
  assert.equal(
    plan.refused.map((r) => [r.dir, r.why]),
    [
      ["/s/a", "not a child of this supervisor"],
      ["/s/b", "not running"],
      ["/s/c", "not running"],
    ],
  );
  assert.equal(plan.stop, [], "not ours, not stopped");
});

test("a process started after the status stamp (beyond the slack) is a reused pid", () => {
  const late = planAdoption([claim("/s/a", status(10))], table(proc(10, "/s/a", { startMs: T + START_SLACK_MS + 20 })), SELF);
  assert.is(late.adopt.size, 0);
  assert.match(late.refused[0]!.why, /pid reused/);
  assert.equal(
    late.stop.map((s) => s.pid),
    [10],
    "it runs in the dir of a service that starts afresh",
  );
  const rounding = planAdoption([claim("/s/a", status(10))], table(proc(10, "/s/a", { startMs: T + 15 })), SELF);
  assert.ok(rounding.adopt.has("/s/a"), "a few ms after the stamp: the spawn itself, and tick rounding");
  const earlier = planAdoption([claim("/s/a", status(10))], table(proc(10, "/s/a", { startMs: T - 60_000 })), SELF);
  assert.ok(earlier.adopt.has("/s/a"), "adopted many times over: the stamp is the first spawn's");
});

test("a pid claimed twice goes to the service it runs in; the forger starts afresh", () => {
  const claims = [claim("/s/a", status(20)), claim("/s/d/log", status(20)), claim("/s/d", status(21))];
  const plan = planAdoption(claims, table(proc(10, "/s/a"), proc(20, "/s/d/log"), proc(21, "/s/d")), SELF);
  assert.equal(
    [...plan.adopt].map(([d, s]) => [d, s.pid]),
    [
      ["/s/d/log", 20],
      ["/s/d", 21],
    ],
  );
  assert.equal(
    plan.refused.map((r) => [r.dir, r.why]),
    [["/s/a", "it is /s/d/log's process"]],
  );
  assert.equal(
    plan.stop.map((s) => [s.pid, s.dir]),
    [[10, "/s/a"]],
    "a's own process is stopped before its fresh start",
  );
});

test("a pid claimed twice that runs in neither dir goes to nobody", () => {
  const plan = planAdoption([claim("/s/a", status(20)), claim("/s/b", status(20))], table(proc(20, "/elsewhere")), SELF);
  assert.is(plan.adopt.size, 0);
  assert.equal(
    plan.refused.map((r) => r.why),
    ["claimed by 2 services", "claimed by 2 services"],
  );
});

test("children outside every service dir are neither adopted nor stopped (tasks, CMD, orphans)", () => {
  const plan = planAdoption([claim("/s/a", null)], table(proc(30, "/"), proc(31, "/etc/task")), SELF);
  assert.equal(plan.stop, []);
});

test("an adopted service's other children in its dir are left alone (a daemon it forked)", () => {
  const plan = planAdoption([claim("/s/a", status(10))], table(proc(10, "/s/a"), proc(40, "/s/a", { session: 10 })), SELF);
  assert.equal(plan.stop, []);
});

test("survivors of a dead scanner: each good claim is stopped, nothing adopted", () => {
  const claims = [claim("/s/a", status(10)), claim("/s/b", status(11)), claim("/s/c", status(12)), claim("/s/d", status(13))];
  const procs = table(
    proc(10, "/s/a", { ppid: 999 }), // alive under the namespace's init
    proc(11, "/", { ppid: 999 }), // chdir'd away, but a session leader: run as we spawn it
    proc(12, "/", { ppid: 999, session: 5 }), // neither: some other process with that pid now
    proc(13, "/s/d", { ppid: SELF }), // our own child: not a survivor
  );
  const plan = planSurvivors(claims, procs, SELF, CLOCK);
  assert.is(plan.adopt.size, 0);
  assert.equal(
    plan.stop.map((s) => [s.pid, s.dir]),
    [
      [10, "/s/a"],
      [11, "/s/b"],
    ],
  );
  assert.equal(
    plan.refused.map((r) => [r.dir, r.why]),
    [
      ["/s/c", "neither in the service dir nor a session leader"],
      ["/s/d", "a child of this supervisor"],
    ],
  );
});

test("survivors: a reused pid started after the stamp is not stopped", () => {
  const plan = planSurvivors([claim("/s/a", status(10))], table(proc(10, "/s/a", { ppid: 999, startMs: T + 3600_000 })), SELF, CLOCK);
  assert.equal(plan.stop, []);
});

test("survivors: a status from an earlier boot, or stamped by a clock ahead of ours, names nothing to stop", () => {
  const older = planSurvivors([claim("/s/a", status(10, T - 86_400_000))], table(proc(10, "/s/a", { ppid: 999, startMs: T - 86_400_000 })), SELF, CLOCK);
  assert.equal(older.stop, []);
  assert.equal(
    older.refused.map((r) => r.why),
    ["written before this boot"],
  );
  // A board without a clock boots in 1970: this boot's processes all "start" before a stale 2023 stamp.
  const early = { bootMs: 10_000, nowMs: 70_000 };
  const ahead = planSurvivors([claim("/s/a", status(10))], table(proc(10, "/s/a", { ppid: 999, startMs: 20_000 })), SELF, early);
  assert.equal(ahead.stop, []);
});

test.run();
