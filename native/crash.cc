// Crash recovery, the mechanism only: for each signal TS names (its list and
// the wording are policy, in src/boot/reexec.ts), a handler that runs no
// JS and allocates nothing: it writes the line TS prepared for that signal and
// execve()s an argv/envp prepared beforehand by armCrashExec, which keeps
// PID 1 and every child; the new image adopts them. If the exec fails it
// writes TS's failure line and re-raises the signal with its default action.
// It also carries one pid that may be too new for TS to have put in that
// environment: a child spawned with carryPidAs (a container's CMD) stores its
// own pid before its exec, so a crash at any moment after the spawn began
// either carries the pid or stops the child before it runs (crash.h).
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "crash.h"
#include "errors.h"

void KeepStdio();

namespace {

using Info = const Napi::CallbackInfo&;

struct Prepared {
  std::string file;
  std::vector<std::string> argvStore, envStore;
  std::vector<char*> argv, envp;
  // lines[i] is what to write when signals[i] arrives
  std::vector<int> signals;
  std::vector<std::string> lines;
  std::string failLine;
  // envp's last entry before its null, left null for the carried pid.
  size_t spare = 0;
  char pidEntry[kCarryNameMax + 16] = {};
};

std::atomic<Prepared*> prepared{nullptr};

// The carried pid, or kStarting while a carrying spawn has not reached its
// exec, or kCrashed once a handler took it from kStarting; 0 = none.
constexpr int kStarting = -1;
constexpr int kCrashed = -2;
std::atomic<int> carriedPid{0};
// The child swaps into it between clone and exec, where no lock may be taken.
static_assert(std::atomic<int>::is_always_lock_free, "the carried pid needs a lock-free atomic");
// "NAME=", set before carriedPid is; never freed (a handler may read it).
std::atomic<const char*> carriedName{nullptr};

bool HasEntry(char* const* envp, const char* prefix) {
  size_t n = strlen(prefix);
  for (; *envp != nullptr; envp++)
    if (strncmp(*envp, prefix, n) == 0) return true;
  return false;
}

// "NAME=pid" into out (size kCarryNameMax + 16), without snprintf.
void FormatEntry(char* out, const char* name, int pid) {
  size_t n = strlen(name);
  memcpy(out, name, n);
  char digits[12];
  int k = 0;
  for (unsigned v = static_cast<unsigned>(pid); k == 0 || v > 0; v /= 10) digits[k++] = static_cast<char>('0' + v % 10);
  while (k > 0) out[n++] = digits[--k];
  out[n] = 0;
}

// The pid to carry: a carrying spawn not yet at its exec loses the race here
// and its child exits instead of running (CrashCarryChild).
int TakeCarriedPid() {
  int v = kStarting;
  if (carriedPid.compare_exchange_strong(v, kCrashed)) return 0;
  return v > 0 ? v : 0;
}

void Say(const char* s) {
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

void OnFatal(int sig) {
  Prepared* p = prepared.load();
  if (p != nullptr) {
    for (size_t i = 0; i < p->signals.size(); i++) {
      if (p->signals[i] == sig) Say(p->lines[i].c_str());
    }
    int pid = TakeCarriedPid();
    const char* name = carriedName.load();
    if (pid > 0 && name != nullptr && !HasEntry(p->envp.data(), name)) {
      FormatEntry(p->pidEntry, name, pid);
      p->envp[p->spare] = p->pidEntry;
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    KeepStdio();
    execve(p->file.c_str(), p->argv.data(), p->envp.data());
    Say(p->failLine.c_str());
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

// libuv marks the stdio fds close-on-exec once Node uses them; the new image
// must find its console (or the pipe a test reads) on 0, 1 and 2.
void KeepStdio() {
  for (int fd = 0; fd < 3; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
}

namespace {

// armCrashExec(file, argv, env, signals, lines, failLine): from now on each
// of signals writes its line and execs file.
Napi::Value ArmCrashExec(Info info) {
  Napi::Env env = info.Env();
  auto* p = new Prepared();
  if (!ArgString(info, 0, "armCrashExec: file", &p->file) ||
      !ArgStrings(env, info.Length() > 1 ? info[1] : env.Undefined(), "armCrashExec: argv", &p->argvStore) ||
      !ArgStrings(env, info.Length() > 2 ? info[2] : env.Undefined(), "armCrashExec: env", &p->envStore) ||
      !ArgStrings(env, info.Length() > 4 ? info[4] : env.Undefined(), "armCrashExec: lines", &p->lines) ||
      !ArgString(info, 5, "armCrashExec: failLine", &p->failLine)) {
    delete p;
    return env.Undefined();
  }
  Napi::Value list = info.Length() > 3 ? info[3] : env.Undefined();
  if (!list.IsArray() || list.As<Napi::Array>().Length() != p->lines.size()) {
    delete p;
    ThrowUsage(env, "armCrashExec: signals must be an array of numbers, one per line");
    return env.Undefined();
  }
  for (uint32_t i = 0; i < list.As<Napi::Array>().Length(); i++) {
    Napi::Value v = list.As<Napi::Array>().Get(i);
    int sig = v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
    if (sig <= 0 || sig >= NSIG) {
      delete p;
      ThrowUsage(env, "armCrashExec: signals must be signal numbers");
      return env.Undefined();
    }
    p->signals.push_back(sig);
  }
  for (auto& s : p->argvStore) p->argv.push_back(s.data());
  p->argv.push_back(nullptr);
  for (auto& s : p->envStore) p->envp.push_back(s.data());
  p->spare = p->envp.size();
  p->envp.push_back(nullptr);
  p->envp.push_back(nullptr);
  // The previous one is leaked on purpose: a handler may be reading it right now.
  prepared.store(p);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnFatal;
  sigfillset(&sa.sa_mask);
  for (int sig : p->signals) {
    if (sigaction(sig, &sa, nullptr) < 0) {
      ThrowErrno(env, errno, "sigaction");
      return env.Undefined();
    }
  }
  return env.Undefined();
}

bool SetCarriedName(const std::string& name) {
  if (!CarryNameValid(name)) return false;
  std::string entry = name + "=";
  const char* now = carriedName.load();
  if (now == nullptr || entry != now) carriedName.store(strdup(entry.c_str()));
  return carriedName.load() != nullptr;
}

// carryPidOnCrash(name, pid): from now on a crash's exec gets name=pid in
// its environment (unless TS's prepared one already has name); pid 0: none.
Napi::Value CarryPidOnCrash(Info info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ArgString(info, 0, "carryPidOnCrash: name", &name)) return env.Undefined();
  if (!info[1].IsNumber() || info[1].As<Napi::Number>().Int32Value() < 0) {
    ThrowUsage(env, "carryPidOnCrash: pid must be a pid or 0");
    return env.Undefined();
  }
  if (!SetCarriedName(name)) {
    ThrowUsage(env, "carryPidOnCrash: name must be an environment variable's name");
    return env.Undefined();
  }
  carriedPid.store(info[1].As<Napi::Number>().Int32Value());
  return env.Undefined();
}

}  // namespace

bool CarryNameValid(const std::string& name) {
  return !name.empty() && name.size() < kCarryNameMax && name.find('=') == std::string::npos;
}

bool CrashCarryBegin(const std::string& name) {
  if (!SetCarriedName(name)) return false;
  carriedPid.store(kStarting);
  return true;
}

bool CrashCarryChild(int pid) {
  int v = kStarting;
  return carriedPid.compare_exchange_strong(v, pid);
}

void CrashCarryFailed(int pid) {
  int v = kStarting;
  if (!carriedPid.compare_exchange_strong(v, 0) && pid > 0) {
    v = pid;
    carriedPid.compare_exchange_strong(v, 0);
  }
}

void InitCrash(Napi::Env env, Napi::Object exports) {
  exports.Set("armCrashExec", Napi::Function::New(env, ArmCrashExec, "armCrashExec"));
  exports.Set("carryPidOnCrash", Napi::Function::New(env, CarryPidOnCrash, "carryPidOnCrash"));
}
