// The rotating sink over a fake filesystem: a slow writer makes the bounded
// queue drop (counted, then one notice), a failing disk drops and reports at
// most once per errno per minute and resumes, rotation renames and prunes.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RotatingSink } from "../../src/log/rotate";
import type { SinkIo } from "../../src/log/sink-io";

/** An in-memory directory whose writes can be held or made to fail. */
class FakeIo implements SinkIo {
  files = new Map<string, Buffer>();
  fds = new Map<number, string>();
  next = 10;
  ops: string[] = [];
  fail: string | null = null;
  held: Array<() => void> | null = null;
  dirs = new Map<number, string>();
  async openDir(dir: string) {
    this.ops.push(`mkdir ${dir}`);
    const fd = this.next++;
    this.dirs.set(fd, dir);
    return fd;
  }
  async readdir(dirFd: number) {
    const dir = this.dirs.get(dirFd)!;
    return [...this.files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1));
  }
  async openAppend(dirFd: number, _dir: string, name: string) {
    if (this.fail === "open") throw Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
    const path = `${this.dirs.get(dirFd)}/${name}`;
    const fd = this.next++;
    this.fds.set(fd, path);
    if (!this.files.has(path)) this.files.set(path, Buffer.alloc(0));
    return { fd, size: this.files.get(path)!.length };
  }
  async write(fd: number, data: Buffer) {
    if (this.held) await new Promise<void>((r) => this.held!.push(r));
    if (this.fail === "write") throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    const path = this.fds.get(fd)!;
    this.files.set(path, Buffer.concat([this.files.get(path)!, data]));
    return data.length;
  }
  async close(fd: number) {
    this.fds.delete(fd);
    this.dirs.delete(fd);
  }
  async rename(dirFd: number, fromName: string, toName: string) {
    const dir = this.dirs.get(dirFd)!;
    const from = `${dir}/${fromName}`;
    const to = `${dir}/${toName}`;
    this.ops.push(`rename ${toName.slice(0, 1)}`);
    this.files.set(to, this.files.get(from)!);
    this.files.delete(from);
    for (const [fd, p] of this.fds) if (p === from) this.fds.set(fd, to);
  }
  async unlink(dirFd: number, name: string) {
    this.ops.push("unlink");
    this.files.delete(`${this.dirs.get(dirFd)}/${name}`);
  }
  text(name: string) {
    return this.files.get(`/log/${name}`)?.toString() ?? "";
  }
  release() {
    for (const r of this.held?.splice(0) ?? []) r();
  }
}

const line = (i: number, width = 10) => `${String(i).padStart(width - 1, "0")}\n`;
const lines = (from: number, n: number, width = 10) => Buffer.from(Array.from({ length: n }, (_, i) => line(from + i, width)).join(""));
const tick = () => new Promise((r) => setImmediate(r));

/** Lets every held write through, one at a time, until SINK's queue is empty; then stops holding. */
async function drainHeld(io: FakeIo, sink: RotatingSink): Promise<void> {
  while (io.held!.length > 0 || sink.stats().queuedBytes > 0) {
    io.release();
    await tick();
  }
  io.held = null;
  io.release();
  await sink.idle();
}

const sink = suite("sink");

sink("writes lines to current in order, creating the dir", async () => {
  const io = new FakeIo();
  const s = new RotatingSink({ dir: "/log", name: "svc", io });
  s.write(lines(0, 3));
  s.write(lines(3, 2));
  await s.idle();
  assert.is(io.text("current"), lines(0, 5).toString());
  assert.is(io.ops[0], "mkdir /log");
  assert.equal(
    { ...s.stats(), queuedBytes: 0 },
    { writtenBytes: 50, writtenLines: 5, droppedBytes: 0, droppedLines: 0, queuedBytes: 0, rotations: 0, errors: 0, notices: 0 },
  );
});

sink("a slow writer: the queue stays bounded, the overflow is counted, one notice after the drain", async () => {
  const io = new FakeIo();
  io.held = [];
  const s = new RotatingSink({ dir: "/log", name: "svc", io, queueLimit: 100, now: () => 0 });
  assert.ok(s.write(lines(0, 5)));
  await tick();
  assert.ok(s.write(lines(5, 5)), "exactly at the limit");
  assert.not.ok(s.write(lines(10, 3)), "full: dropped");
  assert.ok(s.full);
  assert.is(s.stats().queuedBytes, 100);
  assert.is(s.stats().droppedLines, 3);
  await drainHeld(io, s);
  const text = io.text("current");
  assert.is(text, `${lines(0, 10)}1970-01-01T00:00:00.000Z tsinit: dropped 3 lines (30 bytes) for svc\n`);
  assert.is(s.stats().notices, 1);
  assert.is(s.stats().droppedBytes, 30);
});

sink("a full disk drops and reports once per minute; freed space resumes, then the notice", async () => {
  const io = new FakeIo();
  let now = 1000;
  const reports: string[] = [];
  const s = new RotatingSink({ dir: "/log", name: "svc", io, now: () => now, timestamp: "none", onError: (m, code) => reports.push(`${code} ${m}`) });
  s.write(lines(0, 1));
  await s.idle();
  io.fail = "write";
  for (let i = 1; i <= 3; i++) {
    s.write(lines(i, 1));
    await s.idle();
  }
  assert.equal(reports, ["ENOSPC unable to write /log/current: No space left on device (ENOSPC)"]);
  assert.is(s.stats().droppedLines, 3);
  assert.is(s.stats().errors, 3, "tried each time new input came, never in a loop");
  now += 61_000;
  s.write(lines(4, 1));
  await s.idle();
  assert.is(reports.length, 2, "a minute later: said again");
  io.fail = null;
  s.write(lines(5, 1));
  await s.idle();
  assert.is(io.text("current"), `${line(0)}${line(5)}tsinit: dropped 4 lines (40 bytes) for svc\n`);
});

sink("an unopenable dir drops, reports EROFS, and retries on the next input", async () => {
  const io = new FakeIo();
  const reports: string[] = [];
  const s = new RotatingSink({ dir: "/log", name: "svc", io, timestamp: "none", onError: (m) => reports.push(m) });
  io.fail = "open";
  s.write(lines(0, 2));
  await s.idle();
  assert.is(s.stats().droppedLines, 2);
  assert.equal(reports, ["unable to open /log/current: Read-only file system (EROFS)"]);
  io.fail = null;
  s.write(lines(2, 1));
  await s.idle();
  assert.is(io.text("current"), `${line(2)}tsinit: dropped 2 lines (20 bytes) for svc\n`);
});

sink("rotation: current never passes maxSize, archives pruned to maxFiles", async () => {
  const io = new FakeIo();
  let now = 1_700_000_000_000;
  const s = new RotatingSink({ dir: "/log", name: "svc", io, maxSize: 4096, maxFiles: 2, now: () => now++ });
  for (let i = 0; i < 50; i++) s.write(lines(i * 50, 50, 41)); // 2050 bytes each
  await s.idle();
  const names = [...io.files.keys()].map((p) => p.slice(5)).sort();
  assert.is(names.length, 3, names.join(" "));
  assert.is(names[2], "current");
  for (const n of names) assert.ok(io.files.get(`/log/${n}`)!.length <= 4096, `${n} within maxSize`);
  assert.is(s.stats().writtenLines, 2500);
  assert.is(s.stats().rotations, 25, "102500 bytes, 99 lines of 41 bytes (4059) per file");
  assert.ok(io.text("current").endsWith(line(2499, 41)));
  const all = names.map((n) => io.text(n)).join("");
  assert.ok(all.startsWith(line(2500 - all.length / 41, 41)), "what is kept is the newest, contiguous");
});

sink("the drop notice never takes current past maxSize", async () => {
  const io = new FakeIo();
  io.held = [];
  const s = new RotatingSink({ dir: "/log", name: "svc", io, maxSize: 4096, queueLimit: 4096, timestamp: "none" });
  s.write(lines(0, 1, 4096)); // one line fills current exactly
  await tick();
  s.write(lines(1, 1)); // dropped: the queue is full
  await drainHeld(io, s);
  assert.is(s.stats().rotations, 1);
  assert.is(io.text("current"), "tsinit: dropped 1 lines (10 bytes) for svc\n");
});

sink("close writes what is queued and closes current; later writes are counted as dropped", async () => {
  const io = new FakeIo();
  const s = new RotatingSink({ dir: "/log", name: "svc", io });
  s.write(lines(0, 2));
  await s.close();
  assert.is(io.fds.size, 0);
  assert.is(io.text("current"), lines(0, 2).toString());
  assert.not.ok(s.write(lines(2, 1)));
  assert.is(s.stats().droppedLines, 1);
});

sink.run();
