// inotify: the fd is non-blocking and watched on the loop; each wake-up
// reads every queued record and hands them to JS as one array, so a burst
// of creations in a scan directory is one callback. A read that fails
// (other than EAGAIN, drained) is handed over too, as cb(records, error):
// what to do about it is the caller's.
#include <errno.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <string>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "watch.h"

namespace {

using Info = const Napi::CallbackInfo&;

void ReadRecords(Watch* w) {
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  Napi::Array events = Napi::Array::New(env);
  uint32_t n = 0;
  int err = 0;
  alignas(struct inotify_event) char buf[16384];
  for (;;) {
    ssize_t len = read(w->fd, buf, sizeof buf);
    if (len < 0 && errno == EINTR) continue;
    if (len < 0 && errno != EAGAIN && errno != EWOULDBLOCK) err = errno;
    if (len <= 0) break;  // EAGAIN: drained
    for (char* p = buf; p < buf + len;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      Napi::Object o = Napi::Object::New(env);
      o.Set("wd", Napi::Number::New(env, ev->wd));
      o.Set("mask", Napi::Number::New(env, ev->mask));
      o.Set("cookie", Napi::Number::New(env, ev->cookie));
      o.Set("name", Napi::String::New(env, ev->len > 0 ? ev->name : ""));
      events.Set(n++, o);
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  if (err != 0)
    CallFromLoop(env, w->cb, {events, ErrnoError(env, err, "read").Value()});
  else if (n > 0)
    CallFromLoop(env, w->cb, {events});
}

Napi::Value InotifyInit(Info info) {
  Napi::Env env = info.Env();
  Napi::Function cb;
  if (!ArgFunction(info, 0, "inotifyInit: cb", &cb)) return env.Undefined();
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    ThrowErrno(env, errno, "inotify_init1");
    return env.Undefined();
  }
  if (!StartWatch(env, fd, cb, ReadRecords)) {
    close(fd);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value InotifyAdd(Info info) {
  Napi::Env env = info.Env();
  int fd;
  int64_t mask;
  std::string path;
  if (!ArgInt(info, 0, "inotifyAdd: ifd", &fd) || !ArgString(info, 1, "inotifyAdd: path", &path) ||
      !ArgInt(info, 2, "inotifyAdd: mask", &mask))
    return env.Undefined();
  int wd = inotify_add_watch(fd, path.c_str(), static_cast<uint32_t>(mask));
  if (wd < 0) {
    ThrowErrno(env, errno, "inotify_add_watch", path.c_str());
    return env.Undefined();
  }
  return Napi::Number::New(env, wd);
}

Napi::Value InotifyRm(Info info) {
  Napi::Env env = info.Env();
  int fd, wd;
  if (!ArgInt(info, 0, "inotifyRm: ifd", &fd) || !ArgInt(info, 1, "inotifyRm: wd", &wd)) return env.Undefined();
  if (inotify_rm_watch(fd, wd) < 0) ThrowErrno(env, errno, "inotify_rm_watch");
  return env.Undefined();
}

}  // namespace

void InitInotify(Napi::Env env, Napi::Object exports) {
  exports.Set("inotifyInit", Napi::Function::New(env, InotifyInit, "inotifyInit"));
  exports.Set("inotifyAdd", Napi::Function::New(env, InotifyAdd, "inotifyAdd"));
  exports.Set("inotifyRm", Napi::Function::New(env, InotifyRm, "inotifyRm"));
}
