// A small boot record for the analyze unit tests: two steps, db (ready on
// fd 3) → web, a task after both, and one with no dependencies.
import type { BootRecord } from "../../src/analyze/record";

export const RECORD: BootRecord = {
  version: 1,
  collectedAt: "2025-01-01T00:00:10.000Z",
  zeroWallMs: 1_735_689_600_000,
  zeroKernelSec: 1.5,
  zeroSource: "proc",
  collectedMs: 10_000,
  units: [
    { kind: "step", name: "start the catch-all log", start: 400, ready: 402, deps: [], state: "ok" },
    { kind: "step", name: "start supervision", start: 420, ready: 470, deps: [], state: "ok" },
    { kind: "service", name: "db", queued: 450, start: 455, ready: 1500, deps: [], state: "up" },
    { kind: "service", name: "web", queued: 450, start: 1510, ready: 1510, deps: ["db"], state: "up" },
    { kind: "task", name: "report", queued: 410, start: 1520, ready: 1900, deps: ["db", "web"], state: "exited 0" },
    { kind: "task", name: "hello", queued: 410, start: 411, ready: 430, deps: [], state: "exited 0" },
  ],
};
