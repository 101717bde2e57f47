// The SVG boot chart: one row per unit on a time axis (ms from PID 1's
// start), each row's segments coloured by phase, a line from each
// dependency's ready point to its dependent's start, labels, a legend. Pure:
// record in, SVG text out, so tests can check it without a browser.
import { ms, summary } from "./blame";
import { timeToReady, type BootRecord, type Unit } from "./record";

const ROW = 18,
  BAR = 12,
  TOP = 56,
  LEFT = 12,
  PLOT = 1000,
  RIGHT = 320;

/** Phase colours: the legend shows each with its meaning. */
export const PHASES = {
  step: { colour: "#8e6cc0", meaning: "stage-1 step (PID 1)" },
  waiting: { colour: "#c8c8c8", meaning: "supervised or queued, waiting for dependencies" },
  starting: { colour: "#f0a030", meaning: "spawned, up, not ready yet" },
  ready: { colour: "#5cb85c", meaning: "ready (until the record was taken)" },
  running: { colour: "#4a90d9", meaning: "task running, until it exited" },
} as const;
type Phase = keyof typeof PHASES;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Rows in chart order: by the first thing that happened to each unit. */
export function chartOrder(units: readonly Unit[]): Unit[] {
  const first = (u: Unit) => Math.min(u.queued ?? Infinity, u.start ?? Infinity, u.ready ?? Infinity);
  return [...units].sort((a, b) => first(a) - first(b) || a.name.localeCompare(b.name));
}

/** A tick spacing of 1, 2 or 5 × 10^k ms giving at most ~12 ticks. */
export function tickStep(span: number): number {
  const raw = Math.max(span, 1) / 12;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

/** The segments of one unit's bar as [phase, from, to] in ms; end is the chart's right edge. */
export function segments(u: Unit, end: number): Array<[Phase, number, number]> {
  const out: Array<[Phase, number, number]> = [];
  if (u.kind === "step") {
    if (u.start !== undefined) out.push(["step", u.start, u.ready ?? u.start]);
    return out;
  }
  if (u.queued !== undefined) out.push(["waiting", u.queued, u.start ?? end]);
  if (u.start === undefined) return out;
  if (u.kind === "task") {
    out.push(["running", u.start, u.ready ?? end]);
    return out;
  }
  out.push(["starting", u.start, u.ready ?? end]);
  if (u.ready !== undefined) out.push(["ready", u.ready, end]);
  return out;
}

/** The chart for a record. */
export function renderSvg(r: BootRecord): string {
  const units = chartOrder(r.units);
  const latest = Math.max(1, ...units.flatMap((u) => [u.queued ?? 0, u.start ?? 0, u.ready ?? 0]));
  const end = latest * 1.05;
  const x = (t: number) => LEFT + (Math.max(0, t) / end) * PLOT;
  const y = (i: number) => TOP + i * ROW;
  const height = TOP + units.length * ROW + 30 + Object.keys(PHASES).length * 16 + 30;
  const width = LEFT + PLOT + RIGHT;
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#d9534f"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">tsinit boot chart</text>`,
    `<text x="${LEFT}" y="34">${esc(summary(r))}; ms from PID 1's start (collected ${esc(r.collectedAt)})</text>`,
  ];
  // Time axis: a grid line and a label per tick.
  const step = tickStep(end);
  out.push(`<g class="axis" stroke="#e4e4e4">`);
  for (let t = 0; t <= end; t += step) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${TOP - 6}" x2="${x(t).toFixed(1)}" y2="${y(units.length)}"/><text x="${x(t).toFixed(1)}" y="${TOP - 9}" stroke="none" fill="#666" text-anchor="middle">${t >= 1000 ? `${t / 1000} s` : `${t} ms`}</text>`,
    );
  }
  out.push(`</g>`);
  units.forEach((u, i) => {
    const top = y(i) + (ROW - BAR) / 2;
    out.push(`<g class="unit" data-kind="${u.kind}" data-name="${esc(u.name)}">`);
    for (const [phase, from, to] of segments(u, end)) {
      const w = Math.max(1, x(to) - x(from));
      out.push(
        `<rect class="${phase}" data-from="${from.toFixed(1)}" x="${x(from).toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${BAR}" fill="${PHASES[phase].colour}"/>`,
      );
    }
    const t = timeToReady(u);
    const labelAt = x(u.ready ?? u.start ?? u.queued ?? 0);
    const note = `${u.kind === "step" ? "" : `${u.kind} `}${u.name}${t === undefined ? ` (${u.state})` : ` (${ms(t)})`}`;
    out.push(`<text x="${(labelAt + 4).toFixed(1)}" y="${top + BAR - 2}">${esc(note)}</text>`, `</g>`);
  });
  // Dependencies: from the dependency's ready point (its end, for a task) to the dependent's start.
  const row = new Map(units.map((u, i) => [u.name, i] as const));
  out.push(`<g class="deps" stroke="#d9534f" stroke-width="1" fill="none">`);
  units.forEach((u, i) => {
    const to = u.start ?? u.queued;
    for (const d of u.deps) {
      const j = row.get(d);
      const dep = j === undefined ? undefined : units[j]!;
      const from = dep?.ready ?? dep?.start;
      if (j === undefined || from === undefined || to === undefined) continue;
      const [x1, y1, x2, y2] = [x(from), y(j) + ROW / 2, x(to), y(i) + ROW / 2];
      out.push(
        `<path class="dep" data-from="${esc(d)}" data-to="${esc(u.name)}" d="M${x1.toFixed(1)},${y1} C${(x1 + 20).toFixed(1)},${y1} ${(x2 - 20).toFixed(1)},${y2} ${x2.toFixed(1)},${y2}" marker-end="url(#arrow)"/>`,
      );
    }
  });
  out.push(`</g>`);
  // Legend below the rows.
  let ly = y(units.length) + 24;
  out.push(`<g class="legend">`);
  for (const p of Object.values(PHASES)) {
    out.push(`<rect x="${LEFT}" y="${ly - 10}" width="24" height="10" fill="${p.colour}"/><text x="${LEFT + 30}" y="${ly}">${esc(p.meaning)}</text>`);
    ly += 16;
  }
  out.push(
    `<path d="M${LEFT},${ly - 5} L${LEFT + 24},${ly - 5}" stroke="#d9534f" marker-end="url(#arrow)"/><text x="${LEFT + 30}" y="${ly}">dependency: from its ready point to the dependent's start</text>`,
  );
  out.push(`</g>`, `</svg>`);
  return out.join("\n") + "\n";
}
