// The blame list (like systemd-analyze blame): every unit with its start
// offset and its time to up/ready/exit, slowest first, then one summary line.
// Pure: record in, text out.
import { timeToReady, type BootRecord, type Unit } from "./record";

/** ms as "1.234s" or "12ms": seconds once it is long enough to matter. */
export function ms(v: number): string {
  return Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(3)}s` : `${v.toFixed(v < 10 ? 1 : 0)}ms`;
}

/** Units in blame order: time to ready descending; unfinished ones (no time) last, by name. */
export function blameOrder(units: readonly Unit[]): Unit[] {
  const key = (u: Unit) => timeToReady(u) ?? -1;
  return [...units].sort((a, b) => key(b) - key(a) || (a.start ?? Infinity) - (b.start ?? Infinity) || a.name.localeCompare(b.name));
}

/** The kernel-relative seconds of an offset, when zero's kernel time is known. */
const kernel = (r: BootRecord, at: number) => (r.zeroKernelSec === null ? null : r.zeroKernelSec + at / 1000);

/** "init started at X s (kernel), all services ready at Y s" (or what is still missing). */
export function summary(r: BootRecord): string {
  const services = r.units.filter((u) => u.kind === "service");
  const start =
    r.zeroKernelSec === null ? "init started at ? s (kernel: /proc/1 is not this init's)" : `init started at ${r.zeroKernelSec.toFixed(2)} s (kernel)`;
  const late = services.filter((u) => u.ready === undefined).map((u) => `${u.name} (${u.state})`);
  if (services.length === 0) return `${start}, no services`;
  const last = Math.max(...services.map((u) => u.ready ?? 0));
  const k = kernel(r, last);
  const at = k === null ? `+${ms(last)} after init` : `${k.toFixed(2)} s (+${ms(last)} after init)`;
  if (late.length > 0) return `${start}, not every service is ready: ${late.join(", ")}; the others by ${at}`;
  return `${start}, all services ready at ${at}`;
}

const detail = (u: Unit): string => {
  const parts: string[] = [];
  if (u.kind !== "step") parts.push(u.state);
  // The wait is the boot's: after a restart, start is the last start's, and
  // start - queued would blame the boot for the service's own later life.
  if (!u.restarts && u.queued !== undefined && u.start !== undefined && u.start - u.queued >= 1) parts.push(`waited ${ms(u.start - u.queued)}`);
  if (u.deps.length > 0) parts.push(`after ${u.deps.join(", ")}`);
  if (u.restarts) parts.push(`restarted ${u.restarts}x: times are the last start's`);
  return parts.join("; ");
};

/** The whole blame text: header, one line per unit, the summary. */
export function formatBlame(r: BootRecord): string {
  const rows = blameOrder(r.units).map((u) => {
    const t = timeToReady(u);
    return [t === undefined ? "-" : ms(t), u.start === undefined ? "-" : `+${ms(u.start)}`, u.kind, u.name, detail(u)];
  });
  const head = ["TIME", "START", "KIND", "UNIT", "NOTES"];
  // A long step name (the mirror's paths) must not push every note off the screen.
  const widths = head.map((h, i) => Math.min(i === 3 ? 40 : Infinity, Math.max(h.length, ...rows.map((row) => row[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padStart(widths[i]!) : i < 4 ? c.padEnd(widths[i]!) : c))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line), "", summary(r)].join("\n") + "\n";
}
