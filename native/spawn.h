// The spawn request and the clone+exec that runs it, shared by the
// synchronous spawn() (spawn.cc) and the spawner thread (spawner.cc). A job
// is parsed on the JS thread, owns every byte the child reads, and may be
// run on any thread: the child then suspends only that thread.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

struct SpawnJob;
struct SpawnJobDeleter {
  void operator()(SpawnJob* job) const;
};
using SpawnJobPtr = std::unique_ptr<SpawnJob, SpawnJobDeleter>;

// A request object from TS as a job; null after throwing a usage TypeError.
SpawnJobPtr ParseSpawnJob(Napi::Env env, Napi::Value req);

// What became of a job. pid > 0: a child was made (when err != 0 it failed
// at `syscall` before exec and has exited: its death is still to be reaped).
// pid <= 0: clone itself (or the stack's mmap) failed, no child.
struct SpawnOutcome {
  int pid = -1;
  int err = 0;
  const char* syscall = "spawn";
  std::string path;  // the file for execve, the cwd for chdir, else empty
};

// clone(CLONE_VM|CLONE_VFORK) + the child's setup + execve, on this
// thread's own child stack; returns once the child has exec'd or died.
// nice: what the child's nice becomes when the request sets none (a thread
// whose own nice differs from the process's passes the process's); kKeepNice:
// the calling thread's.
constexpr int kKeepNice = 100;
SpawnOutcome RunSpawnJob(SpawnJob& job, int nice = kKeepNice);
