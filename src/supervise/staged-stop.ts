// Stopping every service of a scanner in order: group by group, dependents
// before what they depend on (s6/deps.ts stopOrder), then what was never in the
// graph, then the loggers last, so the final lines still reach the logs.
// Each step waits for the previous group to be gone.

/** What a staged stop needs of a service. */
export interface Stoppable {
  readonly name: string;
  remove(): void;
}

/** One shutdown of one scanner. */
export class StagedStop {
  private readonly removing = new Set<string>();
  /** the group told to stop last: the next one waits until none of it is left */
  private pending: string[] = [];
  private busy = false;
  private again = false;

  constructor(
    private readonly groups: string[][],
    private readonly live: () => Iterable<Stoppable>,
  ) {}

  /** Starts or continues: call once at first and after every exit. A service
   *  already down exits inside remove(), which calls back here: that call
   *  only asks for another look once this one is done. */
  advance(): void {
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

  private stop(s: Stoppable): void {
    if (this.removing.has(s.name)) return;
    this.removing.add(s.name);
    s.remove();
  }

  private step(): void {
    const live = [...this.live()];
    const byName = new Map(live.map((s) => [s.name, s]));
    if (this.pending.some((n) => byName.has(n))) return; // the last group is still stopping
    while (this.groups.length > 0) {
      const todo = this.groups.shift()!.flatMap((n) => byName.get(n) ?? []);
      if (todo.length === 0) continue;
      this.pending = todo.map((s) => s.name);
      for (const s of todo) this.removing.add(s.name);
      for (const s of todo) s.remove();
      return;
    }
    const isLog = (s: Stoppable) => s.name.endsWith("/log");
    for (const s of live) if (!isLog(s)) this.stop(s);
    if ([...this.live()].some((s) => !isLog(s))) return;
    for (const s of [...this.live()]) this.stop(s);
  }
}
