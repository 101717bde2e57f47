// tsinit analyze --svg: record → SVG text. Well-formed (every tag closed, in
// order), one bar group per unit, x growing with time, dependency paths from
// the dependency's ready point to the dependent's start, a legend.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chartOrder, PHASES, renderSvg, segments, tickStep } from "../../src/analyze/svg";
import { RECORD } from "./analyze-fixture";

const test = suite("analyze: SVG chart");

/** Tag balance check: a stack of open elements, self-closing ones skipped. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

const svg = renderSvg(RECORD);

test("is well-formed XML-ish: one svg root, balanced tags, escaped text", () => {
  assert.ok(svg.startsWith('<?xml version="1.0"'));
  assert.is(svg.match(/<svg /g)!.length, 1);
  assert.ok(balanced(svg), "balanced tags");
  const odd = renderSvg({ ...RECORD, units: [{ kind: "service", name: "a<b&c", deps: [], state: "down" }] });
  assert.ok(odd.includes("a&lt;b&amp;c") && !odd.includes("a<b"), "names escaped");
  assert.ok(balanced(odd));
});

test("one bar group per unit, in order of start", () => {
  const groups = [...svg.matchAll(/<g class="unit" data-kind="(\w+)" data-name="([^"]+)">/g)];
  assert.is(groups.length, RECORD.units.length);
  assert.equal(
    groups.map((g) => g[2]),
    chartOrder(RECORD.units).map((u) => u.name),
  );
  assert.equal(groups.map((g) => g[2]).slice(0, 3), ["start the catch-all log", "hello", "report"]);
});

test("x grows with time: every rect's x is monotonic in its data-from", () => {
  const rects = [...svg.matchAll(/<rect class="(\w+)" data-from="([\d.-]+)" x="([\d.]+)"/g)].map((m) => ({ from: Number(m[2]), x: Number(m[3]) }));
  assert.ok(rects.length >= RECORD.units.length);
  rects.sort((a, b) => a.from - b.from);
  for (let i = 1; i < rects.length; i++) assert.ok(rects[i]!.x >= rects[i - 1]!.x, `x at ${rects[i]!.from} ms`);
  const firstX = rects[0]!.x,
    lastX = rects.at(-1)!.x;
  assert.ok(lastX > firstX + 500, "the span uses the plot width");
});

test("segments: waiting → starting → ready for a service, running for a task", () => {
  const [db, , report] = [RECORD.units[2]!, RECORD.units[3]!, RECORD.units[4]!];
  assert.equal(
    segments(db, 2000).map((s) => s[0]),
    ["waiting", "starting", "ready"],
  );
  assert.equal(segments(report, 2000), [
    ["waiting", 410, 1520],
    ["running", 1520, 1900],
  ]);
  assert.equal(segments({ kind: "service", name: "w", queued: 5, deps: [], state: "waiting" }, 100), [["waiting", 5, 100]]);
  for (const phase of ["waiting", "starting", "ready", "running", "step"]) assert.match(svg, new RegExp(`<rect class="${phase}"`));
});

test("dependency paths from each dependency to its dependent, and a legend", () => {
  const deps = [...svg.matchAll(/<path class="dep" data-from="(\w+)" data-to="(\w+)" d="M([\d.]+),[\d.]+ C[^"]* ([\d.]+),[\d.]+"/g)];
  assert.equal(deps.map((d) => `${d[1]}->${d[2]}`).sort(), ["db->report", "db->web", "web->report"]);
  for (const d of deps) assert.ok(Number(d[3]) <= Number(d[4]) + 0.01, `${d[1]} ready before ${d[2]} starts`);
  for (const p of Object.values(PHASES)) assert.ok(svg.includes(p.colour) && svg.includes(p.meaning));
  assert.match(svg, /all services ready at 3\.01 s/);
});

test("tick steps are 1, 2 or 5 × 10^k", () => {
  assert.is(tickStep(2000), 200);
  assert.is(tickStep(13_000), 2000);
  assert.is(tickStep(50), 5);
});

test.run();
