// 100 services that exit 1 at once, for 10 s, under the real PID 1: each is
// throttled to one start per second (~100 spawns/s in all), PID 1's CPU
// (utime+stime from /proc/HOSTPID/stat) and RSS stay bounded, and every
// service is still being restarted at the end.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import type { Tree } from "../../lab/tree";
import { boot, cpuTicks, end, figure, rssKiB, sh } from "./booted";

const test = suite("faults: crash loop");
const N = 100;
const SECONDS = 10;
const USER_HZ = 100;

function starts(root: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of readdirSync(`${root}/starts`)) out.set(f, readFileSync(`${root}/starts/${f}`, "utf8").length);
  return out;
}

test(`${N} services crash-looping for ${SECONDS} s: PID 1 CPU and RSS bounded, all still restarted`, async () => {
  const tree: Tree = { "starts/": null };
  for (let i = 0; i < N; i++) tree[`service/c${i}/run`] = sh('printf x >> ROOT/starts/"$1"; exit 1');
  const m = await boot(tree);
  try {
    const host = m.init.hostPid();
    await eventually(() => starts(m.root).size === N, 10_000, "every service started once");
    await sleep(1000);
    const c0 = starts(m.root);
    const ticks0 = cpuTicks(host);
    const rss0 = rssKiB(host);
    const t0 = Date.now();
    let peak = rss0;
    while (Date.now() - t0 < SECONDS * 1000) {
      await sleep(250);
      peak = Math.max(peak, rssKiB(host));
    }
    const secs = (Date.now() - t0) / 1000;
    const cpu = ((cpuTicks(host) - ticks0) / USER_HZ / secs) * 100;
    const c1 = starts(m.root);
    const per = [...c1].map(([name, n]) => [name, n - (c0.get(name) ?? 0)] as const);
    const total = per.reduce((a, [, n]) => a + n, 0);
    const rssEnd = rssKiB(host);
    figure(
      `crash loop: ${N} services, ${total} spawns in ${secs.toFixed(1)} s (${(total / secs).toFixed(0)}/s); ` +
        `PID 1 CPU ${cpu.toFixed(1)} %, RSS ${(rss0 / 1024).toFixed(1)} → peak ${(peak / 1024).toFixed(1)} MiB, end ${(rssEnd / 1024).toFixed(1)} MiB`,
    );

    // Throttled to 1 start/s each: not a busy loop, and nobody given up on.
    const slow = per.filter(([, n]) => n < SECONDS * 0.6);
    const fast = per.filter(([, n]) => n > SECONDS + 2);
    assert.equal(slow, [], `services restarted less than ${SECONDS * 0.6} times in ${SECONDS} s`);
    assert.equal(fast, [], "services restarted faster than the 1 s throttle");
    // Still restarting at the very end: each one starts again within ~2 s.
    const c2 = starts(m.root);
    await eventually(
      () => {
        const c3 = starts(m.root);
        return [...c3].every(([name, n]) => n > (c2.get(name) ?? 0));
      },
      3000,
      "every service started again",
    );
    // ~100 spawns + 100 deaths a second (a start costs about a millisecond of PID 1's time).
    assert.ok(cpu < 60, `PID 1 used ${cpu.toFixed(1)} % CPU`);
    assert.ok(peak < 200 * 1024, `PID 1 peak RSS ${(peak / 1024).toFixed(1)} MiB`);
    assert.ok(peak - rss0 < 48 * 1024, `PID 1 grew ${((peak - rss0) / 1024).toFixed(1)} MiB over ${secs.toFixed(0)} s`);
  } finally {
    await end(m);
  }
});

test.run();
