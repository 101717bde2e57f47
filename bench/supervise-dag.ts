// The dependency graph of bench/supervise's DAG run: a random DAG from a
// fixed seed, so every run (and every machine) boots the same graph. Service
// i depends on 0-3 distinct services among 0..i-1, hence no cycle.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** mulberry32: a tiny seeded PRNG, floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** deps[i]: the indices service i depends on, 0-3 of them, all below i. */
export function randomDag(n: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const want = Math.min(i, Math.floor(rand() * 4));
    const picked = new Set<number>();
    while (picked.size < want) picked.add(Math.floor(rand() * i));
    return [...picked].sort((a, b) => a - b);
  });
}

/** The graph's shape for the table: edges, and depth = services on the longest chain. */
export function shape(deps: number[][]): { edges: number; depth: number } {
  const level: number[] = [];
  for (const [i, ds] of deps.entries()) level[i] = 1 + Math.max(0, ...ds.map((j) => level[j]!));
  return { edges: deps.reduce((a, ds) => a + ds.length, 0), depth: Math.max(0, ...level) };
}

/** Writes svcDir/NAME/dependencies (one name per line) for every service that has some. */
export function writeDependencies(svcDir: string, names: string[], deps: number[][]): void {
  deps.forEach((ds, i) => {
    if (ds.length) writeFileSync(join(svcDir, names[i]!, "dependencies"), ds.map((j) => names[j]).join("\n") + "\n");
  });
}
