// Stopping every service of a scanner in order: group by group, dependents
// before what they depend on (s6/deps.ts stopOrder), then what was never in the
// graph, then the loggers last, so the final lines still reach the logs.
// Each step waits for the previous group to be gone. Every service is told to
// stop once, and each exit costs O(1) here: the live services are indexed by
// name once, and a stage counts what it still waits for (looking at all of
// them again at every exit made a stop of 1000 services quadratic).

/** What a staged stop needs of a service. */
export interface Stoppable {
  readonly name: string;
  remove(): void;
}

/** One shutdown of one scanner. */
export class StagedStop {
  /** the live services by name, read at the first step; exits leave it */
  private byName: Map<string, Stoppable> | null = null;
  /** told to stop in the current stage, not exited yet: the next stage waits for none */
  private readonly waiting = new Set<Stoppable>();
  private stage: "groups" | "rest" | "logs" | "done" = "groups";
  private busy = false;
  private again = false;

  constructor(
    private readonly groups: string[][],
    private readonly live: () => Iterable<Stoppable>,
  ) {}

  /** Starts or continues: call once at first, and with each service that
   *  exits. A service already down exits inside remove(), which calls back
   *  here: that call only asks for another look once this one is done. */
  advance(exited?: Stoppable): void {
    if (exited) {
      this.byName?.delete(exited.name);
      this.waiting.delete(exited);
    }
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    do {
      this.again = false;
      this.step();
    } while (this.again);
    this.busy = false;
  }

  private step(): void {
    const byName = (this.byName ??= new Map([...this.live()].map((s) => [s.name, s])));
    // The last stage told to stop is still stopping.
    if (this.waiting.size > 0) return;
    if (this.stage === "groups") {
      while (this.groups.length > 0) {
        const todo = this.groups.shift()!.flatMap((n) => byName.get(n) ?? []);
        if (todo.length > 0) return this.stopAll(todo);
      }
      this.stage = "rest";
    }
    const isLog = (s: Stoppable) => s.name.endsWith("/log");
    if (this.stage === "rest") {
      this.stage = "logs";
      const rest = [...byName.values()].filter((s) => !isLog(s));
      if (rest.length > 0) return this.stopAll(rest);
    }
    if (this.stage === "logs") {
      this.stage = "done";
      const logs = [...byName.values()];
      if (logs.length > 0) return this.stopAll(logs);
    }
  }

  // All of them are waited for before any is told: one that exits inside
  // remove() must not let the next stage begin while its group still stops.
  private stopAll(todo: Stoppable[]): void {
    for (const s of todo) this.waiting.add(s);
    for (const s of todo) s.remove();
  }
}
