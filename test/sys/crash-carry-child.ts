// Run by crash-carry.test.ts as its own process (the crash exec replaces it):
// arms the crash path to exec a shell that prints the carried variable,
// spawns `sleep` (MODE says how the pid is carried), prints its pid and
// sends itself SIGSEGV before TS could carry anything.
import { writeSync } from "node:fs";
import * as sys from "../../src/sys";

const mode = process.argv[2];
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion
const report = 'echo "carried=${X_PID:-none}"';
sys.armCrashExec("/bin/sh", ["sh", "-c", report], mode === "prepared" ? ["X_PID=123"] : [], {
  signals: [sys.signalNumber("SIGSEGV")],
  lines: ["crash-carry-child: crashed\n"],
  failLine: "crash-carry-child: unable to exec the shell\n",
});
const carry = mode === "plain" ? {} : { carryPidAs: "X_PID" };
const pid = sys.spawn({ file: "/bin/sleep", argv: ["sleep", "30"], fds: [-1, -1, -1], ...carry });
if (mode === "cleared") sys.carryPidOnCrash("X_PID", 0);
writeSync(1, `spawned=${pid}\n`);
process.kill(process.pid, "SIGSEGV");
setTimeout(() => undefined, 5000);
