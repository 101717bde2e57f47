// tsinit log's pure pieces: both stamps read back, catch-all labels, s6-log's
// logdir rule in a run script, --since, and the merge by time.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { catchAllLabel, escapeControls, formatLine, jsonLine, LINE_SHOWN, mergeByTime, parseLines, splitStamp } from "../../src/logread/lines";
import { s6LogDirs } from "../../src/logread/sources";
import { parseSince } from "../../src/control/log-main";
import { tai64n } from "../../src/s6/tai64n";

const test = suite("log read");
const T = Date.parse("2026-11-30T10:00:02.250Z");

test("ISO and TAI64N stamps give the same instant; no stamp keeps the text", () => {
  assert.equal(splitStamp(`2026-11-30T10:00:02.250Z hi there`), { ms: T, text: "hi there" });
  assert.equal(splitStamp(`${tai64n(T)} hi there`), { ms: T, text: "hi there" });
  assert.equal(splitStamp("plain"), { ms: null, text: "plain" });
  assert.equal(
    parseLines("a\n2026-11-30T10:00:02.250Z b\nc\n", "x", 5).map((l) => l.ms),
    [5, T, T],
  );
});

test("catch-all labels: tsinit, known services with a stream, anything else", () => {
  const known = (n: string) => n === "web";
  assert.equal(catchAllLabel("tsinit: boot: done", known), { label: "tsinit", text: "boot: done" });
  assert.equal(catchAllLabel("web[err]: oops", known), { label: "web", stream: "err", text: "oops" });
  assert.equal(catchAllLabel("db: not ours", known), { label: "catch-all", text: "db: not ours" });
  // Issue 21: a task's and a logger's lines, as PID 1 labels them.
  assert.equal(catchAllLabel("task setup: b: x", known), { label: "task setup", text: "b: x" });
  assert.equal(catchAllLabel("web/log: s6-log: warning", known), { label: "web/log", text: "s6-log: warning" });
  assert.equal(catchAllLabel("db/log: not ours", known), { label: "catch-all", text: "db/log: not ours" });
});

test("control characters are escaped in text; --json stays JSON with DEL and C1 escaped too", () => {
  assert.is(escapeControls("a\x1b]0;t\x07b\tc\x7f\u009bd\x00"), "a\\x1b]0;t\\x07b\tc\\x7f\\x9bd\\x00");
  const line = { ms: T, label: "web", text: "x\x1b[2J\u0085y" };
  assert.is(formatLine(line, true), "2026-11-30T10:00:02.250Z web: x\\x1b[2J\\x85y");
  const json = jsonLine(line);
  assert.not.match(json, /[\x00-\x1f\x7f-\x9f]/);
  assert.is(JSON.parse(json).text, line.text);
});

test("a line read back longer than LINE_SHOWN is shown cut", () => {
  const [l] = parseLines(`${"z".repeat(LINE_SHOWN + 10)}\n`, "x");
  assert.is(l!.text, `${"z".repeat(LINE_SHOWN)} [10 more characters not shown]`);
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

test("--since: the forms people type (30s ago, HH:MM, today, yesterday)", () => {
  const now = new Date(2026, 11, 3, 15, 30, 0).getTime();
  assert.is(parseSince("30s ago", now), now - 30_000);
  assert.is(parseSince("2h ago", now), now - 7_200_000);
  assert.is(parseSince("14:05", now), new Date(2026, 11, 3, 14, 5).getTime());
  assert.is(parseSince("14:05:09", now), new Date(2026, 11, 3, 14, 5, 9).getTime());
  assert.is(parseSince("today", now), new Date(2026, 11, 3).getTime());
  assert.is(parseSince("yesterday", now), new Date(2026, 11, 2).getTime());
  assert.is(parseSince("25:00", now), null);
  assert.is(parseSince("12", now), null);
});

test("merge by time is stable across sources", () => {
  const a = [
    { ms: 1, label: "a", text: "1" },
    { ms: 3, label: "a", text: "3" },
  ];
  const b = [
    { ms: 1, label: "b", text: "1" },
    { ms: 2, label: "b", text: "2" },
  ];
  assert.equal(
    mergeByTime([a, b]).map((l) => l.label + l.text),
    ["a1", "b1", "b2", "a3"],
  );
});

test.run();
