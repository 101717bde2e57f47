// The one declaration of the addon's surface (native/*.cc). Every function is
// syscall-shaped: positional arguments, no defaults, no policy. Every failure
// throws an Error carrying code ("ENOENT"), errno (positive), syscall and,
// where a path was involved, path — the shape of Node's ErrnoException.

import type { ErrnoError } from "./errors";

/** One death reported by the reaper: raw wait status decoded. */
export interface NativeExit {
  pid: number;
  /** raw wait status as waitpid(2) gives it (s6 stores this in supervise/status) */
  status: number;
  /** exit code when the process exited, else -1 */
  code: number;
  /** terminating signal number when killed, else 0 */
  signal: number;
  core: boolean;
}

/** What fstat(2) says of an open file. */
export interface NativeStat {
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  dev: number;
  ino: number;
}

/** One inotify record. */
export interface NativeInotifyEvent {
  wd: number;
  mask: number;
  cookie: number;
  /** name inside the watched directory, "" for the directory itself */
  name: string;
}

/** An environment the addon made into C strings once (envBlock), for many spawns. */
export interface NativeEnvBlock {
  readonly __envBlock: unique symbol;
}

/** Everything spawn() needs; the child is set up with raw syscalls between
 *  clone(CLONE_VM|CLONE_VFORK) and execve, so nothing here allocates in the child. */
export interface NativeSpawnRequest {
  /** path given to execve (no PATH search: TS resolves it) */
  file: string;
  argv: string[];
  /** "KEY=value" strings, the complete environment, or them made once by envBlock() */
  env: string[] | NativeEnvBlock;
  /** chdir before exec; "" = stay */
  cwd: string;
  /** setsid() in the child */
  setsid: boolean;
  /** setpgid(0, pgid) in the child when >= 0 and !setsid (0 = new group led by the child) */
  pgid: number;
  /** an open cgroup.procs fd: the child writes "0" to it first thing, -1 = stay */
  cgroupFd: number;
  /** a terminal fd: the child's process group becomes its foreground group
   *  (TIOCSPGRP, while signals are still blocked), -1 = none */
  ttyFd: number;
  /** child fd i becomes a dup of parent fd fds[i]; -1 leaves fd i closed.
   *  Every fd >= fds.length is closed. */
  fds: number[];
  /** umask to set, or -1 to inherit */
  umask: number;
  /** setgroups/setgid/setuid, each -1 (or null groups) to keep */
  uid: number;
  gid: number;
  groups: number[] | null;
  /** [resource, soft, hard] with RLIMIT_* numbers; -1 = RLIM_INFINITY */
  rlimits: Array<[number, number, number]>;
  /** setpriority(PRIO_PROCESS, 0, nice) when not null */
  nice: number | null;
  /** an environment variable's name: the child tells the crash path its pid
   *  just before its exec (see carryPidOnCrash); null = no */
  carryPidAs: string | null;
}

export interface NativeAddon {
  // ---- processes ----
  /** Spawns; returns the pid. An execve failure throws (syscall "execve",
   *  path = file) and leaves no child behind. Signal dispositions are reset to
   *  default and the signal mask emptied in the child. Any other failing step
   *  throws the same way with syscall = that step ("chdir" with path = cwd,
   *  "setuid", "setrlimit", "dup2", ...); the failed child is reaped inside
   *  spawn, so no exit event is ever reported for it. Order in the child:
   *  signals reset, cgroup, setsid/setpgid, terminal, signal mask emptied, fds, umask, rlimits, nice, setgroups, setgid,
   *  setuid, chdir, execve (limits and nice while still privileged). */
  spawn(req: NativeSpawnRequest): number;
  /** env ("K=V" strings) as the addon passes it to execve, to give spawn
   *  requests instead of the strings: converted once, not once per spawn */
  envBlock(env: string[]): NativeEnvBlock;
  /** The same spawn run by one of the addon's spawner threads (up to four,
   *  each started when a request finds none waiting, signals blocked in
   *  them): only that thread waits for the child's exec. Returns the
   *  request's id at once; its outcome comes to the onSpawnReport callback
   *  from the event loop, in the order the spawns ended, not as asked. */
  spawnAsync(req: NativeSpawnRequest): number;
  /** The fds the spawner threads hold for their children's sources (and their /dev/null): not to be closed. */
  spawnSlots(): number[];
  /** The one callback for spawnAsync's reports, every report so far in one
   *  call (arrays, in the order the spawns ended): pid 0 when no child was made (clone
   *  failed); error null when it exec'd, else the failed step as spawn()
   *  throws it. A child made and then failed (pid > 0 with an error) is NOT
   *  reaped by the addon: its death comes as an exit event like any other. */
  onSpawnReport(cb: (ids: number[], pids: number[], errors: Array<Error | null>) => void): void;
  /** Waits for every spawnAsync asked for to be run, then calls onSpawnReport
   *  for each outcome not yet reported, before returning (before an exec). */
  settleSpawns(): void;
  kill(pid: number, signal: number): void;
  killpg(pgid: number, signal: number): void;
  setsid(): number;
  getpid(): number;
  getpgrp(): number;
  getsid(pid: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER) */
  setSubreaper(on: boolean): void;
  umask(mask: number): number;
  /** getrlimit(2): [soft, hard], -1 = RLIM_INFINITY */
  getrlimit(resource: number): [number, number];
  /** setrlimit(2), -1 = RLIM_INFINITY */
  setrlimit(resource: number, soft: number, hard: number): void;
  /** From now on each of signals writes its line of lines to stderr and
   *  execve()s this instead of killing the process (failLine if the exec
   *  fails, then the default action): all prepared here because the handler
   *  may not allocate. Calling again replaces them. */
  armCrashExec(file: string, argv: string[], env: string[], signals: number[], lines: string[], failLine: string): void;
  /** From now on a crash's exec also gets name=pid in its environment, unless
   *  the prepared one already has name; pid 0: none. A spawn with carryPidAs
   *  sets it from inside the child, before its exec: a crash at any moment
   *  after that spawn began either carries the new pid or keeps the child
   *  from running (it exits 127 unexec'd), never starts the program twice. */
  carryPidOnCrash(name: string, pid: number): void;
  /** pidfd_open(2): an fd (close-on-exec) readable once pid has exited; for
   *  waiting on a process that is not our child */
  pidfdOpen(pid: number): number;
  /** execve(2); returns only by throwing */
  execve(file: string, argv: string[], env: string[]): never;

  // ---- the event source: signals and deaths ----
  /** Installs sigaction handlers (self-pipe) for each listed signal and for
   *  SIGCHLD, and starts watching the pipe on the event loop. On SIGCHLD the
   *  addon drains waitpid(-1, WNOHANG) and calls onExit once per death.
   *  Other signals are coalesced as the kernel does and reported by number.
   *  Calling it again replaces the callbacks and adds signals. Deaths that
   *  happened before the first call are reported too. A callback that throws
   *  raises an uncaught exception (process 'uncaughtException'). */
  startEvents(signals: number[], onSignal: (signo: number) => void, onExit: (exit: NativeExit) => void): void;
  /** Restores the dispositions from before startEvents (for an init: default,
   *  SIGPIPE ignored as Node has it) and stops watching (the loop may then exit). */
  stopEvents(): void;
  /** Whether the event source keeps the loop alive (uv_ref/uv_unref). */
  refEvents(on: boolean): void;
  /** sigprocmask(SIG_BLOCK / SIG_UNBLOCK) on the calling thread */
  blockSignals(signals: number[]): void;
  unblockSignals(signals: number[]): void;
  /** signal numbers by name, including SIGRTMIN (the libc value) */
  signals: Record<string, number>;

  // ---- system ----
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount2(target: string, flags: number): void;
  /** reboot(2) with LINUX_REBOOT_CMD_* (see constants) */
  reboot(cmd: number): void;
  sethostname(name: string): void;
  sync(): void;

  // ---- file descriptors ----
  open(path: string, flags: number, mode: number): number;
  close(fd: number): void;
  dup2(oldfd: number, newfd: number): number;
  /** fcntl F_DUPFD_CLOEXEC: a copy of fd on the lowest free fd >= min */
  dupAtLeast(fd: number, min: number): number;
  /** pipe2(O_CLOEXEC [| O_NONBLOCK when nonblock]) → [read, write] */
  pipe(nonblock: boolean): [number, number];
  mkfifo(path: string, mode: number): void;
  setCloexec(fd: number, on: boolean): void;
  setNonblock(fd: number, on: boolean): void;
  /** isatty(3): false for a closed fd or anything but a terminal */
  isatty(fd: number): boolean;
  /** read(2) of at most size bytes; null on EAGAIN; empty Buffer at EOF */
  read(fd: number, size: number): Buffer | null;
  /** write(2); returns bytes written, -1 on EAGAIN */
  write(fd: number, data: Uint8Array): number;
  /** Calls cb(fd) on the loop each time fd is readable (uv_poll), level-triggered
   *  (also at EOF/hang-up until unwatched); one watch per fd: watching again
   *  replaces the callback. Unwatch before closing the fd. */
  watchReadable(fd: number, cb: (fd: number) => void): void;
  /** Stops a watchReadable or inotifyInit watch; no-op if fd is not watched. */
  unwatch(fd: number): void;
  /** socket(AF_UNIX, SOCK_DGRAM|CLOEXEC|NONBLOCK) with SO_PASSCRED, bound to
   *  path (which must not exist; never abstract): sd_notify's socket */
  notifySocket(path: string): number;
  /** recvmsg(2) of one datagram of at most size bytes (cut: truncated) with
   *  its sender's credentials (pid 0 when none came); null on EAGAIN. Fds
   *  passed with it are closed. */
  notifyRecv(fd: number, size: number): NativeNotifyMessage | null;
  /** fcntl F_SETLK write lock on the whole file; false when someone else holds it */
  lockWrite(fd: number): boolean;
  /** fcntl F_GETLK for a read lock: pid of a conflicting holder, 0 if none,
   *  -1 when the holder is in a pid namespace this process cannot see */
  lockHolder(fd: number): number;

  // ---- relative to a directory fd (AT_FDCWD for the cwd) ----
  openat(dirfd: number, name: string, flags: number, mode: number): number;
  mkdirat(dirfd: number, name: string, mode: number): void;
  /** flags: renameat2(2)'s (RENAME_EXCHANGE) */
  renameat(fromDirfd: number, from: string, toDirfd: number, to: string, flags?: number): void;
  /** flags: 0 or AT_REMOVEDIR */
  unlinkat(dirfd: number, name: string, flags: number): void;
  /** the target of symlink NAME in dirfd */
  readlinkat(dirfd: number, name: string): string;
  fstat(fd: number): NativeStat;
  /** the names in the directory fd refers to, without . and .. (the fd stays open) */
  readdirFd(fd: number): string[];

  // ---- inotify ----
  /** inotify_init1(IN_NONBLOCK|IN_CLOEXEC) watched on the loop; cb gets every record
   *  queued at each wake-up, and with them the error of a read that failed. To end it: unwatch(ifd) then close(ifd). */
  inotifyInit(cb: (events: NativeInotifyEvent[], error?: ErrnoError) => void): number;
  inotifyAdd(ifd: number, path: string, mask: number): number;
  inotifyRm(ifd: number, wd: number): void;

  // ---- memory ----
  /** madvise(2) on [addr, addr + length) with a MADV_* constant */
  madvise(addr: bigint, length: bigint, advice: number): void;
  /** glibc malloc_trim(pad): 1 if memory went back to the system, else 0 */
  mallocTrim(pad: number): number;

  /** numeric constants: O_* (O_NOFOLLOW, AT_FDCWD, AT_REMOVEDIR, RENAME_EXCHANGE too), MS_*, MNT_*, LINUX_REBOOT_CMD_*, IN_*, RLIMIT_*, MADV_* */
  constants: Record<string, number>;
}

/** One datagram from notifyRecv, with the kernel's word on who sent it. */
export interface NativeNotifyMessage {
  data: Buffer;
  truncated: boolean;
  pid: number;
  uid: number;
  gid: number;
}
