// The bounded line queue, the early-boot ring and the non-blocking console
// writer (with a fake write(2) that says EAGAIN like a slow serial console).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { LineQueue, dropNotice } from "../../src/log/queue";
import { Ring } from "../../src/log/ring";
import { ConsoleWriter } from "../../src/log/console";

const b = (s: string) => Buffer.from(s);

const queue = suite("queue");

queue("keeps the line-aligned part that fits, counts the rest", () => {
  const q = new LineQueue(10);
  assert.ok(q.push(b("abc\n")));
  assert.not.ok(q.push(b("de\nfghij\nk\n")));
  assert.is(q.bytes, 7);
  assert.equal(q.dropped, { lines: 2, bytes: 8 });
  assert.is(q.peek(100).toString(), "abc\nde\n");
  assert.equal(q.takeDrops(), { lines: 2, bytes: 8 });
  assert.is(q.takeDrops(), null);
  assert.is(dropNotice({ lines: 2, bytes: 8 }, "x"), "tsinit: dropped 2 lines (8 bytes) for x");
});

queue("peek cuts at a newline but always gives the first line; consume mid-chunk", () => {
  const q = new LineQueue(100);
  q.push(b("aaaa\nbb\n"));
  q.push(b("cc\n"));
  assert.is(q.firstLine(), 5);
  assert.is(q.peek(2).toString(), "aaaa\n");
  assert.is(q.peek(9).toString(), "aaaa\nbb\n");
  assert.is(q.peek(9, false).toString(), "aaaa\nbb\nc");
  q.consume(6);
  assert.is(q.peek(100).toString(), "b\ncc\n");
  assert.is(q.bytes, 5);
});

const ring = suite("ring");

ring("keeps the newest whole lines within the limit", () => {
  const r = new Ring(10);
  r.push(b("111\n222\n"));
  r.push(b("333\n"));
  assert.is(r.bytes, 8);
  assert.is(r.take().toString(), "222\n333\n");
  assert.is(r.bytes, 0);
  r.push(b("0123456789abcdef\n"));
  assert.is(r.take().toString(), "", "a line longer than the ring is not kept in part");
});

const console_ = suite("console");

/** A console taking `room` bytes, then EAGAIN until more room is given. */
function fakeConsole(room: number) {
  const state = { room, out: "", calls: 0, error: null as string | null };
  const write = (_fd: number, data: Buffer): number => {
    state.calls++;
    if (state.error) throw Object.assign(new Error(state.error), { code: state.error });
    if (state.room === 0) return -1;
    const n = Math.min(state.room, data.length);
    state.out += data.subarray(0, n).toString();
    state.room -= n;
    return n;
  };
  return { state, write };
}

console_("a blocked console never blocks the caller: queue, drop, retry on a timer, then the notice", async () => {
  const { state, write } = fakeConsole(6);
  const c = new ConsoleWriter({ fd: 99, write, queueLimit: 16, retryMs: 5 });
  assert.ok(c.write(b("hello\nworld\n")));
  assert.is(state.out, "hello\n", "what the console took at once");
  assert.not.ok(c.write(b("0123456789\n")), "6 queued + 11 > 16: dropped");
  assert.ok(c.write(b("ab\n")));
  const calls = state.calls;
  assert.ok(c.write(b("")), "nothing to write while the retry timer is armed");
  assert.is(state.calls, calls);
  state.room = 1000;
  await new Promise((r) => setTimeout(r, 30));
  assert.is(state.out, "hello\nworld\nab\ntsinit: dropped 1 lines (11 bytes) for console\n");
  assert.equal({ ...c.stats(), writtenBytes: 0 }, { writtenBytes: 0, droppedBytes: 11, droppedLines: 1, queuedBytes: 0, errors: 0, lastError: "" });
  c.stop();
});

console_("a console error (EIO) drops what is queued without a notice; later lines go out", () => {
  const { state, write } = fakeConsole(1000);
  const c = new ConsoleWriter({ fd: 99, write });
  state.error = "EIO";
  c.write(b("lost\n"));
  assert.is(c.stats().errors, 1);
  assert.is(c.stats().lastError, "EIO");
  state.error = null;
  c.write(b("back\n"));
  assert.is(state.out, "back\n");
  c.stop();
});

console_("a console blocked past the last retry: queue dropped, no timer left, the next line tries again", async () => {
  const { state, write } = fakeConsole(0);
  const c = new ConsoleWriter({ fd: 99, write, retryMs: 1, retries: 2 });
  c.write(b("stuck\n"));
  await new Promise((r) => setTimeout(r, 30));
  assert.is(state.calls, 3, "the first try and two retries");
  assert.is(c.stats().droppedLines, 1);
  assert.is(c.stats().queuedBytes, 0);
  state.room = 100;
  c.write(b("next\n"));
  assert.is(state.out, "next\ntsinit: dropped 1 lines (6 bytes) for console\n", "the line, then the notice once drained");
  c.stop();
});

console_.run();
queue.run();
ring.run();
