// STATE/task/NAME.json: what the init keeps about a one-shot task of
// /etc/s6/task, beside the services' supervise/tsinit-record. Written by the
// start-up that runs the tasks (boot/tasks.ts) whenever a task changes state;
// read by `tsinit status` and `tsinit analyze`. JSON, so people can read it too.

/** What STATE/task/NAME.json holds. */
export interface TaskRecord {
  name: string;
  path: string;
  state: "waiting" | "running" | "exited" | "failed";
  /** while waiting: dependencies not ready yet, and those that never will be */
  waitsFor?: string[];
  blockedBy?: string[];
  pid: number;
  startedAt: string;
  endedAt: string | null;
  /** exit code, or null when killed or never started */
  code: number | null;
  signal: number | null;
  error: string | null;
}
