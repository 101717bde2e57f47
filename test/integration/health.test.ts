// Health and failure (issue 24), with the real binary as PID 1:
// restart-limit ends a crash loop as *failed* (down for the s6 tools too), its
// dependent is held and says why, and `svc -u` revives it; on-failure powers
// PID 1's namespace off (or reboots it, for a task) and ends a container with
// the failed service's code; sd_notify (notify-socket) makes a service ready
// for its dependents and the s6 tools, and a forged datagram is ignored; a
// payload that stops sending WATCHDOG=1 is killed and restarted.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { BIN, eventually, orLate, sleep } from "../helpers/pid1";
import { bootInit as boot, endBooted as end, sh, svPid, svStatus } from "../helpers/booted";
import { run, tsinit, tsinitAsync } from "./cli-helpers";
import { spawn } from "node:child_process";
import { exitWithin, MODES, startContainer } from "../helpers/container";
import { removeTree, tempTree } from "../../lab/tree";

const test = suite("health");
/** Runs a host command in the background; resolves with its exit status. */
const runAsync = (cmd: string, ...args: string[]) =>
  new Promise<{ status: number }>((res) => spawn(cmd, args, { stdio: "ignore" }).on("exit", (code) => res({ status: code ?? 128 })));
const readJson = (path: string) => {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
};

test("restart-limit 3 10: a crash loop ends failed, its dependent is held and says why, svc -u revives it", async () => {
  const m = await boot({
    // Dies at once until ROOT/healthy exists; then says it is ready on fd 3.
    "service/flaky/run": sh("[ -e ../../../healthy ] && { echo >&3; exec sleep 1000; }; exit 3"),
    "service/flaky/notification-fd": "3\n",
    "service/flaky/restart-limit": "3 10\n",
    "service/app/run": sh("exec sleep 1000"),
    "service/app/dependencies": "flaky\n",
  });
  const live = (name: string) => `${m.root}/run/service/${name}`;
  try {
    await m.init.waitFor(/warning: flaky failed: 3 deaths in 10 s \(restart-limit\): not restarted until svc -u/);
    await m.init.waitFor(/warning: flaky failed: what depends on it stays down/);
    const record = () => readJson(`${live("flaky")}/supervise/tsinit-record`);
    await eventually(() => record()?.failed, 3000, "the record says failed");
    // Not restarted: the throttle (1 s) passes and it stays down.
    await sleep(1500);
    assert.is(record().restarts, 2, "two restarts, then no more");
    const st = svStatus(live("flaky"))!;
    assert.equal([st.pid, st.wantUp, st.finishing], [0, false, false], "supervise/status: down, want down");
    assert.match(run("s6-svstat", live("flaky")).out, /^down \(exitcode 3\) \d+ seconds, normally up, ready/);

    const story = tsinit("status", live("flaky"));
    console.log(`\n$ tsinit status flaky\n${story.out}`);
    assert.match(story.out, /state: failed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(\d+s ago\): 3 deaths in 10 s/);
    const json = JSON.parse(tsinit("status", "--json", live("flaky")).out)[0];
    assert.is(json.state, "failed");
    assert.equal([json.failed.deaths, json.failed.seconds, json.restartLimit], [3, 10, { count: 3, seconds: 10 }]);
    assert.ok(Date.parse(json.failed.since) > 0);

    assert.is(svPid(live("app")), 0, "app never started");
    await eventually(() => readJson(`${live("app")}/supervise/waiting`)?.blockedBy?.includes("flaky"), 3000, "app blocked by flaky");
    assert.match(tsinit("status", live("app")).out, /depends on: flaky \(failed\); waits for flaky; blocked by flaky/);

    writeFileSync(`${m.root}/healthy`, "");
    assert.is(tsinit("svc", "-u", live("flaky")).status, 0);
    await m.init.waitFor(/flaky is no longer failed: started by svc -u/);
    await eventually(() => svPid(live("app")), 5000, "app starts once flaky is ready");
    assert.ok(svPid(live("flaky")), "flaky up");
    assert.is(record().failed, null);
    assert.is(JSON.parse(tsinit("status", "--json", live("flaky")).out)[0].state, "up");
  } finally {
    await end(m);
  }
});

test("restart-limit after its dependents started: they are stopped, wait blocked by it, and start again once it is revived", async () => {
  const m = await boot({
    "service/db/run": sh("[ -e ../../../crash ] && exit 3; exec sleep 1000"),
    "service/db/restart-limit": "2 10\n",
    "service/app/run": sh("exec sleep 1000"),
    "service/app/dependencies": "db\n",
    "service/web/run": sh("exec sleep 1000"),
    "service/web/dependencies": "app\n",
  });
  const live = (name: string) => `${m.root}/run/service/${name}`;
  try {
    await eventually(() => svPid(live("web")), 5000, "web up");
    writeFileSync(`${m.root}/crash`, "");
    assert.is(tsinit("svc", "-k", live("db")).status, 0);
    await m.init.waitFor(/warning: db failed: 2 deaths in 10 s/);
    await m.init.waitFor(/stopping app: it depends on db, which failed/);
    await m.init.waitFor(/stopping web: its dependency app depends on db, which failed/);
    await eventually(() => !svPid(live("app")) && !svPid(live("web")), 5000, "app and web stopped");
    await eventually(() => readJson(`${live("app")}/supervise/waiting`)?.blockedBy?.includes("db"), 3000, "app blocked by db");
    assert.match(tsinit("status", live("app")).out, /state: waiting/);
    assert.match(tsinit("status", live("app")).out, /blocked by db/);
    await eventually(() => readJson(`${live("web")}/supervise/waiting`)?.blockedBy?.includes("app"), 3000, "web blocked by app");
    rmSync(`${m.root}/crash`);
    assert.is(tsinit("svc", "-u", live("db")).status, 0);
    await eventually(() => svPid(live("app")) && svPid(live("web")), 5000, "app and web start again");
  } finally {
    await end(m);
  }
});

/** Sends one datagram to a unix socket from this (outside) process, as a forger would. */
const forge = (socket: string, text: string) =>
  run("python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1])", socket, text);

test("notify-socket: READY=1 and STATUS= from systemd-notify make it ready for tsinit wait -U, s6-svwait -U and its dependent; a forged datagram is ignored", async () => {
  const m = await boot({
    // Waits for ROOT/go, then says it is ready the way a systemd daemon does.
    "service/db/run": sh(
      'echo "socket=$NOTIFY_SOCKET" > ../../../env.txt; while [ ! -e ../../../go ]; do sleep 0.05; done; systemd-notify --ready --status="serving 3 clients"; exec sleep 1000',
    ),
    "service/db/notify-socket": "",
    "service/app/run": sh("exec sleep 1000"),
    "service/app/dependencies": "db\n",
  });
  const live = (name: string) => `${m.root}/run/service/${name}`;
  try {
    await eventually(() => svPid(live("db")), 5000, "db up");
    const socket = `${live("db")}/notify/socket`;
    await eventually(() => readFileSync(`${m.root}/env.txt`, "utf8").includes(socket), 5000, "run got NOTIFY_SOCKET");
    const { statSync } = await import("node:fs");
    assert.is(statSync(`${live("db")}/notify`).mode & 0o777, 0o700, "the socket's dir is 0700");
    // A process outside the service (this test) forges readiness: ignored.
    assert.is(forge(socket, "READY=1\nSTATUS=forged").status, 0);
    await m.init.waitFor(/warning: db: notify message from pid \d+, outside the service, ignored/);
    assert.is(svStatus(live("db"))!.ready, false, "not ready after the forged datagram");
    assert.is(svPid(live("app")), 0, "app still held");
    const waitTsinit = tsinitAsync("wait", "-U", "-t", "10000", live("db"));
    const waitS6 = runAsync("s6-svwait", "-U", "-t", "10000", live("db"));
    writeFileSync(`${m.root}/go`, "");
    assert.is((await waitTsinit).status, 0, "tsinit wait -U");
    assert.is((await waitS6).status, 0, "s6-svwait -U");
    assert.ok(svStatus(live("db"))!.ready, "supervise/status: ready");
    await eventually(() => svPid(live("app")), 5000, "app starts once db is ready");
    const story = tsinit("status", live("db")).out;
    console.log(`\n$ tsinit status db\n${story}`);
    assert.match(story, /ready: since .* \(flagged when run sends READY=1 on its NOTIFY_SOCKET \(sd_notify\)\)/);
    assert.match(story, /status: serving 3 clients \(STATUS= at /);
    assert.is(JSON.parse(tsinit("status", "--json", live("db")).out)[0].notifyStatus.status, "serving 3 clients");
  } finally {
    await end(m);
  }
});

test("watchdog-ms: a payload that stops sending WATCHDOG=1 is killed with SIGABRT and restarted; the story says so", async () => {
  const m = await boot({
    // Pings every 0.1 s for 2.5 s (2.5 periods), marks that it stopped, then hangs.
    "service/hung/run": sh(`ulimit -c 0
echo "$WATCHDOG_USEC" > ../../../usec
echo x >> ../../../starts
systemd-notify --ready
i=0; while [ $i -lt 25 ]; do systemd-notify WATCHDOG=1; sleep 0.1; i=$((i+1)); done
touch ../../../stopped
exec sleep 1000`),
    "service/hung/notify-socket": "",
    "service/hung/watchdog-ms": "1000\n",
  });
  const live = `${m.root}/run/service/hung`;
  try {
    await m.init.waitFor(/warning: hung\/run sent no WATCHDOG=1 within watchdog-ms \(1000 ms\) - sending SIGABRT/, 15_000);
    assert.ok(existsSync(`${m.root}/stopped`), "not killed while it kept pinging (2.5 periods)");
    assert.is(readFileSync(`${m.root}/usec`, "utf8").trim(), "1000000", "WATCHDOG_USEC for run");
    await eventually(() => readFileSync(`${m.root}/starts`, "utf8").split("\n").length > 2, 5000, "restarted");
    const story = tsinit("status", live).out;
    console.log(`\n$ tsinit status hung\n${story}`);
    assert.match(story, /last exit: killed by SIGABRT at/);
    assert.match(story, /watchdog: WATCHDOG=1 due every 1000 ms; killed 1 time since boot, last at .*: no WATCHDOG=1 for 1000 ms \(SIGABRT, then SIGKILL\)/);
    const json = JSON.parse(tsinit("status", "--json", live).out)[0];
    assert.equal([json.watchdogMs, json.watchdogKills], [1000, 1]);
  } finally {
    await end(m);
  }
});

test("watchdog-ms across a re-exec of PID 1: the adopted service's socket is still heard, so it is not killed", async () => {
  const m = await boot({
    "service/steady/run": sh("systemd-notify --ready; while :; do systemd-notify WATCHDOG=1; sleep 0.2; done"),
    "service/steady/notify-socket": "",
    "service/steady/watchdog-ms": "1500\n",
  });
  const live = `${m.root}/run/service/steady`;
  try {
    const pid = await eventually(() => (svStatus(live)?.ready ? svPid(live) : 0), 5000, "steady ready");
    const r = m.init.exec([BIN, "reexec"]);
    assert.is(r.status, 0, r.stderr);
    await eventually(() => (m.init.output().match(/boot: done in/g) ?? []).length >= 2, 15_000, "the new image's boot");
    // Two periods after the re-exec: pings reached the new image.
    await sleep(3000);
    assert.not.match(m.init.output(), /sent no WATCHDOG=1/);
    assert.is(svPid(live), pid, "adopted, never killed");
  } finally {
    await end(m);
  }
});

test("notify-socket for a service with a user file: its dir belongs to that user (0700), and the user's READY=1 is heard", async () => {
  const m = await boot(
    {
      "service/svc/run": sh(
        `python3 -c 'import os,socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])'\nexec sleep 1000`,
      ),
      "service/svc/notify-socket": "",
      "service/svc/user": "nobody\n",
    },
    { prepare: (root) => chmodSync(root, 0o755) },
  ); // the temp root is 0700: nobody could not reach the socket in it
  const live = `${m.root}/run/service/svc`;
  try {
    await eventually(() => svStatus(live)?.ready, 5000, "ready from the service's user");
    const { statSync } = await import("node:fs");
    const st = statSync(`${live}/notify`);
    const nobody = Number(run("id", "-u", "nobody").out.trim());
    assert.equal([st.uid, st.mode & 0o777], [nobody, 0o700]);
  } finally {
    await end(m);
  }
});

test("notify-socket under tsinit scan run by a user (not root): the socket is made and heard", async () => {
  const dir = tempTree({
    // run itself sends: a helper that sent and exited before the datagram was
    // read could no longer be placed in run's session, and is not heard
    // (test/sys/notify-socket.test.ts). It was, here, once in four full runs.
    "svc/run": sh(
      `exec python3 -c 'import os,socket,time; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"]); time.sleep(1000)'`,
    ),
    "svc/notify-socket": "",
  });
  chmodSync(dir, 0o755);
  run("chown", "-R", "nobody:nogroup", dir);
  const scan = spawn("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", BIN, "scan", dir], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  scan.stdout!.on("data", (d) => (out += d));
  scan.stderr!.on("data", (d) => (out += d));
  try {
    await eventually(() => svStatus(`${dir}/svc`)?.ready, 5000, "ready").catch((e: Error) => {
      throw new Error(`${e.message}; the scan's output:\n${out}`); // as it is now, not when the wait began
    });
  } finally {
    // The service runs in a session of its own, and no pid namespace ends it
    // here: killed by itself, or its sleep outlives the test by 1000 s.
    const service = svPid(`${dir}/svc`);
    process.kill(-scan.pid!, "SIGKILL");
    if (service > 0) process.kill(-service, "SIGKILL");
    removeTree(dir);
  }
});

/** Resolves with the promise's value, or rejects after ms saying what. */
const within = <T>(p: Promise<T>, ms: number, what: string, output: () => string) =>
  orLate(p, ms, () => {
    throw new Error(`${what}: not within ${ms} ms; output:\n${output()}`);
  });

test("on-failure poweroff as PID 1: a service that fails for good powers the namespace off (unshare exits 130)", async () => {
  const m = await boot({
    "service/doomed/run": sh("exit 3"),
    "service/doomed/restart-limit": "2 10\n",
    "service/doomed/on-failure": "poweroff\n",
    "service/bystander/run": sh("exec sleep 1000"),
  });
  try {
    assert.is(await within(m.init.exited, 15_000, "poweroff", m.init.output), 130);
    assert.match(m.init.output(), /doomed failed \(last exit 3\): on-failure poweroff: powering off/);
  } finally {
    await end(m);
  }
});

test("on-failure reboot for a boot task that exits non-zero (unshare exits 129); nothing for another", async () => {
  const m = await boot({
    "task/quiet/run": sh("exit 1"),
    "task/quiet/on-failure": "nothing\n",
    "task/migrate/run": sh("sleep 0.3; exit 4"),
    "task/migrate/on-failure": "reboot\n",
    "service/web/run": sh("exec sleep 1000"),
  });
  try {
    assert.is(await within(m.init.exited, 15_000, "reboot", m.init.output), 129);
    assert.match(m.init.output(), /task migrate failed \(last exit 4\): on-failure reboot: rebooting/);
    assert.not.match(m.init.output(), /task quiet failed/);
  } finally {
    await end(m);
  }
});

for (const mode of MODES) {
  test(`${mode}: on-failure exit in container mode ends the container with the service's last exit code`, async () => {
    const c = startContainer(
      mode,
      {
        "service/worker/run": sh("exit 7"),
        "service/worker/restart-limit": "2 10\n",
        "service/worker/on-failure": "exit\n",
      },
      { cmd: ["sleep", "1000"] },
    );
    try {
      assert.is(await exitWithin(c, 15_000), 7, c.output());
    } finally {
      await c.end();
    }
  });
}

test("subreaper: on-failure exit of a task directory ends the container with the task's code", async () => {
  const c = startContainer(
    "subreaper",
    {
      "task/setup/run": sh("exit 5"),
      "task/setup/on-failure": "exit\n",
    },
    { cmd: ["sleep", "1000"] },
  );
  try {
    assert.is(await exitWithin(c, 15_000), 5, c.output());
  } finally {
    await c.end();
  }
});

test.run();
