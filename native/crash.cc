// Crash recovery, the mechanism only: for each signal TS names (its list and
// the wording are policy, in src/boot/reexec.ts), a handler that runs no
// JS and allocates nothing: it writes the line TS prepared for that signal and
// execve()s an argv/envp prepared beforehand by armCrashExec, which keeps
// PID 1 and every child; the new image adopts them. If the exec fails it
// writes TS's failure line and re-raises the signal with its default action.
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
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
};

std::atomic<Prepared*> prepared{nullptr};

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

}  // namespace

void InitCrash(Napi::Env env, Napi::Object exports) {
  exports.Set("armCrashExec", Napi::Function::New(env, ArmCrashExec, "armCrashExec"));
}
