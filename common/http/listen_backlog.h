// The listen backlog of zroute's HTTP servers.
//
// cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into the Debian
// library). A burst of more connects than that — an app's connection pool opening against its
// sidecar, a sidecar reopening its delivery connections after the app closed idle ones, the API
// server calling the webhook — fills the accept queue, the kernel drops the next SYNs, and those
// clients retry only after a second (then three, then seven). Measured in the bench: at 10,000
// events/s the first deliveries after an idle period waited 1.01–1.02 s, and an unordered
// subscription stalled behind them for 0.2 s once its window of offsets past the cursor was full.
// listen(2) on a socket already listening updates its backlog (Linux), so the servers call it
// again once bound.
#pragma once

#include <sys/socket.h>

#include <httplib.h>

#include "common/util/status.h"

namespace zroute {

// The kernel caps it at net.core.somaxconn (4096 by default since Linux 5.4).
constexpr int kListenBacklog = SOMAXCONN;

// Raises a bound server's backlog to kListenBacklog. REQUIRES: bound (bind_to_port or
// bind_to_any_port succeeded); FailedPrecondition otherwise.
Status WidenListenBacklog(httplib::Server& server);

// The backlog the kernel applies to the server's listening socket (TCP_INFO), for tests and
// diagnostics.
StatusOr<int> ListenBacklog(httplib::Server& server);

}  // namespace zroute
