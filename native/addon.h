// Each concern registers its functions on the exports object; addon.cc only
// calls these in order and adds the constants.
#pragma once
#include <napi.h>

void InitSpawn(Napi::Env env, Napi::Object exports);
void InitSpawner(Napi::Env env, Napi::Object exports);
void InitEvents(Napi::Env env, Napi::Object exports);
void InitSystem(Napi::Env env, Napi::Object exports);
void InitFds(Napi::Env env, Napi::Object exports);
void InitInotify(Napi::Env env, Napi::Object exports);
void InitCrash(Napi::Env env, Napi::Object exports);
void InitMemory(Napi::Env env, Napi::Object exports);
void InitAt(Napi::Env env, Napi::Object exports);
void InitNotify(Napi::Env env, Napi::Object exports);

// Calls a JS callback from a libuv callback (no JS on the stack). A throw
// becomes an uncaught exception ('uncaughtException' or process exit), never
// a pending exception left behind for some unrelated later call.
void CallFromLoop(Napi::Env env, const Napi::FunctionReference& fn, const std::initializer_list<napi_value>& args);

// Whether JS may still run (false during Node's teardown, when a late
// libuv callback can make no object to hand over).
bool CanRunJs(napi_env env);

// Clears close-on-exec on fds 0, 1 and 2 (async-signal-safe): an exec of
// PID 1 must hand its console to the new image.
void KeepStdio();
