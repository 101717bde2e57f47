// A garbage collection that gives back all V8 can, for the after-boot trim
// (boot/trim.ts). It is asked from JS, not through V8's C++ API: an addon
// that includes <v8.h> is tied to the one V8 it was built against, which
// N-API exists to avoid. The packed executable runs with --expose-gc
// (scripts/pack.mjs), so gc() is a global; elsewhere (a test under tsx) the
// flag is turned on for the call and gc() taken from a fresh context.
import type * as V8 from "node:v8";
import type * as Vm from "node:vm";

type Gc = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

/** What a critical memory-pressure notification runs: V8's "last resort"
 *  collection (mark-compacts that shrink the heap, at least two, the
 *  compilation cache dropped). TIMES in a row, synchronously. */
export function collectAllGarbage(times = 1): void {
  const gc = (globalThis as { gc?: Gc }).gc ?? freshContextGc();
  for (let i = 0; i < times; i++) gc({ type: "major", execution: "sync", flavor: "last-resort" });
}

/** gc() of a new context made while --expose-gc is on. Loaded here, not at
 *  start-up: Node's vm and v8 modules compile from source when first required. */
function freshContextGc(): Gc {
  const v8 = require("node:v8") as typeof V8;
  const vm = require("node:vm") as typeof Vm;
  v8.setFlagsFromString("--expose-gc");
  try {
    return vm.runInNewContext("gc") as Gc;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
}
