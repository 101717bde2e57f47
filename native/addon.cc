// Module init: registers each concern's functions, the numeric constants the
// TS side passes back (flags, commands, resources) and the signal names.
#include <fcntl.h>
#include <stdio.h>
#include <linux/reboot.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "addon.h"

void CallFromLoop(Napi::Env env, const Napi::FunctionReference& fn, const std::initializer_list<napi_value>& args) {
  // MakeCallback (not Call) so promise jobs queued by the callback run now,
  // as they do after any other event-loop callback. Raw napi: during Node's
  // teardown a late poll callback cannot run JS, and node-addon-api would
  // turn that failure into a throw that itself fails and aborts.
  napi_value result;
  napi_status st = napi_make_callback(env, nullptr, env.Global(), fn.Value(), args.size(), args.begin(), &result);
  if (st == napi_ok) return;
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
}

bool CanRunJs(napi_env env) {
  // napi_set_named_property refuses (napi_cannot_run_js) once Node's teardown
  // has begun; a cheap probe in its own handle scope.
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return false;
  napi_value o;
  bool ok = napi_create_object(env, &o) == napi_ok && napi_set_named_property(env, o, "probe", o) == napi_ok;
  napi_close_handle_scope(env, scope);
  return ok;
}

namespace {

#define C(name) o.Set(#name, Napi::Number::New(env, static_cast<double>(name)))

Napi::Object Constants(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  C(O_RDONLY); C(O_WRONLY); C(O_RDWR); C(O_CREAT); C(O_EXCL); C(O_TRUNC); C(O_APPEND);
  C(O_NONBLOCK); C(O_CLOEXEC); C(O_NOCTTY); C(O_DIRECTORY); C(O_NOFOLLOW); C(AT_FDCWD); C(AT_REMOVEDIR); C(RENAME_EXCHANGE);
  C(MS_RDONLY); C(MS_NOSUID); C(MS_NODEV); C(MS_NOEXEC); C(MS_REMOUNT); C(MS_BIND); C(MS_REC);
  C(MS_PRIVATE); C(MS_MOVE); C(MS_RELATIME); C(MS_STRICTATIME);
  C(MNT_FORCE); C(MNT_DETACH);
  C(LINUX_REBOOT_CMD_RESTART); C(LINUX_REBOOT_CMD_HALT); C(LINUX_REBOOT_CMD_POWER_OFF);
  C(LINUX_REBOOT_CMD_CAD_ON); C(LINUX_REBOOT_CMD_CAD_OFF);
  C(IN_CREATE); C(IN_DELETE); C(IN_MOVED_FROM); C(IN_MOVED_TO); C(IN_DELETE_SELF); C(IN_MOVE_SELF);
  C(IN_ONLYDIR); C(IN_MODIFY); C(IN_ATTRIB); C(IN_CLOSE_WRITE); C(IN_ISDIR); C(IN_IGNORED); C(IN_Q_OVERFLOW);
  C(RLIMIT_CPU); C(RLIMIT_FSIZE); C(RLIMIT_DATA); C(RLIMIT_STACK); C(RLIMIT_CORE); C(RLIMIT_RSS);
  C(RLIMIT_NPROC); C(RLIMIT_NOFILE); C(RLIMIT_MEMLOCK); C(RLIMIT_AS); C(RLIMIT_LOCKS);
  C(RLIMIT_SIGPENDING); C(RLIMIT_MSGQUEUE); C(RLIMIT_NICE); C(RLIMIT_RTPRIO); C(RLIMIT_RTTIME);
  C(MADV_NORMAL); C(MADV_RANDOM); C(MADV_SEQUENTIAL); C(MADV_WILLNEED); C(MADV_COLD); C(MADV_PAGEOUT);
  return o;
}

#define S(name) o.Set(#name, Napi::Number::New(env, name))

Napi::Object Signals(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  S(SIGHUP); S(SIGINT); S(SIGQUIT); S(SIGILL); S(SIGTRAP); S(SIGABRT); S(SIGIOT); S(SIGBUS);
  S(SIGFPE); S(SIGKILL); S(SIGUSR1); S(SIGSEGV); S(SIGUSR2); S(SIGPIPE); S(SIGALRM); S(SIGTERM);
#ifdef SIGSTKFLT
  S(SIGSTKFLT);
#endif
  S(SIGCHLD); S(SIGCONT); S(SIGSTOP); S(SIGTSTP); S(SIGTTIN); S(SIGTTOU); S(SIGURG); S(SIGXCPU);
  S(SIGXFSZ); S(SIGVTALRM); S(SIGPROF); S(SIGWINCH); S(SIGIO); S(SIGPOLL); S(SIGPWR); S(SIGSYS);
  // libc's values (glibc keeps the first real-time signals for its threads),
  // not the kernel's 32: what kill(1) and s6 mean by SIGRTMIN.
  S(SIGRTMIN); S(SIGRTMAX);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitSpawn(env, exports);
  InitSpawner(env, exports);
  InitEvents(env, exports);
  InitSystem(env, exports);
  InitFds(env, exports);
  InitInotify(env, exports);
  InitCrash(env, exports);
  InitMemory(env, exports);
  InitAt(env, exports);
  InitNotify(env, exports);
  exports.Set("constants", Constants(env));
  exports.Set("signals", Signals(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(tsinit, Init)
