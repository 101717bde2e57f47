// Issue 16: a service without log/ writes into a pipe of its own, which PID 1
// reads into the catch-all with "NAME: " before each line: the catch-all (and
// tsinit log) says who wrote what. The pipe outlives restarts and a re-exec
// of PID 1, so no line is lost or repeated; a task's lines say "task NAME: " (issue 21).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, endBooted, sh, svPid } from "../helpers/booted";

const test = suite("catch-all labels");
const RTMIN = 34;

test("a service's stdout and stderr carry its name, across a restart and a re-exec; a task's its own", async () => {
  const m = await bootInit({
    "service/talk/run": sh('i=0; while :; do i=$((i+1)); echo "n $i"; echo "e $i" >&2; sleep 0.05; done'),
    "task/hello": sh("echo from-the-task"),
  });
  const file = `${m.root}/run/log/catch-all/current`;
  const live = `${m.root}/run/service/talk`;
  const numbers = (re: RegExp) => [...readFileSync(file, "utf8").matchAll(re)].map((x) => Number(x[1]));
  try {
    await eventually(() => numbers(/Z talk: n (\d+)$/gm).length > 10, 10_000, "talk's lines labelled");
    assert.match(readFileSync(file, "utf8"), /Z talk: e 3$/m, "stderr too");
    assert.match(readFileSync(file, "utf8"), /Z task hello: from-the-task$/m, "a task's line, labelled as a task's");
    assert.match(m.init.output(), /^talk: n 2$/m, "the console says who, too");
    // A re-exec of PID 1: the new image reads the same pipe on.
    const before = Date.now();
    m.init.exec(["kill", `-${RTMIN + 25}`, "1"]);
    await eventually(() => (m.init.output().match(/boot: done in/g) ?? []).length >= 2, 15_000, "second boot");
    await eventually(() => numbers(/Z talk: n (\d+)$/gm).length > 40, 10_000, "more lines after the re-exec");
    const seen = numbers(/Z talk: n (\d+)$/gm);
    assert.equal(
      seen,
      seen.map((_, i) => i + 1),
      "no line lost or repeated across the re-exec",
    );
    assert.ok(Date.now() - before > 0);
    // A restart: the new run writes into the same labelled pipe.
    const pid = svPid(live);
    assert.is(spawnSync(BIN, ["svc", "-r", live]).status, 0);
    await eventually(() => svPid(live) !== pid && numbers(/Z talk: n (1)$/gm).length >= 2, 10_000, "restarted, labelled again");
    // tsinit log NAME reads its lines out of the catch-all.
    const r = spawnSync(BIN, ["log", "-n", "3", "talk"], { encoding: "utf8", env: { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` } });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^(\S+ \S+ talk: [ne] \d+\n){3}$/);
  } finally {
    await endBooted(m);
  }
});

test.run();
