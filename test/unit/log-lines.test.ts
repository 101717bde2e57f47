// The line framer: chunks split anywhere, long lines cut, partial lines held
// and flushed, timestamps from an injected clock; and the stamp formats.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { LineFramer, countLines, linePrefix, stampLines } from "../../src/log/lines";
import { stampPrefix } from "../../src/log/stamp";
import { nanosFromTai64n, tai64n } from "../../src/s6/tai64n";

const T = Date.UTC(2026, 10, 25, 15, 32, 8, 123);
const b = (s: string) => Buffer.from(s);
const none = (maxLine = 4096) => new LineFramer({ timestamp: "none", maxLine });

const framer = suite("framer");

framer("lines split across chunks come out whole, in order", () => {
  const f = none();
  assert.is(f.push(b("hel")).toString(), "");
  assert.is(f.pending, 3);
  assert.is(f.push(b("lo\nwor")).toString(), "hello\n");
  assert.is(f.push(b("ld\n\nx\n")).toString(), "world\n\nx\n");
  assert.is(f.pending, 0);
});

framer("ISO stamp from the injected clock, one per chunk", () => {
  let now = T;
  const f = new LineFramer({ now: () => now });
  assert.is(f.push(b("a\nb\n")).toString(), "2026-11-25T15:32:08.123Z a\n2026-11-25T15:32:08.123Z b\n");
  f.push(b("par"));
  now += 1000;
  assert.is(f.push(b("tial\n")).toString(), "2026-11-25T15:32:09.123Z partial\n", "stamped when completed");
});

framer("tai64n stamp, s6-log style", () => {
  const f = new LineFramer({ timestamp: "tai64n", now: () => T });
  const out = f.push(b("x\n")).toString();
  assert.match(out, /^@4000000[0-9a-f]{17} x\n$/);
  assert.is(Number(nanosFromTai64n(out.slice(0, 25)) / 1_000_000n), T);
});

framer("a label is on every line, each piece of a cut one too (issue 21)", () => {
  const f = new LineFramer({ timestamp: "none", maxLine: 4, label: "w: " });
  assert.is(f.push(b("abcdefghij\nk")).toString(), "w: abcd\nw: efgh\nw: ij\n");
  assert.is(f.flush().toString(), "w: k\n");
  const stamped = new LineFramer({ maxLine: 3, label: "w: ", now: () => T });
  assert.is(stamped.push(b("abcd\n")).toString(), "2026-11-25T15:32:08.123Z w: abc\n2026-11-25T15:32:08.123Z w: d\n");
});

framer("stampLines stamps whole lines and never cuts them", () => {
  const long = "q".repeat(5000);
  assert.is(stampLines("iso", T, b(`a\n${long}\n`)).toString(), `2026-11-25T15:32:08.123Z a\n2026-11-25T15:32:08.123Z ${long}\n`);
  assert.is(stampLines("none", T, b("a\n")).toString(), "a\n");
});

framer("a long line is cut at maxLine, never held beyond it", () => {
  const f = none(4);
  assert.is(f.push(b("abcdefghij\n")).toString(), "abcd\nefgh\nij\n");
  assert.is(f.push(b("abcd")).toString(), "", "exactly maxLine: held, the next byte decides");
  assert.is(f.push(b("\n")).toString(), "abcd\n", "no empty extra line");
  assert.is(f.push(b("ab")).toString(), "");
  assert.is(f.push(b("cdef")).toString(), "abcd\n", "partial + chunk past maxLine");
  assert.is(f.pending, 2);
});

framer("4 KiB default cap on a 10 KB line without newline", () => {
  const f = none();
  const out = f.push(Buffer.alloc(10000, 0x61));
  assert.is(countLines(out), 2);
  assert.is(out.length, 8194);
  assert.is(f.pending, 10000 - 8192);
});

framer("flush emits the partial line once", () => {
  const f = new LineFramer({ now: () => T });
  f.push(b("no newline"));
  assert.is(f.flush().toString(), "2026-11-25T15:32:08.123Z no newline\n");
  assert.is(f.flush().length, 0);
});

framer("the held partial is a copy, not a view of the caller's buffer", () => {
  const f = none();
  const chunk = b("abc");
  f.push(chunk);
  chunk.fill(0x7a);
  assert.is(f.flush().toString(), "abc\n");
});

framer("helpers: countLines, linePrefix", () => {
  assert.is(countLines(b("a\nb\n\n")), 3);
  assert.is(linePrefix(b("ab\ncd\nef\n"), 7), 6);
  assert.is(linePrefix(b("abcdef\n"), 3), 0);
  assert.is(linePrefix(b("ab\n"), 10), 3);
  assert.is(stampPrefix("none", T), "");
  assert.is(tai64n(0), "@400000000000002500000000");
});

framer.run();
