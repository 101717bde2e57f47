// After boot, give back the memory only start-up needed. An idle Node holds
// tens of MiB of its own executable's pages (code and read-only data touched
// while starting) and a heap grown by stage 1; an init then idles for months.
// Once boot has settled (no child has exited and no spawn was reported for
// SETTLE_MS, at most CAP_MS after boot), this runs once: V8's last-resort GCs (enough of them that
// the bytecode of functions only start-up ran is flushed), malloc_trim, and
// MADV_PAGEOUT on the executable's read-only file mappings. Paged-out code is
// read back from the file on its next use, so nothing can break: the kernel
// re-faults what runs (fds, pipes and heap are untouched). MADV_RANDOM on the
// same mappings makes such a fault read one page instead of a readahead
// window, so what a restart runs comes back without its neighbours.
// Measured with bench/small (dock0 shape): pageout takes Pss_File from ~38 to
// ~10 MiB, random ~2 MiB more, the GC ~1.5 MiB of Pss_Anon, malloc_trim ~0.4;
// MADV_COLD changed nothing (the pages stay mapped) and is not a default.
// Flushed bytecode is compiled again from the source if it runs again (the
// first restart after the trim recompiles what a restart runs, once).
// $TSINIT_TRIM picks the levers (a comma list of v8,flush,malloc,pageout,cold,random;
// "off" for none), so each can be measured and a machine can opt out.
import { readFileSync, readlinkSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { elapsed } from "../cli/timed";

const SETTLE_MS = 1000;
/** Last-resort GCs in a row for "flush" (bench/small: Pss_Anon 9.3 -> 8.1 MiB
 *  with 6, 7.8 with 10; the trim takes ~100 ms more, once). */
const FLUSH_GCS = 10;
const CAP_MS = 10_000;

export const LEVERS = ["v8", "flush", "malloc", "pageout", "cold", "random"] as const;
export type Lever = (typeof LEVERS)[number];
export const DEFAULT_LEVERS: Lever[] = ["v8", "flush", "malloc", "pageout", "random"];

/** The levers named by spec ($TSINIT_TRIM): unset = the defaults, "off" = none. */
export function parseLevers(spec: string | undefined): Lever[] {
  if (spec === undefined || spec === "") return DEFAULT_LEVERS;
  if (spec === "off") return [];
  return spec.split(",").filter((l): l is Lever => (LEVERS as readonly string[]).includes(l));
}

/** One line of /proc/self/maps reduced to what madvise needs. */
export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
}

/** Parses /proc/PID/maps text; the path is everything after the inode (it may hold spaces). */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$/);
    if (m) out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3]!, path: m[4]! });
  }
  return out;
}

/** The executable's own mappings that hold only file pages: not writable
 *  (a written private page is anonymous memory; there is nothing to page out). */
export function executableMappings(maps: Mapping[], exe: string): Mapping[] {
  return maps.filter((m) => m.path === exe && !m.perms.includes("w"));
}

/** The Pss, Pss_Anon and Pss_File lines of /proc/self/smaps_rollup, in KiB. */
export function ownPss(): { pss: number; anon: number; file: number } {
  const text = readFileSync("/proc/self/smaps_rollup", "latin1");
  const kib = (field: string) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m"))?.[1] ?? NaN);
  return { pss: kib("Pss"), anon: kib("Pss_Anon"), file: kib("Pss_File") };
}

const mib = (kib: number) => (kib / 1024).toFixed(1);
const show = (p: { pss: number; anon: number; file: number }) => `${mib(p.pss)} MiB (anon ${mib(p.anon)}, file ${mib(p.file)})`;

/** Gives back start-up memory with the levers given; returns the log detail. */
export function trimNow(levers: Lever[]): string {
  const before = ownPss();
  const has = (l: Lever) => levers.includes(l);
  if (has("v8")) sys.collectAllGarbage();
  // V8 drops a function's bytecode once it has not run for --bytecode-old-age
  // (6) full GCs; an idle init makes none, so what only stage 1 ran would stay.
  if (has("flush")) sys.collectAllGarbage(FLUSH_GCS);
  if (has("malloc")) sys.mallocTrim(0);
  const advice = (["random", "cold", "pageout"] as const).filter(has).map((l) => l.toUpperCase());
  if (advice.length) {
    // readlink, not process.execPath: after a rename over the file the maps say "PATH (deleted)" as this does.
    const exe = readlinkSync("/proc/self/exe");
    for (const m of executableMappings(parseMaps(readFileSync("/proc/self/maps", "latin1")), exe))
      for (const a of advice) sys.madvise(m.start, m.end - m.start, a);
  }
  return `${levers.join(",")}: PSS ${show(before)} -> ${show(ownPss())}`;
}

/** Arms the one trim after boot: SETTLE_MS after the last child exit (tasks
 *  ending, services failing at start), and no later than CAP_MS after now.
 *  Timers only, re-armed by events: nothing wakes while idle. Returns the
 *  disarm: a shutdown calls it, since memory given back just before power-off
 *  helps nobody and the GCs took the CPU from the stop (in qemu's one emulated
 *  CPU, 0.5-1.6 s of the power button's time to off). */
export function armTrim(say: (line: string) => void = logLine, levers = parseLevers(process.env.TSINIT_TRIM)): () => void {
  if (!levers.length) return () => undefined;
  const armedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    // Spawns still being made or reported (run's spawn is on the addon's
    // thread, so a scan returns before its services are up) are start-up
    // too: look again once they have been quiet for SETTLE_MS. The cap holds.
    const { owed, lastReportAt } = sys.spawnActivity();
    const quietFor = Date.now() - lastReportAt;
    if ((owed > 0 || quietFor < SETTLE_MS) && Date.now() < armedAt + CAP_MS) {
      const wait = owed > 0 ? SETTLE_MS : SETTLE_MS - quietFor;
      timer = setTimeout(run, Math.max(1, Math.min(wait, armedAt + CAP_MS - Date.now())));
      timer.unref();
      return;
    }
    sys.events.off("exit", rearm);
    const t0 = process.hrtime.bigint();
    try {
      const detail = trimNow(levers);
      say(`boot: gave back start-up memory: ${detail} (${elapsed(t0)})`);
    } catch (e) {
      logLine(`boot: unable to give back start-up memory: ${reason(e)} (${elapsed(t0)})`);
    }
  };
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(run, Math.max(0, Math.min(SETTLE_MS, armedAt + CAP_MS - Date.now())));
    timer.unref();
  };
  sys.events.on("exit", rearm);
  rearm();
  return () => {
    sys.events.off("exit", rearm);
    clearTimeout(timer);
  };
}
