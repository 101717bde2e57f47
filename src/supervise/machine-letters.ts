// Control letters by phase: s6-supervise's action table, as one table per
// phase that gives every letter exactly one action (checked when this module
// loads). The letter sets are named once here.
import { SUPERVISE_LETTERS, type SuperviseLetter } from "../s6/letters";
import { SIGABRT, SIGALRM, SIGCONT, SIGHUP, SIGINT, SIGKILL, SIGQUIT, SIGSTOP, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH } from "../s6/signal-names";
import type { Phase } from "./machine-types";
import { Ctx, exit, setWantUp, settle, startRun } from "./machine-steps";
import { clearFailure } from "./machine-limit";

/** The letters that send run one signal each (a b q h k t i 1 2 y), and which. */
const LETTER_SIGNALS = {
  a: SIGALRM,
  b: SIGABRT,
  q: SIGQUIT,
  h: SIGHUP,
  k: SIGKILL,
  t: SIGTERM,
  i: SIGINT,
  "1": SIGUSR1,
  "2": SIGUSR2,
  y: SIGWINCH,
} as const;
type SignalLetter = keyof typeof LETTER_SIGNALS;
const SIGNALLING = Object.keys(LETTER_SIGNALS) as SignalLetter[];
/** Letters that only mean something to a running run: its signals, pause, continue, restart. */
const RUN_ONLY: readonly SuperviseLetter[] = [...SIGNALLING, "p", "c", "r"];
/** Letters that want run up for good. */
const WANT_UP: readonly SuperviseLetter[] = ["u", "U"];
/** Letters that want run down. */
const WANT_DOWN: readonly SuperviseLetter[] = ["d", "D", "O", "Q"];
/** Letters that also create ./down (D, Q) or remove it (U), so a new supervisor agrees. */
const CREATES_DOWN: readonly SuperviseLetter[] = ["D", "Q"];
const REMOVES_DOWN: readonly SuperviseLetter[] = ["U"];
/** Letters that clear a failure (restart-limit) and start run again. */
const REVIVE: readonly SuperviseLetter[] = ["u", "U", "o", "r"];

type LetterAction = (ctx: Ctx, letter: SuperviseLetter) => void;

/** A phase's table: every letter once, or the module fails to load. */
function table(name: string, rows: Array<[readonly SuperviseLetter[], LetterAction]>): Record<SuperviseLetter, LetterAction> {
  const t: Partial<Record<SuperviseLetter, LetterAction>> = {};
  for (const [letters, act] of rows) {
    for (const l of letters) {
      if (t[l]) throw new Error(`machine: ${name}: letter ${l} has two actions`);
      t[l] = act;
    }
  }
  const missing = [...SUPERVISE_LETTERS].filter((l) => !t[l as SuperviseLetter]);
  if (missing.length > 0) throw new Error(`machine: ${name}: no action for ${missing.join(" ")}`);
  return t as Record<SuperviseLetter, LetterAction>;
}

const nothing: LetterAction = () => undefined;

/** The ./down file follows D, Q and U. */
function downFile(ctx: Ctx, letter: SuperviseLetter): void {
  if (CREATES_DOWN.includes(letter)) ctx.emit({ type: "touchDown" });
  else if (REMOVES_DOWN.includes(letter)) ctx.emit({ type: "unlinkDown" });
}

const wantUp =
  (up: boolean): LetterAction =>
  (ctx, letter) => {
    downFile(ctx, letter);
    setWantUp(ctx, up);
  };

/** x while run or finish lives: exit once both are over; their stdio no longer ours. */
const exitLater: LetterAction = (ctx) => {
  ctx.s.exitRequested = true;
  ctx.emit({ type: "detachStdio" });
};

/** down or throttled: the restart timer goes with any decision. */
function stopTimer(ctx: Ctx): void {
  if (ctx.s.phase.kind === "throttled") ctx.emit({ type: "cancelTimer", kind: "restart" });
  ctx.s.phase = { kind: "down" };
}

const ON_DOWN = table("down", [
  [RUN_ONLY, nothing],
  // -u while down starts at once, even during the throttle; -o starts once.
  [
    [...WANT_UP, "o"],
    (ctx, letter) => {
      downFile(ctx, letter);
      setWantUp(ctx, letter !== "o");
      stopTimer(ctx);
      if (!ctx.s.frozen) startRun(ctx);
    },
  ],
  [
    WANT_DOWN,
    (ctx, letter) => {
      downFile(ctx, letter);
      setWantUp(ctx, false);
      stopTimer(ctx);
    },
  ],
  [["x"], exit],
]);

type Up = Extract<Phase, { kind: "up" }>;
const kill = (ctx: Ctx, signal: number) => ctx.emit({ type: "kill", pid: (ctx.s.phase as Up).pid, signal });

const ON_UP = table("up", [
  [SIGNALLING, (ctx, letter) => kill(ctx, LETTER_SIGNALS[letter as SignalLetter])],
  [
    ["p", "c"],
    (ctx, letter) => {
      kill(ctx, letter === "p" ? SIGSTOP : SIGCONT);
      ctx.s.paused = letter === "p";
      ctx.announce();
    },
  ],
  [["r"], (ctx) => kill(ctx, ctx.config.downSignal)], // wantUp decides whether it comes back
  [WANT_UP, wantUp(true)],
  [["o", "O", "Q"], wantUp(false)], // no kill: it just won't be restarted
  [
    ["d", "D"],
    (ctx, letter) => {
      const { s, config } = ctx;
      const phase = s.phase as Up;
      downFile(ctx, letter);
      s.wantUp = false;
      settle(ctx, "told to stay down");
      kill(ctx, config.downSignal);
      kill(ctx, SIGCONT); // a stopped process must wake up to receive it
      s.paused = false;
      ctx.announce();
      if (config.timeoutKillMs > 0) {
        s.phase = { ...phase, dying: true };
        ctx.emit({ type: "armTimer", kind: "kill", ms: config.timeoutKillMs });
      }
    },
  ],
  [["x"], exitLater],
]);

const ON_FINISHING = table("finishing", [
  [RUN_ONLY, nothing], // finish is never signalled by letters
  [WANT_UP, wantUp(true)],
  [[...WANT_DOWN, "o"], wantUp(false)],
  [["x"], exitLater],
]);

/** One control letter, by phase. */
const CONTROL: Record<Phase["kind"], LetterAction> = {
  init: nothing,
  exited: nothing,
  // Kept and replayed once spawned/spawnFailed arrives.
  starting: (ctx, letter) => {
    const phase = ctx.s.phase as Extract<Phase, { kind: "starting" }>;
    ctx.s.phase = { kind: "starting", deferred: [...phase.deferred, letter] };
  },
  down: (ctx, letter) => ON_DOWN[letter](ctx, letter),
  throttled: (ctx, letter) => ON_DOWN[letter](ctx, letter),
  up: (ctx, letter) => ON_UP[letter](ctx, letter),
  finishing: (ctx, letter) => ON_FINISHING[letter](ctx, letter),
};

/** Applies one control letter in the current phase. */
export function control(ctx: Ctx, letter: SuperviseLetter): void {
  if (ctx.s.history.failed !== null && REVIVE.includes(letter)) {
    ctx.s.history = clearFailure(ctx.s.history);
    ctx.log(`${ctx.config.name} is no longer failed: started by svc -${letter}`);
    // -r means "run again": on a failed service, which is down, that is -u.
    if (letter === "r") letter = "u";
  }
  CONTROL[ctx.s.phase.kind](ctx, letter);
}
