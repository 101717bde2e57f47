// tsinit log's pure pieces: both stamps read back, catch-all labels, s6-log's
// logdir rule in a run script, --since, and the merge by time.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { catchAllLabel, mergeByTime, parseLines, splitStamp } from "../../src/control/log-lines";
import { s6LogDirs } from "../../src/control/log-sources";
import { parseSince } from "../../src/control/log-cmd";
import { tai64n } from "../../src/log/stamp";

const test = suite("log read");
const T = Date.parse("2026-11-30T10:00:02.250Z");

test("ISO and TAI64N stamps give the same instant; no stamp keeps the text", () => {
  assert.equal(splitStamp(`2026-11-30T10:00:02.250Z hi there`), { ms: T, text: "hi there" });
  assert.equal(splitStamp(`${tai64n(T)} hi there`), { ms: T, text: "hi there" });
  assert.equal(splitStamp("plain"), { ms: null, text: "plain" });
  assert.equal(parseLines("a\n2026-11-30T10:00:02.250Z b\nc\n", "x", 5).map((l) => l.ms), [5, T, T]);
});

test("catch-all labels: tsinit, known services with a stream, anything else", () => {
  const known = (n: string) => n === "web";
  assert.equal(catchAllLabel("tsinit: boot: done", known), { label: "tsinit", text: "boot: done" });
  assert.equal(catchAllLabel("web[err]: oops", known), { label: "web", stream: "err", text: "oops" });
  assert.equal(catchAllLabel("db: not ours", known), { label: "catch-all", text: "db: not ours" });
});

test("s6-log's logdirs are the directives starting with . or /", () => {
  assert.equal(s6LogDirs("#!/bin/sh\nexec s6-log -b n20 s1000000 t ./main /var/log/x '!gzip' # ./no\n", "/sv/a/log"), ["/sv/a/log/main", "/var/log/x"]);
  assert.equal(s6LogDirs("#!/bin/execlineb -P\nlogutil-service /var/log/y\n", "/l"), []);
});

test("--since: ago units, local and UTC times, junk", () => {
  assert.is(parseSince("15m", 1_000_000_000), 1_000_000_000 - 900_000);
  assert.is(parseSince("2026-11-30T10:00:02.250Z"), T);
  assert.is(parseSince("2026-11-30 10:00"), new Date(2026, 10, 30, 10, 0).getTime());
  assert.is(parseSince("soon"), null);
});

test("merge by time is stable across sources", () => {
  const a = [{ ms: 1, label: "a", text: "1" }, { ms: 3, label: "a", text: "3" }];
  const b = [{ ms: 1, label: "b", text: "1" }, { ms: 2, label: "b", text: "2" }];
  assert.equal(mergeByTime([a, b]).map((l) => l.label + l.text), ["a1", "b1", "b2", "a3"]);
});

test.run();
