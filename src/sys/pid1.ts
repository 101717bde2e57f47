// Before `tsinit poweroff|reboot|halt|reexec` signals process 1: is it tsinit,
// and will it take the signal? Read from /proc/1 alone: the run dir can be
// anywhere (--rundir), /proc/1 cannot. A foreign PID 1 (a shell, another
// init) would take USR1 or RTMIN+25 as something else entirely, or die of it.
import { readFileSync, readlinkSync, statSync } from "node:fs";
import { reason } from "./errors";
import { signalNumber } from "./signals";

/** PID 1's binary and whether it is ours; error when /proc/1/exe cannot be read
 *  (without CAP_SYS_PTRACE over PID 1, even root gets EACCES). */
export function pid1Binary(): { exe: string; ours: boolean } | { error: unknown } {
  try {
    const exe = readlinkSync("/proc/1/exe");
    return { exe, ours: sameBinary(exe) };
  } catch (e) {
    return { error: e };
  }
}

/** Why process 1 must not be sent SIG, or null when it is tsinit and catches it. */
export function notTsinit(signal: string): string | null {
  const pid1 = pid1Binary();
  if ("error" in pid1) return `unable to read /proc/1/exe: ${reason(pid1.error)}`;
  if (!pid1.ours) return `it is not tsinit (/proc/1/exe is ${pid1.exe})`;
  // tsinit catches its signals once boot has started its event source; before
  // that (or in a build that lacks the signal) the default action would kill it.
  if (!(signalMask("SigCgt") & bit(signal))) return `it does not catch ${signal} now (still starting, or in safe mode)`;
  return null;
}

/** Whether PID 1 runs our binary: the same file, or the same path where an
 *  upgrade renamed a new file over the old one (readlink then says "(deleted)"). */
function sameBinary(theirs: string): boolean {
  try {
    const a = statSync("/proc/1/exe");
    const b = statSync("/proc/self/exe");
    if (a.dev === b.dev && a.ino === b.ino) return true;
  } catch {
    /* compare the paths */
  }
  return theirs.replace(/ \(deleted\)$/, "") === readlinkSync("/proc/self/exe").replace(/ \(deleted\)$/, "");
}

function bit(signal: string): bigint {
  return 1n << BigInt(signalNumber(signal) - 1);
}

/** A signal set of /proc/1/status (SigCgt, SigPnd, ShdPnd), 0 when unreadable. */
function signalMask(field: string): bigint {
  try {
    const line = readFileSync("/proc/1/status", "latin1")
      .split("\n")
      .find((l) => l.startsWith(`${field}:`));
    return line ? BigInt(`0x${line.slice(field.length + 1).trim()}`) : 0n;
  } catch {
    return 0n;
  }
}

/** Whether PID 1 took SIG within ms: it left the pending sets, so its handler
 *  ran (the event loop then acts on it). A short bounded wait in a client. */
export function signalTaken(signal: string, ms = 1000): boolean {
  const pending = () => (signalMask("SigPnd") | signalMask("ShdPnd")) & bit(signal);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < ms; waited += 5) {
    if (!pending()) return true;
    Atomics.wait(pause, 0, 0, 5);
  }
  return !pending();
}
