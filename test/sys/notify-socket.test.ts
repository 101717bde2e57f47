// supervise/notify-socket.ts over a real socket and real senders: a datagram
// read before run's spawn is reported (a fast daemon, a busy JS thread) is
// held and judged once run's pid is known, against the sender's session as it
// was when read; a sender gone before its datagram is read is heard only if it
// was run itself, and the warning says why another is not.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { setLogSink } from "../../src/cli/log";
import { NotifySocket } from "../../src/supervise/notify-socket";
import type { NotifyMessage } from "../../src/supervise/notify-message";
import { sleep } from "../helpers/pid1";

const test = suite("sys: notify-socket senders");

/** sends argv[2] to argv[1], prints its pid, then stays (argv[3] = "stay") or exits */
const SEND =
  "import socket,sys,os,time; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1]); print(os.getpid(), flush=True)\nif sys.argv[3] == 'stay': time.sleep(30)";

interface Setup {
  socket: NotifySocket;
  path: string;
  heard: NotifyMessage[];
  said: string[];
  done(): void;
}

function setup(): Setup {
  const dir = mkdtempSync(`${tmpdir()}/tsinit-notify-socket-`);
  mkdirSync(`${dir}/supervise`);
  const heard: NotifyMessage[] = [];
  const said: string[] = [];
  setLogSink((line) => said.push(line));
  const socket = new NotifySocket(dir, "svc", (m) => heard.push(m));
  const path = socket.open().slice("NOTIFY_SOCKET=".length);
  return {
    socket,
    path,
    heard,
    said,
    done() {
      socket.close();
      setLogSink(null);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills a sender and waits until Node has reaped it: a later suite's
 *  waitpid(-1) (the addon's reaper) must not take it from under Node, whose
 *  handle would then keep this process alive after the last test. */
async function end(child: ChildProcess): Promise<void> {
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** A python3 sender started with ARGS, once it has sent: its pid, and how to end it. */
function started(args: string[]): Promise<{ pid: number; kill(): Promise<void> }> {
  const child = spawn("python3", args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => {
    child.stdout!.once("data", (d: Buffer) => resolve({ pid: Number(d.toString().trim()), kill: () => end(child) }));
  });
}

/** A sender that stays alive (in this process's session) after sending. */
const staying = (path: string, text: string) => started(["-c", SEND, path, text, "stay"]);

/** A sender that has exited (and been reaped) before this process reads anything: its pid. */
const gone = (path: string, text: string) => Number(spawnSync("python3", ["-c", SEND, path, text, "exit"], { encoding: "utf8" }).stdout.trim());

test("a datagram read before run's pid is known is held, then heard once the pid is set", async () => {
  const s = setup();
  const sender = await staying(s.path, "READY=1");
  try {
    await sleep(100); // read by the loop meanwhile, run's pid still unknown
    assert.is(s.heard.length, 0, "not acted on before the pid is known");
    s.socket.setPid(0); // the machine says "not up" at every step of a start: the datagram stays held
    assert.is(s.heard.length, 0);
    s.socket.setPid(sender.pid);
    assert.equal(
      s.heard.map((m) => m.ready),
      [true],
    );
    assert.equal(s.said, []);
  } finally {
    await sender.kill();
    s.done();
  }
});

test("a held datagram from outside run's session is not heard when the pid comes", async () => {
  const s = setup();
  const sender = await staying(s.path, "READY=1");
  try {
    await sleep(100);
    s.socket.setPid(process.pid + 1_000_000); // a run that is not the sender, in another session
    assert.is(s.heard.length, 0);
    assert.match(s.said.join("\n"), /svc: notify message from pid \d+, outside the service, ignored/);
  } finally {
    await sender.kill();
    s.done();
  }
});

test("a sender gone before its datagram is read: heard when it was run, else ignored saying it had exited", async () => {
  const run = setup();
  try {
    const pid = gone(run.path, "READY=1");
    run.socket.setPid(pid);
    await sleep(100);
    assert.equal(
      run.heard.map((m) => m.ready),
      [true],
      "run itself, known by its pid",
    );
  } finally {
    run.done();
  }
  const other = setup();
  try {
    other.socket.setPid(process.pid); // run is up; a helper sends and exits before the loop reads
    gone(other.path, "READY=1");
    await sleep(100);
    assert.is(other.heard.length, 0);
    assert.match(other.said.join("\n"), /svc: notify message from pid \d+, which had exited when it was read \(its session cannot be checked\), ignored/);
  } finally {
    other.done();
  }
});

test("at most 16 datagrams are held before the pid is known; the rest are dropped with one line", async () => {
  const s = setup();
  const many =
    "import socket,sys,os,time; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\nfor i in range(20): s.sendto(b'STATUS=%d' % i, sys.argv[1])\nprint(os.getpid(), flush=True); time.sleep(30)";
  const sender = await started(["-c", many, s.path]);
  try {
    await sleep(100);
    s.socket.setPid(sender.pid);
    assert.equal(
      s.heard.map((m) => m.status),
      Array.from({ length: 16 }, (_, i) => String(i)),
      "the first 16, in order",
    );
    assert.match(s.said.join("\n"), /svc: 4 notify messages beyond 16 before run's start was known dropped/);
  } finally {
    await sender.kill();
    s.done();
  }
});

test("a socket closed (the next run's start) forgets what it held", async () => {
  const s = setup();
  const sender = await staying(s.path, "READY=1");
  try {
    await sleep(100);
    s.socket.open(); // a new run: a new socket, nothing of the last one's
    s.socket.setPid(sender.pid);
    assert.is(s.heard.length, 0);
  } finally {
    await sender.kill();
    s.done();
  }
});

test.run();
