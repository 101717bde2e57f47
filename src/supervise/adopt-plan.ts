// Which processes a supervisor may take over, decided from what the service
// dirs' supervise/status files claim and what /proc says. Pure: the caller
// gathers both (adopt.ts) and applies the plan.
//
// A status file is a claim, not a fact: it may be empty, truncated, random,
// stale (its pid reused since), or name another service's process. A claim
// holds only for a live process that started no later than the status stamp
// (the stamp is taken just before the spawn; a reused pid started after the
// original died, so after its stamp), that no other service claims, that the
// supervisor does not know as something else (a task, a container's CMD),
// and — after a re-exec — that is still our child. A service whose claim fails is
// started afresh, so whatever still runs with its dir as cwd is its previous
// instance and is stopped first: never two copies of one service.
import type { SuperviseStatus } from "../s6/status-file";
import { stampToMs } from "../s6/status-file";

/** One service dir and what its supervise/status says. */
export interface StatusClaim {
  /** the service dir as the kernel resolves it (the form /proc/PID/cwd takes) */
  dir: string;
  /** the decoded status; null when absent or it does not decode */
  status: SuperviseStatus | null;
}

/** What /proc says about one process. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  session: number;
  state: string;
  /** wall-clock ms, to a tick */
  startMs: number;
  /** null when unreadable */
  cwd: string | null;
}

/** How far a start time may lie after the status stamp: the stamp is taken
 *  just before fork (ms, more on a loaded machine), starttime counts whole
 *  ticks and the boot time is read to a tick. A reused pid cannot start this
 *  soon after the process it replaces was spawned: pids are handed out in
 *  order and wrap only after pid_max others. */
export const START_SLACK_MS = 1000;

/** What to do with the processes found. */
export interface AdoptionPlan {
  /** service dir → its status, for each claim that holds */
  adopt: Map<string, SuperviseStatus>;
  /** processes to stop before the fresh start of the dir they run in */
  stop: Array<{ pid: number; dir: string; why: string }>;
  /** claims that failed, for the log */
  refused: Array<{ dir: string; pid: number; why: string }>;
}

/** The service dir a cwd belongs to: the longest dir that is it or holds it. */
export function dirOf(cwd: string | null, dirs: readonly string[]): string | null {
  if (!cwd) return null;
  let best: string | null = null;
  for (const d of dirs) {
    if ((cwd === d || cwd.startsWith(d.endsWith("/") ? d : `${d}/`)) && (!best || d.length > best.length)) best = d;
  }
  return best;
}

/** Why pid cannot be dir's process, or "" when it can. children: the
 *  process must be our child (a re-exec); else it must not be (a scanner
 *  that died left it to the namespace's init) and must look like a spawn of
 *  ours: cwd the service dir or a session leader (run gets its own session). */
function refusal(claim: StatusClaim, p: ProcInfo | undefined, self: number, children: boolean, clock?: Clock): string {
  const st = claim.status!;
  // A status left from an earlier boot (or written under another clock) names
  // a pid that means nothing now; without a re-exec's ppid check, only the
  // stamp tells it apart.
  if (clock && (stampToMs(st.stamp) < clock.bootMs - START_SLACK_MS || stampToMs(st.stamp) > clock.nowMs + START_SLACK_MS)) return "written before this boot";
  if (!p || p.state === "Z") return "not running";
  if (children && p.ppid !== self) return "not a child of this supervisor";
  if (!children && p.ppid === self) return "a child of this supervisor";
  if (!children && p.cwd !== claim.dir && p.session !== p.pid) return "neither in the service dir nor a session leader";
  if (p.startMs > stampToMs(st.stamp) + START_SLACK_MS) return "started after the status was written (pid reused)";
  return "";
}

/** The boot's wall-clock time and now, in ms. */
export interface Clock {
  bootMs: number;
  nowMs: number;
}

/** Each claim checked, and each pid given to at most one service: the one
 *  it runs in when several claim it (a forged or stale status naming another
 *  service's process), else none. */
function verifyClaims(
  claims: readonly StatusClaim[],
  procs: ReadonlyMap<number, ProcInfo>,
  self: number,
  children: boolean,
  clock?: Clock,
  others: Others = new Map(),
) {
  const held = new Map<string, SuperviseStatus>();
  const refused: AdoptionPlan["refused"] = [];
  const byPid = new Map<number, StatusClaim[]>();
  for (const c of claims) {
    if (!c.status || c.status.pid <= 0) continue;
    const other = others.get(c.status.pid);
    const why = other ? `it is ${other}` : refusal(c, procs.get(c.status.pid), self, children, clock);
    if (why) refused.push({ dir: c.dir, pid: c.status.pid, why });
    else byPid.set(c.status.pid, [...(byPid.get(c.status.pid) ?? []), c]);
  }
  for (const [pid, list] of byPid) {
    const home =
      list.length === 1
        ? list[0]!
        : list.find(
            (c) =>
              c.dir ===
              dirOf(
                procs.get(pid)!.cwd,
                list.map((x) => x.dir),
              ),
          );
    for (const c of list) {
      if (c === home) held.set(c.dir, c.status!);
      else refused.push({ dir: c.dir, pid, why: home ? `it is ${home.dir}'s process` : `claimed by ${list.length} services` });
    }
  }
  return { held, refused };
}

/** pid → what the supervisor already knows it as ("task NAME's process",
 *  "the container's command"): never a service's, whatever a status says. */
export type Others = ReadonlyMap<number, string>;

/** After a re-exec: the claims that hold are adopted; our children that run
 *  in a service dir whose claim did not hold (a status that does not decode,
 *  a refused pid, a service removed meanwhile) are that service's previous
 *  instance and are stopped before its fresh start. A pid in others is
 *  neither adopted nor stopped: its owner watches it. */
export function planAdoption(claims: readonly StatusClaim[], procs: ReadonlyMap<number, ProcInfo>, self: number, others: Others = new Map()): AdoptionPlan {
  const { held, refused } = verifyClaims(claims, procs, self, true, undefined, others);
  const plan: AdoptionPlan = { adopt: held, stop: [], refused };
  const adopted = new Set([...held.values()].map((s) => s.pid));
  const dirs = claims.map((c) => c.dir);
  for (const p of procs.values()) {
    if (p.ppid !== self || p.state === "Z" || adopted.has(p.pid) || others.has(p.pid)) continue;
    const dir = dirOf(p.cwd, dirs);
    if (dir && !held.has(dir)) plan.stop.push({ pid: p.pid, dir, why: "left running by a service that starts afresh" });
  }
  return plan;
}

/** A new scanner where an earlier one died (SIGKILL): its services run on
 *  under the namespace's init, no children of ours, so they cannot be waited
 *  for as ours; each one a status truly names is stopped before the fresh
 *  start (never a second copy). Nothing is adopted. */
export function planSurvivors(claims: readonly StatusClaim[], procs: ReadonlyMap<number, ProcInfo>, self: number, clock: Clock): AdoptionPlan {
  const { held, refused } = verifyClaims(claims, procs, self, false, clock);
  const stop = [...held].map(([dir, st]) => ({ pid: st.pid, dir, why: "left running by a supervisor that died" }));
  return { adopt: new Map(), stop, refused };
}

/** After a re-exec when /proc cannot be read: each claim whose pid is alive
 *  (alive(pid): kill 0), that no other service claims and that is not known
 *  as something else is adopted on its status's word. Parentage and start
 *  time cannot be checked; starting such a service afresh would run it
 *  twice. Nothing is stopped: nothing can be seen to be a leftover. */
export function planUnchecked(claims: readonly StatusClaim[], alive: (pid: number) => boolean, others: Others = new Map()): AdoptionPlan {
  const plan: AdoptionPlan = { adopt: new Map(), stop: [], refused: [] };
  const claimants = new Map<number, number>();
  for (const c of claims) if (c.status && c.status.pid > 0) claimants.set(c.status.pid, (claimants.get(c.status.pid) ?? 0) + 1);
  for (const c of claims) {
    if (!c.status || c.status.pid <= 0) continue;
    const pid = c.status.pid;
    const other = others.get(pid);
    const n = claimants.get(pid)!;
    const why = other ? `it is ${other}` : n > 1 ? `claimed by ${n} services` : alive(pid) ? "" : "not running";
    if (why) plan.refused.push({ dir: c.dir, pid, why });
    else plan.adopt.set(c.dir, c.status);
  }
  return plan;
}
