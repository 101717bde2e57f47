// The pid a crash's exec carries (crash.cc), as the spawn of a child that
// must not be started twice uses it: the spawning thread marks the slot
// "starting" before its clone; the child, just before its execve, swaps its
// own pid in; a fatal-signal handler swaps "starting" for "crashed". One of
// the two swaps wins: either the new image is told the pid, or the child
// exits (127) without running, and the new image starts it afresh.
#pragma once
#include <string>

constexpr size_t kCarryNameMax = 64;

// Whether name can be the carried variable: not empty, no '=', under kCarryNameMax.
bool CarryNameValid(const std::string& name);

// Spawning thread, before clone: name is the environment variable. false: not a usable name.
bool CrashCarryBegin(const std::string& name);
// The child (shares our memory; atomics only): false means a crash got there first: exit.
bool CrashCarryChild(int pid);
// Spawning thread, when the child did not reach its exec (or exec failed): no pid to carry.
void CrashCarryFailed(int pid);
