// Shared by the sys tests: start the event source once (unref'ed, so only
// pending waits keep the test process alive), wait for a pid's death, and
// run a child whose stdout is a pipe read through the addon.
import * as sys from "../../src/sys";

/** Every death seen since events started, by pid (to check "exactly once"). */
export const deaths = new Map<number, sys.Exit[]>();
const waiters = new Map<number, (e: sys.Exit) => void>();
let started = false;

export function listen(): void {
  if (started) return;
  started = true;
  sys.events.on("exit", (e) => {
    deaths.set(e.pid, [...(deaths.get(e.pid) ?? []), e]);
    waiters.get(e.pid)?.(e);
    waiters.delete(e.pid);
  });
  sys.startEvents([]);
  sys.refEvents(false);
}

/** Stops the event source; the next listen() starts it again. */
export function unlisten(): void {
  sys.stopEvents();
  sys.events.removeAllListeners("exit");
  started = false;
}

/** A promise that rejects after ms; its timer is what keeps the loop alive. */
function within<T>(ms: number, what: string, body: (resolve: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    body((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

export function waitExit(pid: number, ms = 10000): Promise<sys.Exit> {
  const seen = deaths.get(pid);
  if (seen) return Promise.resolve(seen[0]!);
  return within(ms, `exit of ${pid}`, (resolve) => waiters.set(pid, resolve));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Resolves after the microtasks queued so far, before the event loop's next poll. */
export const microtasks = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));
/** Resolves in the check phase of the loop's next turn (after its poll). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Everything written to fd until EOF, read with read/watchReadable; closes fd. */
export function readAll(fd: number, ms = 10000): Promise<string> {
  const chunks: Buffer[] = [];
  return within(ms, `EOF on fd ${fd}`, (resolve) => {
    sys.watchReadable(fd, () => {
      for (;;) {
        const b = sys.read(fd, 4096);
        if (b === null) return;
        if (b.length === 0) {
          sys.unwatch(fd);
          sys.close(fd);
          resolve(Buffer.concat(chunks).toString());
          return;
        }
        chunks.push(b);
      }
    });
  });
}

/** Runs a child with fd 1 = a pipe (unless opts.fds says otherwise, with -2
 *  standing for that pipe) and returns its output and its death. */
export async function run(opts: sys.SpawnOptions): Promise<{ out: string; exit: sys.Exit; pid: number }> {
  listen();
  const [r, w] = sys.pipe(true);
  const fds = (opts.fds ?? [0, -2, 2]).map((fd) => (fd === -2 ? w : fd));
  let pid: number;
  try {
    pid = sys.spawn({ ...opts, fds });
  } finally {
    sys.close(w);
  }
  const [out, exit] = await Promise.all([readAll(r), waitExit(pid)]);
  return { out, exit, pid };
}

/** /proc/PID/stat fields after the command name: [state, ppid, pgrp, session, ...] */
export function procStat(pid: number): string[] {
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}
