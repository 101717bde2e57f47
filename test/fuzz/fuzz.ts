// Shared by the property tests: a fixed number of runs per property (2000,
// or $FUZZ_RUNS for a longer run on demand), a fixed seed in CI unless
// $FUZZ_SEED is given (so a failure reproduces), and one stderr line per
// target with the inputs it was fed, for the note.
import fc from "fast-check";

/** Runs per property: $FUZZ_RUNS or the CI default. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.FUZZ_RUNS ? Date.now() : 0x75696e74;

/** Checks prop on RUNS inputs (runs of them, for slower targets); reports the count on stderr.
 *  An async property gives a promise the test must await (else its failure escapes the test). */
export function check<Ts extends [unknown, ...unknown[]]>(target: string, prop: fc.IProperty<Ts>, runs?: number): void;
export function check<Ts extends [unknown, ...unknown[]]>(target: string, prop: fc.IAsyncProperty<Ts>, runs?: number): Promise<void>;
export function check<Ts extends [unknown, ...unknown[]]>(target: string, prop: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>, runs = RUNS): void | Promise<void> {
  const report = () => process.stderr.write(`    fuzz: ${target}: ${runs} inputs, 0 failures (seed ${SEED})\n`);
  const params = { numRuns: runs, seed: SEED };
  if (prop.isAsync()) {
    return (async () => {
      await fc.assert(prop as fc.IAsyncProperty<Ts>, params);
      report();
    })();
  }
  fc.assert(prop as fc.IProperty<Ts>, params);
  report();
}

/** Bytes biased toward the interesting ones: ASCII letters, NUL, newline, blanks, high bytes. */
export const bytes = (maxLength = 64) =>
  fc
    .array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x00, 0x0a, 0x0d, 0x09, 0x20, 0x23, 0x3d, 0x2e, 0x2d, 0x80, 0xff),
        fc.integer({ min: 0x30, max: 0x7a }),
      ),
      { maxLength },
    )
    .map((a) => Uint8Array.from(a));
