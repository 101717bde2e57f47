// File descriptors: thin wrappers, plus readiness watches (uv_poll) so the
// TS side reads pipes and fifos with read(2) semantics it controls (EAGAIN as
// null, EOF as an empty Buffer) instead of Node streams.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "watch.h"

namespace {

using Info = const Napi::CallbackInfo&;

std::unordered_map<int, Watch*> watches;

void Readable(uv_poll_t* handle, int, int) {
  // On an error status (EBADF...) still call back: the reader's read(2)
  // throws the real error, which says more than libuv's status.
  Watch* w = static_cast<Watch*>(handle->data);
  w->onReadable(w);
}

void Closed(uv_handle_t* handle) { delete static_cast<Watch*>(handle->data); }

void CallFd(Watch* w) {
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  CallFromLoop(env, w->cb, {Napi::Number::New(env, w->fd)});
}

Napi::Value Open(Info info) {
  Napi::Env env = info.Env();
  std::string path;
  int flags, mode;
  if (!ArgString(info, 0, "open: path", &path) || !ArgInt(info, 1, "open: flags", &flags) ||
      !ArgInt(info, 2, "open: mode", &mode))
    return env.Undefined();
  int fd;
  do fd = open(path.c_str(), flags, static_cast<mode_t>(mode));
  while (fd < 0 && errno == EINTR);  // a fifo's open blocks and may be interrupted
  if (fd < 0) {
    ThrowErrno(env, errno, "open", path.c_str());
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Close(Info info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, "close: fd", &fd)) return env.Undefined();
  // EINTR: Linux has closed the fd anyway; retrying could close another one.
  if (close(fd) < 0 && errno != EINTR) ThrowErrno(env, errno, "close");
  return env.Undefined();
}

Napi::Value Dup2(Info info) {
  Napi::Env env = info.Env();
  int oldfd, newfd;
  if (!ArgInt(info, 0, "dup2: oldfd", &oldfd) || !ArgInt(info, 1, "dup2: newfd", &newfd)) return env.Undefined();
  int r = dup2(oldfd, newfd);
  if (r < 0) {
    ThrowErrno(env, errno, "dup2");
    return env.Undefined();
  }
  return Napi::Number::New(env, r);
}

// fcntl F_DUPFD_CLOEXEC: a copy of fd on the lowest free fd >= min.
Napi::Value DupAtLeast(Info info) {
  Napi::Env env = info.Env();
  int fd, min;
  if (!ArgInt(info, 0, "dupAtLeast: fd", &fd) || !ArgInt(info, 1, "dupAtLeast: min", &min)) return env.Undefined();
  int r = fcntl(fd, F_DUPFD_CLOEXEC, min);
  if (r < 0) {
    ThrowErrno(env, errno, "fcntl");
    return env.Undefined();
  }
  return Napi::Number::New(env, r);
}

Napi::Value Pipe(Info info) {
  Napi::Env env = info.Env();
  bool nonblock = info.Length() > 0 && info[0].ToBoolean().Value();
  int p[2];
  if (pipe2(p, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) < 0) {
    ThrowErrno(env, errno, "pipe2");
    return env.Undefined();
  }
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, p[0]));
  a.Set(1u, Napi::Number::New(env, p[1]));
  return a;
}

Napi::Value Mkfifo(Info info) {
  Napi::Env env = info.Env();
  std::string path;
  int mode;
  if (!ArgString(info, 0, "mkfifo: path", &path) || !ArgInt(info, 1, "mkfifo: mode", &mode)) return env.Undefined();
  if (mkfifo(path.c_str(), static_cast<mode_t>(mode)) < 0) ThrowErrno(env, errno, "mkfifo", path.c_str());
  return env.Undefined();
}

// Sets or clears one bit with F_GETx/F_SETx.
Napi::Value FlagBit(Info info, int get, int set, int bit, const char* what) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, what, &fd)) return env.Undefined();
  bool on = info.Length() > 1 && info[1].ToBoolean().Value();
  int flags = fcntl(fd, get);
  if (flags < 0 || fcntl(fd, set, on ? flags | bit : flags & ~bit) < 0) ThrowErrno(env, errno, "fcntl");
  return env.Undefined();
}

Napi::Value SetCloexec(Info info) { return FlagBit(info, F_GETFD, F_SETFD, FD_CLOEXEC, "setCloexec: fd"); }
Napi::Value SetNonblock(Info info) { return FlagBit(info, F_GETFL, F_SETFL, O_NONBLOCK, "setNonblock: fd"); }

// isatty(3): node:tty's own would load net and the whole streams stack
// (two dozen modules compiled at start-up) just to answer this.
Napi::Value Isatty(Info info) {
  int fd;
  if (!ArgInt(info, 0, "isatty: fd", &fd)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), isatty(fd) == 1);
}

Napi::Value Read(Info info) {
  Napi::Env env = info.Env();
  int fd, size;
  if (!ArgInt(info, 0, "read: fd", &fd) || !ArgInt(info, 1, "read: size", &size)) return env.Undefined();
  if (size < 0) {
    ThrowUsage(env, "read: size must not be negative");
    return env.Undefined();
  }
  std::unique_ptr<char[]> buf(new char[size > 0 ? size : 1]);
  ssize_t n;
  do n = read(fd, buf.get(), static_cast<size_t>(size));
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return env.Null();
    ThrowErrno(env, errno, "read");
    return env.Undefined();
  }
  return Napi::Buffer<char>::Copy(env, buf.get(), static_cast<size_t>(n));
}

Napi::Value Write(Info info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, "write: fd", &fd)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowUsage(env, "write: data must be a Uint8Array");
    return env.Undefined();
  }
  Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
  ssize_t n;
  do n = write(fd, data.Data(), data.ByteLength());
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return Napi::Number::New(env, -1);
    ThrowErrno(env, errno, "write");
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value WatchReadable(Info info) {
  Napi::Env env = info.Env();
  int fd;
  Napi::Function cb;
  if (!ArgInt(info, 0, "watchReadable: fd", &fd) || !ArgFunction(info, 1, "watchReadable: cb", &cb))
    return env.Undefined();
  StartWatch(env, fd, cb, CallFd);
  return env.Undefined();
}

Napi::Value Unwatch(Info info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, "unwatch: fd", &fd)) return env.Undefined();
  StopWatch(fd);  // not watched: nothing to do, like closing a closed watch
  return env.Undefined();
}

// Whole-file lock: s6's supervise/lock protocol (s6-svok tests it).
void WholeFile(struct flock* fl, short type) {
  *fl = {};
  fl->l_type = type;
  fl->l_whence = SEEK_SET;
  fl->l_start = 0;
  fl->l_len = 0;
}

Napi::Value LockWrite(Info info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, "lockWrite: fd", &fd)) return env.Undefined();
  struct flock fl;
  WholeFile(&fl, F_WRLCK);
  if (fcntl(fd, F_SETLK, &fl) == 0) return Napi::Boolean::New(env, true);
  if (errno == EAGAIN || errno == EACCES) return Napi::Boolean::New(env, false);
  ThrowErrno(env, errno, "fcntl");
  return env.Undefined();
}

Napi::Value LockHolder(Info info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, "lockHolder: fd", &fd)) return env.Undefined();
  struct flock fl;
  WholeFile(&fl, F_RDLCK);
  if (fcntl(fd, F_GETLK, &fl) < 0) {
    ThrowErrno(env, errno, "fcntl");
    return env.Undefined();
  }
  // A holder in a pid namespace we cannot see is reported with l_pid 0:
  // still a holder, so say -1 rather than "nobody".
  if (fl.l_type == F_UNLCK) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, fl.l_pid > 0 ? fl.l_pid : -1);
}

}  // namespace

bool StartWatch(Napi::Env env, int fd, Napi::Function cb, void (*onReadable)(Watch*)) {
  auto it = watches.find(fd);
  if (it != watches.end()) {
    it->second->cb.Reset(cb, 1);
    it->second->onReadable = onReadable;
    return true;
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  Watch* w = new Watch();
  int r = uv_poll_init(loop, &w->poll, fd);
  if (r != 0) {
    delete w;  // init failed: nothing for libuv to close
    ThrowErrno(env, -r, "uv_poll_init");
    return false;
  }
  w->poll.data = w;
  w->fd = fd;
  w->env = env;
  w->cb.Reset(cb, 1);
  w->onReadable = onReadable;
  r = uv_poll_start(&w->poll, UV_READABLE, Readable);
  if (r != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), Closed);  // initialised: freed in Closed
    ThrowErrno(env, -r, "uv_poll_start");
    return false;
  }
  watches[fd] = w;
  return true;
}

bool StopWatch(int fd) {
  auto it = watches.find(fd);
  if (it == watches.end()) return false;
  Watch* w = it->second;
  watches.erase(it);
  uv_poll_stop(&w->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), Closed);
  return true;
}

void InitFds(Napi::Env env, Napi::Object exports) {
  struct { const char* name; Napi::Value (*fn)(Info); } fns[] = {
      {"open", Open},         {"close", Close},           {"dup2", Dup2},
      {"dupAtLeast", DupAtLeast},
      {"pipe", Pipe},         {"mkfifo", Mkfifo},         {"setCloexec", SetCloexec},
      {"setNonblock", SetNonblock},  {"isatty", Isatty},  {"read", Read},
      {"write", Write},       {"watchReadable", WatchReadable},     {"unwatch", Unwatch},
      {"lockWrite", LockWrite},                           {"lockHolder", LockHolder},
  };
  for (auto& f : fns) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
}
