// sd_notify's transport: a datagram unix socket bound to a path (never an
// abstract name: a path's 0700 directory decides who may reach it), with
// SO_PASSCRED so every datagram arrives with its sender's pid, uid and gid as
// the kernel saw them. Mechanism only: which senders count, how much is read
// and what a message means are decided in TS (supervise/notify-socket.ts).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace {

using Info = const Napi::CallbackInfo&;

// notifySocket(path) → fd: socket(AF_UNIX, SOCK_DGRAM|CLOEXEC|NONBLOCK),
// SO_PASSCRED on, bound to path (which must not exist).
Napi::Value NotifySocket(Info info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgString(info, 0, "notifySocket: path", &path)) return env.Undefined();
  struct sockaddr_un addr = {};
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    ThrowErrno(env, ENAMETOOLONG, "bind", path.c_str());
    return env.Undefined();
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    ThrowErrno(env, errno, "socket");
    return env.Undefined();
  }
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
    int e = errno;
    close(fd);
    ThrowErrno(env, e, "setsockopt");
    return env.Undefined();
  }
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data(), path.size());
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0) {
    int e = errno;
    close(fd);
    ThrowErrno(env, e, "bind", path.c_str());
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// notifyRecv(fd, size) → null (EAGAIN) or {data, pid, uid, gid}; a datagram
// longer than size is cut (truncated: true); pid 0 when no credentials came.
Napi::Value NotifyRecv(Info info) {
  Napi::Env env = info.Env();
  int fd, size;
  if (!ArgInt(info, 0, "notifyRecv: fd", &fd) || !ArgInt(info, 1, "notifyRecv: size", &size)) return env.Undefined();
  if (size < 1 || size > (1 << 20)) {
    ThrowUsage(env, "notifyRecv: size must be 1 to 1 MiB");
    return env.Undefined();
  }
  std::unique_ptr<char[]> buf(new char[size]);
  struct iovec iov = {buf.get(), static_cast<size_t>(size)};
  // Room for the credentials and for fds someone may send to fill our table:
  // those are closed below (MSG_CTRUNC drops the rest).
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return env.Null();
    ThrowErrno(env, errno, "recvmsg");
    return env.Undefined();
  }
  struct ucred cred = {0, static_cast<uid_t>(-1), static_cast<gid_t>(-1)};
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof cred)) memcpy(&cred, CMSG_DATA(c), sizeof cred);
    if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; i++) {
        int passed;
        memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
        close(passed);
      }
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<char>::Copy(env, buf.get(), static_cast<size_t>(n)));
  out.Set("truncated", Napi::Boolean::New(env, (msg.msg_flags & MSG_TRUNC) != 0));
  out.Set("pid", Napi::Number::New(env, cred.pid));
  out.Set("uid", Napi::Number::New(env, static_cast<double>(static_cast<int64_t>(cred.uid == static_cast<uid_t>(-1) ? -1 : cred.uid))));
  out.Set("gid", Napi::Number::New(env, static_cast<double>(static_cast<int64_t>(cred.gid == static_cast<gid_t>(-1) ? -1 : cred.gid))));
  return out;
}

}  // namespace

void InitNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("notifySocket", Napi::Function::New(env, NotifySocket, "notifySocket"));
  exports.Set("notifyRecv", Napi::Function::New(env, NotifyRecv, "notifyRecv"));
}
