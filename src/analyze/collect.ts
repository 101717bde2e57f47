// Collects the boot record from what the running system already has: the
// catch-all log's stamped `boot:` lines, RUNDIR/task/*.json, each service's
// supervise/ files and dependencies, and PID 1's start from /proc. Nothing
// here asks PID 1 anything: a wedged init can still be analyzed.
import { codeOf } from "../sys/errors";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { TaskRecord } from "../supervise/task-record";
import { decodeDeathTally, decodeStatus, type Stamp } from "../s6/status-file";
import { scanServices } from "../supervise/scandir";
import { readWaitingFile } from "../supervise/dep-gate";
import { readDependencies } from "../supervise/deps-read";
import { offset, parseStepLines, stepUnit, type BootRecord, type StepLine, type Unit } from "./record";

/** Linux's USER_HZ: /proc's clock ticks are this on every architecture we run on. */
const CLK_TCK = 100;

/** PID 1's start: wall ms (derived from the boot-relative start and uptime) and kernel seconds. */
export function pid1Start(proc = "/proc", now = Date.now()): { wallMs: number; kernelSec: number } | null {
  try {
    const stat = readFileSync(`${proc}/1/stat`, "utf8");
    // comm may hold spaces and parens: the fields start after the last ")"; starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const kernelSec = Number(fields[19]) / CLK_TCK;
    const uptime = Number(readFileSync(`${proc}/uptime`, "utf8").split(" ")[0]);
    if (!Number.isFinite(kernelSec) || !Number.isFinite(uptime)) return null;
    return { wallMs: now - (uptime - kernelSec) * 1000, kernelSec };
  } catch {
    return null;
  }
}

/** The catch-all's text, rotated archives (@TAI64N names sort by time) before current. */
export function readCatchAll(dir: string): string {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.startsWith("@"))
      .sort();
  } catch (e) {
    // No catch-all: no boot steps. One we may not read (a user's EACCES) is
    // said as such, not taken for "not booted by tsinit".
    if (codeOf(e) === "ENOENT") return "";
    throw e;
  }
  names.push("current");
  return names
    .map((n) => {
      try {
        return readFileSync(`${dir}/${n}`, "utf8");
      } catch {
        return "";
      }
    })
    .join("\n");
}

const wall = (s: Stamp) => s.unixSec * 1000 + s.nsec / 1e6;

/** Where our PID 1 may be: /proc/1 from outside its pid namespace is another
 *  init, started long before; then the first logged step stands in for zero. */
export function chooseZero(start: { wallMs: number; kernelSec: number } | null, steps: StepLine[]) {
  const first = steps.length > 0 ? steps[0]!.endWallMs - steps[0]!.ms : null;
  const plausible = start && (first === null || (start.wallMs <= first + 50 && first - start.wallMs < 600_000));
  if (plausible) return { zeroWallMs: start!.wallMs, zeroKernelSec: start!.kernelSec, zeroSource: "proc" as const };
  return { zeroWallMs: first ?? Date.now(), zeroKernelSec: null, zeroSource: "catch-all" as const };
}

/** One task record's unit. */
export function taskUnit(r: TaskRecord, zero: number, queued: number | undefined): Unit {
  const deps = typeof r.path === "string" && r.path.endsWith("/run") ? readDependencies(r.path.slice(0, -4)).deps : [];
  const state = r.state === "exited" ? (r.signal ? `killed ${r.signal}` : `exited ${r.code}`) : r.state;
  return {
    kind: "task",
    name: r.name,
    queued,
    deps,
    state,
    start: r.startedAt ? offset(Date.parse(r.startedAt), zero) : undefined,
    ready: r.endedAt ? offset(Date.parse(r.endedAt), zero) : undefined,
  };
}

/** One service's unit from its supervise/ files; queued is when supervise/lock appeared. */
export function serviceUnit(name: string, path: string, zero: number): Unit {
  const deps = readDependencies(path).deps;
  const unit: Unit = { kind: "service", name, deps, state: "unknown" };
  try {
    unit.queued = offset(statSync(`${path}/supervise/lock`).ctimeMs, zero);
  } catch {
    /* not supervised yet */
  }
  let st;
  try {
    st = decodeStatus(readFileSync(`${path}/supervise/status`));
  } catch {
    /* no status yet: unknown */
  }
  if (!st) return unit;
  const waiting = readWaitingFile(`${path}/supervise`) as { waitsFor?: unknown[] } | null;
  if (st.pid > 0 && !st.finishing) {
    unit.state = "up";
    unit.start = offset(wall(st.stamp), zero);
    // Without notification-fd, up is ready (dependents start at once): s6-rc's rule too.
    if (st.ready) unit.ready = offset(wall(st.readyStamp), zero);
    else if (!existsSync(`${path}/notification-fd`)) unit.ready = unit.start;
  } else {
    unit.state = Array.isArray(waiting?.waitsFor) && waiting.waitsFor.length > 0 ? "waiting" : "down";
  }
  try {
    const deaths = decodeDeathTally(readFileSync(`${path}/supervise/death_tally`)).length;
    if (deaths > 0) unit.restarts = deaths;
  } catch {
    /* none recorded */
  }
  return unit;
}

/** What ran before the first logged step. PID 1's process starts in the
 *  kernel: with an initrd, its /init runs first and execs us later. The
 *  "exec to the catch-all log" step starts at our exec (an older tsinit
 *  without it: everything before the first step is one span). */
export function beforeExec(steps: Unit[]): Unit[] {
  const exec = steps.find((u) => u.name === EXEC_STEP);
  const first = exec?.start ?? steps[0]?.start;
  if (first === undefined || first < 1) return [];
  const name = exec ? "PID 1 before tsinit's exec (initrd)" : "before the catch-all log (console only)";
  return [{ kind: "step", name, start: 0, ready: first, deps: [], state: "ok" }];
}

/** The step init-main logs once the catch-all is open: its span is exec → that moment. */
export const EXEC_STEP = "exec to the catch-all log";

/** The record of the running system: RUNDIR holds log/catch-all and task/, SCANDIR the live services. */
export function collect(rundir: string, scandir: string, proc = "/proc"): BootRecord {
  const now = Date.now();
  const steps = parseStepLines(readCatchAll(`${rundir}/log/catch-all`));
  const zero = chooseZero(pid1Start(proc, now), steps);
  const z = zero.zeroWallMs;
  const units: Unit[] = [];
  units.push(...steps.map((s) => stepUnit(s, z)));
  if (zero.zeroSource === "proc") units.unshift(...beforeExec(units));
  const tasksQueued = units.find((u) => u.kind === "step" && u.name.startsWith("start tasks"))?.start;
  let taskFiles: string[] = [];
  try {
    taskFiles = readdirSync(`${rundir}/task`)
      .filter((n) => n.endsWith(".json") && !n.startsWith("."))
      .sort();
  } catch {
    /* no tasks */
  }
  for (const f of taskFiles) {
    try {
      const r = JSON.parse(readFileSync(`${rundir}/task/${f}`, "utf8")) as TaskRecord;
      if (r && typeof r.name === "string") units.push(taskUnit(r, z, tasksQueued));
    } catch {
      /* half-written or foreign: skip */
    }
  }
  let services: Array<{ name: string; path: string }> = [];
  try {
    services = scanServices(scandir.replace(/\/+$/, "") || "/");
  } catch {
    /* no scan dir: steps and tasks only */
  }
  for (const s of services) units.push(serviceUnit(s.name, s.path, z));
  return { version: 1, collectedAt: new Date(now).toISOString(), ...zero, collectedMs: now - z, units };
}
