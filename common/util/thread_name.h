// Thread names: every long-lived thread of a zroute binary names itself, so `top -H`, `perf`,
// /proc/<pid>/task/*/comm and debuggers tell the HTTP, outbox, link and delivery threads apart
// (the benchmark's per-thread context-switch counts read them).
#pragma once

#include <string>

namespace zroute {

// Names the calling thread. Linux keeps 15 bytes; a longer name is cut there. Errors are ignored:
// a name is a diagnostic, never a reason to fail.
void SetCurrentThreadName(const char* name);

// The calling thread's name ("" when it cannot be read).
std::string CurrentThreadName();

}  // namespace zroute
