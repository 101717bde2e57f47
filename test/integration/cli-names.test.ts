// Issue 16: the client commands without a path use the running init's scan
// dir (PID 1's --rundir moves it; `tsinit scan DIR` is DIR; $TSINIT_SCANDIR
// wins), a bare NAME is a service there, and svc / wait / status take several.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, bootScan, endBooted, sh, svStatus } from "../helpers/booted";
import { placeFromArgv } from "../../src/control/resolve";
import { tsinit } from "./cli-helpers";
import { spawnSync } from "node:child_process";

const test = suite("names and the default scan dir");

test("PID 1's command line names its scan dir", () => {
  assert.equal(placeFromArgv(["/sbin/init"]), { scanDir: "/run/tsinit/service", runDir: "/run/tsinit" });
  assert.equal(placeFromArgv(["tsinit", "--no-mount", "--rundir", "/r", "--", "sh"]), { scanDir: "/r/service", runDir: "/r" });
  assert.equal(placeFromArgv(["tsinit", "init", "--rundir=/x/"]), { scanDir: "/x/service", runDir: "/x" });
  assert.equal(placeFromArgv(["tsinit", "--", "prog", "--rundir", "/no"]), { scanDir: "/run/tsinit/service", runDir: "/run/tsinit" });
  assert.equal(placeFromArgv(["tsinit", "scan", "svc"], "/srv"), { scanDir: "/srv/svc", runDir: null });
  assert.is(placeFromArgv(["s6-svscan", "/run/service"]), null);
});

test("inside a booted init: svc, wait, status by bare name, several at once, no path at all", async () => {
  const m = await bootInit({
    "service/a/run": sh("exec sleep 1000"),
    "service/b/run": sh("exec sleep 1000"),
    "service/c/run": sh("exec sleep 1000"),
  });
  const live = `${m.root}/run/service`;
  const pid = (n: string) => svStatus(`${live}/${n}`)?.pid ?? 0;
  // Inside the namespace, from a dir with none of these names: PID 1's --rundir is all there is to go by.
  const env = { ...process.env, TSINIT_SCANDIR: "" };
  const inside = (...args: string[]) => m.init.exec(["sh", "-c", 'cd / && exec "$@"', "sh", BIN, ...args], { env });
  try {
    await eventually(() => pid("a") && pid("b") && pid("c"), 10_000, "a, b, c up");
    let r = inside("svc", "-wD", "-T", "5000", "-d", "a", "b");
    assert.equal([r.status, r.stderr], [0, ""]);
    assert.equal([pid("a"), pid("b")], [0, 0], "both down, not only the first");
    assert.ok(pid("c") > 0, "c untouched");
    r = inside("wait", "-d", "-t", "2000", "a", "b");
    assert.is(r.status, 0, r.stderr);
    r = inside("status");
    assert.is(r.status, 0, r.stderr);
    for (const n of ["a", "b", "c"]) assert.match(r.stdout, new RegExp(`^${n} +(up|down)`, "m"));
    r = inside("status", "--json", "a", "c");
    const json = JSON.parse(r.stdout) as Array<{ name: string; path: string; up: boolean }>;
    assert.equal(
      json.map((s) => [s.name, s.path, s.up]),
      [
        ["a", `${live}/a`, false],
        ["c", `${live}/c`, true],
      ],
    );
    r = inside("svc", "-u", "a", `${live}/b`);
    assert.is(r.status, 0, r.stderr);
    r = inside("wait", "-u", "-t", "5000", "a", "b");
    assert.is(r.status, 0, r.stderr);
    r = inside("svc", "-u", "nosuch");
    // Which scan dir was searched and what it holds (issue 23), not a bare ENOENT.
    assert.equal([r.status, r.stderr], [111, `tsinit svc: unable to find service nosuch in ${live}: known: a, b, c\n`]);
  } finally {
    await endBooted(m);
  }
});

test("tsinit scan DIR as PID 1 is the default; $TSINIT_SCANDIR names one from outside", async () => {
  const m = await bootScan({ "x/run": sh("exec sleep 1000"), "y/run": sh("exec sleep 1000") });
  try {
    await eventually(() => svStatus(`${m.root}/x`)?.pid && svStatus(`${m.root}/y`)?.pid, 10_000, "x, y up");
    const r = m.init.exec(["sh", "-c", 'cd / && exec "$@"', "sh", BIN, "svc", "-wd", "-T", "5000", "-d", "x"], { env: { ...process.env, TSINIT_SCANDIR: "" } });
    assert.equal([r.status, r.stderr], [0, ""]);
    assert.is(svStatus(`${m.root}/x`)?.pid, 0);
    // From the host, whose PID 1 is not this scanner.
    const out = spawnSync(BIN, ["status", "--json", "y"], { encoding: "utf8", cwd: "/", env: { ...process.env, TSINIT_SCANDIR: m.root } });
    assert.is(out.status, 0, out.stderr);
    assert.equal(
      JSON.parse(out.stdout).map((s: { name: string; up: boolean }) => [s.name, s.up]),
      [["y", true]],
    );
    // A path stays a path, whatever the scan dir.
    const byPath = tsinit("status", "--json", `${m.root}/x`);
    assert.equal(JSON.parse(byPath.out)[0].up, false);
  } finally {
    await endBooted(m);
  }
});

test.run();
