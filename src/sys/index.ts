// The system layer the rest of the init uses: the addon's syscalls, signal
// names accepted wherever a signal is, spawn with defaults, and the events.
// The addon loads on first call, so importing this costs nothing.
import type { ErrnoError } from "./errors";
import { native } from "./load";
import { signalNumber, type Signal } from "./signals";
import type { NativeInotifyEvent, NativeNotifyMessage, NativeStat } from "./native-types";
import { rlimitNumber } from "./spawn";

export { native, addonOrigin } from "./load";
export type { NativeAddon, NativeExit, NativeInotifyEvent, NativeNotifyMessage, NativeSpawnRequest, NativeStat } from "./native-types";
export { isErrnoError, codeOf, type ErrnoError } from "./errors";
export { signalNumber, signalName, type Signal } from "./signals";
export {
  spawn,
  spawnAsync,
  spawnActivity,
  settleSpawns,
  wrapSpawnReports,
  spawnRequest,
  resolveFile,
  envStrings,
  rlimitNumber,
  type SpawnOptions,
  type SpawnReport,
  type Rlimit,
} from "./spawn";
export { raiseNofile, restoreNofile, nofileEnv, inheritedNofile, reserveFdTable } from "./fd-limit";
export { events, startEvents, stopEvents, refEvents, type Exit, type SysEventMap } from "./events";
export { DeathRouter, type SpawnTicket } from "./deaths";

/** O_*, MS_*, MNT_*, LINUX_REBOOT_CMD_*, IN_*, RLIMIT_*, MADV_* by name */
export const constants = (): Record<string, number> => native().constants;

// ---- processes ----
export const kill = (pid: number, sig: Signal): void => native().kill(pid, signalNumber(sig));
export const killpg = (pgid: number, sig: Signal): void => native().killpg(pgid, signalNumber(sig));
export const getpid = (): number => native().getpid();
export const getpgrp = (): number => native().getpgrp();
export const getsid = (pid: number): number => native().getsid(pid);
export const setsid = (): number => native().setsid();
/** prctl(PR_SET_CHILD_SUBREAPER): orphans below us re-parent to us */
export const setSubreaper = (on: boolean): void => native().setSubreaper(on);
/** getrlimit(2) by name ("NOFILE") or number: [soft, hard], Infinity = unlimited */
export const getrlimit = (resource: number | string): [number, number] =>
  native()
    .getrlimit(rlimitNumber(resource))
    .map((v) => (v < 0 ? Infinity : v)) as [number, number];
/** setrlimit(2) by name ("NOFILE") or number; Infinity = unlimited */
export const setrlimit = (resource: number | string, soft: number, hard: number): void =>
  native().setrlimit(rlimitNumber(resource), soft === Infinity ? -1 : soft, hard === Infinity ? -1 : hard);
/** sets the umask, returns the previous one */
export const umask = (mask: number): number => native().umask(mask);
/** replaces this process; returns only by throwing */
export const execve = (file: string, argv: string[], env: string[]): never => native().execve(file, argv, env);
/** pidfd_open(2): readable (watchReadable) once pid has exited, child or not */
export const pidfdOpen = (pid: number): number => native().pidfdOpen(pid);
/** a fatal signal will execve this (see NativeAddon.armCrashExec) */
export const armCrashExec = (file: string, argv: string[], env: string[], say: { signals: number[]; lines: string[]; failLine: string }): void =>
  native().armCrashExec(file, argv, env, say.signals, say.lines, say.failLine);
/** a crash's exec also carries name=pid (see NativeAddon.carryPidOnCrash); pid 0: none */
export const carryPidOnCrash = (name: string, pid: number): void => native().carryPidOnCrash(name, pid);
export const blockSignals = (sigs: Signal[]): void => native().blockSignals(sigs.map(signalNumber));
export const unblockSignals = (sigs: Signal[]): void => native().unblockSignals(sigs.map(signalNumber));

// ---- system ("" for source, fstype or data means NULL) ----
export const mount = (source: string, target: string, fstype: string, flags = 0, data = ""): void => native().mount(source, target, fstype, flags, data);
export const umount2 = (target: string, flags = 0): void => native().umount2(target, flags);
/** reboot(2) with a LINUX_REBOOT_CMD_* constant */
export const reboot = (cmd: number): void => native().reboot(cmd);
export const sethostname = (name: string): void => native().sethostname(name);
export const sync = (): void => native().sync();

// ---- file descriptors ----
export const open = (path: string, flags: number, mode = 0o644): number => native().open(path, flags, mode);
export const close = (fd: number): void => native().close(fd);
export const dup2 = (oldfd: number, newfd: number): number => native().dup2(oldfd, newfd);
/** pipe2(O_CLOEXEC [| O_NONBLOCK]) → [read, write] */
export const pipe = (nonblock = false): [number, number] => native().pipe(nonblock);
export const mkfifo = (path: string, mode = 0o600): void => native().mkfifo(path, mode);
export const setCloexec = (fd: number, on: boolean): void => native().setCloexec(fd, on);
export const setNonblock = (fd: number, on: boolean): void => native().setNonblock(fd, on);
export const isatty = (fd: number): boolean => native().isatty(fd);
/** null on EAGAIN, empty Buffer at EOF */
export const read = (fd: number, size = 65536): Buffer | null => native().read(fd, size);
/** bytes written, -1 on EAGAIN */
export const write = (fd: number, data: Uint8Array | string): number => native().write(fd, typeof data === "string" ? Buffer.from(data) : data);
export const watchReadable = (fd: number, cb: (fd: number) => void): void => native().watchReadable(fd, cb);
export const unwatch = (fd: number): void => native().unwatch(fd);
/** Ends fd's watch and closes it, for teardown: an fd not watched yet, or
 *  already closed, is no error there. */
export function unwatchAndClose(fd: number): void {
  try {
    native().unwatch(fd);
  } catch {
    /* not watched */
  }
  try {
    native().close(fd);
  } catch {
    /* already */
  }
}
/** sd_notify's socket bound at path (see NativeAddon.notifySocket) */
export const notifySocket = (path: string): number => native().notifySocket(path);
/** one datagram and its sender's pid, uid, gid; null when none is waiting */
export const notifyRecv = (fd: number, size: number): NativeNotifyMessage | null => native().notifyRecv(fd, size);
/** whole-file fcntl write lock; false if another process holds it */
export const lockWrite = (fd: number): boolean => native().lockWrite(fd);
/** pid holding a conflicting lock, 0 if none */
export const lockHolder = (fd: number): number => native().lockHolder(fd);

// ---- relative to a directory fd ----
export const openat = (dirfd: number, name: string, flags: number, mode = 0o644): number => native().openat(dirfd, name, flags, mode);
export const mkdirat = (dirfd: number, name: string, mode: number): void => native().mkdirat(dirfd, name, mode);
/** renameat(2); flags given: renameat2(2) (constants().RENAME_EXCHANGE swaps the two names) */
export const renameat = (fromDirfd: number, from: string, toDirfd: number, to: string, flags = 0): void =>
  flags ? native().renameat(fromDirfd, from, toDirfd, to, flags) : native().renameat(fromDirfd, from, toDirfd, to);
export const unlinkat = (dirfd: number, name: string, flags = 0): void => native().unlinkat(dirfd, name, flags);
export const readlinkat = (dirfd: number, name: string): string => native().readlinkat(dirfd, name);
export const fstat = (fd: number): NativeStat => native().fstat(fd);
/** the names in a directory fd (it stays open, its offset untouched) */
export const readdirFd = (fd: number): string[] => native().readdirFd(fd);

// ---- inotify ----
/** inotify watched on the loop: CB gets each wake-up's records. A read that
 *  fails ends the watch (poll would wake for it again and again) and goes to
 *  ONERROR, whose caller says what is no longer watched. To end it: unwatch(ifd) then close(ifd). */
export const inotifyInit = (cb: (events: NativeInotifyEvent[]) => void, onError: (e: ErrnoError) => void): number => {
  const ifd: number = native().inotifyInit((events, error) => {
    if (events.length > 0) cb(events);
    if (!error) return;
    native().unwatch(ifd);
    onError(error);
  });
  return ifd;
};
export const inotifyAdd = (ifd: number, path: string, mask: number): number => native().inotifyAdd(ifd, path, mask);
export const inotifyRm = (ifd: number, wd: number): void => native().inotifyRm(ifd, wd);

// ---- memory ----
/** madvise(2) with a MADV_* name ("PAGEOUT") or number */
export const madvise = (addr: bigint, length: bigint, advice: number | string): void =>
  native().madvise(addr, length, typeof advice === "number" ? advice : native().constants[`MADV_${advice}`]!);
/** glibc malloc_trim(pad): true if memory went back to the system */
export const mallocTrim = (pad = 0): boolean => native().mallocTrim(pad) === 1;
/** tells V8 memory is short: critical runs a full GC now */
export { collectAllGarbage } from "./gc";
