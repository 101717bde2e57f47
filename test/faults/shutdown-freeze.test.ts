// A stage-3 hook that kills everything (finding 5 of issue 13): a dock0
// image's .s6-svscan/finish runs `kill -15 -1`, as it may under s6-svscan,
// where supervision has ended by then. Under tsinit the services it kills must
// stay dead (recorded, not restarted), and the booted init still powers off cleanly.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { eventually, orLate, sleep } from "../helpers/pid1";
import { boot, end, sh, status } from "./booted";

const test = suite("faults: shutdown freeze");

/** unshare's exit when PID 1 of the namespace calls reboot(POWER_OFF): killed by SIGINT. */
const POWEROFF = 130;

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);

test("a finish hook that runs kill -15 -1: nothing restarts, and the init powers off", async () => {
  const m = await boot({
    "service/a/run": sh("echo $$ >> ROOT/a.starts; exec sleep 1000"),
    "service/b/run": sh("echo $$ >> ROOT/b.starts; echo hello; exec sleep 1000"),
    "service/b/log/run": sh("echo $$ >> ROOT/blog.starts; exec cat > /dev/null"),
    // as dock0's execline stage 3: everything but PID 1 gets TERM; then time for a restart to show (within --grace 1000)
    "service/.s6-svscan/finish": sh('kill -15 -1; sleep 0.6; echo "$1" > ROOT/finish.ran'),
  });
  try {
    await eventually(() => ["a", "b", "b/log"].every((n) => (status(m.svc(n))?.pid ?? 0) > 0), 10_000, "services up");
    await sleep(1200); // past the throttle: a death now would restart at once
    process.kill(m.init.hostPid(), "SIGUSR1");
    const code = await orLate(m.init.exited, 20_000, () => -1);
    assert.is(code, POWEROFF, m.init.output());
    assert.equal(lines(`${m.root}/finish.ran`), ["poweroff"], `the hook ran to its end:\n${m.init.output()}`);
    assert.is(lines(`${m.root}/a.starts`).length, 1, `a restarted during the shutdown:\n${m.init.output()}`);
    assert.is(lines(`${m.root}/b.starts`).length, 1, "b restarted during the shutdown");
    assert.is(lines(`${m.root}/blog.starts`).length, 1, "b's logger restarted during the shutdown");
    assert.match(m.init.output(), /shutdown: ran \S+finish[\s\S]*stopped services[\s\S]*poweroff now/);
  } finally {
    await end(m);
  }
});

test.run();
