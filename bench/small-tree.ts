// bench/small's image: a dock0-shaped /etc/s6 (peers.md §5) written once per
// boot, for tsinit or for s6 + execline. The same six services and five tasks,
// the same payload (bench/supervise-payload.c: a line into $UP_FIFO when it
// starts); the trees differ only where s6 has no feature of tsinit's:
// - ordering: tsinit reads `dependencies` (sshd after ntpd is ready, task
//   t5-motd after docker is up). s6 without s6-rc has no dependencies, so the
//   dependents' scripts wait themselves, as people write them:
//   `until s6-svwait -U DIR; do sleep 0.01; done` (s6-svwait fails until the
//   dependency's s6-supervise has made supervise/, hence the retry; -u for
//   docker, which has no notification-fd: s6 never calls it ready, tsinit
//   calls such a service ready once up).
// - getty's log: a `log/` dir with no run (tsinit's built-in logger, no
//   process) against `log/run` = s6-log (s6's faithful peer: one more
//   s6-supervise and an s6-log).
// - the catch-all: tsinit's in-process, s6's a `s6-svscan-log` service
//   running s6-log on the fifo stage 1 sends its output to, as dock0 does.
// s6's stage 1 is dock0's minus the machine parts a pid namespace has already
// (/proc, /dev): a tmpfs for the scan dir copy (s6 writes into it), the fifo,
// task/* started in the background (no ordering: forbacktickx -p), then
// s6-setsid, s6-envdir env and s6-svscan -t0 on the copy.
import { linkSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeTree, type Tree } from "../lab/tree";

export const SERVICES = ["docker", "getty", "lvmetad", "ntpd", "radvd", "sshd"];
export const TASKS = ["t1-modules", "t2-sysctl", "t3-hwclock", "t4-network", "t5-motd"];
/** the service restarted by SIGKILL (no dependents, no notification-fd) */
export const RESTARTED = "radvd";

export type Kind = "tsinit" | "s6";

const sh = (body: string) => `#!/bin/sh\n${body}\n`;
const el = (body: string) => `#!/usr/bin/execlineb -P\n${body}\n`;
const waitUp = (flag: "-u" | "-U", dir: string) => `until s6-svwait ${flag} ${dir} 2>/dev/null; do sleep 0.01; done`;

/** Writes root/{service,task,env} (and s6's init/stage1); returns the argv that boots it as PID 1. */
export function writeSmallTree(root: string, kind: Kind, payload: string, tsinit: string): string[] {
  const run = join(root, "run"); // tsinit's --rundir; s6's tmpfs for the scan dir copy
  const live = `${run}/service`; // tsinit mirrors the scan dir there; s6 gets a copy
  const tree: Tree = {
    "env/PATH": "/usr/lib/execline/bin:/usr/bin:/usr/sbin:/bin:/sbin\n",
    "env/LANG": "C.UTF-8\n",
    "env/TZ": "UTC\n",
    "service/ntpd/notification-fd": "3\n",
    "run/": null,
  };
  for (const t of TASKS) tree[`task/${t}/run`] = sh(`exec ${payload} --once ${t}`);
  if (kind === "tsinit") {
    tree["service/sshd/dependencies"] = "ntpd\n";
    tree["task/t5-motd/dependencies"] = "docker\n";
    tree["service/getty/log/"] = null;
  } else {
    tree["service/sshd/run"] = sh(`${waitUp("-U", `${live}/ntpd`)}\nexec ${payload}`);
    tree["task/t5-motd/run"] = sh(`${waitUp("-u", `${live}/docker`)}\nexec ${payload} --once t5-motd`);
    tree["service/getty/log/run"] = el("s6-log t ./main");
    tree["service/s6-svscan-log/run"] = el(`redirfd -rnb 0 ${run}/fifo\ns6-log -bp t ${run}/uncaught-logs`);
    tree["init/stage1"] = el(`export PATH /usr/lib/execline/bin:/usr/bin:/bin
cd /
umask 022
if { mount -t tmpfs -o mode=0755 run ${run} }
if { cp -a ${root}/service ${live} }
if { mkfifo -m 0600 ${run}/fifo }
redirfd -rnb 0 ${run}/fifo
redirfd -wnb 1 ${run}/fifo
fdmove -c 2 1
redirfd -r 0 /dev/null
background {
  s6-setsid
  forbacktickx -p t { ls ${root}/task }
  importas -u t t
  ${root}/task/\${t}/run
}
unexport !
s6-setsid
s6-envdir ${root}/env
s6-svscan -t0 ${live}`);
  }
  writeTree(root, tree);
  for (const s of SERVICES) {
    if (kind === "s6" && s === "sshd") continue;
    mkdirSync(join(root, "service", s), { recursive: true });
    linkSync(payload, join(root, "service", s, "run"));
  }
  if (kind === "s6") return [join(root, "init/stage1")];
  return [tsinit, "--scandir", `${root}/service`, "--envdir", `${root}/env`, "--taskdir", `${root}/task`, "--rundir", run];
}

/** The live service dir of NAME once booted (where status tools look). */
export const liveDir = (root: string, name: string) => join(root, "run", "service", name);
