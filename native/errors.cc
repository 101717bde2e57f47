// Builds ErrnoException-shaped errors: message "ENOENT: no such file or
// directory, open '/x'", code "ENOENT", errno 2 (positive, unlike libuv),
// syscall, path.
#include "errors.h"

#include <string.h>
#include <uv.h>

#include <string>

namespace {

// libuv knows the common names; glibc (>= 2.32) knows every one it defines.
std::string ErrName(int err) {
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
  return "E" + std::to_string(err);
}

// Node's messages are libuv's lower-case ones; fall back to strerror.
std::string ErrText(int err) {
  const char* uvname = uv_err_name(-err);
  if (uvname != nullptr && strncmp(uvname, "Unknown", 7) != 0) return uv_strerror(-err);
  char buf[128];
  return strerror_r(err, buf, sizeof buf);
}

}  // namespace

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const char* path) {
  std::string code = ErrName(err);
  std::string message = code + ": " + ErrText(err) + ", " + syscall;
  if (path != nullptr) message += std::string(" '") + path + "'";
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (path != nullptr) e.Set("path", Napi::String::New(env, path));
  return e;
}

void ThrowErrno(Napi::Env env, int err, const char* syscall, const char* path) {
  ErrnoError(env, err, syscall, path).ThrowAsJavaScriptException();
}

void ThrowUsage(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
}
