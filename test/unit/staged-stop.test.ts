import { suite } from "uvu";
import * as assert from "uvu/assert";
import { StagedStop } from "../../src/supervise/staged-stop";

const test = suite("staged stop");

/** Fake services: remove() records the order; an already-down one exits at once (re-entering advance). */
function staged(names: string[], downAtOnce: string[] = []) {
  const live = new Map(names.map((n) => [n, { name: n, remove: () => undefined as void }]));
  const order: string[] = [];
  let stop: StagedStop;
  let reads = 0;
  const exit = (n: string) => {
    const s = live.get(n);
    live.delete(n);
    stop.advance(s);
  };
  for (const s of live.values())
    s.remove = () => {
      order.push(s.name);
      if (downAtOnce.includes(s.name)) exit(s.name);
    };
  const listed = () => {
    reads++;
    return live.values();
  };
  return { live, order, exit, reads: () => reads, make: (groups: string[][]) => (stop = new StagedStop(groups, listed)) };
}

test("groups in order, each once the previous is gone; then the rest; loggers last", () => {
  const m = staged(["web", "api", "db", "lone", "db/log"]);
  m.make([["web"], ["api"], ["db"]]).advance();
  assert.equal(m.order, ["web"]);
  m.exit("web");
  assert.equal(m.order, ["web", "api"]);
  m.exit("api");
  m.exit("db");
  assert.equal(m.order, ["web", "api", "db", "lone"], "what was not in the graph, before loggers");
  m.exit("lone");
  assert.equal(m.order, ["web", "api", "db", "lone", "db/log"]);
});

test("a service already down exits inside remove(): the next group still waits for the rest of this one", () => {
  const m = staged(["a", "b", "c"], ["a"]);
  m.make([["a", "b"], ["c"]]).advance();
  assert.equal(m.order, ["a", "b"], "c waits for b");
  m.exit("b");
  assert.equal(m.order, ["a", "b", "c"]);
});

test("1000 services: every one told once, the live list read once (an exit does not look at all of them again)", () => {
  const names = Array.from({ length: 1000 }, (_, i) => `s${i}`);
  const m = staged([...names, ...names.map((n) => `${n}/log`)]);
  m.make([names.slice(0, 10)]).advance();
  assert.is(m.order.length, 10);
  for (const n of names.slice(0, 10)) m.exit(n);
  assert.is(m.order.length, 1000, "the rest, after the group");
  for (const n of names.slice(10)) m.exit(n);
  assert.is(m.order.length, 2000, "then the loggers");
  assert.is(new Set(m.order).size, 2000, "each told once");
  for (const n of names) m.exit(`${n}/log`);
  assert.is(m.reads(), 1, `live() read ${m.reads()} times`);
});

test.run();
