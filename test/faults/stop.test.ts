// Services that do not stop when asked, under the real PID 1: one ignores
// TERM (so does its child in the same process group) and gets KILL after
// timeout-kill, group and all; a finish script that hangs is killed after
// timeout-finish and the service starts again.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { alive, boot, descendants, end, figure, findProcs, sh, status } from "./booted";

const test = suite("faults: stop");

test("a service that ignores TERM: svc -d, KILL after timeout-kill 500 ms, its group with it", async () => {
  const m = await boot({
    // sleep 1001 inherits the ignored TERM and stays in run's process group.
    "service/stubborn/run": sh("trap '' TERM; sleep 1001 & exec sleep 1002"),
    "service/stubborn/timeout-kill": "500\n",
    "service/bystander/run": sh("exec sleep 1003"),
  });
  try {
    const host = m.init.hostPid();
    const dir = m.svc("stubborn");
    await eventually(() => status(dir)?.pid, 5000, "stubborn up");
    const [child] = await eventually(
      () => {
        const p = findProcs(host, "sleep", "1001");
        return p.length ? p : null;
      },
      5000,
      "child",
    );
    // The shell forks sleep 1001 before it execs sleep 1002: found first, the child does not mean run has exec'ed yet.
    const [run] = await eventually(
      () => {
        const p = findProcs(host, "sleep", "1002");
        return p.length ? p : null;
      },
      5000,
      "run exec'ed",
    );
    const [other] = await eventually(
      () => {
        const p = findProcs(host, "sleep", "1003");
        return p.length ? p : null;
      },
      5000,
      "bystander",
    );
    assert.ok(run && child && other);
    const t0 = Date.now();
    const r = m.init.exec(["s6-svc", "-wd", "-T", "5000", "-d", dir]);
    const took = Date.now() - t0;
    assert.is(r.status, 0, `s6-svc -wd: ${r.stderr}`);
    figure(`ignores TERM: down after ${took} ms with timeout-kill 500 (nsenter + s6-svc included)`);
    assert.ok(took >= 450, `down after ${took} ms: before timeout-kill`);
    assert.ok(took < 3000, `down after ${took} ms`);
    await eventually(() => !alive(run!) && !alive(child!), 2000, "run and its group killed");
    const st = status(dir)!;
    assert.is(st.pid, 0);
    assert.is(st.waitStatus & 0x7f, 9, "run died of SIGKILL");
    assert.ok(alive(other!), "the other service untouched");
  } finally {
    await end(m);
  }
});

test("a finish that hangs is killed after timeout-finish, and the service starts again", async () => {
  const m = await boot({
    // run lasts > 1 s, so the next start waits for nothing but finish.
    "service/f/run": sh("date +%s%N >> ROOT/starts; sleep 1.2; date +%s%N >> ROOT/exits; exit 0"),
    "service/f/finish": sh("echo $$ >> ROOT/finish.pids; exec sleep 1004"),
    "service/f/timeout-finish": "300\n",
  });
  try {
    const host = m.init.hostPid();
    const lines = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").map(Number) : []);
    await eventually(() => lines(`${m.root}/starts`).length >= 3, 10_000, "three starts");
    const starts = lines(`${m.root}/starts`);
    const exits = lines(`${m.root}/exits`);
    const gaps = [0, 1].map((i) => Math.round((starts[i + 1]! - exits[i]!) / 1e6));
    figure(`finish hangs: next start ${gaps.join(", ")} ms after run's exit with timeout-finish 300`);
    for (const g of gaps) assert.ok(g >= 280 && g < 1500, `restart ${g} ms after exit`);
    await sleep(100);
    // Every finish but possibly the current one is gone; never more than one hangs at a time.
    assert.ok(findProcs(host, "sleep", "1004").length <= 1, "finish processes pile up");
    assert.ok(lines(`${m.root}/finish.pids`).length >= 2, "finish ran each time");
    await eventually(() => !descendants(host).some((p) => p.state === "Z"), 2000, "no zombie left");
  } finally {
    await end(m);
  }
});

test.run();
