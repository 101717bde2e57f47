// Crash recovery: a fatal signal in PID 1 (SIGSEGV, SIGBUS, SIGABRT — V8's
// out-of-memory ends in abort —, SIGILL, SIGFPE) must not kill it, or the
// kernel panics. The handler runs no JS and allocates nothing: it execve()s
// an argv/envp prepared beforehand by armCrashExec, which keeps PID 1 and
// every child; the new image adopts them. If the exec fails, the signal is
// re-raised with its default action.
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
};

std::atomic<Prepared*> prepared{nullptr};

void Say(const char* s) {
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

void OnFatal(int sig) {
  Prepared* p = prepared.load();
  if (p != nullptr) {
    char num[4] = {static_cast<char>('0' + (sig / 10) % 10), static_cast<char>('0' + sig % 10), '\0', '\0'};
    Say("tsinit: fatal signal ");
    Say(sig >= 10 ? num : num + 1);
    Say(": re-executing to keep process 1 alive\n");
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    KeepStdio();
    execve(p->file.c_str(), p->argv.data(), p->envp.data());
    Say("tsinit: unable to re-execute after a fatal signal\n");
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

const int kFatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};

// armCrashExec(file, argv, env): from now on a fatal signal execs this.
Napi::Value ArmCrashExec(Info info) {
  Napi::Env env = info.Env();
  auto* p = new Prepared();
  if (!ArgString(info, 0, "armCrashExec: file", &p->file) ||
      !ArgStrings(env, info.Length() > 1 ? info[1] : env.Undefined(), "armCrashExec: argv", &p->argvStore) ||
      !ArgStrings(env, info.Length() > 2 ? info[2] : env.Undefined(), "armCrashExec: env", &p->envStore)) {
    delete p;
    return env.Undefined();
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
  for (int sig : kFatal) {
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
