// Runs the uvu suites (TypeScript through tsx) and ends with one plain line,
// "tests: N passed, N failed, N skipped", that CI reads. Arguments narrow the
// run: `node scripts/test.mjs unit` runs test/unit only.
import { spawn } from "node:child_process";

const dir = process.argv[2] ? `test/${process.argv[2]}` : "test";
const child = spawn("node_modules/.bin/uvu", ["-r", "tsx/cjs", dir, "\\.test\\.ts$"], { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
child.stdout.on("data", (d) => {
  out += d;
  process.stdout.write(d);
});
child.on("exit", (code, signal) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const num = (label) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
  const total = num("Total");
  const passed = num("Passed");
  const skipped = num("Skipped");
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(code ?? (signal ? 1 : 0));
});
