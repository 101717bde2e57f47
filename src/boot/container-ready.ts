// When a container's CMD may start: once every service and task in the
// dependency gate is ready (or has failed for good: waiting on it would only
// burn the bound), or after the --wait bound. The gate already hears every
// readiness change, so this listens there instead of looking again and again.
import { DepGate, type GateMember } from "../supervise/dep-gate";
import type { DepState } from "../s6/deps";
import { within } from "../cli/timed";

/** A DepGate that can say when all its members have settled. */
export class ReadyGate extends DepGate {
  private readonly names = new Set<string>();
  private onChange: (() => void) | null = null;

  override add(member: GateMember): void {
    this.names.add(member.node.name);
    super.add(member);
  }

  override remove(name: string): void {
    this.names.delete(name);
    super.remove(name);
    this.wake();
  }

  override update(name: string, state: DepState): void {
    super.update(name, state);
    this.wake();
  }

  /** Members neither ready nor failed, by name. */
  pending(): string[] {
    return [...this.names]
      .filter((n) => {
        const s = this.state(n);
        return s !== "ready" && s !== "failed";
      })
      .sort();
  }

  /** Resolves true once nothing is pending, false when ms pass first. */
  async settled(ms: number): Promise<boolean> {
    if (this.pending().length === 0) return true;
    if (ms <= 0) return false;
    const all = new Promise<void>((resolve) => {
      this.onChange = () => {
        if (this.pending().length === 0) resolve();
      };
    });
    const ok = await within(all, ms);
    this.onChange = null;
    return ok;
  }

  private wake(): void {
    this.onChange?.();
  }
}
