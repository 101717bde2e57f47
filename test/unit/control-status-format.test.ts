// `tsinit status` output as pure functions: durations, wait statuses, the
// table (plain and coloured) and the --json shape.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeWaitStatus, formatDuration, formatTable, stateOf, toJson, waitingNotes, type ServiceReport } from "../../src/control/status-format";
import { stampFromMs, type SuperviseStatus } from "../../src/s6/status-file";
import { shortPath } from "../../src/cli/log";
import { tai64n } from "../../src/s6/tai64n";

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const status = (over: Partial<SuperviseStatus>): SuperviseStatus => ({
  stamp: stampFromMs(NOW - 12_000),
  readyStamp: stampFromMs(NOW - 10_000),
  pid: 0,
  waitStatus: 0,
  paused: false,
  finishing: false,
  wantUp: true,
  ready: false,
  ...over,
});
const rep = (name: string, s: SuperviseStatus | null, supervised = true): ServiceReport => ({ name, path: `/s/${name}`, supervised, status: s });

const dur = suite("status: durations and exits");

dur("two largest units", () => {
  assert.is(formatDuration(0), "0s");
  assert.is(formatDuration(12_999), "12s");
  assert.is(formatDuration(184_000), "3m04s");
  assert.is(formatDuration((2 * 3600 + 60 + 59) * 1000), "2h01m");
  assert.is(formatDuration((5 * 86400 + 3 * 3600) * 1000), "5d03h");
  assert.is(formatDuration(-5000), "0s"); // clock went back
});

dur("raw wait status: exit code or signal", () => {
  assert.equal(decodeWaitStatus(0x0300), { code: 3, signal: null });
  assert.equal(decodeWaitStatus(0x000f), { code: null, signal: "TERM" });
  assert.equal(decodeWaitStatus(0x0089), { code: null, signal: "KILL" }); // core dump bit
  assert.equal(decodeWaitStatus(0), { code: 0, signal: null });
});

dur("helpers: path truncation and TAI64N names", () => {
  assert.is(shortPath("a".repeat(10_000)), "a".repeat(80) + "…");
  assert.is(shortPath("/run/service/x"), "/run/service/x");
  // 1.5 s after the epoch: 2^62 + 37 + 1 seconds, 500 000 000 ns
  assert.is(tai64n(1500), "@4000000000000026" + "1dcd6500");
});

dur.run();

const state = suite("status: states");

state("each state word", () => {
  assert.is(stateOf(rep("a", status({ pid: 7 }))), "up");
  assert.is(stateOf(rep("a", status({ pid: 7, paused: true }))), "paused");
  assert.is(stateOf(rep("a", status({ pid: 8, finishing: true }))), "finishing");
  assert.is(stateOf(rep("a", status({}))), "down");
  assert.is(stateOf(rep("a", status({ pid: 7 }), false)), "not supervised");
  assert.is(stateOf(rep("a", null)), "unknown");
});

state("unreadable: supervise/ could not be opened, so whether it runs is unknown", () => {
  const r: ServiceReport = { ...rep("a", null, false), unreadable: true, error: "supervise/lock: EACCES" };
  assert.is(stateOf(r), "unreadable");
  const j = toJson(r);
  assert.equal([j.supervised, j.state, j.error], [null, "unreadable", "supervise/lock: EACCES"]);
  assert.match(formatTable([r], NOW, false), /^a\s+unreadable\s+-\s+-\s+supervise\/lock: EACCES$/m);
});

state("waiting notes name five dependencies, cut long names, and count the rest", () => {
  const names = Array.from({ length: 852 }, (_, i) => `dep${i}`);
  const long = "x".repeat(5000);
  assert.is(waitingNotes({ waitsFor: names, blockedBy: [long] }), `waits for dep0, dep1, dep2, dep3, dep4 and 847 more; blocked by ${"x".repeat(39)}…`);
  assert.is(waitingNotes({ waitsFor: ["a", "b"], blockedBy: [] }), "waits for a, b");
});

state("a run that cannot be reached is in NOTES beside the exit", () => {
  const r: ServiceReport = { ...rep("a", status({})), runProblem: "run: ELOOP" };
  assert.match(formatTable([r], NOW, false), /want up, exit 0; run: ELOOP$/m);
  assert.is(toJson(r).runProblem, "run: ELOOP");
});

state.run();

const table = suite("status: table");

table("plain table with notes", () => {
  const out = formatTable(
    [
      rep("web", status({ pid: 1234, ready: true })),
      rep("db", status({ pid: 0, waitStatus: 0x0300 })),
      rep("cron", status({ pid: 99, wantUp: false })),
      rep("db/log", null, false),
      rep("old", status({ pid: 0, wantUp: false, waitStatus: 0x000f, stamp: stampFromMs(NOW - 7_260_000) })),
    ],
    NOW,
    false,
  );
  assert.is(
    out,
    [
      "NAME    STATE           PID   TIME   NOTES",
      "web     up              1234  12s    ready since 10s",
      "db      down            -     12s    want up, exit 3",
      "cron    up              99    12s    want down",
      "db/log  not supervised  -     -",
      "old     down            -     2h01m  signal TERM",
      "",
    ].join("\n"),
  );
});

table("colours only when asked: green up, red down-but-wanted, yellow finishing", () => {
  const reports = [rep("a", status({ pid: 1 })), rep("b", status({})), rep("c", status({ pid: 2, finishing: true })), rep("d", status({ wantUp: false }))];
  const plain = formatTable(reports, NOW, false);
  assert.not.match(plain, /\x1b/);
  const lines = formatTable(reports, NOW, true).split("\n");
  assert.match(lines[1]!, /\x1b\[32mup/);
  assert.match(lines[2]!, /\x1b\[31mdown/);
  assert.match(lines[3]!, /\x1b\[33mfinishing/);
  assert.not.match(lines[4]!, /\x1b/);
  assert.is(lines[0], plain.split("\n")[0]); // same layout once codes are removed
  assert.is(lines.join("\n").replace(/\x1b\[[0-9;]*m/g, ""), plain);
});

table.run();

const json = suite("status: --json");

json("an up, ready service", () => {
  assert.equal(toJson(rep("web", status({ pid: 1234, ready: true }))), {
    kind: "service",
    name: "web",
    path: "/s/web",
    supervised: true,
    up: true,
    pid: 1234,
    since: new Date(NOW - 12_000).toISOString(),
    wantUp: true,
    ready: true,
    readySince: new Date(NOW - 10_000).toISOString(),
    paused: false,
    finishing: false,
    lastExit: null,
    state: "up",
    waitsFor: [],
    blockedBy: [],
    dependencies: [],
  });
});

json("a down service has its last exit; finishing shows the finish pid", () => {
  const j = toJson(rep("db", status({ waitStatus: 0x000f })));
  assert.equal([j.up, j.pid, j.ready, j.lastExit], [false, null, false, { code: null, signal: "TERM" }]);
  const f = toJson(rep("db", status({ pid: 9, finishing: true, waitStatus: 0x0100 })));
  assert.equal([f.up, f.pid, f.finishing, f.lastExit], [false, 9, true, { code: 1, signal: null }]);
});

json("not supervised: no state at all, even with an old status file", () => {
  assert.equal(toJson(rep("x", status({ pid: 5 }), false)), {
    kind: "service",
    name: "x",
    path: "/s/x",
    supervised: false,
    up: false,
    pid: null,
    since: null,
    wantUp: null,
    ready: false,
    readySince: null,
    paused: false,
    finishing: false,
    lastExit: null,
    state: "not supervised",
    waitsFor: [],
    blockedBy: [],
    dependencies: [],
  });
});

json("every key is present for scripts", () => {
  const keys = Object.keys(toJson(rep("a", null))).sort();
  assert.equal(keys, [
    "blockedBy",
    "dependencies",
    "finishing",
    "kind",
    "lastExit",
    "name",
    "path",
    "paused",
    "pid",
    "ready",
    "readySince",
    "since",
    "state",
    "supervised",
    "up",
    "waitsFor",
    "wantUp",
  ]);
});

json.run();
