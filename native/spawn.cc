// spawn(): clone(CLONE_VM|CLONE_VFORK) onto a private stack, set the child up
// with raw syscalls, execve. Like glibc's posix_spawn, and for the same
// reasons: no page-table copy of a large Node process, and the parent learns
// of an exec failure synchronously (it is suspended until the child execs or
// exits). Node is multithreaded and the child shares our memory, so between
// clone and execve the child may not allocate, lock, or call glibc wrappers
// that touch process-wide state (setuid & co. broadcast to all threads in
// glibc: we use syscall(2) directly). Everything is built in the parent.
// The same job runs here for the synchronous spawn() and on the spawner
// thread (spawner.cc), which leaves the JS thread running meanwhile.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "crash.h"
#include "errors.h"
#include "spawn.h"

namespace {

// The step that failed, reported to the parent through shared memory.
enum Step { kNone, kSetsid, kSetpgid, kFdMove, kDup2, kFcntl, kClose, kUmask, kSetrlimit,
            kSetpriority, kSetgroups, kSetgid, kSetuid, kChdir, kExecve, kSigaction, kSigprocmask,
            kCgroup, kTcsetpgrp };

const char* StepName(int step) {
  static const char* const names[] = {"spawn", "setsid", "setpgid", "fcntl", "dup2", "fcntl",
                                      "close_range", "umask", "setrlimit", "setpriority",
                                      "setgroups", "setgid", "setuid", "chdir", "execve",
                                      "sigaction", "sigprocmask", "write", "tcsetpgrp"};
  return step >= 0 && step <= kTcsetpgrp ? names[step] : "spawn";
}

struct Limit {
  int resource;
  struct rlimit value;
};

// Everything the child reads, and the two words it writes back.
struct Child {
  const char* file;
  char* const* argv;
  char* const* envp;
  const char* cwd;  // null = stay
  bool setsid;
  int pgid;
  int cgroup_fd;  // an open cgroup.procs to join, -1 = stay
  int tty_fd;     // a terminal whose foreground group the child's becomes, -1 = none
  const int* fds;
  int* work;  // scratch, one slot per fds entry (no allocation in the child)
  int nfds;
  int umask;  // -1 = inherit
  const Limit* limits;
  int nlimits;
  bool nice_set;
  int nice;
  const gid_t* groups;
  int ngroups;  // -1 = keep
  long gid;     // -1 = keep
  long uid;     // -1 = keep
  uint64_t reset;  // signals to set to SIG_DFL: bit sig-1
  int unshare_below;  // > 0: made with CLONE_FILES; unshare the fd table keeping only fds below this
  bool carry_pid;     // tell the crash path our pid before exec (crash.h)
  int err;
  int step;
};

// Fails a step: record it for the parent and die without running atexit
// handlers or flushing stdio that belong to the parent.
[[noreturn]] void Fail(Child* c, int step) {
  c->err = errno;
  c->step = step;
  syscall(SYS_exit_group, 127);
  __builtin_unreachable();
}

// Closes fds >= from. close_range (5.9+); else a loop up to the fd limit.
bool CloseFrom(int from) {
  if (syscall(SYS_close_range, from, ~0U, 0) == 0) return true;
  if (errno != ENOSYS) return false;
  struct rlimit rl;
  long max = 65536;
  if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    max = static_cast<long>(rl.rlim_cur);
  for (long fd = from; fd < max; fd++) syscall(SYS_close, fd);
  return true;
}

// Maps the child's fds. A source below nfds other than its own slot could be
// overwritten by an earlier dup2, so every such source is first moved above
// nfds; then each slot is filled from a source that cannot collide.
void MapFds(Child* c) {
  for (int i = 0; i < c->nfds; i++) {
    int src = c->fds[i];
    c->work[i] = src;
    if (src >= 0 && src < c->nfds && src != i) {
      int moved = static_cast<int>(syscall(SYS_fcntl, src, F_DUPFD_CLOEXEC, c->nfds));
      if (moved < 0) Fail(c, kFdMove);
      c->work[i] = moved;
    }
  }
  for (int i = 0; i < c->nfds; i++) {
    int src = c->work[i];
    if (src < 0) {
      syscall(SYS_close, i);  // EBADF is fine: it should be closed
    } else if (src == i) {
      // dup2 onto itself is a no-op that keeps FD_CLOEXEC: clear it by hand
      if (syscall(SYS_fcntl, i, F_SETFD, 0) < 0) Fail(c, kFcntl);
    } else if (syscall(SYS_dup3, src, i, 0) < 0) {
      Fail(c, kDup2);
    }
  }
  if (!CloseFrom(c->nfds)) Fail(c, kClose);
}

int ChildMain(void* arg) {
  Child* c = static_cast<Child*>(arg);
  // First, before any fd changes: made with CLONE_FILES, the table is still
  // the parent's. The kernel copies only the fds below unshare_below (stdio
  // and the slots the sources were dup'ed into) into a table of our own.
  if (c->unshare_below > 0 && syscall(SYS_close_range, c->unshare_below, ~0U, CLOSE_RANGE_UNSHARE) < 0) Fail(c, kClose);
  // Handlers belong to the parent's code and must not run here; ignored
  // signals would survive execve (Node ignores SIGPIPE). Reset all of them
  // while every signal is still blocked (the parent blocked them for us).
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || !(c->reset & (1ULL << (sig - 1)))) continue;
    sigaction(sig, &dfl, nullptr);  // EINVAL for glibc's internal signals: not ours to reset
  }
  // Writing "0" moves the writer: the service is in its cgroup before it
  // can fork, so nothing it starts escapes cgroup.kill.
  if (c->cgroup_fd >= 0 && syscall(SYS_write, c->cgroup_fd, "0", 1) != 1) Fail(c, kCgroup);
  if (c->setsid) {
    if (syscall(SYS_setsid) < 0) Fail(c, kSetsid);
  } else if (c->pgid >= 0) {
    if (syscall(SYS_setpgid, 0, c->pgid) < 0) Fail(c, kSetpgid);
  }
  // Still with every signal blocked: a background group may then take the
  // terminal without being stopped by SIGTTOU (tcsetpgrp(3)'s rule).
  if (c->tty_fd >= 0) {
    pid_t pgrp = static_cast<pid_t>(syscall(SYS_getpgid, 0));
    if (syscall(SYS_ioctl, c->tty_fd, TIOCSPGRP, &pgrp) < 0) Fail(c, kTcsetpgrp);
  }
  sigset_t none;
  sigemptyset(&none);
  if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, NSIG / 8) < 0) Fail(c, kSigprocmask);
  MapFds(c);
  if (c->umask >= 0) syscall(SYS_umask, c->umask);
  // Limits and priority before giving up root: raising a hard limit or
  // lowering nice needs the privileges the service may not keep.
  for (int i = 0; i < c->nlimits; i++)
    if (syscall(SYS_prlimit64, 0, c->limits[i].resource, &c->limits[i].value, nullptr) < 0) Fail(c, kSetrlimit);
  if (c->nice_set && syscall(SYS_setpriority, PRIO_PROCESS, 0, c->nice) < 0) Fail(c, kSetpriority);
  if (c->ngroups >= 0 && syscall(SYS_setgroups, c->ngroups, c->groups) < 0) Fail(c, kSetgroups);
  if (c->gid >= 0 && syscall(SYS_setgid, c->gid) < 0) Fail(c, kSetgid);
  if (c->uid >= 0 && syscall(SYS_setuid, c->uid) < 0) Fail(c, kSetuid);
  // After setuid, so the directory is entered with the service's own rights.
  if (c->cwd != nullptr && syscall(SYS_chdir, c->cwd) < 0) Fail(c, kChdir);
  // Last before the exec: from here a crash of the parent carries our pid, or
  // it came first and we must not run (the new image starts this program itself).
  if (c->carry_pid && !CrashCarryChild(static_cast<int>(syscall(SYS_getpid)))) syscall(SYS_exit_group, 127);
  syscall(SYS_execve, c->file, c->argv, c->envp);
  Fail(c, kExecve);
}

// The signals the child must reset: those caught or ignored now (SigCgt and
// SigIgn of /proc/self/status, shared by all threads), so that it makes a
// dozen sigaction calls instead of 62 (~0.12 ms of every spawn on a VM where
// a syscall costs 2 us). Without /proc, all of them.
uint64_t SignalsToReset() {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ~0ULL;
  char buf[8192];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return ~0ULL;
  buf[n] = 0;
  uint64_t mask = 0;
  for (const char* key : {"\nSigIgn:", "\nSigCgt:"}) {
    const char* line = strstr(buf, key);
    if (line == nullptr) return ~0ULL;
    char* end = nullptr;
    mask |= strtoull(line + strlen(key), &end, 16);
    if (end == line + strlen(key)) return ~0ULL;
  }
  return mask;
}

// char* arrays pointing into strings the caller keeps alive.
std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

bool Field(Napi::Object req, const char* name, Napi::Value* out) {
  *out = req.Get(name);
  return !req.Env().IsExceptionPending();
}

bool IntField(Napi::Object req, const char* name, int64_t lo, int64_t hi, int64_t* out) {
  Napi::Value v;
  if (!Field(req, name, &v)) return false;
  int64_t n = 0;
  if (!v.IsNumber() || !WholeInt64(v.As<Napi::Number>().DoubleValue(), &n) || n < lo || n > hi) {
    ThrowUsage(req.Env(), (std::string("spawn: req.") + name + " must be an integer in range").c_str());
    return false;
  }
  *out = n;
  return true;
}

bool IntArray(Napi::Env env, Napi::Value v, const char* name, int64_t lo, int64_t hi, std::vector<int64_t>* out) {
  std::string what = std::string("spawn: ") + name + " must be an array of integers";
  if (!v.IsArray()) {
    ThrowUsage(env, what.c_str());
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    int64_t n = 0;
    if (!e.IsNumber() || !WholeInt64(e.As<Napi::Number>().DoubleValue(), &n) || n < lo || n > hi) {
      ThrowUsage(env, what.c_str());
      return false;
    }
    out->push_back(n);
  }
  return true;
}

rlim_t Rlim(int64_t v) { return v < 0 ? RLIM_INFINITY : static_cast<rlim_t>(v); }

}  // namespace

// An environment as C strings, made once (envBlock) for every spawn that
// passes the same one: converting ~30-100 "K=V" strings is most of what
// parsing a service's request costs. Never changed once made, so jobs on any
// thread share it; the last job or handle to let go frees it.
struct EnvBlock {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
};
using EnvBlockPtr = std::shared_ptr<const EnvBlock>;

// Marks the externals envBlock makes, so no other external passes for one.
const napi_type_tag kEnvBlockTag = {0x7473696e69746576ULL, 0x656e76626c6f636bULL};

// Everything the child reads, owned: the strings, the arrays of pointers
// into them and the scratch the child works in.
struct SpawnJob {
  std::string file, cwd, carry_name;
  std::vector<std::string> argv, envs;
  EnvBlockPtr env_block;  // instead of envs, when the request passed one
  std::vector<char*> argp, envp;
  std::vector<int> fds, work, slotted;
  std::vector<gid_t> groups;
  std::vector<Limit> limits;
  Child c = {};
};

void SpawnJobDeleter::operator()(SpawnJob* job) const { delete job; }

SpawnJobPtr ParseSpawnJob(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) {
    ThrowUsage(env, "spawn: req must be an object");
    return nullptr;
  }
  Napi::Object req = value.As<Napi::Object>();
  SpawnJobPtr job(new SpawnJob);
  SpawnJob& j = *job;
  Child& c = j.c;
  Napi::Value v;
  if (!Field(req, "file", &v) || !CString(env, v, "spawn: req.file", &j.file)) return nullptr;
  if (!Field(req, "argv", &v) || !ArgStrings(env, v, "spawn: req.argv", &j.argv)) return nullptr;
  if (!Field(req, "env", &v)) return nullptr;
  if (v.IsExternal()) {
    auto block = v.As<Napi::External<EnvBlockPtr>>();
    if (!block.CheckTypeTag(&kEnvBlockTag)) {
      ThrowUsage(env, "spawn: req.env must be an array of strings or an envBlock");
      return nullptr;
    }
    j.env_block = *block.Data();
  } else if (!ArgStrings(env, v, "spawn: req.env", &j.envs)) {
    return nullptr;
  }
  if (!Field(req, "cwd", &v) || !CString(env, v, "spawn: req.cwd", &j.cwd)) return nullptr;
  if (!Field(req, "carryPidAs", &v)) return nullptr;
  if (!v.IsUndefined() && !v.IsNull()) {
    if (!CString(env, v, "spawn: req.carryPidAs", &j.carry_name)) return nullptr;
    if (!CarryNameValid(j.carry_name)) {
      ThrowUsage(env, "spawn: req.carryPidAs must be an environment variable's name");
      return nullptr;
    }
    c.carry_pid = true;
  }

  int64_t n;
  if (!Field(req, "setsid", &v)) return nullptr;
  c.setsid = v.ToBoolean().Value();
  if (!IntField(req, "pgid", -1, INT32_MAX, &n)) return nullptr;
  c.pgid = static_cast<int>(n);
  if (!IntField(req, "cgroupFd", -1, INT32_MAX, &n)) return nullptr;
  c.cgroup_fd = static_cast<int>(n);
  if (!IntField(req, "ttyFd", -1, INT32_MAX, &n)) return nullptr;
  c.tty_fd = static_cast<int>(n);
  if (!IntField(req, "umask", -1, 0777, &n)) return nullptr;
  c.umask = static_cast<int>(n);
  if (!IntField(req, "uid", -1, UINT32_MAX - 1, &n)) return nullptr;
  c.uid = static_cast<long>(n);
  if (!IntField(req, "gid", -1, UINT32_MAX - 1, &n)) return nullptr;
  c.gid = static_cast<long>(n);

  std::vector<int64_t> fds64;
  if (!Field(req, "fds", &v) || !IntArray(env, v, "req.fds", -1, INT32_MAX, &fds64)) return nullptr;
  j.fds.assign(fds64.begin(), fds64.end());
  j.work.resize(j.fds.size() + 1);

  c.ngroups = -1;
  if (!Field(req, "groups", &v)) return nullptr;
  if (!v.IsNull() && !v.IsUndefined()) {
    std::vector<int64_t> g;
    if (!IntArray(env, v, "req.groups", 0, UINT32_MAX - 1, &g)) return nullptr;
    j.groups.assign(g.begin(), g.end());
    c.ngroups = static_cast<int>(j.groups.size());
  }

  if (!Field(req, "rlimits", &v)) return nullptr;
  if (!v.IsArray()) {
    ThrowUsage(env, "spawn: req.rlimits must be an array of [resource, soft, hard]");
    return nullptr;
  }
  Napi::Array ra = v.As<Napi::Array>();
  for (uint32_t i = 0; i < ra.Length(); i++) {
    std::vector<int64_t> t;
    if (!IntArray(env, ra.Get(i), "req.rlimits[i]", -1, INT64_MAX, &t)) return nullptr;
    if (t.size() != 3 || t[0] < 0 || t[0] >= RLIM_NLIMITS) {
      ThrowUsage(env, "spawn: req.rlimits[i] must be [resource, soft, hard]");
      return nullptr;
    }
    j.limits.push_back({static_cast<int>(t[0]), {Rlim(t[1]), Rlim(t[2])}});
  }
  if (!Field(req, "nice", &v)) return nullptr;
  if (!v.IsNull() && !v.IsUndefined()) {
    if (!IntField(req, "nice", -20, 19, &n)) return nullptr;
    c.nice_set = true;
    c.nice = static_cast<int>(n);
  }

  j.argp = Pointers(j.argv);
  if (!j.env_block) j.envp = Pointers(j.envs);
  c.file = j.file.c_str();
  c.argv = j.argp.data();
  c.envp = j.env_block ? j.env_block->pointers.data() : j.envp.data();
  c.cwd = j.cwd.empty() ? nullptr : j.cwd.c_str();
  c.fds = j.fds.data();
  c.work = j.work.data();
  c.nfds = static_cast<int>(j.fds.size());
  c.limits = j.limits.data();
  c.nlimits = static_cast<int>(j.limits.size());
  c.groups = j.groups.data();
  return job;
}

SpawnOutcome RunSpawnJob(SpawnJob& job, int nice, const FdSlots* slots) {
  SpawnOutcome out;
  Child& c = job.c;
  if (!c.nice_set && nice != kKeepNice) {
    c.nice_set = true;
    c.nice = nice;
  }
  // Read here, not in ParseSpawnJob: on a spawner thread its open and
  // read leave the JS thread too.
  c.reset = SignalsToReset();
  // The child runs on its own stack while this thread is suspended; 64 KiB
  // is far more than its frames and glibc's sigaction need. Mapped once per
  // thread and kept: a thread that spawns is suspended until the child has
  // exec'd or died, so one child at a time uses it (two syscalls a spawn saved).
  const size_t stack_size = 64 * 1024;
  static thread_local void* stack = nullptr;
  if (stack == nullptr) {
    void* s = mmap(nullptr, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (s == MAP_FAILED) {
      out.err = errno;
      out.syscall = "mmap";
      return out;
    }
    stack = s;
  }
  // The child's sources (its fds, cgroup.procs, the tty) moved into this
  // thread's slots: the child then shares our table and unshares it keeping
  // only the fds up to the slots. Too many sources: the whole table is copied.
  int used = 0;
  int from[kMaxSlots];
  auto slotOf = [&](int src) -> int {
    if (src < 0) return src;
    for (int k = 0; k < used; k++)
      if (from[k] == src) return slots->fds[k];
    if (used == slots->n) return -2;
    from[used] = src;
    return slots->fds[used++];
  };
  bool slotted = slots != nullptr && slots->n > 0;
  int cgroup_fd = c.cgroup_fd, tty_fd = c.tty_fd;
  if (slotted) {
    job.slotted.assign(job.fds.begin(), job.fds.end());
    for (int& fd : job.slotted) fd = slotOf(fd);
    cgroup_fd = slotOf(c.cgroup_fd);
    tty_fd = slotOf(c.tty_fd);
    for (int fd : job.slotted) slotted = slotted && fd != -2;
    slotted = slotted && cgroup_fd != -2 && tty_fd != -2;
    for (int k = 0; slotted && k < used; k++) slotted = dup3(from[k], slots->fds[k], O_CLOEXEC) >= 0;
  }
  int high = 0;
  for (int k = 0; k < used; k++) high = slots->fds[k] > high ? slots->fds[k] : high;
  Child sc = c;
  if (slotted) {
    sc.fds = job.slotted.data();
    sc.cgroup_fd = cgroup_fd;
    sc.tty_fd = tty_fd;
    sc.unshare_below = (high > 2 ? high : 2) + 1;
  }
  // No handler of ours may run in the child before it resets them.
  sigset_t all, old;
  sigfillset(&all);
  if (c.carry_pid) CrashCarryBegin(job.carry_name);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pid = clone(ChildMain, static_cast<char*>(stack) + stack_size, CLONE_VM | CLONE_VFORK | (slotted ? CLONE_FILES : 0) | SIGCHLD, &sc);
  int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  // The slots back on /dev/null: a pipe's write end left in one would keep it open.
  for (int k = 0; k < used; k++) dup3(slots->null_fd, slots->fds[k], O_CLOEXEC);
  c.err = sc.err;
  c.step = sc.step;
  if (c.carry_pid && (pid < 0 || c.step != kNone)) CrashCarryFailed(pid);
  out.pid = pid;
  if (pid < 0) {
    out.err = clone_err;
    out.syscall = "clone";
    return out;
  }
  if (c.step != kNone) {
    out.err = c.err;
    out.syscall = StepName(c.step);
    const char* path = c.step == kExecve ? c.file : c.step == kChdir ? c.cwd : nullptr;
    if (path != nullptr) out.path = path;
  }
  return out;
}

void ReserveFdSlots(FdSlots* slots) {
  slots->n = 0;
  // Without close_range (before 5.9) there is no CLOSE_RANGE_UNSHARE either.
  if (syscall(SYS_close_range, ~0U, ~0U, 0) < 0) return;
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return;
  for (int k = 0; k < kMaxSlots; k++) {
    int fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) break;
    slots->fds[slots->n++] = fd;
  }
  slots->null_fd = null_fd;
}

namespace {

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SpawnJobPtr job = ParseSpawnJob(env, info.Length() > 0 ? info[0] : env.Undefined());
  if (!job) return env.Undefined();
  SpawnOutcome out = RunSpawnJob(*job);
  if (out.err == 0) return Napi::Number::New(env, out.pid);
  if (out.pid > 0) {
    // Reap this child here, before the event loop's reaper can run (it runs
    // on this thread), so no exit is ever reported for a process that never was.
    int st;
    while (waitpid(out.pid, &st, 0) < 0 && errno == EINTR) {
    }
  }
  ThrowErrno(env, out.err, out.syscall, out.path.empty() ? nullptr : out.path.c_str());
  return env.Undefined();
}

Napi::Value MakeEnvBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto block = std::make_shared<EnvBlock>();
  if (!ArgStrings(env, info.Length() > 0 ? info[0] : env.Undefined(), "envBlock: env", &block->strings)) return env.Undefined();
  block->pointers = Pointers(block->strings);
  auto handle = Napi::External<EnvBlockPtr>::New(env, new EnvBlockPtr(std::move(block)), [](Napi::Env, EnvBlockPtr* p) { delete p; });
  handle.TypeTag(&kEnvBlockTag);
  return handle;
}

}  // namespace

void InitSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn, "spawn"));
  exports.Set("envBlock", Napi::Function::New(env, MakeEnvBlock, "envBlock"));
}
