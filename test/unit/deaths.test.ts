// The death router and spawns in flight (spawnAsync): the reaper and the
// spawner's report are two event sources in no set order, so every order
// must give each death to its spawn's owner exactly once, after the pid is
// known to it, and orphans must not be held for ever.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DeathRouter } from "../../src/sys/deaths";
import type { Exit } from "../../src/sys/events";

const test = suite("death router");
const death = (pid: number, code = 0): Exit => ({ pid, status: code << 8, code, signal: 0, core: false });

test("a death that comes before its spawn's report is held and handed over with the report", () => {
  const r = new DeathRouter();
  const t = r.expectSpawn();
  assert.ok(r.route(death(42, 3)), "held, not dropped as an orphan's");
  const got: Exit[] = [];
  r.spawnReported(t, 42, (e) => got.push(e));
  assert.equal(
    got.map((e) => e.code),
    [3],
  );
  assert.not.ok(r.has(42));
  assert.not.ok(r.route(death(42)), "given once: a second death of 42 is nobody's");
});

test("a report that comes before the death: the death goes to the owner when it comes", () => {
  const r = new DeathRouter();
  const t = r.expectSpawn();
  const got: Exit[] = [];
  r.spawnReported(t, 42, (e) => got.push(e));
  assert.equal(got, [], "nothing yet");
  assert.ok(r.has(42));
  r.route(death(42, 1));
  assert.equal(
    got.map((e) => e.code),
    [1],
  );
});

test("a child that failed before exec: its death is discarded, before or after the report", () => {
  const r = new DeathRouter();
  const before = r.expectSpawn();
  const after = r.expectSpawn();
  r.route(death(7, 127)); // reaped before the report
  r.spawnReported(before, 7, null);
  r.spawnReported(after, 8, null);
  assert.ok(r.route(death(8, 127)), "reaped after the report: taken (discarded), not an orphan");
  assert.not.ok(r.has(7));
  assert.not.ok(r.has(8));
});

test("an orphan's death is dropped once no spawn that was out when it was reaped can own it", () => {
  const r = new DeathRouter();
  const t = r.expectSpawn();
  r.route(death(99)); // an orphan, but a spawn is out: held
  const got: Exit[] = [];
  r.spawnReported(t, 42, (e) => got.push(e));
  assert.equal(got, []);
  // Later, the kernel hands 99 to a new child: the old death is not its.
  const t2 = r.expectSpawn();
  r.spawnReported(t2, 99, (e) => got.push(e));
  assert.equal(got, [], "the orphan's death was not given to the new 99");
  r.route(death(99, 5));
  assert.equal(
    got.map((e) => e.code),
    [5],
  );
});

test("spawns always in flight (a crash loop) do not hold an orphan's death for ever", () => {
  const r = new DeathRouter();
  let out = r.expectSpawn();
  r.route(death(500)); // orphan, reaped while `out` is out
  const next = r.expectSpawn(); // asked after the reap: cannot have made 500
  r.spawnReported(out, 501, null);
  out = next;
  // 500 was released when the only spawn older than its reap reported: a
  // later report of pid 500 (reused) from a spawn asked after the reap is not given it.
  const got: Exit[] = [];
  r.spawnReported(out, 500, (e) => got.push(e));
  assert.equal(got, []);
  assert.ok(r.has(500));
});

test("a report with no child (clone failed) settles the spawn", () => {
  const r = new DeathRouter();
  const t = r.expectSpawn();
  r.route(death(3));
  r.spawnReported(t, 0, null);
  assert.not.ok(r.route(death(4)), "nothing in flight: an orphan's at once");
});

test("a report handed over twice counts once", () => {
  const r = new DeathRouter();
  const t = r.expectSpawn();
  const other = r.expectSpawn();
  r.spawnReported(t, 10, () => undefined);
  r.spawnReported(t, 10, () => undefined);
  assert.ok(r.route(death(11)), "other is still out: held");
  r.spawnReported(other, 12, null);
});

test.run();
