// spawnAsync(): the same clone+exec as spawn(), run by a few spawner threads
// so that only a spawner is suspended until each child execs (clone with
// CLONE_VFORK suspends the calling thread, not the process); the JS thread
// goes on with the next service's files meanwhile, on the other core. More
// than one spawner because an exec is largely waiting (the parent's wake-up,
// the new image's page faults): 1000 vfork+exec of a static payload in a C
// loop took 1.06-1.44 s from one thread here, 0.69-0.85 s from two and
// 0.54 s from four, on two cores.
// The job is parsed on the JS thread (the child allocates nothing); the
// outcome comes back through a uv_async as onReport(id, pid, error).
// Mechanism only: which spawns go here and what a report means is TS's
// (src/sys/spawn.ts, src/sys/deaths.ts).
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "spawn.h"

namespace {

struct Report {
  uint64_t id;
  SpawnOutcome out;
};

// Shared with the thread, under mu. Made once and never destroyed: at exit()
// the thread still waits on `wake`, and glibc's pthread_cond_destroy (a
// static destructor) would wait for it for ever.
struct Shared {
  std::mutex mu;
  std::condition_variable wake;  // a job was queued
  std::condition_variable idle;  // a job was done
  std::deque<std::pair<uint64_t, SpawnJobPtr>> jobs;
  std::deque<Report> done;
  int busy = 0;                 // threads holding a job they have not reported yet
  int waiting = 0;              // threads waiting for a job
  uv_async_t* async = nullptr;  // null once the env is torn down: nobody to tell
};
Shared& shared = *new Shared;
std::mutex& mu = shared.mu;
std::condition_variable& wake = shared.wake;
std::condition_variable& idle = shared.idle;
std::deque<std::pair<uint64_t, SpawnJobPtr>>& jobs = shared.jobs;
std::deque<Report>& done = shared.done;
int& busy = shared.busy;
int& waiting = shared.waiting;
uv_async_t*& async = shared.async;

// JS thread only.
bool started = false;
int threads = 0;  // spawner threads running
uint64_t nextId = 1;
uint64_t inFlight = 0;  // queued and not yet handed to onReport
Napi::FunctionReference onReport;

// The JS thread's nice when the thread started: what a child gets back.
int baseNice = 0;

// Started one at a time, each when a job is queued and no thread waits for
// one: a handful of services never needs more than one or two.
constexpr int kSpawners = 4;

// Each spawner thread's fd slots (spawn.h), reserved when the addon is
// loaded, while PID 1's fds are still few, and used by that thread alone.
FdSlots slots[kSpawners];

void* Loop(void* arg) {
  const FdSlots* own = static_cast<const FdSlots*>(arg);
  // Ahead of the JS thread for the CPU (as root; else it stays as it is): a
  // spawn is a short burst that had to wait for a core behind the JS thread's
  // file work, on a busy 2-core machine 1-2 ms a spawn. Each child is set back
  // to baseNice before exec.
  int nice = baseNice;
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), baseNice - 10) == 0) nice = baseNice - 10;
  // Signals stay with the JS thread's handlers (created with all blocked);
  // faults in this thread still reach the crash handler (crash.cc), which
  // re-executes: blocked, the kernel would kill the process instead.
  sigset_t faults;
  sigemptyset(&faults);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaddset(&faults, sig);
  pthread_sigmask(SIG_UNBLOCK, &faults, nullptr);
  for (;;) {
    std::unique_lock<std::mutex> lock(mu);
    waiting++;
    wake.wait(lock, [] { return !jobs.empty(); });
    waiting--;
    std::pair<uint64_t, SpawnJobPtr> job = std::move(jobs.front());
    jobs.pop_front();
    busy++;
    lock.unlock();
    Report r{job.first, RunSpawnJob(*job.second, nice == baseNice ? kKeepNice : baseNice, own)};
    job.second.reset();
    lock.lock();
    done.push_back(std::move(r));
    busy--;
    idle.notify_all();
    if (async != nullptr) uv_async_send(async);  // under mu: the handle cannot be closed meanwhile
  }
  return nullptr;
}

// 0, or pthread_create's error.
int StartThread() {
  if (threads == 0) {
    errno = 0;
    int n = getpriority(PRIO_PROCESS, 0);
    baseNice = errno == 0 ? n : 0;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // the thread starts with every signal blocked
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  int r = pthread_create(&t, &attr, Loop, &slots[threads]);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (r == 0) threads++;
  return r;
}

// Hands every report so far to onReport in one call (ids, pids, errors:
// arrays in the order the spawns ended); false when there was none. fromLoop: no JS on
// the stack (the uv_async), so the callback runs as any other loop callback.
bool DeliverAll(Napi::Env env, bool fromLoop) {
  std::deque<Report> batch;
  {
    std::lock_guard<std::mutex> lock(mu);
    batch.swap(done);
  }
  if (batch.empty()) return false;
  inFlight -= batch.size();
  if (inFlight == 0 && async != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(async));
  if (onReport.IsEmpty()) return true;
  Napi::HandleScope scope(env);
  Napi::Array ids = Napi::Array::New(env, batch.size());
  Napi::Array pids = Napi::Array::New(env, batch.size());
  Napi::Array errors = Napi::Array::New(env, batch.size());
  for (uint32_t i = 0; i < batch.size(); i++) {
    const SpawnOutcome& out = batch[i].out;
    ids.Set(i, Napi::Number::New(env, static_cast<double>(batch[i].id)));
    pids.Set(i, Napi::Number::New(env, out.pid > 0 ? out.pid : 0));
    if (out.err == 0) errors.Set(i, env.Null());
    else errors.Set(i, ErrnoError(env, out.err, out.syscall, out.path.empty() ? nullptr : out.path.c_str()).Value());
  }
  if (fromLoop) CallFromLoop(env, onReport, {ids, pids, errors});
  else onReport.Call({ids, pids, errors});
  return true;
}

void OnAsync(uv_async_t* handle) {
  // A callback during Node's teardown cannot make objects: nobody is left to tell.
  if (!CanRunJs(static_cast<napi_env>(handle->data))) return;
  DeliverAll(Napi::Env(static_cast<napi_env>(handle->data)), true);
}

void Closed(uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); }

void Teardown(void*) {
  std::lock_guard<std::mutex> lock(mu);
  if (async == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(async), Closed);
  async = nullptr;
}

bool Ready(Napi::Env env) {
  if (started) return true;
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  uv_async_t* a = new uv_async_t;
  int r = uv_async_init(loop, a, OnAsync);
  if (r != 0) {
    delete a;
    ThrowErrno(env, -r, "uv_async_init");
    return false;
  }
  a->data = static_cast<napi_env>(env);
  uv_unref(reinterpret_cast<uv_handle_t*>(a));  // referenced only while spawns are in flight
  if (int r = StartThread(); r != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(a), Closed);
    ThrowErrno(env, r, "pthread_create");
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    async = a;
  }
  napi_add_env_cleanup_hook(env, Teardown, nullptr);
  started = true;
  return true;
}

Napi::Value SpawnAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SpawnJobPtr job = ParseSpawnJob(env, info.Length() > 0 ? info[0] : env.Undefined());
  if (!job || !Ready(env)) return env.Undefined();
  uint64_t id = nextId++;
  if (inFlight++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(async));  // a report is owed: keep the loop alive
  bool more = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    jobs.emplace_back(id, std::move(job));
    more = waiting < static_cast<int>(jobs.size()) && threads < kSpawners;
  }
  wake.notify_one();
  // Another spawner when every one is busy. Failing to start one is not this
  // job's failure: the threads there are will run it.
  if (more) StartThread();
  return Napi::Number::New(env, static_cast<double>(id));
}

Napi::Value OnSpawnReport(const Napi::CallbackInfo& info) {
  Napi::Function cb;
  if (!ArgFunction(info, 0, "onSpawnReport: cb", &cb)) return info.Env().Undefined();
  onReport.Reset(cb, 1);
  onReport.SuppressDestruct();  // no napi call from a static destructor after the env is gone
  return info.Env().Undefined();
}

// Waits until every queued job has run, then hands out every report now.
Napi::Value SettleSpawns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  {
    std::unique_lock<std::mutex> lock(mu);
    idle.wait(lock, [] { return jobs.empty() && busy == 0; });
  }
  DeliverAll(env, false);
  return env.Undefined();
}

}  // namespace

// The fds the slots hold (and the /dev/null they are reset from): what a
// re-exec's clean-up of inherited fds must leave alone.
Napi::Value SpawnSlots(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const FdSlots& own : slots) {
    for (int k = 0; k < own.n; k++) out.Set(i++, Napi::Number::New(env, own.fds[k]));
    if (own.n > 0) out.Set(i++, Napi::Number::New(env, own.null_fd));
  }
  return out;
}

void InitSpawner(Napi::Env env, Napi::Object exports) {
  // Before any of the image's own fds: the children of a PID 1 with
  // thousands of them open then copy a dozen.
  for (FdSlots& own : slots) ReserveFdSlots(&own);
  exports.Set("spawnSlots", Napi::Function::New(env, SpawnSlots, "spawnSlots"));
  exports.Set("spawnAsync", Napi::Function::New(env, SpawnAsync, "spawnAsync"));
  exports.Set("onSpawnReport", Napi::Function::New(env, OnSpawnReport, "onSpawnReport"));
  exports.Set("settleSpawns", Napi::Function::New(env, SettleSpawns, "settleSpawns"));
}
