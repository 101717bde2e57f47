// The event source: deaths reported exactly once with the right status,
// orphans reaped as subreaper, signals delivered as numbers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as sys from "../../src/sys";
import { deaths, listen, sleep, unlisten, waitExit } from "./child";

test("exit 3: code 3, status 0x300, reported once", async () => {
  listen();
  const pid = sys.spawn({ file: "/bin/sh", argv: ["sh", "-c", "exit 3"] });
  const e = await waitExit(pid);
  assert.equal(e, { pid, status: 0x300, code: 3, signal: 0, core: false });
  await sleep(50);
  assert.is(deaths.get(pid)!.length, 1);
});

test("killed by SIGTERM: signal 15, code -1", async () => {
  listen();
  const pid = sys.spawn({ file: "/bin/sleep", argv: ["sleep", "10"] });
  sys.kill(pid, "TERM");
  const e = await waitExit(pid);
  assert.equal(e, { pid, status: 15, code: -1, signal: 15, core: false });
  await sleep(50);
  assert.is(deaths.get(pid)!.length, 1);
});

test("1000 orphans re-parented to us as subreaper: all reaped", async () => {
  listen();
  sys.setSubreaper(true);
  try {
    // Each orphan blocks reading our pipe, so all 1000 outlive the shell
    // and must re-parent to us; closing the write end releases them.
    const [r, w] = sys.pipe(false);
    const script = "i=0; while [ $i -lt 1000 ]; do { read x <&3; exit 7; } & i=$((i+1)); done; exit 0";
    const before = new Set(deaths.keys());
    const shell = sys.spawn({ file: "/bin/sh", argv: ["sh", "-c", script], fds: [0, 1, 2, r] });
    sys.close(r);
    assert.is((await waitExit(shell, 30000)).code, 0);
    sys.close(w);
    const until = Date.now() + 30000;
    const fresh = () => [...deaths.values()].flat().filter((e) => !before.has(e.pid) && e.pid !== shell);
    while (fresh().length < 1000 && Date.now() < until) await sleep(20);
    await sleep(100);
    const orphans = fresh();
    assert.is(orphans.length, 1000);
    assert.is(new Set(orphans.map((e) => e.pid)).size, 1000, "each death once");
    assert.ok(
      orphans.every((e) => e.code === 7),
      "each an orphan of the shell, exit 7",
    );
  } finally {
    sys.setSubreaper(false);
  }
});

test("signals arrive as numbers: SIGUSR1, SIGRTMIN+4, SIGPWR", async () => {
  listen();
  sys.startEvents(["USR1", "RTMIN+4", "SIGPWR"]);
  const got: number[] = [];
  const onSignal = (s: number) => got.push(s);
  sys.events.on("signal", onSignal);
  for (const s of ["USR1", "RTMIN+4", "PWR"]) sys.kill(sys.getpid(), s);
  const until = Date.now() + 5000;
  while (got.length < 3 && Date.now() < until) await sleep(10);
  sys.events.off("signal", onSignal);
  const { SIGUSR1, SIGPWR, SIGRTMIN } = sys.native().signals;
  assert.equal(
    got.sort((a, b) => a - b),
    [SIGUSR1!, SIGPWR!, SIGRTMIN! + 4].sort((a, b) => a - b),
  );
  assert.is(SIGUSR1, 10);
  assert.is(SIGRTMIN! + 4, 38);
});

test("a throwing listener is an uncaught exception, and events go on", async () => {
  listen();
  sys.startEvents(["USR2"]);
  const boom = () => {
    throw new Error("boom");
  };
  sys.events.on("signal", boom);
  // the timer keeps the loop alive: the event source is unref'ed in tests
  const caught = new Promise<Error>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no uncaughtException")), 5000);
    process.once("uncaughtException", (e) => {
      clearTimeout(timer);
      resolve(e);
    });
  });
  sys.kill(sys.getpid(), "USR2");
  assert.is((await caught).message, "boom");
  sys.events.off("signal", boom);
  const pid = sys.spawn({ file: "/bin/true" });
  assert.is((await waitExit(pid)).code, 0);
});

test("after stopEvents nothing reaps; startEvents reports deaths from before it started", async () => {
  unlisten();
  const pid = sys.spawn({ file: "/bin/sh", argv: ["sh", "-c", "exit 0"] });
  // nobody reaps it now: a zombie (state Z) until events start again
  const { readFileSync } = await import("node:fs");
  const stat = () => readFileSync(`/proc/${pid}/stat`, "utf8");
  for (const until = Date.now() + 5000; !/\) Z /.test(stat()) && Date.now() < until; ) await sleep(10);
  assert.match(stat(), /\) Z /);
  listen(); // reports deaths from before it started
  assert.is((await waitExit(pid)).code, 0);
  unlisten();
});

test("signalNumber and signalName", () => {
  for (const s of [15, "15", "TERM", "SIGTERM", "term"]) assert.is(sys.signalNumber(s), 15);
  assert.is(sys.signalNumber("RTMIN+4"), 38);
  assert.is(sys.signalNumber("SIGRTMAX-1"), 63);
  assert.is(sys.signalNumber("RTMIN"), 34);
  assert.throws(() => sys.signalNumber("BOGUS"), /unknown signal: BOGUS/);
  assert.throws(() => sys.signalNumber("RTMAX+1"), RangeError);
  assert.is(sys.signalName(6), "SIGABRT");
  assert.is(sys.signalName(29), "SIGIO");
  assert.is(sys.signalName(38), "SIGRTMIN+4");
  assert.is(sys.signalName(64), "SIGRTMAX");
  assert.is(sys.signalName(63), "SIGRTMIN+29");
});

test.run();
