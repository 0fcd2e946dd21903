// EventSink: where the dispatcher hands events for consumer replicas. PeerLinks implements it
// over ZeroMQ; tests use a recording fake. Called on the link thread only.
#pragma once

#include <string>

#include "common/routing/routing_table.h"
#include "common/wire/link_messages.h"

namespace zroute {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Events the replica can take now (its granted credit minus what is queued for it).
  virtual uint32_t Credit(const Endpoint& endpoint) = 0;
  // Queues one event for the replica, spending one credit. REQUIRES: Credit(endpoint) > 0.
  virtual void Send(const Endpoint& endpoint, wire::EventFrame frame) = 0;
};

}  // namespace zroute
