import { suite } from "uvu";
import * as assert from "uvu/assert";
import { StagedStop } from "../../src/supervise/staged-stop";

const test = suite("staged stop");

/** Fake services: remove() records the order; an already-down one exits at once (re-entering advance). */
function machine(names: string[], downAtOnce: string[] = []) {
  const live = new Map(names.map((n) => [n, { name: n, remove: () => undefined as void }]));
  const order: string[] = [];
  let stop: StagedStop;
  const exit = (n: string) => {
    live.delete(n);
    stop.advance();
  };
  for (const s of live.values()) s.remove = () => {
    order.push(s.name);
    if (downAtOnce.includes(s.name)) exit(s.name);
  };
  return { live, order, exit, make: (groups: string[][]) => (stop = new StagedStop(groups, () => live.values())) };
}

test("groups in order, each once the previous is gone; then the rest; loggers last", () => {
  const m = machine(["web", "api", "db", "lone", "db/log"]);
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
  const m = machine(["a", "b", "c"], ["a"]);
  m.make([["a", "b"], ["c"]]).advance();
  assert.equal(m.order, ["a", "b"], "c waits for b");
  m.exit("b");
  assert.equal(m.order, ["a", "b", "c"]);
});

test.run();
