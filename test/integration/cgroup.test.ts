// One cgroup v2 per service, with the real binary as PID 1. Each test's PID 1
// starts in a fresh cgroup of its own (B), so its B/tsinit/NAME
// cgroups are this test's alone, and B is removed after. Skipped, saying
// why, where there is no cgroup v2 to make cgroups in.
import { suite } from "uvu";
import { unless } from "../helpers/skip";
import * as assert from "uvu/assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { BIN, eventually, startPid1, type Pid1 } from "../helpers/pid1";
import { initArgs, sh, svPid } from "../helpers/booted";
import { decodeStatus } from "../../src/s6/status-file";
import { removeTree, tempTree, type Tree } from "../../lab/tree";
import { CGROUP2, noCgroup2 } from "../helpers/cgroup2";
import { InotifyEmptyWatch } from "../../src/cgroup/empty-watch";
import { ServiceTree, type ServiceCgroup } from "../../src/cgroup/tree";

const MOUNT = CGROUP2;

interface CgMachine {
  root: string;
  init: Pid1;
  /** PID 1's own fresh cgroup */
  b: string;
}

let made = 0;

/** The whole init as PID 1 (as helpers/booted.ts bootInit) inside a fresh cgroup B. */
async function boot(tree: Tree): Promise<CgMachine> {
  const b = `${MOUNT}/tsinit-test-${process.pid}-${made++}`;
  mkdirSync(b);
  const root = tempTree(tree);
  const init = startPid1(initArgs(root, 2000), { wrap: ["sh", "-c", `echo $$ > ${b}/cgroup.procs && exec "$@"`, "sh"] });
  await init.waitFor(/boot: done in/);
  return { root, init, b };
}

/** Kills the booted init, waits for B to empty, removes B's cgroups (deepest first) and the temp root. */
async function end(m: CgMachine): Promise<void> {
  await m.init.kill();
  await eventually(() => /populated 0/.test(readFileSync(`${m.b}/cgroup.events`, "utf8")), 10_000, `${m.b} empty`);
  const rm = (dir: string) => {
    for (const e of readdirSync(dir)) if (statSync(`${dir}/${e}`).isDirectory()) rm(`${dir}/${e}`);
    rmdirSync(dir);
  };
  rm(m.b);
  removeTree(m.root);
}

/** `cat FILE` inside the namespace (pids there are the namespace's). */
const inside = (m: CgMachine, cmd: string) => m.init.exec(["sh", "-c", cmd]);
const procsIn = (m: CgMachine, dir: string) => inside(m, `cat ${dir}/cgroup.procs`).stdout.split("\n").filter(Boolean).map(Number);
/** fields of /proc/PID/stat inside the namespace: [ppid, pgrp, session], or null when it is gone (or a zombie) */
function statOf(m: CgMachine, pid: number): [number, number, number] | null {
  const r = inside(m, `cat /proc/${pid}/stat`);
  if (r.status !== 0) return null;
  const f = r.stdout.slice(r.stdout.lastIndexOf(")") + 2).split(" ");
  return f[0] === "Z" ? null : [Number(f[1]), Number(f[2]), Number(f[3])];
}

const test = unless(suite("cgroup"), noCgroup2);

test("svc -d kills a grandchild that left the session and the process group", async () => {
  const m = await boot({
    // The grandchild: its own session and group, its parent gone (reparented to PID 1).
    "service/forker/run": sh(
      `setsid sh -c 'sleep 1000 & echo $! > ../../../grandchild.tmp; mv ../../../grandchild.tmp ../../../grandchild' &\nexec sleep 1000`,
    ),
    "service/plain/run": sh("exec sleep 1000"),
  });
  try {
    const live = `${m.root}/run/service`;
    const top = `${m.b}/tsinit`;
    const run = await eventually(() => svPid(`${live}/forker`), 10_000, "forker up");
    const grandchild = Number(
      await eventually(() => existsSync(`${m.root}/grandchild`) && readFileSync(`${m.root}/grandchild`, "utf8").trim(), 10_000, "grandchild pid"),
    );
    const [ppid, pgrp, session] = (await eventually(() => statOf(m, grandchild), 5000, "grandchild stat"))!;
    const runStat = statOf(m, run)!;
    await eventually(() => statOf(m, grandchild)?.[0] === 1, 5000, "grandchild reparented to PID 1");
    assert.ok(
      session !== runStat[2] && pgrp !== runStat[1],
      `escaped: grandchild ppid ${ppid} pgrp ${pgrp} sid ${session}, run pgrp ${runStat[1]} sid ${runStat[2]}`,
    );
    // Both processes sit in the service's cgroup, the other service in its own.
    await eventually(() => procsIn(m, `${top}/forker`).includes(grandchild), 5000, "grandchild in forker's cgroup");
    assert.ok(procsIn(m, `${top}/forker`).includes(run), "run in forker's cgroup");
    const plain = await eventually(() => svPid(`${live}/plain`), 10_000, "plain up");
    assert.equal(procsIn(m, `${top}/plain`), [plain]);
    assert.match(m.init.output(), new RegExp(`boot: set up cgroups: ${top} \\(`));

    const down = spawnSync(BIN, ["svc", "-d", `${live}/forker`], { encoding: "utf8" });
    assert.is(down.status, 0, down.stderr);
    await eventually(() => statOf(m, grandchild) === null, 10_000, "grandchild gone after svc -d");
    await eventually(() => procsIn(m, `${top}/forker`).length === 0, 5000, "forker's cgroup empty");
    assert.is(statOf(m, plain)?.[0], 1, "the other service still runs");
    assert.ok(existsSync(`${top}/forker`), "the cgroup stays while the service is supervised");
  } finally {
    await end(m);
  }
});

test("notify-socket: READY=1 from a process that left run's session is heard because it is in the service's cgroup", async () => {
  const m = await boot({
    "service/daemon/run": sh(
      `setsid python3 -c 'import os,socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])'\nexec sleep 1000`,
    ),
    "service/daemon/notify-socket": "",
  });
  try {
    const live = `${m.root}/run/service/daemon`;
    await eventually(() => svPid(live), 10_000, "daemon up");
    await eventually(() => decodeStatus(readFileSync(`${live}/supervise/status`))?.ready, 5000, "ready from the setsid sender");
    assert.not.match(m.init.output(), /outside the service, ignored/);
  } finally {
    await end(m);
  }
});

test("after a re-exec: the same subtree, and svc -d still kills everything of an adopted service", async () => {
  const m = await boot({
    "service/forker/run": sh(
      `setsid sh -c 'sleep 1000 & echo $! > ../../../grandchild.tmp; mv ../../../grandchild.tmp ../../../grandchild' &\nexec sleep 1000`,
    ),
  });
  try {
    const live = `${m.root}/run/service`;
    const run = await eventually(() => svPid(`${live}/forker`), 10_000, "forker up");
    const grandchild = Number(
      await eventually(() => existsSync(`${m.root}/grandchild`) && readFileSync(`${m.root}/grandchild`, "utf8").trim(), 10_000, "grandchild pid"),
    );
    const r = m.init.exec([BIN, "reexec"]);
    assert.is(r.status, 0, r.stderr);
    await eventually(() => (m.init.output().match(/boot: done in/g) ?? []).length >= 2, 15_000, "the second boot");
    const setups = [...m.init.output().matchAll(/boot: set up cgroups: (\S+)/g)].map((x) => x[1]);
    assert.equal(setups, [`${m.b}/tsinit`, `${m.b}/tsinit`], "no nesting after a re-exec");
    assert.is(svPid(`${live}/forker`), run, "adopted, not restarted");
    const down = spawnSync(BIN, ["svc", "-d", `${live}/forker`], { encoding: "utf8" });
    assert.is(down.status, 0, down.stderr);
    await eventually(() => statOf(m, grandchild) === null, 10_000, "grandchild gone after svc -d");
  } finally {
    await end(m);
  }
});

test("status shows CPU time; a removed service's cgroups (its logger's too) go once empty", async () => {
  const m = await boot({
    // Burns some CPU first, so its usage cannot be zero.
    "service/busy/run": sh("i=0; while [ $i -lt 30000 ]; do i=$((i + 1)); done; echo burnt > ../../../burnt; exec sleep 1000"),
    "service/busy/log/run": sh("exec cat > /dev/null"),
    "service/idle/run": sh("exec sleep 1000"),
  });
  try {
    const live = `${m.root}/run/service`;
    const top = `${m.b}/tsinit`;
    await eventually(() => existsSync(`${m.root}/burnt`) && svPid(`${live}/busy`) && svPid(`${live}/busy/log`) && svPid(`${live}/idle`), 20_000, "all up");
    assert.ok(existsSync(`${top}/busy%2Flog`), "the logger busy/log has its own cgroup");
    const table = inside(m, `${BIN} status ${live}`);
    assert.is(table.status, 0, table.stderr);
    console.log(`\n$ tsinit status RUNDIR/service (in the machine)\n${table.stdout}`);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^NAME\s+STATE\s+PID\s+TIME\s+NOTES\s+MEM\s+CPU$/);
    const row = (name: string) => lines.find((l) => l.split(/\s+/)[0] === name) ?? "";
    // No memory controller here (hybrid): MEM is "-", CPU is the cgroup's usage.
    assert.match(row("busy"), /^busy\s+up\s+\d+\s+\d+s\s+\S+\s+\d+\.\d\ds$/);
    assert.match(row("busy/log"), /\d+\.\d\ds$/);
    const json = JSON.parse(inside(m, `${BIN} status --json ${live}/busy`).stdout) as Array<{ cgroup?: { path: string; cpuUsec: number } }>;
    assert.is(json[0]!.cgroup?.path, `${top}/busy`);
    assert.ok(json[0]!.cgroup!.cpuUsec > 0, `busy used CPU: ${json[0]!.cgroup!.cpuUsec} µs`);
    // From the host the pid means another process: nothing shown, no error.
    const host = spawnSync(BIN, ["status", live], { encoding: "utf8" });
    assert.not.match(host.stdout.split("\n")[0]!, /MEM/);

    rmSync(`${m.root}/service/busy`, { recursive: true, force: true });
    await eventually(() => !existsSync(`${top}/busy`) && !existsSync(`${top}/busy%2Flog`), 15_000, "busy's cgroups removed");
    assert.ok(existsSync(`${top}/idle`), "idle keeps its cgroup");
    assert.not.match(m.init.output(), /unable to remove cgroup/);
  } finally {
    await end(m);
  }
});

test("whenEmpty: called when the last process leaves (inotify on cgroup.events), not before", async () => {
  const b = `${MOUNT}/tsinit-test-${process.pid}-${made++}`;
  mkdirSync(b);
  const child = spawn("sleep", ["1000"], { stdio: "ignore" });
  const watch = new InotifyEmptyWatch();
  try {
    writeFileSync(`${b}/cgroup.procs`, String(child.pid));
    let called = 0;
    watch.whenEmpty(b, () => called++);
    await new Promise((r) => setTimeout(r, 300));
    assert.is(called, 0, "not while sleep is in it");
    const gone = new Promise((r) => child.on("exit", r));
    child.kill("SIGKILL");
    await gone;
    await eventually(() => called === 1, 5000, "called once empty");
    // An empty cgroup: at once.
    let now = 0;
    watch.whenEmpty(b, () => now++);
    assert.is(now, 1);
  } finally {
    child.kill("SIGKILL");
    watch.close();
    await eventually(
      () => {
        try {
          rmdirSync(b);
          return true;
        } catch {
          return false;
        }
      },
      5000,
      `${b} removed`,
    );
  }
});

test("ServiceTree in a real cgroup: killAll (cgroup.kill, and the freeze fallback), release waits, a comeback keeps it", async () => {
  const b = `${MOUNT}/tsinit-test-${process.pid}-${made++}`;
  mkdirSync(b);
  const tree = new ServiceTree(b);
  const svcDir = tempTree({ "pids.max": "5\n" });
  const children: ChildProcess[] = [];
  const sleeper = (g: ServiceCgroup) => {
    const fd = g.procsFd(svcDir);
    assert.ok(fd >= 0, "procsFd made the cgroup");
    const child = spawn("sleep", ["1000"], { stdio: "ignore", detached: true });
    children.push(child);
    writeFileSync(`${b}/x%2Flog/cgroup.procs`, String(child.pid));
    return { child, gone: new Promise((r) => child.on("exit", r)) };
  };
  try {
    const g = tree.service("x/log");
    assert.is(tree.service("x/log"), g, "one object per name");
    const a = sleeper(g);
    if (existsSync(`${b}/x%2Flog/pids.max`)) assert.is(readFileSync(`${b}/x%2Flog/pids.max`, "utf8").trim(), "5", "the limit file applied");
    g.killAll();
    await a.gone;
    const f = sleeper(g);
    // Linux before 5.14 has no cgroup.kill: freeze, SIGKILL each pid, thaw.
    (g as unknown as { freezeAndKill(): void }).freezeAndKill();
    await f.gone;
    assert.match(readFileSync(`${b}/x%2Flog/cgroup.freeze`, "utf8"), /^0/, "thawed after");
    // release: removed only once empty; a comeback before that keeps it.
    const r = sleeper(g);
    r.child.kill("SIGSTOP"); // still there when release() looks
    g.release();
    await r.gone;
    await eventually(() => !existsSync(`${b}/x%2Flog`), 5000, "removed once empty");
    const again = tree.service("x/log");
    const c = sleeper(again);
    // release() kills what is left and removes the cgroup once it empties; a
    // SIGKILLed sleep may be gone before release() looks (then there is no
    // wait to come back into). Its kill is held back here so the cgroup
    // stays populated, and the test kills it after the comeback.
    const realKillAll = again.killAll;
    again.killAll = () => undefined;
    again.release();
    again.killAll = realKillAll;
    assert.ok(existsSync(`${b}/x%2Flog`), "populated: its removal waits");
    assert.is(tree.service("x/log"), again, "the same object while its removal waits");
    c.child.kill("SIGKILL");
    await c.gone;
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(existsSync(`${b}/x%2Flog`), "kept: the service came back before it emptied");
    again.release();
    await eventually(() => !existsSync(`${b}/x%2Flog`), 5000, "removed after the last release");
  } finally {
    for (const c of children) c.kill("SIGKILL");
    (tree as unknown as { empty: InotifyEmptyWatch }).empty.close();
    removeTree(svcDir);
    await eventually(
      () => {
        try {
          rmdirSync(b);
          return true;
        } catch {
          return false;
        }
      },
      5000,
      `${b} removed`,
    );
  }
});

test("a limit file without its controller: one warning per file, the service restarts anyway", async () => {
  const m = await boot({
    "service/crashy/run": sh("echo x >> ../../../spawns; sleep 0.2; exit 1"),
    "service/crashy/memory.max": "16M\n",
    "service/crashy/pids.max": "lots\n",
  });
  try {
    await eventually(() => existsSync(`${m.root}/spawns`) && readFileSync(`${m.root}/spawns`, "utf8").split("\n").length > 3, 20_000, "three spawns");
    const out = m.init.output();
    const controllers = readFileSync(`${m.b}/cgroup.controllers`, "utf8");
    if (!/\bmemory\b/.test(controllers)) assert.is(out.match(/warning: crashy: memory\.max not applied: no memory controller/g)?.length, 1, out);
    assert.is(out.match(/warning: .*crashy\/pids\.max: "lots" is not max or a number of processes: using max/g)?.length, 1, out);
  } finally {
    await end(m);
  }
});

test.run();
