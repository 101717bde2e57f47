// The one event source of the init: signals and deaths through a self-pipe.
// The handlers only set a flag and write a byte; the loop (uv_poll on the
// pipe) does the work on the main thread. Not signalfd: Node's other threads
// do not block our signals, so the kernel would deliver them there instead.
// SIGCHLD drains waitpid(-1, WNOHANG): one reaper for every child, including
// orphans re-parented to us as PID 1 or subreaper.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace {

volatile sig_atomic_t pending[NSIG];
int wakeFd = -1;  // set once, before any handler is installed
int readFd = -1;
bool installed[NSIG];
struct sigaction previous[NSIG];  // what was there before our first install
uv_poll_t* watcher = nullptr;
bool referenced = true;
Napi::FunctionReference onSignal;
Napi::FunctionReference onExit;

void Handler(int sig) {
  int saved = errno;
  pending[sig] = 1;
  char b = 0;
  // EAGAIN: the pipe is full of wake-ups already, the flag is what counts
  ssize_t r = write(wakeFd, &b, 1);
  (void)r;
  errno = saved;
}

Napi::Object Exit(Napi::Env env, pid_t pid, int st) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, pid));
  o.Set("status", Napi::Number::New(env, st));
  o.Set("code", Napi::Number::New(env, WIFEXITED(st) ? WEXITSTATUS(st) : -1));
  o.Set("signal", Napi::Number::New(env, WIFSIGNALED(st) ? WTERMSIG(st) : 0));
  o.Set("core", Napi::Boolean::New(env, WIFSIGNALED(st) && WCOREDUMP(st)));
  return o;
}

void OnReadable(uv_poll_t* handle, int, int) {
  Napi::Env env(static_cast<napi_env>(handle->data));
  char buf[256];
  while (read(readFd, buf, sizeof buf) > 0) {
  }
  // Clear before draining: a death after the last waitpid sets it again.
  if (pending[SIGCHLD]) {
    pending[SIGCHLD] = 0;
    for (;;) {
      int st;
      pid_t pid = waitpid(-1, &st, WNOHANG);
      if (pid < 0 && errno == EINTR) continue;
      if (pid <= 0) break;  // 0: children left, all alive; ECHILD: none
      Napi::HandleScope scope(env);
      if (!onExit.IsEmpty()) CallFromLoop(env, onExit, {Exit(env, pid, st)});
      if (watcher == nullptr) return;  // the callback stopped the events
    }
  }
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGCHLD || !pending[sig]) continue;
    pending[sig] = 0;
    Napi::HandleScope scope(env);
    if (!onSignal.IsEmpty()) CallFromLoop(env, onSignal, {Napi::Number::New(env, sig)});
    if (watcher == nullptr) return;
  }
}

bool Install(Napi::Env env, int sig) {
  struct sigaction sa = {};
  sa.sa_handler = Handler;
  sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
  sigfillset(&sa.sa_mask);  // one handler at a time: no nesting on the pipe
  if (sigaction(sig, &sa, installed[sig] ? nullptr : &previous[sig]) < 0) {
    ThrowErrno(env, errno, "sigaction");
    return false;
  }
  installed[sig] = true;
  return true;
}

void Closed(uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); }

Napi::Value StartEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Function sigcb, exitcb;
  if (info.Length() < 1 || !info[0].IsArray()) {
    ThrowUsage(env, "startEvents: signals must be an array of numbers");
    return env.Undefined();
  }
  if (!ArgFunction(info, 1, "startEvents: onSignal", &sigcb)) return env.Undefined();
  if (!ArgFunction(info, 2, "startEvents: onExit", &exitcb)) return env.Undefined();
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<int> sigs;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    int sig = v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
    if (sig <= 0 || sig >= NSIG) {
      ThrowUsage(env, "startEvents: signals must be signal numbers");
      return env.Undefined();
    }
    sigs.push_back(sig);
  }
  // The pipe lives as long as the process: a handler running on another
  // thread at stopEvents time must never write into a reused fd number.
  if (wakeFd < 0) {
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
      ThrowErrno(env, errno, "pipe2");
      return env.Undefined();
    }
    readFd = p[0];
    wakeFd = p[1];
  }
  if (watcher == nullptr) {
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    watcher = new uv_poll_t;
    int r = uv_poll_init(loop, watcher, readFd);
    if (r != 0) {
      delete watcher;  // init failed: nothing for libuv to close
      watcher = nullptr;
      ThrowErrno(env, -r, "uv_poll_init");
      return env.Undefined();
    }
    watcher->data = static_cast<napi_env>(env);
    r = uv_poll_start(watcher, UV_READABLE, OnReadable);
    if (r != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(watcher), Closed);  // initialised: libuv frees it
      watcher = nullptr;
      ThrowErrno(env, -r, "uv_poll_start");
      return env.Undefined();
    }
    if (!referenced) uv_unref(reinterpret_cast<uv_handle_t*>(watcher));
  }
  onSignal.Reset(sigcb, 1);
  onExit.Reset(exitcb, 1);
  for (int sig : sigs)
    if (!Install(env, sig)) return env.Undefined();
  if (!Install(env, SIGCHLD)) return env.Undefined();
  // Children that died before we listened are reported too.
  Handler(SIGCHLD);
  return env.Undefined();
}


Napi::Value StopEvents(const Napi::CallbackInfo& info) {
  // Back to what was there before (SIG_DFL for an init, SIG_IGN for SIGPIPE
  // under Node; libuv's own SIGCHLD handler if child_process was used).
  for (int sig = 1; sig < NSIG; sig++) {
    if (!installed[sig]) continue;
    sigaction(sig, &previous[sig], nullptr);
    installed[sig] = false;
    pending[sig] = 0;
  }
  if (watcher != nullptr) {
    uv_poll_stop(watcher);
    uv_close(reinterpret_cast<uv_handle_t*>(watcher), Closed);
    watcher = nullptr;
  }
  onSignal.Reset();
  onExit.Reset();
  return info.Env().Undefined();
}

Napi::Value RefEvents(const Napi::CallbackInfo& info) {
  referenced = info.Length() > 0 && info[0].ToBoolean().Value();
  if (watcher != nullptr) {
    if (referenced) uv_ref(reinterpret_cast<uv_handle_t*>(watcher));
    else uv_unref(reinterpret_cast<uv_handle_t*>(watcher));
  }
  return info.Env().Undefined();
}

Napi::Value Mask(const Napi::CallbackInfo& info, int how) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    ThrowUsage(env, "signals must be an array of numbers");
    return env.Undefined();
  }
  Napi::Array list = info[0].As<Napi::Array>();
  sigset_t set;
  sigemptyset(&set);
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    int sig = v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
    if (sigaddset(&set, sig) < 0) {
      ThrowErrno(env, errno, "sigaddset");
      return env.Undefined();
    }
  }
  int r = pthread_sigmask(how, &set, nullptr);
  if (r != 0) ThrowErrno(env, r, "sigprocmask");
  return env.Undefined();
}

Napi::Value BlockSignals(const Napi::CallbackInfo& info) { return Mask(info, SIG_BLOCK); }
Napi::Value UnblockSignals(const Napi::CallbackInfo& info) { return Mask(info, SIG_UNBLOCK); }

}  // namespace

void InitEvents(Napi::Env env, Napi::Object exports) {
  exports.Set("startEvents", Napi::Function::New(env, StartEvents, "startEvents"));
  exports.Set("stopEvents", Napi::Function::New(env, StopEvents, "stopEvents"));
  exports.Set("refEvents", Napi::Function::New(env, RefEvents, "refEvents"));
  exports.Set("blockSignals", Napi::Function::New(env, BlockSignals, "blockSignals"));
  exports.Set("unblockSignals", Napi::Function::New(env, UnblockSignals, "unblockSignals"));
}
