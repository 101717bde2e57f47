// One uv_poll per watched fd, shared by watchReadable and inotify so that
// unwatch(fd) stops either kind.
#pragma once
#include <napi.h>
#include <uv.h>

struct Watch {
  uv_poll_t poll;
  int fd;
  napi_env env;
  Napi::FunctionReference cb;
  // What "readable" means for this fd: call cb(fd), or read inotify records.
  void (*onReadable)(Watch*);
};

// Watches fd on the loop; an fd already watched gets the new callback.
// Returns false after throwing.
bool StartWatch(Napi::Env env, int fd, Napi::Function cb, void (*onReadable)(Watch*));
// Stops and frees (in the close callback). Returns false if fd was not watched.
bool StopWatch(int fd);
