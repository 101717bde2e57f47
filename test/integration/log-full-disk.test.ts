// A full disk under the built-in logger: a 256 KiB tmpfs fills up, writes fail
// with ENOSPC, lines are dropped and counted, the error is reported once, the
// process carries on; once space is freed logging resumes with the notice.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as sys from "../../src/sys";
import { startServiceLog } from "../../src/log/service-log";

const tick = () => new Promise((r) => setTimeout(r, 2));

/** Writes all of data into a non-blocking pipe, yielding while it is full. */
async function feed(fd: number, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const n = sys.write(fd, data.subarray(off, off + 4096));
    if (n < 0) await tick();
    else off += n;
  }
}

const lines = (tag: string, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `${tag} ${String(i).padStart(90, ".")}\n`).join(""));

test("ENOSPC: counted drop and one report, no crash; freed space resumes logging", async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-full-"));
  const root = `${base}/tiny`;
  fs.mkdirSync(root);
  sys.mount("tmpfs", root, "tmpfs", 0, "size=256k");
  const [r, w] = sys.pipe(true);
  let log: ReturnType<typeof startServiceLog> | undefined;
  try {
    const svc = `${base}/svc`;
    fs.mkdirSync(`${svc}/log`, { recursive: true });
    fs.writeFileSync(`${root}/filler`, Buffer.alloc(160 * 1024));
    const reports: string[] = [];
    log = startServiceLog(svc, "full", r, { root, onReport: (m) => reports.push(m) });

    await feed(w, lines("before", 2000)); // ~190 KiB: more than the ~96 KiB left
    while (log!.stats().readBytes < 2000 * 98) await tick();
    await log!.idle();
    const st = log!.stats();
    assert.ok(st.droppedLines > 0, "some lines dropped");
    assert.is(st.writtenLines + st.droppedLines, 2000, "every line written or counted");
    assert.is(reports.length, 1, reports.join("\n"));
    assert.match(reports[0]!, /^unable to write .*\/full\/current: No space left on device \(ENOSPC\)/);

    fs.unlinkSync(`${root}/filler`);
    await feed(w, lines("after", 10));
    while (log!.stats().readBytes < 2000 * 98 + 10 * 97) await tick();
    await log!.idle();
    const text = fs.readFileSync(`${root}/full/current`, "utf8");
    const tail = text.slice(text.indexOf("Z after "));
    assert.ok(text.includes("Z after "), "logging resumed");
    assert.match(tail, new RegExp(`Z tsinit: dropped ${st.droppedLines} lines \\(\\d+ bytes\\) for full\\n$`));
    assert.is(reports.length, 1, "reported once per minute");
  } finally {
    await log?.stop();
    sys.close(w);
    sys.close(r);
    sys.umount2(root, 0);
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test.run();
