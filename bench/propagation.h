// Routing-table propagation: how long after a Subscription file changes in the operator's
// manifests folder every connected sidecar holds the change.
//
// The sidecars are light fakes: one ZeroMQ DEALER each, speaking the control protocol
// (docs/wire_format.md): REGISTER, a HEARTBEAT every second, and reading SNAPSHOT / UPDATE.
// A round rewrites `subscription_file` (through a temporary name and a rename) with a route holding
// a fresh marker, and stops the clock when the last fake has received a SNAPSHOT or UPDATE that
// carries the marker. Everything (sockets, file writes) runs on the calling thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::bench {

struct PropagationOptions {
  std::string control_endpoint;  // the operator's --control-bind, as reported in its port file
  std::string operator_public_key;  // the operator's CURVE key ("" when the operator runs without)
  int sidecars = 100;
  int rounds = 5;
  // Writes the Subscription manifest with `route` into the operator's folder.
  std::function<Status(const std::string& route)> write_subscription;
  std::chrono::milliseconds round_timeout{10000};
};

struct PropagationResult {
  std::vector<double> seconds;  // per round: change written → last fake updated
};

StatusOr<PropagationResult> MeasurePropagation(const PropagationOptions& options);

}  // namespace zroute::bench
