// supervise/status and death_tally encoding: the literal bytes from a real
// s6-supervise, round trips, and the status derived from each machine phase.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeDeathTally, decodeStatus, encodeDeathTally, encodeStatus, stampFromMs, stampToMs, type SuperviseStatus } from "../../src/s6/status-file";
import { initialState, step } from "../../src/supervise/machine";
import { cfg, drive, exited, letter, upState } from "./machine-helpers";
import { deathTallyFromState, statusFromState } from "../../src/supervise/state-status";

const bytes = suite("status bytes");

// The layout of src/s6/status-file.ts, captured from s6-supervise 2.11.3.2: pid 7527, want-up + ready.
const EXAMPLE = Buffer.from("400000006b06ee5a31e4603f" + "400000006b06ee5b0862c05c" + "0000000000001d67" + "0000" + "0c", "hex");

bytes("decodes the real s6 example", () => {
  const s = decodeStatus(EXAMPLE)!;
  assert.is(s.pid, 7527);
  assert.equal(s.stamp, { unixSec: 0x6b06ee5a - 37, nsec: 0x31e4603f });
  assert.equal(s.readyStamp, { unixSec: 0x6b06ee5b - 37, nsec: 0x0862c05c });
  assert.is(s.waitStatus, 0);
  assert.equal([s.paused, s.finishing, s.wantUp, s.ready], [false, false, true, true]);
});

bytes("encodes the example back to the same 35 bytes", () => {
  const out = encodeStatus(decodeStatus(EXAMPLE)!);
  assert.is(out.length, 35);
  assert.is(Buffer.from(out).toString("hex"), EXAMPLE.toString("hex"));
});

bytes("round trip with every flag and a wait status", () => {
  const s: SuperviseStatus = {
    stamp: { unixSec: 1_700_000_000, nsec: 5 },
    readyStamp: { unixSec: 1_700_000_001, nsec: 999_999_999 },
    pid: 2 ** 40 + 3,
    waitStatus: 0x0300,
    paused: true,
    finishing: true,
    wantUp: false,
    ready: true,
  };
  const enc = encodeStatus(s);
  assert.is(enc[34], 0b1011);
  assert.is(Buffer.from(enc.subarray(32, 34)).toString("hex"), "0300");
  assert.equal(decodeStatus(enc), s);
  assert.is(decodeStatus(enc.subarray(0, 34)), null);
});

bytes("TAI64N label is 2^62 + unix + 37", () => {
  const enc = encodeStatus({ ...decodeStatus(EXAMPLE)!, stamp: stampFromMs(0) });
  assert.is(Buffer.from(enc.subarray(0, 12)).toString("hex"), "400000000000002500000000");
  assert.equal(stampFromMs(1500), { unixSec: 1, nsec: 500_000_000 });
  assert.is(stampToMs(stampFromMs(1_700_000_000_123)), 1_700_000_000_123);
});

bytes("death_tally records are 14 bytes and round-trip; partial tail ignored", () => {
  const recs = [
    { stamp: { unixSec: 100, nsec: 1 }, exitCode: 137, signal: 9 },
    { stamp: { unixSec: 200, nsec: 2 }, exitCode: 3, signal: 0 },
  ];
  const enc = encodeDeathTally(recs);
  assert.is(enc.length, 28);
  assert.is(enc[12], 137);
  assert.is(enc[13], 9);
  assert.equal(decodeDeathTally(enc), recs);
  assert.equal(decodeDeathTally(enc.subarray(0, 20)), recs.slice(0, 1));
});

bytes.run();

const derived = suite("status from machine state");

derived("after start (down file): down, not wanted, stamps = start", () => {
  const st = step(initialState(), { type: "start", now: 2000 }, cfg({ hasDownFile: true })).state;
  const s = statusFromState(st);
  assert.equal([s.pid, s.wantUp, s.finishing, s.ready, s.paused], [0, false, false, false, false]);
  assert.is(stampToMs(s.stamp), 2000);
  assert.is(stampToMs(s.readyStamp), 2000);
});

derived("up, then ready, then paused", () => {
  const up = upState(cfg(), 3000);
  assert.equal([statusFromState(up).pid, statusFromState(up).wantUp, statusFromState(up).ready], [100, true, false]);
  const ready = step(up, { type: "ready", now: 3500 }, cfg()).state;
  assert.is(statusFromState(ready).ready, true);
  assert.is(stampToMs(statusFromState(ready).readyStamp), 3500);
  assert.is(statusFromState(step(ready, letter("p"), cfg()).state).paused, true);
});

derived("finishing: finish pid, finishing flag, run's wait status, death stamp", () => {
  const c = cfg({ hasFinish: true });
  const st = drive(
    upState(c),
    [
      { type: "died", pid: 100, status: exited(3), now: 4000 },
      { type: "finishSpawned", pid: 222 },
    ],
    c,
  ).state;
  const s = statusFromState(st);
  assert.equal([s.pid, s.finishing, s.ready, s.waitStatus], [222, true, false, 0x0300]);
  assert.is(stampToMs(s.stamp), 4000);
  assert.is(encodeStatus(s)[34], 0b0110);
});

derived("down after death: pid 0, down-and-ready at the death time, tally", () => {
  const st = step(upState(), { type: "died", pid: 100, status: 15, now: 5000 }, cfg()).state;
  assert.is(st.phase.kind, "starting"); // ran 4 s: respawn requested, not yet spawned
  const s = statusFromState(st);
  assert.equal([s.pid, s.finishing, s.ready, s.waitStatus], [0, false, true, 15]);
  assert.is(stampToMs(s.readyStamp), 5000);
  assert.equal(deathTallyFromState(st), [{ stamp: { unixSec: 5, nsec: 0 }, exitCode: 143, signal: 15 }]);
});

derived.run();
