// tsinit analyze on the real binary booted as PID 1: a chain
// db (ready on fd 3 after 0.5 s) → api → web, and a task after web. Run
// inside the pid namespace (PID 1's start from /proc/1) and from the host
// (where /proc/1 is another init: the first logged step stands in), then
// --save / --from, --svg, --json and usage errors.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import type { BootRecord, Unit } from "../../src/analyze/record";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, endBooted, sh, type Booted } from "../helpers/booted";
import { tsinit } from "./cli-helpers";

const test = suite("analyze");
let m: Booted | undefined;

const unit = (r: BootRecord, name: string): Unit => {
  const u = r.units.find((x) => x.name === name);
  assert.ok(u, `${name} in the record`);
  return u!;
};

test.before(async () => {
  m = await bootInit({
    "service/db/run": sh("sleep 0.5; echo >&3; exec sleep 1000"),
    "service/db/notification-fd": "3\n",
    "service/api/run": sh("exec sleep 1000"),
    "service/api/dependencies": "db\n",
    "service/web/run": sh("exec sleep 1000"),
    "service/web/dependencies.d/api": "",
    "task/report/run": sh("sleep 0.2; exit 0"),
    "task/report/dependencies": "web\n",
  });
  await eventually(() => JSON.parse(readFileSync(`${m!.root}/run/task/report.json`, "utf8")).state === "exited", 10_000, "report ran");
});

test.after(async () => {
  if (m) await endBooted(m);
});

test("inside the namespace: blame list slowest first, chain in order, summary line", () => {
  const { root, init } = m!;
  const r = init.exec([BIN, "analyze", "--rundir", `${root}/run`, "--save", `${root}/record.json`, "--svg", `${root}/chart.svg`]);
  console.log(`\n$ tsinit analyze (in the namespace)\n${r.stdout}`);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^\s*TIME\s+START\s+KIND\s+UNIT\s+NOTES$/);
  const row = (name: string) =>
    lines.find((l) =>
      l
        .split(/\s{2,}/)
        .map((c) => c.trim())
        .includes(name),
    ) ?? "";
  assert.match(row("db"), /^\s*(5\d\d|\d\.\d{3}s)ms?\s+\+\S+\s+service\s+db\s+up/);
  assert.match(row("web"), /service\s+web\s+up; waited \S+; after api$/);
  assert.match(row("report"), /task\s+report\s+exited 0; waited \S+; after web$/);
  assert.match(row("start supervision"), /step\s+start supervision$/);
  assert.match(row("exec to the catch-all log"), /^\s*\d+(\.\d)?ms\s+\+\S+\s+step/);
  // The steps before the catch-all existed are in the record too (issue 23).
  for (const early of ["load the addon", "raise the fd limit", "cd / and umask 022", "reset stdio"]) {
    assert.ok(
      lines.some((l) => l.includes(` step   `) && l.includes(early)),
      `${early} in the blame:\n${r.stdout}`,
    );
  }
  assert.ok(lines.indexOf(row("db")) < lines.indexOf(row("report")), "db (0.5 s to ready) blames before report (0.2 s)");
  assert.match(lines.at(-1)!, /^init started at \d+\.\d\d s \(kernel\), all services ready at \d+\.\d\d s \(\+\S+ after init\)$/);

  const rec = JSON.parse(readFileSync(`${root}/record.json`, "utf8")) as BootRecord;
  assert.is(rec.zeroSource, "proc");
  const [db, api, web, report] = ["db", "api", "web", "report"].map((n) => unit(rec, n));
  assert.ok(db!.ready! - db!.start! >= 450, `db took ${db!.ready! - db!.start!} ms to be ready`);
  assert.ok(api!.start! >= db!.ready! - 1, "api starts after db is ready");
  assert.ok(web!.start! >= api!.ready! - 1, "web starts after api is up");
  assert.ok(report!.start! >= web!.ready! - 1 && report!.ready! - report!.start! >= 150, "report after web, ran 0.2 s");
  assert.equal(web!.deps, ["api"]);
  // The exec step spans everything from the exec on: it is logged late but starts first.
  const steps = rec.units.filter((u) => u.kind === "step" && u.name !== "exec to the catch-all log");
  assert.ok(steps.length >= 8, `${steps.length} steps`);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i]!.start! >= steps[i - 1]!.start! - 1, "steps in boot order");

  const svg = readFileSync(`${root}/chart.svg`, "utf8");
  assert.is([...svg.matchAll(/<g class="unit" /g)].length, rec.units.length);
  const deps = [...svg.matchAll(/<path class="dep" data-from="(\w+)" data-to="(\w+)"/g)].map((d) => `${d[1]}->${d[2]}`).sort();
  assert.equal(deps, ["api->web", "db->api", "web->report"]);
  assert.match(svg, /<\/svg>\n$/);
});

test("--from a saved record gives the same list; --json prints the record", () => {
  const { root } = m!;
  const inside = m!.init.exec([BIN, "analyze", "--from", `${root}/record.json`]);
  const again = tsinit("analyze", "--from", `${root}/record.json`);
  assert.is(again.status, 0, again.err);
  assert.is(again.out, inside.stdout);
  const json = tsinit("analyze", "--from", `${root}/record.json`, "--json");
  assert.equal(JSON.parse(json.out), JSON.parse(readFileSync(`${root}/record.json`, "utf8")));
  const svg = tsinit("analyze", "--from", `${root}/record.json`, "--svg", "-");
  assert.ok(svg.out.startsWith("<?xml") && !svg.out.includes("TIME"), "--svg - prints only the chart");
});

test("from the host: /proc/1 is not this init, the first logged step is zero", () => {
  const { root } = m!;
  const r = tsinit("analyze", "--rundir", `${root}/run`, "--scandir", `${root}/run/service`, "--json");
  assert.is(r.status, 0, r.err);
  const rec = JSON.parse(r.out) as BootRecord;
  assert.is(rec.zeroSource, "catch-all");
  assert.is(rec.zeroKernelSec, null);
  assert.ok(unit(rec, "web").start! > 0);
});

test("usage: --help, unknown option and stray argument are 100, unreadable --from is 111", () => {
  const help = tsinit("analyze", "--help");
  assert.is(help.status, 0);
  assert.match(help.out, /^usage: tsinit analyze/);
  assert.is(tsinit("analyze", "--bogus").status, 100);
  assert.is(tsinit("analyze", "extra").status, 100);
  assert.is(tsinit("analyze", "--from", "x.json", "--rundir", "/run").status, 100);
  const missing = tsinit("analyze", "--from", "/nonexistent/record.json");
  assert.is(missing.status, 111);
  assert.match(missing.err, /unable to read \/nonexistent\/record\.json: No such file or directory \(ENOENT\)/);
});

test.run();
