// Stage 2 with the real binary as PID 1 of a pid + mount namespace:
// `tsinit scan DIR` on service dirs made per test, driven by Debian's s6
// tools (s6-svc, s6-svstat, s6-svwait, s6-svok, s6-svscanctl).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { decodeStatus } from "../../src/s6/status-file";
import { eventually, sleep } from "../helpers/pid1";
import { writeTree, type Tree } from "../../lab/tree";
import { bootScan, endBooted, sh, type Booted } from "../helpers/booted";

const test = suite("scan");

type Ctx = Booted & { dir: string };

async function boot(tree: Tree): Promise<Ctx> {
  const m = await bootScan(tree);
  return { ...m, dir: m.root };
}

const shutdown = endBooted;

function status(svc: string) {
  const s = decodeStatus(readFileSync(`${svc}/supervise/status`));
  if (!s) throw new Error(`bad status in ${svc}`);
  return s;
}

/** Runs a host command (the s6 tools), returns stdout and status. */
function run(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  return { out: (r.stdout ?? "") + (r.stderr ?? ""), status: r.status };
}

/** Signals a pid of the namespace (status files hold namespace pids). */
function nsKill(ctx: Ctx, pid: number, signal: string): void {
  const r = ctx.init.exec(["kill", `-${signal}`, String(pid)]);
  if (r.status !== 0) throw new Error(`kill -${signal} ${pid} in the namespace: ${r.stderr}`);
}

/** Whether a pid of the namespace is alive (and not a zombie). */
function nsAlive(ctx: Ctx, pid: number): boolean {
  const r = ctx.init.exec(["cat", `/proc/${pid}/stat`]);
  return r.status === 0 && !/\) Z /.test(r.stdout);
}

test("restarts a service after SIGKILL, at once when it ran >= 1 s", async () => {
  const ctx = await boot({ "a/run": sh("exec sleep 1000") });
  try {
    const a = `${ctx.dir}/a`;
    const first = await eventually(() => (existsSync(`${a}/supervise/status`) && status(a).pid) || 0);
    await sleep(1100);
    const t0 = Date.now();
    nsKill(ctx, first, "KILL");
    const second = await eventually(
      () => {
        const p = status(a).pid;
        return p && p !== first ? p : 0;
      },
      5000,
      "a new pid",
    );
    assert.ok(Date.now() - t0 < 900, `restart took ${Date.now() - t0} ms`);
    assert.is.not(second, first);
    assert.ok(run("s6-svok", a).status === 0, "s6-svok sees the lock");
    assert.match(run("s6-svstat", a).out, /^up \(pid \d+\)/);
  } finally {
    await shutdown(ctx);
  }
});

test("a crash loop is throttled to one start per second", async () => {
  const ctx = await boot({ "c/run": sh("echo start >> ../starts; exit 1") });
  try {
    await sleep(3500);
    const starts = readFileSync(`${ctx.dir}/starts`, "utf8").trim().split("\n").length;
    assert.ok(starts >= 3 && starts <= 5, `started ${starts} times in 3.5 s`);
  } finally {
    await shutdown(ctx);
  }
});

test("finish gets s6's arguments: exit code, signal, name", async () => {
  const ctx = await boot({
    "f/run": sh("test -e ../ran && exec sleep 1000; touch ../ran; exit 3"),
    "f/finish": sh('echo "$@" >> ../finish-args'),
  });
  try {
    const f = `${ctx.dir}/f`;
    await eventually(() => existsSync(`${ctx.dir}/finish-args`));
    const pid = await eventually(() => (status(f).pid && !status(f).finishing ? status(f).pid : 0), 5000, "second run");
    nsKill(ctx, pid, "TERM");
    await eventually(() => readFileSync(`${ctx.dir}/finish-args`, "utf8").split("\n").length >= 3, 5000, "second finish");
    const lines = readFileSync(`${ctx.dir}/finish-args`, "utf8").trim().split("\n");
    assert.equal(lines.slice(0, 2), ["3 0 f", "256 15 f"]);
  } finally {
    await shutdown(ctx);
  }
});

test("a down file keeps a service down until s6-svc -u", async () => {
  const ctx = await boot({ "d/run": sh("exec sleep 1000"), "d/down": "" });
  try {
    const d = `${ctx.dir}/d`;
    await eventually(() => existsSync(`${d}/supervise/status`));
    await sleep(300);
    assert.is(status(d).pid, 0);
    assert.is(status(d).wantUp, false);
    assert.is(run("s6-svc", "-u", d).status, 0);
    await eventually(() => status(d).pid, 5000, "up after -u");
    assert.is(run("s6-svc", "-wd", "-d", d).status, 0);
    assert.is(status(d).pid, 0);
    assert.match(run("s6-svstat", d).out, /^down/);
  } finally {
    await shutdown(ctx);
  }
});

test("a listener that comes after event/ has been quiet for seconds still hears the next event", async () => {
  const ctx = await boot({ "a/run": sh("exec sleep 1000") });
  try {
    const a = `${ctx.dir}/a`;
    const first = await eventually(() => (existsSync(`${a}/supervise/status`) && status(a).pid) || 0);
    await sleep(1200);
    // A restart with nobody listening: event/ is seen quiet, its mtime over a second old.
    nsKill(ctx, first, "KILL");
    await eventually(
      () => {
        const p = status(a).pid;
        return p && p !== first ? p : 0;
      },
      5000,
      "a restarted",
    );
    await sleep(200);
    const waiter = spawn("s6-svwait", ["-D", "-t", "5000", a], { stdio: "ignore" });
    const done = new Promise<number | null>((r) => waiter.on("exit", (code) => r(code)));
    await eventually(() => readdirSync(`${a}/event`).some((n) => n.startsWith("ftrig1:@")), 5000, "s6-svwait's fifo");
    assert.is(run("s6-svc", "-d", a).status, 0);
    assert.is(await done, 0, "s6-svwait -D heard the stop");
  } finally {
    await shutdown(ctx);
  }
});

test("readiness through notification-fd, seen by s6-svwait -U", async () => {
  const ctx = await boot({ "r/run": sh("sleep 0.4; echo >&3; exec sleep 1000"), "r/notification-fd": "3\n" });
  try {
    const r = `${ctx.dir}/r`;
    await eventually(() => existsSync(`${r}/supervise/status`));
    const t0 = Date.now();
    assert.is(run("s6-svwait", "-U", "-t", "5000", r).status, 0);
    assert.ok(status(r).ready, "ready flag set");
    assert.ok(Date.now() - t0 >= 200, "waited for the newline");
    assert.match(run("s6-svstat", r).out, /ready/);
  } finally {
    await shutdown(ctx);
  }
});

test("a logger keeps every line across 100 restarts of its service", async () => {
  const ctx = await boot({
    "p/run": sh('n=$(cat ../count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ../count; echo "line $n"; [ $n -ge 100 ] && exec sleep 1000; exit 0'),
    "p/log/run": sh("exec cat >> ../../log.txt"),
  });
  try {
    // Runs that die within 1 s are throttled by design (100 s here), and
    // s6-svc -u starts a throttled service at once, so drive it by hand.
    await eventually(() => existsSync(`${ctx.dir}/count`));
    for (let i = 0; i < 120 && Number(readFileSync(`${ctx.dir}/count`, "utf8")) < 100; i++) {
      run("s6-svc", "-u", `${ctx.dir}/p`);
      await sleep(15);
    }
    await eventually(() => Number(readFileSync(`${ctx.dir}/count`, "utf8")) >= 100, 30_000, "100 runs");
    const lines = await eventually(
      () => {
        const l = readFileSync(`${ctx.dir}/log.txt`, "utf8").trim().split("\n");
        return l.length >= 100 ? l : null;
      },
      5000,
      "100 log lines",
    );
    assert.equal(
      lines,
      Array.from({ length: 100 }, (_, i) => `line ${i + 1}`),
    );
  } finally {
    await shutdown(ctx);
  }
});

test("a new directory is picked up by inotify, a removed one is stopped", async () => {
  const ctx = await boot({});
  try {
    const staging = `${ctx.dir}/.staging`;
    writeTree(staging, { run: sh("exec sleep 1000") });
    renameSync(staging, `${ctx.dir}/late`);
    const pid = await eventually(() => (existsSync(`${ctx.dir}/late/supervise/status`) && status(`${ctx.dir}/late`).pid) || 0, 3000, "late up");
    // mkdir first, run written after: started as soon as run appears.
    mkdirSync(`${ctx.dir}/later`);
    await sleep(200);
    writeFileSync(`${ctx.dir}/later/run`, sh("exec sleep 1000"), { mode: 0o755 });
    await eventually(() => existsSync(`${ctx.dir}/later/supervise/status`) && status(`${ctx.dir}/later`).pid, 3000, "later up");
    renameSync(`${ctx.dir}/late`, `${ctx.dir}/.gone`);
    await eventually(() => !nsAlive(ctx, pid), 5000, "late stopped");
  } finally {
    await shutdown(ctx);
  }
});

test("a log/ made beside a running service is warned about at the next rescan (s6-svscanctl -a)", async () => {
  const ctx = await boot({ "a/run": sh("exec sleep 1000") });
  try {
    const a = `${ctx.dir}/a`;
    await eventually(() => existsSync(`${a}/supervise/status`) && status(a).pid, 3000, "a up");
    writeTree(`${a}/log`, { run: sh("exec cat") });
    await sleep(300);
    assert.not.match(ctx.init.output(), /log appeared/, "no watch on a healthy service's dir: nothing said yet");
    assert.is(run("s6-svscanctl", "-a", ctx.dir).status, 0);
    await ctx.init.waitFor(
      new RegExp(`warning: ${a}/log appeared after the service started: it will be used after the service is removed and added again`),
      5000,
    );
    assert.is(run("s6-svscanctl", "-a", ctx.dir).status, 0);
    await sleep(300);
    assert.is(ctx.init.output().match(/log appeared/g)?.length, 1, "said once");
  } finally {
    await shutdown(ctx);
  }
});

test("bad input: one clear line each, the others undisturbed", async () => {
  const long = "x".repeat(10_000);
  const ctx = await boot({
    "good/run": sh("exec sleep 1000"),
    "norun/": null,
    "noexec/run": "echo not executable\n",
    "badexec/run": "#!/nonexistent/interpreter\n",
    dangling: { symlink: "/nonexistent/dir" },
  });
  try {
    const good = `${ctx.dir}/good`;
    const pid = await eventually(() => existsSync(`${good}/supervise/status`) && status(good).pid);
    await ctx.init.waitFor(/unable to find .*norun\/run: No such file or directory \(ENOENT\)/);
    await ctx.init.waitFor(/unable to execute .*noexec\/run: Permission denied \(EACCES\)/);
    await ctx.init.waitFor(/unable to spawn .*badexec\/run: No such file or directory \(ENOENT\)/);
    await ctx.init.waitFor(/unable to stat .*dangling: No such file or directory \(ENOENT\)/);
    writeFileSync(`${good}/supervise/control`, "\x00\xffZZ?!\n");
    await ctx.init.waitFor(/ignoring unknown command/);
    const r = run("s6-svc", "-u", `${ctx.dir}/${long}`);
    assert.is.not(r.status, 0);
    await sleep(300);
    assert.is(status(good).pid, pid, "good service untouched");
    assert.is(ctx.init.output().match(/norun\/run: No such file or directory \(ENOENT\)/g)!.length, 1, "said once");
    assert.is(run("s6-svscanctl", "-a", ctx.dir).status, 0, "scanner still listening");
  } finally {
    await shutdown(ctx);
  }
});

test("s6-svscanctl -t stops every service and the scanner exits 0", async () => {
  const ctx = await boot({ "a/run": sh("exec sleep 1000"), "b/run": sh("exec sleep 1000") });
  try {
    await eventually(() => existsSync(`${ctx.dir}/b/supervise/status`) && status(`${ctx.dir}/b`).pid);
    assert.is(run("s6-svscanctl", "-t", ctx.dir).status, 0);
    assert.is(await ctx.init.exited, 0);
    assert.is(status(`${ctx.dir}/a`).pid, 0);
  } finally {
    await shutdown(ctx);
  }
});

test.run();
