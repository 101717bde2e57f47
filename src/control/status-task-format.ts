// What `tsinit status` prints about one-shot tasks, as pure functions of their
// records (supervise/task-record.ts) and "now": rows for a second table, and JSON
// objects of kind "task" beside the services' kind "service".
import type { TaskRecord } from "../supervise/task-record";
import { signalName } from "../s6/signal-names";
import { formatDuration, renderTable, waitingNotes, type Colour } from "./status-format";

/** One task as read from RUNDIR/task/NAME.json. */
export interface TaskReport {
  name: string;
  /** the record file */
  path: string;
  /** null when the record could not be read (error says why) */
  record: TaskRecord | null;
  /** what its `dependencies` file / `dependencies.d/` names */
  dependencies: string[];
  error?: string;
}

export type TaskState = "waiting" | "running" | "exited" | "killed" | "failed" | "unknown";

/** The --json shape of one task. */
export interface TaskJson {
  kind: "task";
  name: string;
  path: string;
  /** exited: ended by exit(code); killed: by signal; failed: could not be started */
  state: TaskState;
  pid: number | null;
  startedAt: string | null;
  endedAt: string | null;
  code: number | null;
  /** signal name without "SIG", as services' lastExit has it */
  signal: string | null;
  error: string | null;
  waitsFor: string[];
  blockedBy: string[];
  dependencies: string[];
}

/** The record's state, with an exit by signal told apart from one by code. */
export function taskState(r: TaskRecord | null): TaskState {
  if (!r) return "unknown";
  if (r.state === "exited") return r.code === null && r.signal ? "killed" : "exited";
  return r.state === "waiting" || r.state === "running" || r.state === "failed" ? r.state : "unknown";
}

/** The STATE cell: waiting, running, exited N, killed SIGX, failed to start. */
export function taskStateText(r: TaskRecord | null): string {
  const state = taskState(r);
  if (state === "exited") return `exited ${r!.code}`;
  if (state === "killed") return `killed ${signalName(r!.signal!)}`;
  if (state === "failed") return "failed to start";
  return state;
}

const waitsOf = (r: TaskRecord | null) => ({ waitsFor: r?.waitsFor ?? [], blockedBy: r?.blockedBy ?? [] });

/** The JSON record of one task. */
export function taskToJson(t: TaskReport): TaskJson {
  const r = t.record;
  const w = r && r.state === "waiting" ? waitsOf(r) : { waitsFor: [], blockedBy: [] };
  return {
    kind: "task",
    name: t.name,
    path: t.path,
    state: taskState(r),
    pid: r?.pid ? r.pid : null,
    startedAt: r?.startedAt || null,
    endedAt: r?.endedAt ?? null,
    code: r?.code ?? null,
    signal: r?.signal ? signalName(r.signal).replace(/^SIG/, "") : null,
    error: t.error ?? r?.error ?? null,
    ...w,
    dependencies: t.dependencies,
  };
}

function colourOf(t: TaskReport): Colour | null {
  const state = taskState(t.record);
  if (state === "exited") return t.record!.code === 0 ? "green" : "red";
  if (state === "killed" || state === "failed") return "red";
  if (state === "waiting") return (t.record!.blockedBy ?? []).length > 0 ? "red" : "yellow";
  return null;
}

/** The tasks table: TASK, STATE, PID, ENDED (how long ago), NOTES (why it
 *  waits, or why it could not start). */
export function formatTaskTable(tasks: readonly TaskReport[], nowMs: number, colour: boolean): string {
  const rows = tasks.map((t) => {
    const r = t.record;
    const ended = r?.endedAt ? Date.parse(r.endedAt) : NaN;
    const note = t.error ?? (r?.state === "waiting" ? waitingNotes(waitsOf(r)) : (r?.error ?? ""));
    return {
      cells: [t.name, taskStateText(r), r?.pid ? String(r.pid) : "-", Number.isNaN(ended) ? "-" : `${formatDuration(nowMs - ended)} ago`, note],
      colour: colour ? colourOf(t) : null,
    };
  });
  return renderTable(["TASK", "STATE", "PID", "ENDED", "NOTES"], rows);
}
