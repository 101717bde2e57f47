// Applies s6/deps.ts to the running machine: holds services and tasks until what
// they depend on is ready, releases them as readiness arrives (events, no
// polling), marks a service failed when it is not ready within its
// `timeout-up`, and writes why each waits (supervise/waiting for services,
// the task record for tasks) so `tsinit status` can say it.
import { readFileSync, unlinkSync } from "node:fs";
import { logLine } from "../cli/log";
import { checkGraph, plan, stopOrder, type DepNode, type DepState, type GraphCheck, type Waiting } from "../s6/deps";
import { writeAtomic } from "./s6dir";

const PROBLEMS_LOGGED = 5;
const PROBLEM_CHARS = 300;

/** One member of the graph as the gate drives it. */
export interface GateMember {
  node: DepNode;
  /** starts it (the gate calls this once, when its dependencies are ready) */
  release(): void;
  /** tells it why it waits (null once it no longer waits) */
  showWaiting(w: Waiting | null): void;
  /** ms to become ready after release before it counts as failed (0 = no limit) */
  timeoutUpMs: number;
  /** stops it and holds it again (a service: its dependency failed while it ran);
   *  absent for tasks, which run once */
  hold?(): void;
}

/** The dependency gate of one machine. */
export class DepGate {
  private readonly members = new Map<string, GateMember>();
  private readonly states = new Map<string, DepState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private check: GraphCheck = { problems: [], cyclic: new Set(), missing: new Set() };
  /** members came, went or changed since the graph was last checked: the
   *  check (cycles, missing names; ~10 ms at 1000 members) is redone only
   *  then, not at each readiness that replans */
  private graphStale = true;
  private reported = new Set<string>();
  private queued = false;
  /** what each waiting member was last told (JSON): a replan tells only the
   *  members whose reason changed. Every waiting member was told again at
   *  every replan, and a service writes its supervise/waiting each time: at
   *  1000 services in 24 levels, ~900 files rewritten per level. */
  private readonly told = new Map<string, string>();
  /** dependedOn()'s set, null when members changed since */
  private depNames: Set<string> | null = null;
  /** shutting down: members leave, and nothing is planned or reported any more */
  private closing = false;

  /** The machine is stopping: what leaves the graph now is no news. */
  close(): void {
    this.closing = true;
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
  }

  /** Whether the machine is stopping (close() was called). */
  isClosed(): boolean {
    return this.closing;
  }

  /** Adds (or replaces) a member; it starts at once if nothing holds it. */
  add(member: GateMember): void {
    this.members.set(member.node.name, member);
    this.told.delete(member.node.name); // a new member (or a replaced one) is told afresh
    this.depNames = null;
    this.graphStale = true;
    if (!this.states.has(member.node.name)) this.states.set(member.node.name, "waiting");
    this.schedule();
  }

  /** A member left (its directory was removed). */
  remove(name: string): void {
    this.members.delete(name);
    this.told.delete(name);
    this.depNames = null;
    this.graphStale = true;
    this.states.delete(name);
    this.clearTimer(name);
    this.schedule();
  }

  /** Readiness news from a service or task: "started", "ready", or "failed". */
  update(name: string, state: DepState): void {
    const before = this.states.get(name);
    if (before === undefined || before === state) return;
    // A service that was ready and restarts is "started" again; its dependents keep running.
    this.states.set(name, state);
    if (state !== "started") this.clearTimer(name);
    if (state === "failed" && before !== "failed") {
      logLine(`warning: ${name} failed: what depends on it stays down`);
      if (!this.closing) this.holdDependents(name);
    }
    // News of a member nothing depends on changes no one's plan: a crash loop
    // of an independent service made a replan of the whole graph (checkGraph,
    // O(members)) at every death and every restart.
    if (before === "waiting" || this.dependedOn().has(name)) this.schedule();
  }

  /** Every name some member depends on (made again after a member comes or goes). */
  private dependedOn(): Set<string> {
    this.depNames ??= new Set([...this.members.values()].flatMap((m) => m.node.deps));
    return this.depNames;
  }

  // A service that failed after its dependents started (restart-limit):
  // those that need it, directly or through others, are stopped and wait
  // again, blocked by it; once it is ready again they are released.
  private holdDependents(failed: string): void {
    const todo = [failed];
    const seen = new Set(todo);
    while (todo.length > 0) {
      const dep = todo.pop()!;
      for (const m of this.members.values()) {
        const name = m.node.name;
        if (seen.has(name) || !m.node.deps.includes(dep)) continue;
        seen.add(name);
        todo.push(name);
        const state = this.states.get(name);
        if (!m.hold || (state !== "started" && state !== "ready")) continue;
        logLine(`stopping ${name}: ${dep === failed ? "it depends on" : `its dependency ${dep} depends on`} ${failed}, which failed`);
        this.states.set(name, "waiting");
        this.clearTimer(name);
        m.hold();
      }
    }
  }

  /** Groups for shutdown: dependents before their dependencies. */
  stopGroups(): string[][] {
    return stopOrder([...this.members.values()].map((m) => m.node));
  }

  /** Why name waits, if it does (for tests and status). */
  state(name: string): DepState | undefined {
    return this.states.get(name);
  }

  // Many members arrive in one scan: plan once after the batch.
  private schedule(): void {
    if (this.queued || this.closing) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.replan();
    });
  }

  private replan(): void {
    const nodes = [...this.members.values()].map((m) => m.node);
    if (this.graphStale) this.checkAgain(nodes);
    const { start, waiting } = plan(nodes, this.states, this.check);
    for (const [name, w] of waiting) {
      const said = JSON.stringify(w);
      if (this.told.get(name) === said) continue;
      this.told.set(name, said);
      this.members.get(name)!.showWaiting(w);
    }
    for (const name of start) {
      const m = this.members.get(name)!;
      this.states.set(name, "started");
      this.told.delete(name);
      m.showWaiting(null);
      if (m.timeoutUpMs > 0) {
        this.timers.set(
          name,
          setTimeout(() => {
            this.timers.delete(name);
            if (this.states.get(name) === "started") {
              logLine(`warning: ${name} not ready after its timeout-up of ${m.timeoutUpMs} ms`);
              this.update(name, "failed");
            }
          }, m.timeoutUpMs),
        );
      }
      m.release();
    }
  }

  /** Checks the graph (cycles, missing names) and logs each problem once. */
  private checkAgain(nodes: DepNode[]): void {
    this.check = checkGraph(nodes);
    this.graphStale = false;
    const fresh = this.check.problems.filter((p) => !this.reported.has(p));
    for (const p of fresh) this.reported.add(p);
    // One bad file may name hundreds of missing services: a few lines, then a count.
    for (const p of fresh.slice(0, PROBLEMS_LOGGED)) logLine(`warning: ${p.length > PROBLEM_CHARS ? `${p.slice(0, PROBLEM_CHARS)}…` : p}`);
    if (fresh.length > PROBLEMS_LOGGED)
      logLine(`warning: and ${fresh.length - PROBLEMS_LOGGED} more dependency problems (tsinit status --json names every dependency)`);
  }

  private clearTimer(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }
}

/** Writes or removes DIR/supervise/waiting (JSON {waitsFor, blockedBy}) for `tsinit status`. */
export function showWaitingFile(superviseDir: string, w: Waiting | null): void {
  try {
    if (w) writeAtomic(superviseDir, "waiting", Buffer.from(JSON.stringify(w) + "\n"));
    else unlinkSync(`${superviseDir}/waiting`);
  } catch {
    /* a missing file when nothing waits, or a dir being removed */
  }
}

/** Reads DIR/supervise/waiting, or null. */
export function readWaitingFile(superviseDir: string): Waiting | null {
  try {
    return JSON.parse(readFileSync(`${superviseDir}/waiting`, "utf8")) as Waiting;
  } catch {
    return null;
  }
}
