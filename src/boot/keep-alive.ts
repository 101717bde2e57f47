// The last guard of the machine's init: when everything else failed (no
// event source, a rejected main), nothing may be left holding Node's loop
// open, and an empty loop ends the process: as PID 1, a kernel panic. A
// timer holds it; it wakes every 24.8 days (the longest delay) and polls nothing.

/** Keeps this process alive for good. */
export function keepAlive(): void {
  setInterval(() => undefined, 0x7fffffff);
}
