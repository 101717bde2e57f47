// `tsinit status` and dependencies, as pure functions: the waiting state of a
// held service, task rows and JSON, and the --tree drawing.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { TaskRecord } from "../../src/supervise/task-record";
import { stampFromMs, type SuperviseStatus } from "../../src/s6/status-file";
import { formatTable, stateOf, toJson, waitingNotes, type ServiceReport } from "../../src/control/status-format";
import { cleanWaiting } from "../../src/control/status-read";
import { formatTaskTable, taskStateText, taskToJson, type TaskReport } from "../../src/control/status-task-format";
import { formatTree, serviceNode, taskNode, type TreeNode } from "../../src/control/status-tree";

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const ago = (ms: number) => new Date(NOW - ms).toISOString();
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
const rep = (name: string, s: SuperviseStatus | null, over: Partial<ServiceReport> = {}): ServiceReport => ({
  name,
  path: `/s/${name}`,
  supervised: true,
  status: s,
  ...over,
});
const rec = (over: Partial<TaskRecord>): TaskRecord => ({
  name: "t",
  path: "/etc/s6/task/t/run",
  state: "exited",
  pid: 0,
  startedAt: "",
  endedAt: null,
  code: null,
  signal: null,
  error: null,
  ...over,
});
const task = (name: string, over: Partial<TaskRecord>, deps: string[] = []): TaskReport => ({
  name,
  path: `/run/tsinit/task/${name}.json`,
  record: rec({ name, ...over }),
  dependencies: deps,
});

const waiting = suite("status: waiting services");

waiting("a held service is waiting, not down; notes say for what", () => {
  const held = rep("app", status({}), { waiting: { waitsFor: ["db", "migrate"], blockedBy: ["migrate"] } });
  assert.is(stateOf(held), "waiting");
  assert.is(waitingNotes({ waitsFor: ["a", "b"], blockedBy: [] }), "waits for a, b");
  assert.is(waitingNotes({ waitsFor: [], blockedBy: ["x"] }), "blocked by x");
  assert.is(
    formatTable([held, rep("db", status({ pid: 5 }))], NOW, false),
    ["NAME  STATE    PID  TIME  NOTES", "app   waiting  -    12s   waits for db, migrate; blocked by migrate", "db    up       5    12s", ""].join("\n"),
  );
  // Before the supervisor wrote supervise/status, the wait is still known.
  assert.is(stateOf(rep("app", null, { waiting: { waitsFor: ["db"], blockedBy: [] } })), "waiting");
  // A stale file beside a running service, or with no supervisor, does not win.
  assert.is(stateOf(rep("app", status({ pid: 9 }), { waiting: { waitsFor: ["db"], blockedBy: [] } })), "up");
  assert.is(stateOf(rep("app", null, { supervised: false, waiting: { waitsFor: ["db"], blockedBy: [] } })), "not supervised");
});

waiting("--json: waitsFor, blockedBy (empty when not held) and dependencies", () => {
  const j = toJson(rep("app", status({}), { waiting: { waitsFor: ["db"], blockedBy: [] }, dependencies: ["db"] }));
  assert.equal([j.kind, j.state, j.waitsFor, j.blockedBy, j.dependencies], ["service", "waiting", ["db"], [], ["db"]]);
  const free = toJson(rep("db", status({ pid: 3 })));
  assert.equal([free.waitsFor, free.blockedBy, free.dependencies], [[], [], []]);
});

waiting("the waiting file is cleaned: odd JSON cannot break the table", () => {
  assert.is(cleanWaiting(null), null);
  assert.is(cleanWaiting("x"), null);
  assert.equal(cleanWaiting({ waitsFor: ["a", 3] }), { waitsFor: ["a", "3"], blockedBy: [] });
});

waiting.run();

const tasks = suite("status: tasks");

tasks("state words: waiting, running, exited N, killed SIG, failed to start", () => {
  assert.is(taskStateText(rec({ state: "waiting" })), "waiting");
  assert.is(taskStateText(rec({ state: "running", pid: 4 })), "running");
  assert.is(taskStateText(rec({ code: 2 })), "exited 2");
  assert.is(taskStateText(rec({ signal: 15 })), "killed SIGTERM");
  assert.is(taskStateText(rec({ state: "failed", error: "EACCES" })), "failed to start");
  assert.is(taskStateText(null), "unknown");
});

tasks("the table: ended how long ago, and why it waits or failed", () => {
  const out = formatTaskTable(
    [
      task("migrate", { code: 2, pid: 40, startedAt: ago(9000), endedAt: ago(8000) }),
      task("seed", { state: "waiting", waitsFor: ["db", "migrate"], blockedBy: ["migrate"] }, ["db", "migrate"]),
      task("bad", { state: "failed", error: "EACCES", startedAt: ago(5000), endedAt: ago(5000) }),
      task("long", { state: "running", pid: 41, startedAt: ago(3000) }),
      task("stop", { signal: 9, pid: 42, startedAt: ago(70_000), endedAt: ago(65_000) }),
      { name: "junk", path: "/run/tsinit/task/junk.json", record: null, dependencies: [], error: "not a task record" },
    ],
    NOW,
    false,
  );
  assert.is(
    out,
    [
      "TASK     STATE            PID  ENDED      NOTES",
      "migrate  exited 2         40   8s ago",
      "seed     waiting          -    -          waits for db, migrate; blocked by migrate",
      "bad      failed to start  -    5s ago     EACCES",
      "long     running          41   -",
      "stop     killed SIGKILL   42   1m05s ago",
      "junk     unknown          -    -          not a task record",
      "",
    ].join("\n"),
  );
  const coloured = formatTaskTable([task("ok", { code: 0 }), task("no", { code: 1 })], NOW, true).split("\n");
  assert.match(coloured[1]!, /\x1b\[32mexited 0/);
  assert.match(coloured[2]!, /\x1b\[31mexited 1/);
});

tasks("--json: kind task, signal by name, waits only while waiting", () => {
  assert.equal(taskToJson(task("stop", { signal: 9, pid: 42, startedAt: ago(7000), endedAt: ago(5000) })), {
    kind: "task",
    name: "stop",
    path: "/run/tsinit/task/stop.json",
    state: "killed",
    pid: 42,
    startedAt: ago(7000),
    endedAt: ago(5000),
    code: null,
    signal: "KILL",
    error: null,
    waitsFor: [],
    blockedBy: [],
    dependencies: [],
  });
  const w = taskToJson(task("seed", { state: "waiting", waitsFor: ["db"], blockedBy: [] }, ["db"]));
  assert.equal([w.state, w.pid, w.startedAt, w.waitsFor, w.blockedBy, w.dependencies], ["waiting", null, null, ["db"], [], ["db"]]);
  const f = taskToJson(task("bad", { state: "failed", error: "ENOEXEC" }));
  assert.equal([f.state, f.error], ["failed", "ENOEXEC"]);
});

tasks.run();

const tree = suite("status: --tree");
const n = (name: string, deps: string[], label = "up"): TreeNode => ({ name, deps, label });

tree("a chain: each node with what it depends on below it, states aligned", () => {
  assert.equal(formatTree([n("db", [], "up 14s (ready)"), n("api", ["db"], "up 13s"), n("web", ["api"], "up 12s")]), [
    "web       up 12s",
    "└─ api    up 13s",
    "   └─ db  up 14s (ready)",
  ]);
});

tree("shared dependencies repeat; a subtree drawn once is '(see above)' later", () => {
  assert.equal(formatTree([n("base", []), n("left", ["base"]), n("right", ["base"]), n("mid", ["left"]), n("top", ["mid", "right"]), n("other", ["mid"])]), [
    "top            up",
    "├─ mid         up",
    "│  └─ left     up",
    "│     └─ base  up",
    "└─ right       up",
    "   └─ base     up",
    "other          up",
    "└─ mid         up (see above)",
  ]);
});

tree("cycles are cut, even when no root reaches them; missing names say so", () => {
  assert.equal(formatTree([n("a", ["b"]), n("b", ["a"]), n("self", ["self"]), n("lost", ["nosuch"])]), [
    "lost       up",
    "└─ nosuch  (missing)",
    "a          up",
    "└─ b       up",
    "   └─ a    up (cycle)",
    "self       up",
    "└─ self    up (cycle)",
  ]);
  assert.equal(formatTree([n("x", ["y"])], "(not listed)"), ["x     up", "└─ y  (not listed)"]);
  assert.equal(formatTree([]), []);
});

tree("node labels: services by state and time, tasks by their state word", () => {
  assert.equal(serviceNode("db", rep("db", status({ pid: 3, ready: true })), NOW), { name: "db", deps: [], label: "up 12s (ready)" });
  assert.is(serviceNode("db", rep("db", status({})), NOW).label, "down 12s");
  const held = rep("app", status({}), { waiting: { waitsFor: ["m"], blockedBy: ["m"] }, dependencies: ["m", "db"] });
  assert.equal(serviceNode("app", held, NOW), { name: "app", deps: ["db", "m"], label: "waiting (blocked)" });
  assert.is(serviceNode("x", rep("x", null, { supervised: false }), NOW).label, "not supervised");
  assert.equal(taskNode(task("migrate", { code: 2 }, ["db"])), { name: "migrate", deps: ["db"], label: "task exited 2" });
  assert.is(taskNode(task("seed", { state: "waiting", waitsFor: ["x"], blockedBy: ["x"] })).label, "task waiting (blocked)");
});

tree.run();
