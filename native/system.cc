// Process and machine syscalls: one JS function per syscall, errors thrown
// with errno. Empty strings mean NULL where the kernel gives NULL a meaning
// (mount's source, type and data for MS_BIND, MS_REMOUNT, MS_PRIVATE...).
#include <errno.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace {

using Info = const Napi::CallbackInfo&;

const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

Napi::Value Mount(Info info) {
  Napi::Env env = info.Env();
  std::string source, target, fstype, data;
  int64_t flags;
  if (!ArgString(info, 0, "mount: source", &source) || !ArgString(info, 1, "mount: target", &target) ||
      !ArgString(info, 2, "mount: fstype", &fstype) || !ArgInt(info, 3, "mount: flags", &flags) ||
      !ArgString(info, 4, "mount: data", &data))
    return env.Undefined();
  if (mount(OrNull(source), target.c_str(), OrNull(fstype), static_cast<unsigned long>(flags), OrNull(data)) < 0)
    ThrowErrno(env, errno, "mount", target.c_str());
  return env.Undefined();
}

Napi::Value Umount2(Info info) {
  Napi::Env env = info.Env();
  std::string target;
  int flags;
  if (!ArgString(info, 0, "umount2: target", &target) || !ArgInt(info, 1, "umount2: flags", &flags))
    return env.Undefined();
  if (umount2(target.c_str(), flags) < 0) ThrowErrno(env, errno, "umount2", target.c_str());
  return env.Undefined();
}

Napi::Value Reboot(Info info) {
  Napi::Env env = info.Env();
  int64_t cmd;
  if (!ArgInt(info, 0, "reboot: cmd", &cmd)) return env.Undefined();
  if (reboot(static_cast<int>(cmd)) < 0) ThrowErrno(env, errno, "reboot");
  return env.Undefined();
}

Napi::Value Sethostname(Info info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ArgString(info, 0, "sethostname: name", &name)) return env.Undefined();
  if (sethostname(name.data(), name.size()) < 0) ThrowErrno(env, errno, "sethostname");
  return env.Undefined();
}

Napi::Value Sync(Info info) {
  sync();
  return info.Env().Undefined();
}

Napi::Value Setsid(Info info) {
  pid_t sid = setsid();
  if (sid < 0) {
    ThrowErrno(info.Env(), errno, "setsid");
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), sid);
}

Napi::Value Getpid(Info info) { return Napi::Number::New(info.Env(), getpid()); }
Napi::Value Getpgrp(Info info) { return Napi::Number::New(info.Env(), getpgrp()); }

Napi::Value Getsid(Info info) {
  Napi::Env env = info.Env();
  int pid;
  if (!ArgInt(info, 0, "getsid: pid", &pid)) return env.Undefined();
  pid_t sid = getsid(pid);
  if (sid < 0) {
    ThrowErrno(env, errno, "getsid");
    return env.Undefined();
  }
  return Napi::Number::New(env, sid);
}

Napi::Value SetSubreaper(Info info) {
  Napi::Env env = info.Env();
  unsigned long on = info.Length() > 0 && info[0].ToBoolean().Value() ? 1 : 0;
  if (prctl(PR_SET_CHILD_SUBREAPER, on, 0, 0, 0) < 0) ThrowErrno(env, errno, "prctl");
  return env.Undefined();
}

Napi::Value Getrlimit(Info info) {
  Napi::Env env = info.Env();
  int resource;
  if (!ArgInt(info, 0, "getrlimit: resource", &resource)) return env.Undefined();
  struct rlimit rl;
  if (getrlimit(static_cast<__rlimit_resource>(resource), &rl) < 0) {
    ThrowErrno(env, errno, "getrlimit");
    return env.Undefined();
  }
  auto num = [&](rlim_t v) { return Napi::Number::New(env, v == RLIM_INFINITY ? -1.0 : static_cast<double>(v)); };
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, num(rl.rlim_cur));
  out.Set(1u, num(rl.rlim_max));
  return out;
}

// setrlimit(2); -1 = RLIM_INFINITY. Raising a hard limit needs CAP_SYS_RESOURCE.
Napi::Value Setrlimit(Info info) {
  Napi::Env env = info.Env();
  int resource;
  int64_t soft, hard;
  if (!ArgInt(info, 0, "setrlimit: resource", &resource) || !ArgInt(info, 1, "setrlimit: soft", &soft) ||
      !ArgInt(info, 2, "setrlimit: hard", &hard)) {
    return env.Undefined();
  }
  auto lim = [](int64_t v) { return v < 0 ? RLIM_INFINITY : static_cast<rlim_t>(v); };
  struct rlimit rl = {lim(soft), lim(hard)};
  if (setrlimit(static_cast<__rlimit_resource>(resource), &rl) < 0) ThrowErrno(env, errno, "setrlimit");
  return env.Undefined();
}

Napi::Value Umask(Info info) {
  Napi::Env env = info.Env();
  int mask;
  if (!ArgInt(info, 0, "umask: mask", &mask)) return env.Undefined();
  return Napi::Number::New(env, umask(static_cast<mode_t>(mask) & 0777));
}

Napi::Value Execve(Info info) {
  Napi::Env env = info.Env();
  std::string file;
  std::vector<std::string> argv, envs;
  if (!ArgString(info, 0, "execve: file", &file) ||
      !ArgStrings(env, info.Length() > 1 ? info[1] : env.Undefined(), "execve: argv", &argv) ||
      !ArgStrings(env, info.Length() > 2 ? info[2] : env.Undefined(), "execve: env", &envs))
    return env.Undefined();
  std::vector<char*> a, e;
  for (auto& s : argv) a.push_back(s.data());
  a.push_back(nullptr);
  for (auto& s : envs) e.push_back(s.data());
  e.push_back(nullptr);
  KeepStdio();
  execve(file.c_str(), a.data(), e.data());
  ThrowErrno(env, errno, "execve", file.c_str());
  return env.Undefined();
}

Napi::Value Kill(Info info) {
  Napi::Env env = info.Env();
  int pid, sig;
  if (!ArgInt(info, 0, "kill: pid", &pid) || !ArgInt(info, 1, "kill: signal", &sig)) return env.Undefined();
  if (kill(pid, sig) < 0) ThrowErrno(env, errno, "kill");
  return env.Undefined();
}

Napi::Value Killpg(Info info) {
  Napi::Env env = info.Env();
  int pgid, sig;
  if (!ArgInt(info, 0, "killpg: pgid", &pgid) || !ArgInt(info, 1, "killpg: signal", &sig)) return env.Undefined();
  if (killpg(pgid, sig) < 0) ThrowErrno(env, errno, "killpg");
  return env.Undefined();
}

// pidfd_open(pid, 0): an fd that becomes readable when pid exits, for a
// process that is not our child (waitpid cannot wait for it). Close-on-exec
// by the kernel's default for pidfds.
Napi::Value PidfdOpen(Info info) {
  Napi::Env env = info.Env();
  int pid;
  if (!ArgInt(info, 0, "pidfdOpen: pid", &pid)) return env.Undefined();
#ifdef SYS_pidfd_open
  long fd = syscall(SYS_pidfd_open, pid, 0);
#else
  long fd = -1;
  errno = ENOSYS;
#endif
  if (fd < 0) {
    ThrowErrno(env, errno, "pidfd_open");
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(fd));
}

}  // namespace

void InitSystem(Napi::Env env, Napi::Object exports) {
  struct { const char* name; Napi::Value (*fn)(Info); } fns[] = {
      {"mount", Mount},       {"umount2", Umount2}, {"reboot", Reboot},   {"sethostname", Sethostname},
      {"sync", Sync},         {"setsid", Setsid},   {"getpid", Getpid},   {"getpgrp", Getpgrp},
      {"getsid", Getsid},     {"setSubreaper", SetSubreaper},             {"umask", Umask},
      {"execve", Execve},     {"kill", Kill},       {"killpg", Killpg},   {"getrlimit", Getrlimit},
      {"setrlimit", Setrlimit},
      {"pidfdOpen", PidfdOpen},
  };
  for (auto& f : fns) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
}
