// The spawn request and the clone+exec that runs it, shared by the
// synchronous spawn() (spawn.cc) and the spawner threads (spawner.cc). A job
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

// Low fd numbers held open on /dev/null (close-on-exec) by one spawning
// thread, so that its children need not copy PID 1's whole fd table: the
// child's sources are dup'ed into these, the child shares the table
// (CLONE_FILES) and its first act is close_range(CLOSE_RANGE_UNSHARE) from
// just above them, so the kernel copies the few fds below and none of the
// thousands above (a lock and a control fifo per service), which a child
// otherwise copies and then closes one by one (spawn time grew with the
// number of services: 1000 spawns 0.39 s with 4 fds open, 0.67 s with 2000,
// 1.2 s with 4000, a C loop here). n == 0: not available (no close_range).
constexpr int kMaxSlots = 8;
struct FdSlots {
  int fds[kMaxSlots];
  int n = 0;
  int null_fd = -1;
};
// Reserves slots on this process's lowest free fds; n stays 0 on failure.
void ReserveFdSlots(FdSlots* slots);

// slots: this thread's own (null: copy the table, as the synchronous spawn()
// does, which may run while the spawner threads use theirs).
SpawnOutcome RunSpawnJob(SpawnJob& job, int nice = kKeepNice, const FdSlots* slots = nullptr);
