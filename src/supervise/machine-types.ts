// The vocabulary of the supervision state machine (machine.ts): its config,
// state, phases, events and effects, the constants of its policy, and the
// wait-status arithmetic. Types and values only: no I/O, no logic of its own.
import type { SuperviseLetter } from "../s6/letters";
import { SIGTERM } from "../s6/signal-names";
import { freshHistory, type ServiceHistory } from "./machine-history";
import type { RestartLimit } from "./machine-limit";

export { THROTTLE_MS } from "./machine-history";

/** What the machine needs from the service directory (see config.ts). */
export interface SuperviseConfig {
  /** argv[1] of run and argv[3] of finish: the name s6-svscan used */
  name: string;
  hasFinish: boolean;
  /** ./down existed when the supervisor started (read only at start) */
  hasDownFile: boolean;
  downSignal: number;
  /** 0 = never SIGKILL after d */
  timeoutKillMs: number;
  /** 0 = let finish run forever */
  timeoutFinishMs: number;
  /** 0..4096; 0 keeps no death records */
  maxDeathTally: number;
  notificationFd: number | null;
  /** restart-delay-max in ms: 0 = no backoff (s6's throttle) */
  restartDelayMaxMs: number;
  /** restart-limit: COUNT deaths within a window make it failed; null = restart for ever */
  restartLimit: RestartLimit | null;
  /** notify-socket: readiness comes from READY=1 on run's NOTIFY_SOCKET (as from notification-fd) */
  notifySocket: boolean;
  /** watchdog-ms: with notifySocket, run must send WATCHDOG=1 this often or be killed; 0 = none */
  watchdogMs: number;
}

/** The defaults s6-supervise uses when a file is absent. */
export const DEFAULT_CONFIG: Omit<SuperviseConfig, "name"> = {
  hasFinish: false,
  hasDownFile: false,
  downSignal: SIGTERM,
  timeoutKillMs: 0,
  timeoutFinishMs: 5000,
  maxDeathTally: 100,
  notificationFd: null,
  restartDelayMaxMs: 0,
  restartLimit: null,
  notifySocket: false,
  watchdogMs: 0,
};

/** The timers the effects layer keeps, one of each kind at most. */
export type TimerKind = "restart" | "kill" | "finish" | "stable" | "watchdog";

/** Where the service is; see the phases at the top of machine.ts. */
export type Phase =
  | { kind: "init" }
  | { kind: "down" }
  | { kind: "throttled"; reason: "throttle" | "spawnFailed" }
  | { kind: "starting"; deferred: SuperviseLetter[] }
  | { kind: "up"; pid: number; dying: boolean }
  | { kind: "finishing"; pid: number | null }
  | { kind: "exited" };

/** One death of run, for supervise/death_tally. */
export interface Death {
  at: number;
  /** exit code, or 128 + signal */
  exitCode: number;
  /** 0 when run exited */
  signal: number;
}

/** Everything s6 keeps per service, plus the phase. */
export interface SuperviseState {
  phase: Phase;
  wantUp: boolean;
  paused: boolean;
  /** s6's flagready: set on readiness, and again when down-and-ready after finish */
  ready: boolean;
  /** x (or removal) was received: exit once run and finish are over */
  exitRequested: boolean;
  /** ms of the last spawn or death */
  stamp: number;
  /** ms of the last readiness or down-and-ready */
  readyStamp: number;
  /** ms of the last successful spawn of run, for the throttle */
  spawnedAt: number | null;
  /** raw wait status of run's last death */
  waitStatus: number;
  /** oldest first, at most config.maxDeathTally */
  deaths: Death[];
  /** why the last spawn of run failed, so a retry that fails alike says nothing new */
  lastSpawnFailure: string | null;
  /** a shutdown began: deaths are recorded, nothing is started again */
  frozen: boolean;
  /** restarts, last exit, crash loop, backoff: see ServiceHistory */
  history: ServiceHistory;
}

/** Inputs to the machine. */
export type SuperviseEvent =
  | { type: "start"; now: number }
  | { type: "control"; letter: SuperviseLetter }
  | { type: "spawned"; pid: number; now: number }
  | { type: "spawnFailed"; errno: string; now: number; during?: "exec" | "fork"; why?: string; path?: string }
  | { type: "died"; pid: number; status: number; now: number }
  | { type: "finishSpawned"; pid: number }
  | { type: "finishSpawnFailed"; errno: string; now: number }
  | { type: "finishDied"; pid: number; status: number; now: number }
  | { type: "timer"; kind: TimerKind; now?: number }
  | { type: "ready"; now: number }
  /** WATCHDOG=1 on the service's notify socket */
  | { type: "watchdog"; now: number }
  | { type: "removed" }
  /** a shutdown began: never start run again (see `frozen`) */
  | { type: "freeze" }
  /** before start or adopt after a re-exec: the history the previous image recorded */
  | { type: "restore"; history: ServiceHistory }
  /** a new image of PID 1 (re-exec) takes over what the old one left running,
   *  from supervise/status: run (or finish) is still our child */
  | { type: "adopt"; pid: number; finishing: boolean; wantUp: boolean; paused: boolean; ready: boolean; stamp: number; readyStamp: number; waitStatus: number };

/** Outputs of the machine, to be applied in order. */
export type Effect =
  | { type: "spawnRun"; notificationFd: number | null }
  | { type: "spawnFinish"; args: [string, string, string] }
  | { type: "kill"; pid: number; signal: number }
  | { type: "killGroup"; pgid: number; signal: number }
  | { type: "armTimer"; kind: TimerKind; ms: number }
  | { type: "cancelTimer"; kind: TimerKind }
  | { type: "writeStatus" }
  | { type: "writeDeathTally" }
  | { type: "event"; letters: string }
  | { type: "touchDown" }
  | { type: "unlinkDown" }
  | { type: "detachStdio" }
  /** run and finish are both gone: what they left behind (a daemon that
   *  double-forked) may be killed — the effects layer does it with cgroup.kill */
  | { type: "killLeftovers" }
  | { type: "log"; message: string }
  /** it became failed (restart-limit): the start-up acts on its on-failure */
  | { type: "failed" }
  | { type: "exited" };

/** The result of one step. */
export interface Step {
  state: SuperviseState;
  effects: Effect[];
}

/** Retry delay after run could not be executed (s6: 10 s). */
export const EXEC_RETRY_MS = 10_000;
/** Retry delay after fork/pipe failure (s6: 60 s). */
export const FORK_RETRY_MS = 60_000;
/** SIGKILL is repeated this often while a process refuses to die (s6: 5 s). */
export const KILL_REPEAT_MS = 5000;
/** s6's ceiling for max-death-tally. */
export const MAX_DEATH_TALLY = 4096;

/** A supervisor that has not received `start` yet. */
export function initialState(): SuperviseState {
  return {
    phase: { kind: "init" },
    wantUp: true,
    paused: false,
    ready: false,
    exitRequested: false,
    stamp: 0,
    readyStamp: 0,
    spawnedAt: null,
    waitStatus: 0,
    deaths: [],
    lastSpawnFailure: null,
    frozen: false,
    history: freshHistory(),
  };
}

/** True when the raw wait status says the process was killed by a signal. */
export function wasSignaled(status: number): boolean {
  const sig = status & 0x7f;
  return sig !== 0 && sig !== 0x7f;
}

/** WEXITSTATUS, or 0 when signalled. */
export function exitCodeOf(status: number): number {
  return wasSignaled(status) ? 0 : (status >> 8) & 0xff;
}

/** WTERMSIG, or 0 when the process exited. */
export function termSigOf(status: number): number {
  return wasSignaled(status) ? status & 0x7f : 0;
}
