// Calls relative to a directory fd (openat, mkdirat, renameat, unlinkat,
// readlinkat, fstat, a listing by fd): PID 1 checks who owns a directory once, through
// the fd it holds, and every later name is resolved in that very directory,
// so a path another user can change cannot send a write somewhere else.
#include <dirent.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace {

using Info = const Napi::CallbackInfo&;

Napi::Value Openat(Info info) {
  Napi::Env env = info.Env();
  int dirfd, flags, mode;
  std::string name;
  if (!ArgInt(info, 0, "openat: dirfd", &dirfd) || !ArgString(info, 1, "openat: name", &name) ||
      !ArgInt(info, 2, "openat: flags", &flags) || !ArgInt(info, 3, "openat: mode", &mode))
    return env.Undefined();
  int fd;
  do fd = openat(dirfd, name.c_str(), flags, static_cast<mode_t>(mode));
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ThrowErrno(env, errno, "openat", name.c_str());
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Mkdirat(Info info) {
  Napi::Env env = info.Env();
  int dirfd, mode;
  std::string name;
  if (!ArgInt(info, 0, "mkdirat: dirfd", &dirfd) || !ArgString(info, 1, "mkdirat: name", &name) ||
      !ArgInt(info, 2, "mkdirat: mode", &mode))
    return env.Undefined();
  if (mkdirat(dirfd, name.c_str(), static_cast<mode_t>(mode)) < 0) ThrowErrno(env, errno, "mkdirat", name.c_str());
  return env.Undefined();
}

Napi::Value Renameat(Info info) {
  Napi::Env env = info.Env();
  int from_dir, to_dir;
  std::string from, to;
  if (!ArgInt(info, 0, "renameat: fromDirfd", &from_dir) || !ArgString(info, 1, "renameat: from", &from) ||
      !ArgInt(info, 2, "renameat: toDirfd", &to_dir) || !ArgString(info, 3, "renameat: to", &to))
    return env.Undefined();
  // flags (renameat2): RENAME_EXCHANGE swaps the two names atomically.
  int flags = 0;
  if (info.Length() > 4 && !ArgInt(info, 4, "renameat: flags", &flags)) return env.Undefined();
  int r = flags ? renameat2(from_dir, from.c_str(), to_dir, to.c_str(), static_cast<unsigned>(flags))
                : renameat(from_dir, from.c_str(), to_dir, to.c_str());
  if (r < 0) ThrowErrno(env, errno, flags ? "renameat2" : "renameat", from.c_str());
  return env.Undefined();
}

Napi::Value Unlinkat(Info info) {
  Napi::Env env = info.Env();
  int dirfd, flags;
  std::string name;
  if (!ArgInt(info, 0, "unlinkat: dirfd", &dirfd) || !ArgString(info, 1, "unlinkat: name", &name) ||
      !ArgInt(info, 2, "unlinkat: flags", &flags))
    return env.Undefined();
  if (unlinkat(dirfd, name.c_str(), flags) < 0) ThrowErrno(env, errno, "unlinkat", name.c_str());
  return env.Undefined();
}

Napi::Value Fstat(Info info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, "fstat: fd", &fd)) return env.Undefined();
  struct stat st;
  if (fstat(fd, &st) < 0) {
    ThrowErrno(env, errno, "fstat");
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("mode", Napi::Number::New(env, st.st_mode));
  o.Set("uid", Napi::Number::New(env, st.st_uid));
  o.Set("gid", Napi::Number::New(env, st.st_gid));
  o.Set("nlink", Napi::Number::New(env, static_cast<double>(st.st_nlink)));
  o.Set("size", Napi::Number::New(env, static_cast<double>(st.st_size)));
  o.Set("dev", Napi::Number::New(env, static_cast<double>(st.st_dev)));
  o.Set("ino", Napi::Number::New(env, static_cast<double>(st.st_ino)));
  return o;
}

Napi::Value Readlinkat(Info info) {
  Napi::Env env = info.Env();
  int dirfd;
  std::string name;
  if (!ArgInt(info, 0, "readlinkat: dirfd", &dirfd) || !ArgString(info, 1, "readlinkat: name", &name))
    return env.Undefined();
  char buf[4096];
  ssize_t n = readlinkat(dirfd, name.c_str(), buf, sizeof buf);
  if (n < 0) {
    ThrowErrno(env, errno, "readlinkat", name.c_str());
    return env.Undefined();
  }
  if (static_cast<size_t>(n) == sizeof buf) {
    ThrowErrno(env, ENAMETOOLONG, "readlinkat", name.c_str());
    return env.Undefined();
  }
  return Napi::String::New(env, buf, static_cast<size_t>(n));
}

// The names in the directory fd refers to (without . and ..). Lists a dup,
// so the caller's fd keeps its own offset and stays open.
Napi::Value ReaddirFd(Info info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, "readdirFd: fd", &fd)) return env.Undefined();
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) {
    ThrowErrno(env, errno, "fcntl");
    return env.Undefined();
  }
  DIR* d = fdopendir(copy);
  if (d == nullptr) {
    int err = errno;
    close(copy);
    ThrowErrno(env, err, "fdopendir");
    return env.Undefined();
  }
  rewinddir(d);
  Napi::Array names = Napi::Array::New(env);
  uint32_t n = 0;
  for (;;) {
    errno = 0;
    struct dirent* e = readdir(d);
    if (e == nullptr) break;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names.Set(n++, Napi::String::New(env, e->d_name));
  }
  int err = errno;
  closedir(d);
  if (err != 0) {
    ThrowErrno(env, err, "readdir");
    return env.Undefined();
  }
  return names;
}

}  // namespace

void InitAt(Napi::Env env, Napi::Object exports) {
  exports.Set("openat", Napi::Function::New(env, Openat, "openat"));
  exports.Set("mkdirat", Napi::Function::New(env, Mkdirat, "mkdirat"));
  exports.Set("renameat", Napi::Function::New(env, Renameat, "renameat"));
  exports.Set("unlinkat", Napi::Function::New(env, Unlinkat, "unlinkat"));
  exports.Set("readlinkat", Napi::Function::New(env, Readlinkat, "readlinkat"));
  exports.Set("fstat", Napi::Function::New(env, Fstat, "fstat"));
  exports.Set("readdirFd", Napi::Function::New(env, ReaddirFd, "readdirFd"));
}
