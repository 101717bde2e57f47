// A re-exec while a restart's spawn is in flight (run made on the spawner
// thread, its pid not yet reported to the JS thread): the old image hands
// every outstanding report out first (settleSpawns), so supervise/status
// names the new run and the new image adopts it: not stopped as a leftover
// and started again, and never two copies. The report is held back for the
// test by TSINIT_TEST_SPAWN_REPORT_DELAY_MS, as a busy JS thread would.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { decodeStatus } from "../../src/s6/status-file";
import { eventually, sleep, startPid1, type Pid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { initArgs, sh } from "../helpers/booted";
import { runningIn } from "../helpers/procs";

const test = suite("reexec with a spawn in flight");
const RTMIN = 34;
const DELAY_MS = 1500;

test("tsinit reexec while a restart's report is outstanding: the child made is adopted, not restarted", async () => {
  const root = tempTree({ "service/a/run": sh("exec sleep 1000"), "env/": null, "task/": null });
  const init: Pid1 = startPid1(initArgs(root, 1000), { env: { ...process.env, TSINIT_TEST_SPAWN_REPORT_DELAY_MS: String(DELAY_MS) } });
  const dir = `${root}/run/service/a`;
  const statusPid = () => {
    try {
      return decodeStatus(readFileSync(`${dir}/supervise/status`))?.pid ?? 0;
    } catch {
      return 0;
    }
  };
  try {
    await init.waitFor(/boot: done in/);
    const first = await eventually(() => statusPid(), 10_000, "a up");
    await sleep(1100); // ran >= 1 s: restarted at once
    const [oldHost] = runningIn(dir);
    init.exec(["kill", "-KILL", String(first)]);
    // The new run exists (in its dir, its own session) while its report is held back.
    const made = await eventually(
      () => {
        const now = runningIn(dir);
        return now.length === 1 && now[0] !== oldHost ? now[0]! : 0;
      },
      DELAY_MS - 200,
      "the restart's child",
    );
    assert.is(statusPid(), first, "its report has not come: status still names the dead run");
    init.exec(["kill", `-${RTMIN + 25}`, "1"]);
    await eventually(() => (init.output().match(/boot: done in/g) ?? []).length >= 2, 15_000, "the new image");
    await sleep(DELAY_MS + 500); // anything the new image would stop or start has happened
    assert.equal(runningIn(dir), [made], "the child made before the re-exec runs on: adopted, alone");
    assert.ok(statusPid() > 0 && statusPid() !== first, "status names the adopted run");
    assert.not.match(init.output(), /left running by a service that starts afresh/);
  } finally {
    await init.kill();
    removeTree(root);
  }
});

test.run();
