// Control FIFO bytes → letters, and s6-svc's command line → letters + wait.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { describeByte, parseSuperviseControl, parseSvscanControl } from "../../src/s6/letters";
import { parseSvcArgs } from "../../src/control/svc-args";

const fifo = suite("control fifo bytes");
const enc = (s: string) => new TextEncoder().encode(s);

fifo("supervise: known letters kept in order, unknown dropped and reported", () => {
  const r = parseSuperviseControl(enc("du?xZ\n12"));
  assert.equal(r.letters, ["d", "u", "x", "1", "2"]);
  assert.equal(r.unknown, [0x3f, 0x5a, 0x0a]);
  assert.equal(parseSuperviseControl(enc("abqhkti12pcyroduDUxOQ")).unknown, []);
});

fifo("bytes above 0x7f are never letters", () => {
  assert.equal(parseSuperviseControl(Uint8Array.of(0xe4, 0x64)).letters, ["d"]);
  assert.equal(parseSuperviseControl(Uint8Array.of(0xe4, 0x64)).unknown, [0xe4]);
});

fifo("svscan: z a b h i t q n N, others unknown", () => {
  const r = parseSvscanControl(enc("anNzdx"));
  assert.equal(r.letters, ["a", "n", "N", "z"]);
  assert.equal(r.unknown.map(describeByte), ["d", "x"]);
  assert.is(describeByte(0), "\\x00");
});

fifo.run();

const svc = suite("s6-svc arguments");

svc("letters verbatim, in order, clustered or not", () => {
  const r = parseSvcArgs(["-d", "-ux", "-o", "/run/service/a"]);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.request.letters, "duxo");
  assert.is(r.request.servicedir, "/run/service/a");
  assert.is(r.request.wait, null);
  assert.is(r.request.timeoutMs, 0);
});

svc("-w and -T, attached or separate; letters after them", () => {
  const a = parseSvcArgs(["-wU", "-T", "5000", "-u", "svc"]);
  const b = parseSvcArgs(["-T5000", "-w", "U", "-u", "svc"]);
  const c = parseSvcArgs(["-rwR", "svc"]);
  for (const r of [a, b]) assert.equal(r, { ok: true, request: { letters: "u", wait: "U", timeoutMs: 5000, servicedir: "svc", extra: [] } });
  assert.equal(c.ok && [c.request.letters, c.request.wait], ["r", "R"]);
});

svc("usage problems: unknown option, bad wait, bad timeout, no dir, too many", () => {
  const z = parseSvcArgs(["-Z", "s"]);
  assert.ok(!z.ok && /unknown option -Z/.test(z.problem));
  assert.is(parseSvcArgs(["-wx", "s"]).ok, false);
  assert.is(parseSvcArgs(["-T", "5s", "s"]).ok, false);
  assert.is(parseSvcArgs(["-T"]).ok, false);
  assert.is(parseSvcArgs(["-d"]).ok, false);
  assert.is(parseSvcArgs(["-" + "k".repeat(62), "s"]).ok, true);
  assert.equal(parseSvcArgs(["-" + "k".repeat(63), "s"]), { ok: false, problem: "too many commands" });
});

svc("-- ends options; extra arguments are returned", () => {
  const r = parseSvcArgs(["-d", "--", "-weird", "more"]);
  assert.equal(r.ok && [r.request.letters, r.request.servicedir, r.request.extra], ["d", "-weird", ["more"]]);
});

svc.run();
