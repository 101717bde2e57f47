// bench/boot's third init: s6-svscan started by an execline stage 1 shaped
// like dock0's /etc/s6/init/stage1 (peers.md §5), with Debian's s6 and
// execline packages copied into the root image at Debian's paths
// (boot-anchors.md: their helpers are run by absolute path, execlineb needs
// libexecline). The result is an --extra overlay for image/build.sh.
//
// Stage 1 (/sbin/init -> /etc/s6/init/stage1), in order:
//   mounts /proc, /sys, a tmpfs on /run (what busybox init's sysinit entries
//   do), then /dev/shm and /dev/pts as the seed does; copies the scan dir to
//   /run/s6/service (the root is read-only: s6 writes supervise/ and
//   .s6-svscan/ into it); sends its output to the fifo /run/s6/fifo, read by
//   a logger (cat onto /dev/console) that holds the read end before any
//   writer exists (no SIGPIPE, boot-anchors.md); starts task/* in the
//   background under s6-setsid; then s6-envdir env and s6-svscan -t0.
// Power button: s6-svscan ignores it, so busybox acpid runs as an s6 service
// and its PWRF action is s6-svscanctl -t; s6-svscan then execs
// .s6-svscan/finish = stage 3: TERM all, 1 s (busybox init's pause; the seed
// waits 3 s), KILL all, wait, sync, busybox poweroff -f.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { installHint } from "../lab/packages";

export const S6_POWER = "acpid → s6-svscanctl -t → stage 3";

const STAGE1 = `#!/usr/bin/execlineb -P
# s6 stage 1 for bench/boot (read-only root: the scan dir and the fifo live on /run)
# the initrd hands over PATH=/bin: s6's programs are in /usr/bin
export PATH /usr/lib/execline/bin:/usr/bin:/sbin:/bin
cd /
umask 022
if { mount -t proc proc /proc }
if { mount -t sysfs sysfs /sys }
if { mount -t tmpfs -o mode=0755 run /run }
if { mkdir -p /dev/shm /dev/pts /run/s6 }
if { mount -t tmpfs shm /dev/shm }
if { mount -t devpts devpts /dev/pts }
if { cp -a /etc/s6/service /run/s6/service }
if { mkfifo -m 0600 /run/s6/fifo }
# read end first, then the write end, then the logger inherits the read end
redirfd -rnb 0 /run/s6/fifo
redirfd -wnb 1 /run/s6/fifo
fdmove -c 2 1
background { redirfd -w 1 /dev/console cat }
redirfd -r 0 /dev/null
background {
  s6-setsid
  forbacktickx t { ls /etc/s6/task }
  importas -u t t
  /etc/s6/task/\${t}
}
unexport !
s6-envdir /etc/s6/env
s6-svscan -t0 /run/s6/service
`;

const STAGE3 = `#!/usr/bin/execlineb -P
# s6 stage 3 (.s6-svscan/finish): everything down, then power off
cd /
redirfd -r 0 /dev/null
redirfd -w 1 /dev/console
fdmove -c 2 1
foreground { kill -s TERM -1 }
foreground { sleep 1 }
foreground { kill -s KILL -1 }
wait { }
foreground { sync }
/bin/busybox poweroff -f
`;

function write(root: string, path: string, body: string, mode = 0o644): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, body);
  chmodSync(p, mode);
}

/** Debian's s6 and execline must be installed (a benchmark changes no system). */
function ensurePackages(): void {
  if (existsSync("/usr/bin/s6-svscan") && existsSync("/usr/lib/execline/bin/redirfd")) return;
  throw new Error(`s6 or execline is missing: ${installHint(["s6", "execline"])}`);
}

function packageFiles(pkg: string): string[] {
  const r = spawnSync("dpkg", ["-L", pkg], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dpkg -L ${pkg}: ${r.stderr}`);
  return r.stdout.split("\n").filter((p) => /^\/usr\/(bin|lib)\//.test(p) && !p.startsWith("/usr/lib/debug") && !lstatSync(p).isDirectory());
}

/** Copies a file (a symlink as a symlink) to the same path under root. */
function copyAt(root: string, path: string): void {
  const dest = join(root, path);
  if (existsSync(dest) || isLink(dest)) return;
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(path, dest, { verbatimSymlinks: true, dereference: false });
}
const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

/** Writes the s6 overlay into extra (an --extra directory for image/build.sh). */
export function s6Extra(extra: string): void {
  ensurePackages();
  const bins = [...packageFiles("s6"), ...packageFiles("execline")];
  for (const b of bins) copyAt(extra, b);
  // libskarnet, libexecline, libs6 (and anything else ldd names) at ldd's paths
  const libs = new Set<string>();
  for (const b of bins) {
    if (isLink(b)) continue;
    const r = spawnSync("ldd", [b], { encoding: "utf8" });
    if (r.status !== 0) continue; // the execlineb wrapper script
    for (const m of r.stdout.matchAll(/=> (\/\S+)|^\s+(\/\S+)/gm)) libs.add((m[1] ?? m[2])!);
  }
  for (const l of libs) {
    const dest = join(extra, l);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(l, dest);
    chmodSync(dest, 0o755);
  }
  write(extra, "etc/s6/init/stage1", STAGE1, 0o755);
  write(extra, "etc/s6/init/stage3", STAGE3, 0o755);
  mkdirSync(join(extra, "etc/s6/service/.s6-svscan"), { recursive: true });
  symlinkSync("/etc/s6/init/stage3", join(extra, "etc/s6/service/.s6-svscan/finish"));
  write(extra, "etc/s6/service/acpid/run", "#!/bin/sh\nexec acpid -f -l /run/acpid.log -p /run/acpid.pid\n", 0o755);
  // busybox acpid runs CONFDIR/PWRF/00000080 for KEY_POWER.
  write(extra, "etc/acpi/PWRF/00000080", "#!/bin/sh\nexec /usr/bin/s6-svscanctl -t /run/s6/service\n", 0o755);
  mkdirSync(join(extra, "sbin"), { recursive: true });
  symlinkSync("/etc/s6/init/stage1", join(extra, "sbin", "init"));
  for (const l of ["poweroff", "reboot", "halt"]) symlinkSync("/bin/busybox", join(extra, "sbin", l));
}
