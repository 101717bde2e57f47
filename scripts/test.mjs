// Runs the uvu suites (TypeScript through tsx) and ends with one plain line,
// "tests: N passed, N failed, N skipped, N flaky", that CI reads. Each skip's
// reason and each flaky test's first failure are listed above it. Arguments narrow the
// run: `node scripts/test.mjs unit` runs test/unit only.
//
// A file with a failed test runs once more, alone, in a fresh process: the
// integration tests boot real PID 1s on a noisy 2-core VM, and one lost race
// in a test's own timing should not sink a run. What failed and then passed
// is not hidden: it is listed as flaky, with its first failure, above the
// count. A test that fails twice is a failure.
import { spawn } from "node:child_process";

const TEST_ROOT = "test";
const dir = process.argv[2] ? `${TEST_ROOT}/${process.argv[2]}` : TEST_ROOT;
const RETRY = process.env.TEST_RETRY !== "0";
// uvu has no per-test timeout: a test stuck for good would hold CI for its
// whole 90 minutes. Every test prints a mark when it ends, so silence this
// long means a hang: end the run as failed, saying where it stopped.
const SILENCE_MS = Number(process.env.TEST_SILENCE_MS ?? 240_000);
const LINGER_MS = Number(process.env.TEST_LINGER_MS ?? 20_000);

const plainOf = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One uvu run over DIR's files matching PATTERN: its output as it came, and its counts. */
function runUvu(runDir, pattern) {
  return new Promise((resolve) => {
    const child = spawn("node_modules/.bin/uvu", ["-r", "tsx/cjs", runDir, pattern], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let hung = false;
    // uvu's summary ends with "Duration:": every test has run. A process still
    // alive well after it holds a handle some test left open; that is a leak in
    // the tests, said as such, not a hang that fails a run whose tests passed.
    let lingered = false;
    const summarized = () => /Duration:\s+[\d.]+m?s/.test(plainOf(out));
    const onSilence = () => {
      if (summarized()) {
        lingered = true;
        process.stdout.write(`\ntest.mjs: the test process was still alive ${LINGER_MS / 1000} s after its summary (a handle a test left open): ended it\n`);
      } else {
        hung = true;
        process.stdout.write(`\ntest.mjs: no output for ${SILENCE_MS / 1000} s: the run is stuck; ending it\n`);
      }
      child.kill("SIGKILL");
    };
    let watchdog = setTimeout(onSilence, SILENCE_MS);
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
      clearTimeout(watchdog);
      watchdog = setTimeout(onSilence, summarized() ? LINGER_MS : SILENCE_MS);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(watchdog);
      const plain = plainOf(out);
      const num = (label) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
      const total = num("Total");
      const passed = num("Passed");
      const skipped = num("Skipped");
      // uvu's Total counts the tests that ran: skipped ones are outside it.
      const ok = !hung && (lingered ? total > 0 && passed === total : code === 0 && !signal);
      const failed = Math.max(total - passed, ok ? 0 : 1);
      resolve({ plain, total, passed, skipped, failed, hung, ok, failures: failuresOf(plain, runDir) });
    });
  });
}

// CI shows only part of a long run, and uvu prints a failure's details where
// it happened, in the middle. Each failure: its file (relative to test/), its
// FAIL header and the first lines of its error, to repeat above the count.
function failuresOf(plain, runDir) {
  const lines = plain.split("\n");
  const prefix = runDir === TEST_ROOT ? "" : `${runDir.slice(TEST_ROOT.length + 1)}/`;
  const found = [];
  let file = "";
  for (let i = 0; i < lines.length; i++) {
    if (/^\S.*\.test\.ts$/.test(lines[i])) file = `${prefix}${lines[i]}`;
    if (!/^\s+FAIL\s/.test(lines[i])) continue;
    const key = `${file}:${lines[i].trim()}`;
    const text = [`${file}:${lines[i]}`];
    for (let j = i + 1; j < Math.min(lines.length, i + 14) && !/^\s+FAIL\s/.test(lines[j]); j++) {
      if (/^\s*Total:/.test(lines[j]) || /^\S.*\.test\.ts$/.test(lines[j])) break; // the summary, or the next file
      if (lines[j].trim() && !/^\s*at .*node_modules/.test(lines[j])) text.push(`    ${lines[j].trim().slice(0, 300)}`);
    }
    found.push({ file, key, text: text.join("\n") });
  }
  return found;
}

const first = await runUvu(dir, "\\.test\\.ts$");
let final = first;
let flaky = [];
const files = [...new Set(first.failures.map((f) => f.file))];
if (RETRY && !first.ok && !first.hung && files.length > 0 && files.length <= 5) {
  process.stdout.write(`\ntest.mjs: ${files.length} file(s) had a failure; running them once more, alone: ${files.join(", ")}\n\n`);
  const again = await runUvu(TEST_ROOT, `^(${files.map(escapeRe).join("|")})$`);
  // Flaky: a test that failed, then passed when its file ran again.
  const stillFailing = new Set(again.failures.map((f) => f.key));
  flaky = again.hung ? [] : first.failures.filter((f) => !stillFailing.has(f.key));
  const failed = again.ok ? 0 : Math.max(again.failed, 1);
  final = { ...first, failures: again.failures, hung: again.hung, ok: again.ok, failed, passed: first.total - failed - flaky.length };
}
// What did not run, and why (test/helpers/skip.ts prints "# skip: NAME: reason").
const skipLines = plainOf(first.plain)
  .split("\n")
  .filter((l) => l.startsWith("# skip: "));
const skips = [...new Set(skipLines.map((l) => l.slice(2)))];
if (skips.length > 0) console.log(["", `skipped (${skipLines.length}), each with why:`, ...skips.map((l) => `  ${l}`)].join("\n"));
// A bare test.skip gives no reason: say so rather than let the count hide it.
if (final.skipped > skipLines.length)
  console.log(`${final.skipped - skipLines.length} skipped without a reason (skip through test/helpers/skip.ts, which says why)`);
if (flaky.length > 0) console.log(["", "flaky (failed, then passed when their file ran again):", ...flaky.map((f) => f.text)].join("\n"));
if (final.failed) {
  console.log(["", "failed tests:", ...final.failures.map((f) => f.text), ...(final.hung ? ["(the run hung: see the line above the count)"] : [])].join("\n"));
}
// Every test that ran is in one of passed, failed, flaky (passed only on its
// file's second run); skipped ones did not run.
console.log(`\ntests: ${final.passed} passed, ${final.failed} failed, ${final.skipped} skipped, ${flaky.length} flaky`);
process.exit(final.ok ? 0 : 1);
