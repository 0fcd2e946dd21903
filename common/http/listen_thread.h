// StartListenThread: runs an httplib server's accept loop on its own thread and returns once the
// loop is running.
//
// cpp-httplib's stop() does nothing until listen_after_bind() has begun (it checks is_running()),
// and the library offers no readiness signal. A server stopped right after its thread was spawned
// (a SIGTERM during start-up, a failing step after the bind) would otherwise keep accepting, and
// the join in its owner's Stop() would wait forever.
// Thread-safety: call from the thread that owns `server`.
#pragma once

#include <thread>

#include <httplib.h>

#include "common/util/status.h"

namespace zroute {

// REQUIRES: `server` is bound (bind_to_port or bind_to_any_port succeeded). Widens its listen
// backlog (common/http/listen_backlog.h). On success the returned thread runs
// listen_after_bind() until server.stop(); the caller joins it.
// IOError when listen_after_bind() returned before the loop was seen running (an unbound or
// unusable socket); the thread is joined then.
StatusOr<std::thread> StartListenThread(httplib::Server& server, const char* thread_name);

}  // namespace zroute
