// A fork bomb of short-lived orphans under the real PID 1: a service runs a
// tiny static C program that, in batches of 1000, forks a batch parent which
// clones 1000 children blocked on a pipe and exits; its exit closes the pipe,
// so the children wake, exit, and are re-parented to PID 1 (as zombies or
// just before dying). 100 000 of them in all: every one reaped, none left.
// The children are clone(CLONE_VM) so that making them costs no page-table
// copy: a plain fork() here takes ~0.5 ms of system time on a small VM.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { eventually } from "../helpers/pid1";
import { boot, cpuTicks, descendants, end, figure, makeRoot, rssKiB, sh } from "./booted";

const test = suite("faults: orphans");
const TOTAL = 100_000;
const BATCH = 1000;

const BOMB_C = `
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#define STACK 16384
static int rd, wr;
static int child(void *arg) {
  char b;
  (void)arg;
  close(wr);
  (void)read(rd, &b, 1);
  syscall(SYS_exit, 0);
  return 0;
}
int main(int argc, char **argv) {
  long total = atol(argv[1]), batch = atol(argv[2]);
  for (long done = 0; done < total; done += batch) {
    pid_t p = fork();
    if (p < 0) return 111;
    if (p == 0) {
      int fds[2], tries = 0;
      char *stacks = malloc(batch * STACK);
      if (!stacks || pipe(fds) < 0) _exit(111);
      rd = fds[0];
      wr = fds[1];
      for (long i = 0; i < batch; i++) {
        /* CLONE_VM: no page tables to copy; CLONE_FILES would share the write end, so not that. */
        pid_t c = clone(child, stacks + (i + 1) * STACK, CLONE_VM | SIGCHLD, 0);
        if (c < 0) { if (++tries > 10000) _exit(111); i--; usleep(1000); }
      }
      _exit(0);
    }
    int st;
    if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 111;
  }
  return 0;
}
`;

test(`${TOTAL} short-lived orphans: all reaped by PID 1, no zombie left`, async () => {
  const root = makeRoot({
    "service/bomb/run": sh(`ROOT/bomb ${TOTAL} ${BATCH}; echo $? > ROOT/bomb.done; exec sleep 1000`),
    "service/bomb/down": "",
  });
  writeFileSync(`${root}/bomb.c`, BOMB_C);
  let cc = spawnSync("cc", ["-static", "-O2", "-o", `${root}/bomb`, `${root}/bomb.c`], { encoding: "utf8" });
  if (cc.status !== 0) cc = spawnSync("cc", ["-O2", "-o", `${root}/bomb`, `${root}/bomb.c`], { encoding: "utf8" });
  assert.is(cc.status, 0, cc.stderr);
  const m = await boot({}, { root });
  try {
    const host = m.init.hostPid();
    const ticks0 = cpuTicks(host);
    const rss0 = rssKiB(host);
    let peakRss = rss0;
    let peakZombies = 0;
    const t0 = Date.now();
    assert.is(m.init.exec(["s6-svc", "-u", m.svc("bomb")]).status, 0);
    await eventually(
      () => {
        peakRss = Math.max(peakRss, rssKiB(host));
        return existsSync(`${root}/bomb.done`);
      },
      120_000,
      "the bomb to finish",
    );
    const forked = Date.now() - t0;
    // None left: no zombie anywhere under PID 1 (its own children included),
    // and no orphan still alive (the last batch may still be ending: each one
    // waits for its siblings to close a pipe, so bomb.done can come first).
    await eventually(
      () => {
        const all = descendants(host);
        const z = all.filter((p) => p.state === "Z").length;
        peakZombies = Math.max(peakZombies, z);
        return z === 0 && all.length === 1;
      },
      10_000,
      "no zombie and no orphan left in the namespace",
    );
    const secs = (Date.now() - t0) / 1000;
    const cpu = (cpuTicks(host) - ticks0) / 100;
    figure(
      `orphans: ${TOTAL} forked and reaped in ${secs.toFixed(1)} s (${(TOTAL / secs).toFixed(0)} reaped/s; bomb done at ${(forked / 1000).toFixed(1)} s); ` +
        `PID 1 CPU ${cpu.toFixed(1)} s (${((cpu * 1e6) / TOTAL).toFixed(0)} µs/orphan), RSS ${(rss0 / 1024).toFixed(1)} → peak ${(peakRss / 1024).toFixed(1)} MiB`,
    );
    assert.is(readFileSync(`${root}/bomb.done`, "utf8").trim(), "0", "the bomb forked them all");
    const left = descendants(host).map((p) => p.comm);
    assert.equal(left.sort(), ["sleep"], "only the service's own sleep remains");
    assert.ok(peakRss - rss0 < 64 * 1024, `PID 1 grew ${((peakRss - rss0) / 1024).toFixed(1)} MiB`);
    // Still supervising: the service answers.
    assert.is(m.init.exec(["s6-svc", "-wd", "-T", "5000", "-d", m.svc("bomb")]).status, 0);
  } finally {
    await end(m);
  }
});

test.run();
