// Crash loops are counted within a window: three fatal signals, each one
// past the window after the start before it, are three first crashes, not a
// loop. Init keeps supervising (no safe mode), `tsinit scan` keeps going (it
// does not end with 111). The window is --crash-window (default 60 s; 1.5 s
// here, so that spacing past it costs seconds). The quick case (a loop) is
// reexec.test.ts's "a crash loop ends in safe mode".
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { eventually, sleep, startPid1, type Pid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { bootInit, endBooted, sh, svPid } from "../helpers/booted";

const test = suite("crash-window");
const WINDOW_MS = 1500;

const services = {
  "service/a/run": sh("exec sleep 1000"),
  "service/b/run": sh("exec sleep 1000"),
};

const count = (out: string, re: RegExp) => (out.match(re) ?? []).length;

/** SEGV to PID 1 three times, each WINDOW_MS + 500 after the image before it
 *  was up (imagesUp: how many images the output shows up so far). */
async function spacedCrashes(init: Pid1, imagesUp: (out: string) => number): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    await sleep(WINDOW_MS + 500);
    init.exec(["kill", "-SEGV", "1"]);
    await eventually(() => count(init.output(), /re-executed \(signal, crash 1 in a row\)/g) >= i, 15_000, `crash ${i} counted as a first`);
    await eventually(() => imagesUp(init.output()) >= i + 1, 15_000, `image ${i + 1} up`);
  }
}

test("init: three crashes spaced past the window are no loop: no safe mode, still supervising", async () => {
  const m = await bootInit(services, { grace: 1000, extra: ["--crash-window", String(WINDOW_MS)] });
  try {
    const dir = (n: string) => `${m.root}/run/service/${n}`;
    const a = await eventually(() => svPid(dir("a")), 5000, "a up");
    await spacedCrashes(m.init, (out) => count(out, /boot: done in/g));
    const out = m.init.output();
    assert.not.match(out, /SAFE MODE/);
    assert.not.match(out, /crash [23] in a row/);
    assert.is(svPid(dir("a")), a, "a adopted each time, never restarted");
    m.init.exec(["kill", "-KILL", String(a)]);
    await eventually(() => svPid(dir("a")) > 0 && svPid(dir("a")) !== a, 5000, "a restarted by the fourth image");
  } finally {
    await endBooted(m);
  }
});

test("scan: three crashes spaced past the window do not end it; its services still supervised", async () => {
  const root = tempTree(services);
  const scan = `${root}/service`;
  const init = startPid1(["scan", "--crash-window", String(WINDOW_MS), scan]);
  try {
    await eventually(() => existsSync(`${scan}/.s6-svscan/control`) && svPid(`${scan}/a`) > 0, 10_000, "scan up");
    const a = svPid(`${scan}/a`);
    // A scan's image is up when it says it re-executed (the first when it started).
    await spacedCrashes(init, (out) => 1 + count(out, /re-executed \(/g));
    await sleep(300);
    assert.not.match(init.output(), /unable to supervise/);
    assert.is(init.child.exitCode, null, "tsinit scan still runs");
    assert.is(svPid(`${scan}/a`), a, "a adopted each time");
    init.exec(["kill", "-KILL", String(a)]);
    await eventually(() => svPid(`${scan}/a`) > 0 && svPid(`${scan}/a`) !== a, 5000, "a restarted after the third crash");
  } finally {
    await init.kill();
    removeTree(root);
  }
});

test.run();
