// A new user's first hour (issue 23), through the real binary: every client
// command does what was asked or says why and exits non-zero. An unknown
// name lists the known ones, no running init says how to point at one, an
// empty scan dir says so, `wait -U` on a service that is never flagged ready
// says so at once, and a user who may not read root's supervise/ or catch-all
// is told that, not "down" or "not booted by tsinit".
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { BIN, eventually, startPid1 } from "../helpers/pid1";
import { bootInit, bootScan, endBooted, sh, svPid } from "../helpers/booted";
import { removeTree, tempTree } from "../../lab/tree";
import { NOBODY } from "../faults/booted";

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
    for (const args of [
      ["status", "nosuch"],
      ["svc", "-u", "nosuch"],
      ["wait", "-u", "-t", "100", "nosuch"],
    ]) {
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
    await endBooted(m);
    removeTree(empty);
  }
});

test("help and version are commands too; the binary called init takes subcommands outside PID 1", () => {
  const dir = tempTree({});
  try {
    const help = client(dir, ["help"]);
    assert.is(help.status, 0, help.err);
    assert.match(help.out, /^commands:$/m);
    assert.match(help.out, /^ {2}status /m);
    const about = client(dir, ["help", "status"]);
    assert.is(about.status, 0, about.err);
    assert.match(about.out, /^usage: tsinit status /);
    const version = client(dir, ["version"]);
    assert.is(version.status, 0, version.err);
    assert.is(version.out, client(dir, ["--version"]).out);
    assert.match(version.out, /^tsinit \S+\n$/);
    // As /sbin/init in an image: `init status` is tsinit status, said as such.
    symlinkSync(BIN, `${dir}/init`);
    mkdirSync(`${dir}/scan`);
    const r = spawnSync(`${dir}/init`, ["status", `${dir}/scan`], { encoding: "utf8", timeout: 20_000 });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, `no services in ${dir}/scan\n`);
    const bad = spawnSync(`${dir}/init`, ["status", "nosuch"], { encoding: "utf8", timeout: 20_000, env: { ...process.env, TSINIT_SCANDIR: `${dir}/scan` } });
    assert.is(bad.status, 111);
    assert.match(bad.stderr, /^tsinit status: unable to find service nosuch in \S+\/scan: it has no services\n$/);
  } finally {
    removeTree(dir);
  }
});

test("two tsinit scan runs keep their own logs (DIR/.s6-svscan/log or --rundir); tsinit log DIR/web shows its own lines", async () => {
  const sharedNow = () => (existsSync("/run/tsinit/log/web/current") ? readFileSync("/run/tsinit/log/web/current", "utf8") : "");
  const sharedBefore = sharedNow();
  const a = await bootScan({ "web/run": sh("echo from-a; exec sleep 1037"), "web/log/": null });
  const b = tempTree({ "web/run": sh("echo from-b; exec sleep 1038"), "web/log/": null });
  const rundir = tempTree({});
  const bInit = startPid1(["scan", "--rundir", rundir, b]);
  try {
    await eventually(
      () => existsSync(`${a.root}/.s6-svscan/log/web/current`) && readFileSync(`${a.root}/.s6-svscan/log/web/current`, "utf8").includes("from-a"),
      10_000,
      "a's log",
    );
    await eventually(() => existsSync(`${rundir}/log/web/current`) && readFileSync(`${rundir}/log/web/current`, "utf8").includes("from-b"), 10_000, "b's log");
    assert.is(sharedNow(), sharedBefore, "nothing written to the shared default /run/tsinit/log/web");
    for (const [dir, own, other] of [
      [a.root, "from-a", "from-b"],
      [b, "from-b", "from-a"],
    ] as const) {
      const r = client(dir, ["log", `${dir}/web`]);
      assert.is(r.status, 0, r.err);
      assert.match(r.out, new RegExp(`web: ${own}`));
      assert.not.match(r.out, new RegExp(other));
    }
  } finally {
    await bInit.kill();
    await endBooted(a);
    removeTree(b);
    removeTree(rundir);
  }
});

test("tsinit log: unknown names, no init, -f that cannot follow end with a reason; --json has stream; the --since forms; -n -5", async () => {
  const m = await bootInit({ "service/web/run": sh("echo hello-web; exec sleep 1039"), "service/web/log/": null });
  try {
    chmodSync(m.root, 0o755);
    const live = `${m.root}/run/service`;
    await eventually(() => svPid(`${live}/web`), 10_000, "web up");
    for (const args of [
      ["log", "nosuch"],
      ["log", "-f", "nosuch"],
    ]) {
      const r = client(live, args, { timeoutMs: 5_000 });
      assert.is(r.status, 111, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, new RegExp(`unable to find service nosuch in ${live}: known: web\n`));
    }
    const none = client(`${m.root}/nothing`, ["log"]);
    assert.is(none.status, 111);
    assert.match(none.err, /does not exist: no tsinit is running here/);
    // As a user who may not read root's logs: -f says why and ends.
    const denied = client(live, ["log", "-f", "web"], { nobody: true, timeoutMs: 5_000 });
    assert.is(denied.status, 111, `log -f as nobody: ${denied.err}`);
    assert.match(denied.err, /unable to follow \S+: Permission denied \(EACCES\)/);
    await eventually(() => client(live, ["log", "web"]).out.includes("hello-web"), 10_000, "web's line");
    const json = client(live, ["log", "--json", "--since", "30s ago", "web"]);
    assert.is(json.status, 0, json.err);
    const obj = JSON.parse(json.out.trim().split("\n")[0]!);
    assert.ok("stream" in obj, json.out);
    assert.is(obj.service, "web");
    for (const since of ["today", "00:00", "1h ago"]) assert.match(client(live, ["log", "--since", since, "web"]).out, /hello-web/, since);
    const bad = client(live, ["log", "--since", "soonish", "web"]);
    assert.is(bad.status, 100);
    assert.match(bad.err, /option --since takes a time, not "soonish": 30s, 15m, 2h, 1d .*today, yesterday/);
    const neg = client(live, ["log", "-n", "-5", "web"]);
    assert.is(neg.status, 100);
    assert.match(neg.err, /option -n takes a number of lines \(0 or more\), not "-5"/);
  } finally {
    await endBooted(m);
  }
});

test("scan-ctl -a on PID 1's live dir picks up an image scan dir made after boot, as SIGHUP does", async () => {
  const m = await bootInit({ "env/": null });
  try {
    mkdirSync(`${m.root}/aside/web`, { recursive: true });
    writeFileSync(`${m.root}/aside/web/run`, sh("exec sleep 1040"), { mode: 0o755 });
    mkdirSync(`${m.root}/service`);
    renameSync(`${m.root}/aside/web`, `${m.root}/service/web`);
    const live = `${m.root}/run/service`;
    await eventually(() => existsSync(`${live}/.s6-svscan/control`), 10_000, "the live scan dir's control fifo");
    const r = spawnSync(BIN, ["scan-ctl", "-a", live], { encoding: "utf8", timeout: 10_000 });
    assert.is(r.status, 0, r.stderr);
    await eventually(() => svPid(`${live}/web`), 10_000, "web up after scan-ctl -a");
  } finally {
    await endBooted(m);
  }
});

test("tsinit -- CMD outside PID 1 keeps its state in a dir of its own and removes it at its end", () => {
  // A private /run (mount namespace only: tsinit is not PID 1 there).
  const r = spawnSync("unshare", ["-m", "sh", "-c", `mount -t tmpfs tmpfs /run && ${BIN} -- sh -c 'ls -d /run/tsinit*' && echo "left: $(ls -A /run)"`], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\/run\/tsinit\.\d+\n/, "during the run: /run/tsinit.PID");
  assert.match(r.stdout, /^left: $/m, `nothing left in /run: ${r.stdout}`);
});

test("wait -U on a service without notification-fd says at once it is never flagged ready", async () => {
  const m = await bootScan({ "web/run": sh("exec sleep 1033") });
  try {
    await eventually(() => svPid(`${m.root}/web`), 10_000, "web up");
    const r = client(m.root, ["wait", "-U", "-t", "300", "web"]);
    assert.is(r.status, 99, r.err);
    assert.match(r.err, new RegExp(`warning: ${m.root}/web has no notification-fd: it is never flagged ready \\(tsinit wait -u waits until it is up\\)`));
  } finally {
    await endBooted(m);
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
    await endBooted(m);
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
    await endBooted(m);
  }
});

test.run();
