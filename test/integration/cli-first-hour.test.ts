// A new user's first hour (issue 23), through the real binary: every client
// command does what was asked or says why and exits non-zero. An unknown
// name lists the known ones, no running init says how to point at one, an
// empty scan dir says so, `wait -U` on a service that is never flagged ready
// says so at once, and a user who may not read root's supervise/ or catch-all
// is told that, not "down" or "not booted by tsinit".
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, bootScan, endMachine, sh, svPid } from "../helpers/machine";
import { removeTree, tempTree } from "../helpers/tree";
import { NOBODY } from "../faults/machine";

const test = suite("cli: a new user's first hour");

/** `tsinit ARGS` with TSINIT_SCANDIR=scanDir, optionally as nobody. */
function client(scanDir: string, args: string[], opts: { nobody?: boolean; timeoutMs?: number } = {}) {
  const argv = opts.nobody ? [...NOBODY, BIN, ...args] : [BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: opts.timeoutMs ?? 20_000, env: { ...process.env, TSINIT_SCANDIR: scanDir } });
  return { status: r.status, out: r.stdout ?? "", err: r.stderr ?? "" };
}

test("unknown names list the known ones (status, svc, wait); an empty scan dir and no init say so", async () => {
  const m = await bootScan({ "web/run": sh("exec sleep 1031"), "db/run": sh("exec sleep 1032") });
  const empty = tempTree({});
  try {
    await eventually(() => svPid(`${m.root}/web`) && svPid(`${m.root}/db`), 10_000, "both up");
    for (const args of [["status", "nosuch"], ["svc", "-u", "nosuch"], ["wait", "-u", "-t", "100", "nosuch"]]) {
      const r = client(m.root, args);
      assert.is(r.status, 111, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, new RegExp(`unable to find service nosuch in ${m.root}: known: db, web\\n`), args.join(" "));
    }
    const none = client(empty, ["status"]);
    assert.is(none.status, 0, none.err);
    assert.is(none.out, `no services in ${empty}\n`);
    const gone = client(`${empty}/no-such-dir`, ["status"]);
    assert.is(gone.status, 111);
    assert.match(gone.err, /does not exist: no tsinit is running here with that scan dir \(name a scan or service dir, or set TSINIT_SCANDIR\)/);
    const svcGone = client(`${empty}/no-such-dir`, ["svc", "-d", "web"]);
    assert.is(svcGone.status, 111);
    assert.match(svcGone.err, /unable to find service web: \S+ does not exist: no tsinit is running here/);
  } finally {
    await endMachine(m);
    removeTree(empty);
  }
});

test("wait -U on a service without notification-fd says at once it is never flagged ready", async () => {
  const m = await bootScan({ "web/run": sh("exec sleep 1033") });
  try {
    await eventually(() => svPid(`${m.root}/web`), 10_000, "web up");
    const r = client(m.root, ["wait", "-U", "-t", "300", "web"]);
    assert.is(r.status, 99, r.err);
    assert.match(r.err, new RegExp(`warning: ${m.root}/web has no notification-fd: it is never flagged ready \\(tsinit wait -u waits until it is up\\)`));
  } finally {
    await endMachine(m);
  }
});

test("as a user who may not read root's supervise/ or catch-all: the reason, not 'down' or 'not booted'", async () => {
  const m = await bootInit({ "service/web/run": sh("exec sleep 1034") });
  try {
    chmodSync(m.root, 0o755);
    mkdirSync(`${m.root}/run`, { recursive: true });
    chmodSync(`${m.root}/run`, 0o755);
    const live = `${m.root}/run/service`;
    await eventually(() => svPid(`${live}/web`), 10_000, "web up");
    const story = client(live, ["status", "web"], { nobody: true });
    assert.not.match(story.out, /ready: no \(down\)/, story.out);
    assert.match(story.out, /ready: unknown: supervise\/lock: Permission denied \(EACCES\)/, story.out + story.err);
    const analyze = client(live, ["analyze", "--rundir", `${m.root}/run`], { nobody: true });
    assert.is(analyze.status, 111, analyze.err);
    assert.match(analyze.err, /unable to read \S+\/run\/log\/catch-all: Permission denied \(EACCES\)/);
    assert.not.match(analyze.err, /not booted/);
  } finally {
    await endMachine(m);
  }
});

test("as PID 1, a service moved in with a run that is not executable starts soon after chmod +x (the mirror's link is watched through)", async () => {
  const m = await bootInit({ "service/other/run": sh("exec sleep 1035") });
  try {
    // Made aside, then moved in whole, as the README says to.
    mkdirSync(`${m.root}/aside/web`, { recursive: true });
    writeFileSync(`${m.root}/aside/web/run`, sh("exec sleep 1036"), { mode: 0o644 });
    renameSync(`${m.root}/aside/web`, `${m.root}/service/web`);
    const live = `${m.root}/run/service/web`;
    await m.init.waitFor(/unable to (execute|spawn|start) \S*web\/run: Permission denied \(EACCES\)/, 10_000);
    const t0 = Date.now();
    chmodSync(`${m.root}/service/web/run`, 0o755);
    await eventually(() => svPid(live), 9_000, "web up well before the 10 s retry");
    assert.ok(Date.now() - t0 < 5_000, `up ${Date.now() - t0} ms after chmod`);
  } finally {
    await endMachine(m);
  }
});

test.run();
