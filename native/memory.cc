// Memory syscalls for giving back what only start-up needed: madvise(2) on a
// range and glibc's malloc_trim(3) (V8's own collection is asked from JS,
// src/sys/gc.ts: <v8.h> would tie the addon to one V8). Which
// ranges, when and whether is policy and lives in TS (src/boot/trim.ts).
// Addresses come as BigInt: a 47-bit user address does not always fit a
// double's 53 bits once lengths are added, and exactness matters here.
#include <errno.h>
#include <malloc.h>
#include <sys/mman.h>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace {

using Info = const Napi::CallbackInfo&;

bool ArgU64(Info info, size_t i, const char* what, uint64_t* out) {
  if (info.Length() <= i || !info[i].IsBigInt()) {
    ThrowUsage(info.Env(), (std::string(what) + " must be a bigint").c_str());
    return false;
  }
  bool lossless = false;
  *out = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) {
    ThrowUsage(info.Env(), (std::string(what) + " is out of range").c_str());
    return false;
  }
  return true;
}

Napi::Value Madvise(Info info) {
  Napi::Env env = info.Env();
  uint64_t addr, len;
  int advice;
  if (!ArgU64(info, 0, "madvise: addr", &addr) || !ArgU64(info, 1, "madvise: length", &len) ||
      !ArgInt(info, 2, "madvise: advice", &advice))
    return env.Undefined();
  if (madvise(reinterpret_cast<void*>(addr), static_cast<size_t>(len), advice) < 0) ThrowErrno(env, errno, "madvise");
  return env.Undefined();
}

// Returns 1 if memory was given back to the system, 0 if not (malloc_trim's own answer).
Napi::Value MallocTrim(Info info) {
  Napi::Env env = info.Env();
  int64_t pad;
  if (!ArgInt(info, 0, "mallocTrim: pad", &pad)) return env.Undefined();
  return Napi::Number::New(env, malloc_trim(static_cast<size_t>(pad)));
}

}  // namespace

void InitMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("madvise", Napi::Function::New(env, Madvise, "madvise"));
  exports.Set("mallocTrim", Napi::Function::New(env, MallocTrim, "mallocTrim"));
}
