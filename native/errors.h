// Errors thrown by the addon. Every failed syscall becomes one Error shaped
// like Node's ErrnoException (code, errno, syscall, path) so TS code can
// switch on err.code without parsing messages.
#pragma once
#include <napi.h>

// The JS Error for errno `err` from `syscall` (and `path` when not null), for
// a callback to receive rather than a call to throw.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const char* path = nullptr);

// Sets a pending JS Error for errno `err` from `syscall` (and `path` when not
// null). The caller returns right after: exceptions are disabled in C++.
void ThrowErrno(Napi::Env env, int err, const char* syscall, const char* path = nullptr);

// A bad argument from the caller (a bug in TS, not a system failure).
void ThrowUsage(Napi::Env env, const char* message);
