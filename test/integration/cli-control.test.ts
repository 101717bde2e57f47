// The client commands (svc, wait, status, scan-ctl) of the real binary,
// driving `tsinit scan DIR` run as PID 1 of a pid namespace, cross-checked
// with Debian's s6 tools.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync } from "node:fs";
import { eventually } from "../helpers/pid1";
import type { Tree } from "../../lab/tree";
import { bootScan, endBooted, type Booted } from "../helpers/booted";
import { listeners, run, sh, status, tsinit, tsinitAsync } from "./cli-helpers";

const test = suite("cli against tsinit scan");

type Ctx = Booted & { dir: string };

async function boot(tree: Tree): Promise<Ctx> {
  const m = await bootScan(tree);
  return { ...m, dir: m.root };
}

const shutdown = endBooted;

const upPid = (svc: string) => eventually(() => (existsSync(`${svc}/supervise/status`) && status(svc).pid) || 0, 10_000, `${svc} up`);

test("svc -wD -d, svc -wu -u, svc -wr -r: each returns once the state is reached", async () => {
  const ctx = await boot({ "a/run": sh("exec sleep 1000") });
  try {
    const a = `${ctx.dir}/a`;
    const first = await upPid(a);
    assert.is(tsinit("svc", "-wD", "-T", "5000", "-d", a).status, 0);
    const down = status(a);
    assert.equal([down.pid, down.wantUp, down.ready], [0, false, true], "down and finished");
    assert.match(run("s6-svstat", a).out, /^down \(signal SIGTERM\)/);
    assert.is(tsinit("svc", "-wu", "-T", "5000", "-u", a).status, 0);
    const second = status(a).pid;
    assert.ok(second !== 0 && second !== first, "a new run");
    assert.is(tsinit("svc", "-wr", "-T", "5000", "-r", a).status, 0);
    const third = status(a).pid;
    assert.ok(third !== 0 && third !== second, "restarted");
    assert.equal(listeners(a), [], "every listener removed its fifo");
  } finally {
    await shutdown(ctx);
  }
});

test("wait -U returns when the service writes its readiness line; -t times out with 99", async () => {
  const ctx = await boot({
    "r/run": sh("sleep 0.5; echo >&3; exec sleep 1000"),
    "r/notification-fd": "3\n",
    "s/run": sh("exec sleep 1000"),
  });
  try {
    const r = `${ctx.dir}/r`,
      s = `${ctx.dir}/s`;
    await upPid(r);
    await upPid(s);
    const ready = await tsinitAsync("wait", "-U", "-t", "5000", r);
    assert.is(ready.status, 0, ready.err);
    assert.ok(status(r).ready);
    const late = await tsinitAsync("wait", "-d", "-t", "300", s);
    assert.is(late.status, 99);
    assert.match(late.err, /^tsinit wait: timed out\n$/);
    assert.ok(late.ms >= 280, `gave up after ${late.ms} ms`);
    assert.equal(listeners(s), []);
    // -o: one of the two going down is enough; s6-svc stops s.
    const any = tsinitAsync("wait", "-o", "-d", "-t", "5000", r, s);
    await eventually(() => listeners(s).length === 1, 5000, "the listener's fifo");
    assert.is(run("s6-svc", "-d", s).status, 0);
    assert.is((await any).status, 0);
  } finally {
    await shutdown(ctx);
  }
});

test("svc -wu fails with 1 when the supervisor exits instead (x event)", async () => {
  const ctx = await boot({ "b/run": sh("exec sleep 1000"), "b/down": "" });
  try {
    const b = `${ctx.dir}/b`;
    await eventually(() => existsSync(`${b}/supervise/status`));
    // -O keeps it down and -x makes the supervisor exit: "x" while waiting for up.
    const r = tsinit("svc", "-wu", "-T", "5000", "-Ox", b);
    assert.is(r.status, 1, r.err);
    assert.match(r.err, /failed permanently or its supervisor died/);
  } finally {
    await shutdown(ctx);
  }
});

test("status: table and --json of a scan dir with a logger, as s6-svstat sees it", async () => {
  const ctx = await boot({
    "web/run": sh("exec sleep 1000"),
    "web/log/run": sh("exec cat >/dev/null"),
    "off/run": sh("exec sleep 1000"),
    "off/down": "",
    ".hidden/run": sh("exec sleep 1000"),
  });
  try {
    const web = `${ctx.dir}/web`;
    const pid = await upPid(web);
    await upPid(`${web}/log`);
    await eventually(() => existsSync(`${ctx.dir}/off/supervise/status`));
    const table = tsinit("status", ctx.dir);
    assert.is(table.status, 0, table.err);
    const lines = table.out.trimEnd().split("\n");
    assert.equal(
      lines.map((l) => l.split(/\s+/).slice(0, 2).join(" ")),
      ["NAME STATE", "off down", "web up", "web/log up"],
    );
    assert.not.match(table.out, /\x1b/, "no colour when stdout is a pipe");
    assert.match(lines[2]!, new RegExp(`^web\\s+up\\s+${pid}\\s+\\d+s`));
    const json = JSON.parse(tsinit("status", "--json", web, `${ctx.dir}/off`).out);
    assert.is(json.length, 2);
    assert.equal([json[0].name, json[0].supervised, json[0].up, json[0].pid, json[0].wantUp], [web, true, true, pid, true]);
    // off never ran (./down): no last exit, where s6's status alone would say exit 0.
    assert.equal([json[1].up, json[1].pid, json[1].wantUp, json[1].lastExit, json[1].restarts], [false, null, false, null, 0]);
    assert.match(run("s6-svstat", web).out, new RegExp(`^up \\(pid ${pid}\\)`));
    // A service dir nobody supervises: shown, exit 1.
    mkdirSync(`${ctx.dir}/.x/supervise`, { recursive: true });
    const none = tsinit("status", "--json", `${ctx.dir}/.x`);
    assert.is(none.status, 1);
    assert.equal(JSON.parse(none.out)[0].supervised, false);
  } finally {
    await shutdown(ctx);
  }
});

test("errors: not listening 100, missing dir 111, a 10 000-byte path one short line", async () => {
  const ctx = await boot({});
  try {
    const lone = `${ctx.dir}/.lone`;
    mkdirSync(lone);
    let r = tsinit("svc", "-u", lone);
    assert.equal([r.status, r.err], [100, `tsinit svc: unable to control ${lone}: supervisor not listening\n`]);
    r = tsinit("svc", "-u", `${ctx.dir}/.nope`);
    assert.equal([r.status, r.err], [111, `tsinit svc: unable to control ${ctx.dir}/.nope: No such file or directory (ENOENT)\n`]);
    const long = "/" + "x".repeat(10_000);
    for (const [cmd, verb] of [
      ["svc", "control"],
      ["scan-ctl", "control"],
      ["wait", "subscribe to events for"],
      ["status", "read"],
    ] as const) {
      r = tsinit(cmd, long);
      assert.is(r.status, 111, `${cmd}: ${r.err}`);
      assert.is(r.err, `tsinit ${cmd}: unable to ${verb} ${long.slice(0, 80)}…: Name too long (ENAMETOOLONG)\n`);
    }
    r = tsinit("svc", "-Z", lone);
    assert.equal([r.status, r.out], [100, ""]);
    assert.match(r.err, /^tsinit svc: unknown option -Z/);
    for (const cmd of ["svc", "wait", "status", "scan-ctl"]) {
      assert.is(tsinit(cmd, "--bogus", lone).status, 100, `${cmd} --bogus`);
      const help = tsinit(cmd, "--help");
      assert.equal([help.status, help.err], [0, ""]);
      assert.match(help.out, new RegExp(`^usage: tsinit ${cmd} `));
    }
  } finally {
    await shutdown(ctx);
  }
});

test("scan-ctl -t stops everything and the scanner exits 0", async () => {
  const ctx = await boot({ "a/run": sh("exec sleep 1000") });
  try {
    await upPid(`${ctx.dir}/a`);
    assert.is(tsinit("scan-ctl", "--rescan", ctx.dir).status, 0);
    assert.is(tsinit("scan-ctl", "-t", ctx.dir).status, 0);
    assert.is(await ctx.init.exited, 0);
    const r = tsinit("scan-ctl", "-a", ctx.dir);
    assert.equal([r.status, r.err], [100, `tsinit scan-ctl: unable to control ${ctx.dir}: supervisor not listening\n`]);
    assert.is(tsinit("status", `${ctx.dir}/a`).status, 1, "no longer supervised");
  } finally {
    await shutdown(ctx);
  }
});

test.run();
