// supervise/tsinit-record's codec and what `tsinit status` makes of it: the
// round trip a re-exec relies on, junk refused, a service that never ran
// without "exit 0", and the story's lines for a failed start and readiness.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initialState, step } from "../../src/supervise/machine";
import { decodeRecord, encodeRecord, historyFromRecord, recordFromState } from "../../src/supervise/service-record";
import { encodeStatus, decodeStatus } from "../../src/s6/status-file";
import { statusFromState } from "../../src/supervise/state-status";
import { toJson, formatTable, type ServiceReport } from "../../src/control/status-format";
import { formatStory, readinessText } from "../../src/control/status-story";
import { cfg, drive, exited } from "./machine-helpers";

const t = suite("service record and story");

const failedStart = () =>
  drive(initialState(), [
    { type: "start", now: 1_000_000 },
    {
      type: "spawnFailed",
      errno: "EACCES",
      now: 1_000_010,
      during: "exec",
      why: "unable to execute /s/bad/run: Permission denied (EACCES)",
      path: "/s/bad/run",
    },
  ]).state;

const report = (state = failedStart(), config = cfg()): ServiceReport => ({
  name: "bad",
  path: "/s/bad",
  supervised: true,
  status: decodeStatus(encodeStatus(statusFromState(state))),
  record: decodeRecord(encodeRecord(recordFromState(state, config))),
  dependencies: [],
});

t("the record round-trips the history a re-exec restores", () => {
  const s = drive(initialState(), [
    { type: "start", now: 0 },
    { type: "spawned", pid: 7, now: 10 },
    { type: "died", pid: 7, status: exited(2), now: 50 },
    { type: "timer", kind: "restart" },
    { type: "spawned", pid: 8, now: 1010 },
  ]).state;
  const back = decodeRecord(encodeRecord(recordFromState(s, cfg())))!;
  assert.equal(historyFromRecord(back), s.history);
  assert.equal([back.pid, back.restarts, back.lastExit?.code], [8, 1, 2]);
  const killed = step(s, { type: "died", pid: 8, status: 9, now: 2000 }, cfg()).state;
  assert.equal(historyFromRecord(decodeRecord(encodeRecord(recordFromState(killed, cfg())))!).lastDeath, { at: 2000, status: 9 });
});

t("junk is not a record", () => {
  for (const junk of ["", "{", "[]", "null", '{"version":2}']) assert.is(decodeRecord(Buffer.from(junk)), null, junk);
});

t("a service that never ran: no last exit, the spawn error instead (json, table)", () => {
  const r = report();
  const json = toJson(r);
  assert.is(json.lastExit, null);
  assert.equal([json.spawnError?.code, json.spawnError?.path, json.restarts], ["EACCES", "/s/bad/run", 0]);
  assert.match(formatTable([r], 1_005_000, false), /^bad\s+down\s+-\s+5s\s+want up, run: EACCES$/m);
  // Without a record (s6-supervise) the s6 view stays.
  assert.equal(toJson({ ...r, record: null }).lastExit, { code: 0, signal: null });
});

t("the story of a failed start: the reason, the retry, no exit", () => {
  const text = formatStory({ ...report(), dependencies: ["db"] }, { dependencies: [{ name: "db", state: "up, ready" }], log: null }, 1_003_010);
  assert.match(text, /^bad - \/s\/bad$/m);
  assert.match(text, /start failed: unable to execute \/s\/bad\/run: Permission denied \(EACCES\), at .* \(3s ago\); retrying every 10 s \(next in 7 s\)/);
  assert.match(text, /last exit: none/);
  assert.match(text, /depends on: db \(up, ready\)/);
  assert.not.match(text, /exit code 0/);
});

t("readiness in words: with and without notification-fd", () => {
  const up = drive(
    initialState(),
    [
      { type: "start", now: 0 },
      { type: "spawned", pid: 5, now: 10 },
    ],
    cfg(),
  ).state;
  assert.match(readinessText(report(up), 20), /^never flagged \(no notification-fd, as in s6/);
  const nfd = cfg({ notificationFd: 3 });
  assert.match(readinessText(report(up, nfd), 20), /^not yet: flagged when run writes a newline on fd 3; its dependents wait until then/);
  const ready = step(up, { type: "ready", now: 15 }, nfd).state;
  assert.match(readinessText(report(ready, nfd), 20), /^since .* \(flagged when run writes a newline on fd 3\); its dependents start once it is ready/);
});

t.run();
