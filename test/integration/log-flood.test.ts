// The built-in logger under a flood, against the real kernel: a child writes
// 200 MiB into its stdout pipe as fast as it can; PID 1's reader frames and
// writes it into a tmpfs with maxSize 1 MiB x 3 archives. Files rotate, never
// more than 3 + current exist, every line is either written or counted as
// dropped, and this process's RSS stays bounded.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as sys from "../../src/sys";
import { startServiceLog } from "../../src/log/service-log";
import { listen, unlisten, waitExit } from "../sys/child";

const TOTAL = 200 * 1024 * 1024;
const WIDTH = 100; // bytes per line before the newline

/** Floods a built-in logger; returns its stats. */
async function flood(holdMs: number) {
  listen();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-flood-"));
  const root = `${base}/tmpfs`;
  fs.mkdirSync(root);
  sys.mount("tmpfs", root, "tmpfs", 0, "size=64m");
  try {
    const svc = `${base}/svc`;
    fs.mkdirSync(`${svc}/log`, { recursive: true });
    fs.writeFileSync(`${svc}/log/max-size`, "1048576\n");
    fs.writeFileSync(`${svc}/log/max-files`, "3\n");
    const [r, w] = sys.pipe(false);
    const reports: string[] = [];
    const log = startServiceLog(svc, "flood", r, { root, holdMs, onReport: (m) => reports.push(m) });
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    let maxFiles = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
      try {
        maxFiles = Math.max(maxFiles, fs.readdirSync(`${root}/flood`).length);
      } catch {
        /* not yet */
      }
    }, 20);
    const t0 = process.hrtime.bigint();
    const pid = sys.spawn({
      file: "/bin/sh",
      argv: ["sh", "-c", `yes "$(printf '%0${WIDTH}d' 0)" | head -c ${TOTAL}`],
      fds: [-1, w, 2],
    });
    sys.close(w);
    await Promise.all([log.ended, waitExit(pid, 120_000)]);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    sys.close(r);

    const st = log.stats();
    const names = fs.readdirSync(`${root}/flood`).sort();
    const lines = Math.ceil(TOTAL / (WIDTH + 1));
    console.log(
      `  flood, holdMs ${holdMs}: ${(TOTAL / 2 ** 20 / secs).toFixed(0)} MiB/s in ${secs.toFixed(1)} s; rss ${(rss0 / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MiB; ` +
        `${st.rotations} rotations, ${st.writtenLines - st.notices} lines written, ${st.droppedLines} dropped, ${st.notices} notices; files seen at once: ${maxFiles}`,
    );
    assert.is(st.readBytes, TOTAL);
    assert.is(st.writtenLines - st.notices + st.droppedLines, lines, "every line written or counted");
    assert.ok(st.rotations >= 3, `rotated ${st.rotations} times`);
    assert.is(names.length, 4, names.join(" "));
    assert.is(names[3], "current");
    assert.ok(maxFiles <= 4, `at most 3 archives + current at any time (saw ${maxFiles})`);
    for (const n of names) assert.ok(fs.statSync(`${root}/flood/${n}`).size <= 1048576, `${n} within max-size`);
    const stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ";
    const good = new RegExp(`^${stamp}(0{${WIDTH}}|tsinit: dropped \\d+ lines \\(\\d+ bytes\\) for flood)$`);
    const cutLast = new RegExp(`^${stamp}0{1,${WIDTH}}$`); // head -c ends mid-line: flushed at EOF (maybe followed by the drop notice)
    for (const n of names) {
      const text = fs.readFileSync(`${root}/flood/${n}`, "utf8");
      assert.ok(text.endsWith("\n"), `${n} ends on a whole line`);
      const all = text.slice(0, -1).split("\n");
      const bad = all.filter((l, i) => !good.test(l) && !(n === "current" && i >= all.length - 2 && cutLast.test(l)));
      assert.equal(bad.slice(0, 1), [], `${n}: every line stamped and whole`);
    }
    assert.ok(peak - rss0 < 64 * 2 ** 20, `RSS grew by ${((peak - rss0) / 2 ** 20).toFixed(1)} MiB`);
    assert.equal(reports, []);
    return st;
  } finally {
    sys.umount2(root, 0);
    fs.rmSync(base, { recursive: true, force: true });
  }
}

test("200 MiB, never stop reading: rotation bounded, every line written or counted as dropped, RSS bounded", async () => {
  await flood(0);
});

test("200 MiB with bounded backpressure (holdMs 250): the same, and nothing dropped on tmpfs", async () => {
  const st = await flood(250);
  assert.is(st.droppedLines, 0);
  assert.ok(st.rotations >= 200, "every MiB went to disk: about 250 files");
  assert.is(st.notices, 0);
});

// The addon's reaper must not outlive this file (see log-catch-all.test.ts).
test.after(() => unlisten());

test.run();
