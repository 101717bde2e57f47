// The boot record `tsinit analyze` works on: every unit (stage-1 step, task,
// service) with its times in ms from PID 1's start. It is what --save writes
// and --from reads, so everything else here is a pure function of it.

/** What a unit is; the chart and the blame list show each kind alike. */
export type UnitKind = "step" | "task" | "service";

/** One unit; times are ms from PID 1's start, absent when it never happened. */
export interface Unit {
  kind: UnitKind;
  name: string;
  /** handed to its supervisor or the dependency gate: waiting starts (tasks, services) */
  queued?: number;
  /** step start, task start, service spawn (the last one, see restarts) */
  start?: number;
  /** service: ready (up, for one without notification-fd); step, task: end */
  ready?: number;
  /** what depends on what: names of tasks and services */
  deps: string[];
  /** "up", "down", "exited 0", "killed 9", "waiting", "failed", "ok" */
  state: string;
  /** service: deaths recorded in death_tally since its supervisor started */
  restarts?: number;
}

/** The whole record. */
export interface BootRecord {
  /** format version of this JSON */
  version: 1;
  /** when the record was collected (ISO) */
  collectedAt: string;
  /** PID 1's start as wall-clock ms (Date.now() scale) */
  zeroWallMs: number;
  /** PID 1's start in seconds since the kernel started, when /proc told us */
  zeroKernelSec: number | null;
  /** where zero came from: /proc/1/stat, or the first catch-all line */
  zeroSource: "proc" | "catch-all";
  /** ms from zero to the collection */
  collectedMs: number;
  units: Unit[];
}

/** One `boot:` step line of the catch-all as written: ISO stamp, then the message. */
export interface StepLine {
  /** wall ms at which the line was logged: the step's end */
  endWallMs: number;
  what: string;
  ms: number;
  failed: boolean;
}

// "2025-11-25T16:40:00.123Z tsinit: boot: WHAT[: detail] (1.2 ms)"; "unable to" marks a failed step.
const STEP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) \S+: boot: (.*) \((\d+(?:\.\d+)?) ms\)$/;

/** The stage-1 step lines of a catch-all file's text, in order. Only the
 *  first boot's: a re-exec logs its own steps later, which are not the boot's. */
export function parseStepLines(text: string): StepLine[] {
  const out: StepLine[] = [];
  for (const line of text.split("\n")) {
    if (/ \S+: boot: done in /.test(line) && out.length > 0) break;
    const m = STEP.exec(line);
    if (!m) continue;
    const failed = m[2]!.startsWith("unable to ");
    out.push({ endWallMs: Date.parse(m[1]!), what: m[2]!, ms: Number(m[3]), failed });
  }
  return out;
}

/** A step's unit: it ends at its line's stamp and began its duration earlier. */
export function stepUnit(s: StepLine, zeroWallMs: number): Unit {
  const end = s.endWallMs - zeroWallMs;
  return { kind: "step", name: s.what, start: end - s.ms, ready: end, deps: [], state: s.failed ? "failed" : "ok" };
}

/** ms from zero of a wall-clock instant, or undefined for a missing one. */
export function offset(wallMs: number | null | undefined, zeroWallMs: number): number | undefined {
  return wallMs === null || wallMs === undefined || !Number.isFinite(wallMs) || wallMs <= 0 ? undefined : wallMs - zeroWallMs;
}

/** Time to up/ready/exit: what the blame list sorts by; undefined while unfinished. */
export function timeToReady(u: Unit): number | undefined {
  return u.start !== undefined && u.ready !== undefined ? u.ready - u.start : undefined;
}

/** A record read back from --from: the fields checked enough that formatting cannot throw. */
export function checkRecord(v: unknown): BootRecord {
  const r = v as BootRecord | null;
  if (!r || typeof r !== "object" || r.version !== 1 || !Array.isArray(r.units) || typeof r.zeroWallMs !== "number") {
    throw new Error("not a tsinit analyze record (version 1)");
  }
  for (const u of r.units) {
    if (!u || typeof u.name !== "string" || !["step", "task", "service"].includes(u.kind)) throw new Error("a unit without kind or name");
    if (!Array.isArray(u.deps)) u.deps = [];
    if (typeof u.state !== "string") u.state = "";
  }
  return r;
}
