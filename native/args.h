// Argument checks shared by the files of the addon. TS validates options and
// names the bad one; these re-check so a bug there throws a TypeError instead
// of passing garbage to the kernel. Each returns false after throwing.
#pragma once
#include <napi.h>

#include <cmath>

#include <string>
#include <vector>

#include "errors.h"

// Whether d is a whole number an int64_t holds; only then is the cast
// defined (a cast of NaN, an infinity or 2^63 and above is undefined behaviour).
inline bool WholeInt64(double d, int64_t* out) {
  if (!std::isfinite(d) || d != std::trunc(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

inline bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t* out) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    ThrowUsage(info.Env(), (std::string(what) + " must be a number").c_str());
    return false;
  }
  if (!WholeInt64(info[i].As<Napi::Number>().DoubleValue(), out)) {
    ThrowUsage(info.Env(), (std::string(what) + " must be an integer").c_str());
    return false;
  }
  return true;
}

inline bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* what, int* out) {
  int64_t v;
  if (!ArgInt(info, i, what, &v)) return false;
  if (v < INT32_MIN || v > INT32_MAX) {
    ThrowUsage(info.Env(), (std::string(what) + " is out of range").c_str());
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// A string for the kernel: an embedded NUL would silently cut it short.
inline bool CString(Napi::Env env, const Napi::Value& v, const char* what, std::string* out) {
  if (!v.IsString()) {
    ThrowUsage(env, (std::string(what) + " must be a string").c_str());
    return false;
  }
  *out = v.As<Napi::String>().Utf8Value();
  if (out->find('\0') != std::string::npos) {
    ThrowUsage(env, (std::string(what) + " must not contain NUL").c_str());
    return false;
  }
  return true;
}

inline bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* what, std::string* out) {
  return CString(info.Env(), info.Length() > i ? info[i] : info.Env().Undefined(), what, out);
}

inline bool ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* what, Napi::Function* out) {
  if (info.Length() <= i || !info[i].IsFunction()) {
    ThrowUsage(info.Env(), (std::string(what) + " must be a function").c_str());
    return false;
  }
  *out = info[i].As<Napi::Function>();
  return true;
}

inline bool ArgStrings(Napi::Env env, const Napi::Value& v, const char* what, std::vector<std::string>* out) {
  if (!v.IsArray()) {
    ThrowUsage(env, (std::string(what) + " must be an array of strings").c_str());
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  out->clear();
  for (uint32_t i = 0; i < a.Length(); i++) {
    std::string s;
    if (!CString(env, a.Get(i), what, &s)) return false;
    out->push_back(std::move(s));
  }
  return true;
}
