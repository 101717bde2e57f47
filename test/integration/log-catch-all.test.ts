// The catch-all against the real kernel: a child writes into the pipe as its
// stdout and stderr, PID 1's own lines go straight to both outputs (also via
// logLine once setLogSink routes it), early lines wait in the ring until the
// files open, and a console nobody reads never blocks us.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as sys from "../../src/sys";
import { startCatchAll } from "../../src/log/catch-all";
import { logLine, setLogSink } from "../../src/cli/log";
import { listen, readAll, unlisten, waitExit } from "../sys/child";

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-catchall-"));
  made.push(d);
  return d;
};
const settle = () => new Promise((r) => setTimeout(r, 50));

const ca = suite("catch-all");

ca("children, PID 1's own lines and logLine reach console and files; the ring fills the files once open", async () => {
  listen();
  const [cr, cw] = sys.pipe(true);
  const consoleText = readAll(cr);
  const c = startCatchAll({ consoleFd: cw });
  c.writeLine("tsinit: booting");
  const pid = sys.spawn({ file: "/bin/sh", argv: ["sh", "-c", "echo child out; echo child err >&2; printf partial"], fds: [-1, c.writeFd, c.writeFd] });
  await waitExit(pid);
  await settle();
  assert.is(c.stats().file, null, "no files before openFiles");
  assert.ok(c.stats().ringBytes > 0);
  const dir = `${tmp()}/catch-all`;
  c.openFiles(dir);
  setLogSink((line) => c.writeLine(line));
  try {
    logLine("info: via logLine");
  } finally {
    setLogSink(null);
  }
  await c.stop();
  sys.close(c.writeFd);
  sys.close(cw);
  const file = fs.readFileSync(`${dir}/current`, "utf8");
  assert.match(file, new RegExp(`^${ISO} tsinit: booting\\n${ISO} child out\\n${ISO} child err\\n${ISO} tsinit: info: via logLine\\n${ISO} partial\\n$`));
  assert.is(await consoleText, "tsinit: booting\nchild out\nchild err\ntsinit: info: via logLine\npartial\n", "the console gets plain lines");
});

ca("a console nobody reads: PID 1 never blocks, console drops are counted, the file gets everything", async () => {
  const [cr, cw] = sys.pipe(true);
  const dir = `${tmp()}/catch-all`;
  const c = startCatchAll({ consoleFd: cw, dir, consoleQueueLimit: 16 * 1024, queueLimit: 1 << 20 });
  const t0 = Date.now();
  for (let i = 0; i < 5000; i++) c.writeLine(`tsinit: line ${i} ${"x".repeat(80)}`);
  const ms = Date.now() - t0;
  assert.ok(ms < 2000, `5000 lines in ${ms} ms`);
  const st = c.stats();
  assert.ok(st.console.droppedLines > 3000, `console dropped ${st.console.droppedLines}`);
  assert.ok(st.console.queuedBytes <= 16 * 1024);
  await c.stop();
  const file = fs.readFileSync(`${dir}/current`, "utf8");
  assert.is(file.split("\n").length - 1, 5000);
  for (const fd of [c.writeFd, cr, cw]) sys.close(fd);
});

ca.after(() => {
  // The addon's reaper (waitpid(-1)) must not outlive this file: uvu runs every
  // file in one process, and it would take the children of later tests'
  // child_process calls away from libuv (their exit would never be seen).
  unlisten();
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

ca.run();
