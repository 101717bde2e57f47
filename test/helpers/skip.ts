// A test that cannot run here is skipped, and says why: uvu counts it as
// skipped (not passed), and a "# skip: NAME: reason" line, which
// scripts/test.mjs repeats above its closing count, tells what did not run.
import type { Test } from "uvu";

type Fn = Parameters<Test>[1];

/** Registers NAME as skipped, saying why. */
export function skip(test: Test, name: string, reason: string): void {
  console.log(`# skip: ${name}: ${reason}`);
  test.skip(name, () => undefined);
}

/** TEST itself when reason is null; else a stand-in that registers every
 *  test as skipped for that reason (its hooks do nothing), so a suite that
 *  cannot run here still counts each of its tests. */
export function unless(test: Test, reason: string | null): Test {
  if (reason === null) return test;
  const stand = ((name: string, _fn?: Fn) => skip(test, name, reason)) as unknown as Test;
  const none = () => undefined;
  return Object.assign(stand, {
    skip: stand,
    only: stand,
    before: Object.assign(none, { each: none }),
    after: Object.assign(none, { each: none }),
    run: test.run,
  });
}
