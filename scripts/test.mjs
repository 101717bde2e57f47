// Runs the uvu suites (TypeScript through tsx) and ends with one plain line,
// "tests: N passed, N failed, N skipped", that CI reads. Arguments narrow the
// run: `node scripts/test.mjs unit` runs test/unit only.
import { spawn } from "node:child_process";

const dir = process.argv[2] ? `test/${process.argv[2]}` : "test";
const child = spawn("node_modules/.bin/uvu", ["-r", "tsx/cjs", dir, "\\.test\\.ts$"], { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
// uvu has no per-test timeout: a test stuck for good would hold CI for its
// whole 90 minutes. Every test prints a mark when it ends, so silence this
// long means a hang: end the run as failed, saying where it stopped.
const SILENCE_MS = Number(process.env.TEST_SILENCE_MS ?? 240_000);
let hung = false;
let watchdog = setTimeout(onSilence, SILENCE_MS);
function onSilence() {
  hung = true;
  process.stdout.write(`\ntest.mjs: no output for ${SILENCE_MS / 1000} s: the run is stuck; ending it\n`);
  child.kill("SIGKILL");
}
child.stdout.on("data", (d) => {
  out += d;
  process.stdout.write(d);
  clearTimeout(watchdog);
  watchdog = setTimeout(onSilence, SILENCE_MS);
});
child.on("exit", (code, signal) => {
  clearTimeout(watchdog);
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const num = (label) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
  const total = num("Total");
  const passed = num("Passed");
  const skipped = num("Skipped");
  const failed = Math.max(total - passed - skipped, code === 0 && !hung ? 0 : 1);
  if (failed) console.log(failureDigest(plain));
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(hung ? 1 : code ?? (signal ? 1 : 0));
});

// CI shows only part of a long run, and uvu prints a failure's details where
// it happened, in the middle. Repeat each failure (its file, its FAIL header
// and the first lines of its error) just above the closing count.
function failureDigest(plain) {
  const lines = plain.split("\n");
  const digest = ["", "failed tests:"];
  let file = "";
  for (let i = 0; i < lines.length; i++) {
    if (/^\S.*\.test\.ts$/.test(lines[i])) file = lines[i];
    if (!/^\s+FAIL\s/.test(lines[i])) continue;
    digest.push(`${file}:${lines[i]}`);
    for (let j = i + 1; j < Math.min(lines.length, i + 14) && !/^\s+FAIL\s/.test(lines[j]); j++) {
      if (lines[j].trim() && !/^\s*at .*node_modules/.test(lines[j])) digest.push(`    ${lines[j].trim().slice(0, 300)}`);
    }
  }
  if (hung) digest.push("(the run hung: see the line above the count)");
  return digest.join("\n");
}
