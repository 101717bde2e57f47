// Listening to supervisors' event fifodirs (s6's ftrig1 protocol) and
// waiting, event-driven, until services reach a goal. Shared by `svc -w` and
// `wait`. A listener mkfifos `.ftrig1:@<TAI64N hex>:<6 random>` (0600) in
// DIR/event, opens it for reading and also holds a writer so it never sees
// EOF, then renames it without the dot: the supervisor writes event letters
// to every `ftrig1:@*` fifo and removes those nobody reads any more.
import { readFileSync, renameSync, unlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { native } from "../sys/load";
import { decodeStatus, type SuperviseStatus } from "../s6/status-file";
import { bitsFromStatus, WaitTracker, type Phase, type SvBits } from "../s6/condition";
import { codeOf, errnoError } from "../sys/errors";
import { tai64n } from "../s6/tai64n";
import { ensureFifodir } from "../supervise/s6dir";

/** A live subscription to one fifodir. */
export interface Subscription {
  /** the fifo's final path */
  path: string;
  /** stops watching, closes both ends and removes the fifo */
  close(): void;
}

/** The letters s6-svwait subscribes to ("[DuUdOx]"); others (like "s") are dropped. */
const EVENT_LETTERS = /[^DuUdOx]/g;
const RANDOM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomSuffix(): string {
  return [...randomBytes(6)].map((b) => RANDOM_CHARS[b % RANDOM_CHARS.length]).join("");
}

/** Subscribes to the fifodir; onLetters gets the s6 event letters as they arrive. */
export function subscribe(fifodir: string, onLetters: (letters: string) => void): Subscription {
  const sys = native();
  const c = sys.constants;
  ensureFifodir(fifodir);
  let tmp = "";
  for (let tries = 0; ; tries++) {
    tmp = `${fifodir}/.ftrig1:${tai64n(Date.now())}:${randomSuffix()}`;
    try {
      sys.mkfifo(tmp, 0o600);
      break;
    } catch (e) {
      if (codeOf(e) !== "EEXIST" || tries >= 8) throw e;
    }
  }
  const final = `${fifodir}/${tmp.slice(fifodir.length + 2)}`;
  const fds: number[] = [];
  try {
    fds.push(sys.open(tmp, c.O_RDONLY! | c.O_NONBLOCK! | c.O_CLOEXEC!, 0));
    fds.push(sys.open(tmp, c.O_WRONLY! | c.O_NONBLOCK! | c.O_CLOEXEC!, 0));
    renameSync(tmp, final);
  } catch (e) {
    for (const fd of fds) sys.close(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    throw e;
  }
  const [rfd, wfd] = fds as [number, number];
  sys.watchReadable(rfd, () => {
    let letters = "";
    for (let chunk = sys.read(rfd, 4096); chunk !== null && chunk.length > 0; chunk = sys.read(rfd, 4096)) {
      letters += chunk.toString("latin1").replace(EVENT_LETTERS, "");
    }
    if (letters !== "") onLetters(letters);
  });
  let open = true;
  return {
    path: final,
    close() {
      if (!open) return;
      open = false;
      sys.unwatch(rfd);
      sys.close(rfd);
      sys.close(wfd);
      try {
        unlinkSync(final);
      } catch {
        /* the supervisor may have removed it */
      }
    },
  };
}

/** Reads DIR/supervise/status; throws an errno-shaped error (EPROTO for a bad size). */
export function readStatus(servicedir: string): SuperviseStatus {
  const path = `${servicedir}/supervise/status`;
  const status = decodeStatus(readFileSync(path));
  if (status) return status;
  throw errnoError("EPROTO", "read", path, `EPROTO: status file is not 35 bytes, read '${path}'`);
}

/** A setup failure: which service, and whether subscribing or reading its status failed. */
export interface WaitSetupError extends Error {
  servicedir: string;
  stage: "subscribe" | "status";
}

/** How a wait ended: goal met, a phase ended with failures (count), timed out, or a signal. */
export type WaitResult = { outcome: "done" } | { outcome: "failed"; failures: number } | { outcome: "timeout" } | { outcome: "signal"; signal: NodeJS.Signals };

/** The longest delay setTimeout takes as given. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits until the services in dirs pass every phase. Subscribes to each
 *  DIR/event first, then reads each status (so no event can fall between),
 *  then calls afterSubscribe (svc sends its letters there), then waits for
 *  events, with one timer for timeoutMs (0 = none). Throws if setting up
 *  fails, with every subscription already removed (a WaitSetupError when
 *  subscribing or reading a status failed; afterSubscribe's own errors as is). */
export function waitForServices(dirs: readonly string[], phases: readonly Phase[], timeoutMs: number, afterSubscribe?: () => void): Promise<WaitResult> {
  const subs: Subscription[] = [];
  const closeAll = () => {
    for (const s of subs) s.close();
  };
  let tracker: WaitTracker | undefined;
  let finish: (r: WaitResult) => void = () => {};
  // Watch callbacks only run from the event loop, so tracker and finish are
  // both set (synchronously, below) before the first letters arrive.
  const onLetters = (i: number, letters: string) => {
    const outcome = tracker!.feed(i, letters);
    if (outcome === "done") finish({ outcome });
    else if (outcome === "failed") finish({ outcome, failures: tracker!.failures });
  };
  const bits: SvBits[] = [];
  try {
    for (const [i, dir] of dirs.entries()) {
      let stage: WaitSetupError["stage"] = "subscribe";
      try {
        subs.push(subscribe(`${dir}/event`, (l) => onLetters(i, l)));
        stage = "status";
        bits.push(bitsFromStatus(readStatus(dir)));
      } catch (e) {
        throw Object.assign(e as Error, { servicedir: dir, stage });
      }
    }
    tracker = new WaitTracker(bits, phases);
    afterSubscribe?.();
  } catch (e) {
    closeAll();
    throw e;
  }
  return new Promise<WaitResult>((resolve) => {
    // setTimeout fires at once past 2^31-1 ms (TimeoutOverflowWarning), and
    // -T / -t take up to 2^32-1 or more: wait in steps.
    let timer: NodeJS.Timeout | undefined;
    const arm = (left: number) => {
      timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : finish({ outcome: "timeout" })), Math.min(left, MAX_TIMER_MS));
    };
    if (timeoutMs > 0) arm(timeoutMs);
    const onSignal = (signal: NodeJS.Signals) => finish({ outcome: "signal", signal });
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    finish = (r) => {
      finish = () => {};
      if (timer) clearTimeout(timer);
      for (const s of signals) process.off(s, onSignal);
      closeAll();
      resolve(r);
    };
    for (const s of signals) process.on(s, onSignal);
    const now = tracker!.outcome;
    if (now === "done") finish({ outcome: "done" });
    else if (now === "failed") finish({ outcome: "failed", failures: tracker!.failures });
  });
}
