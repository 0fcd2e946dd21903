// The JSON form of a LoadReport: the `load` object a sidecar puts in every heartbeat
// (common/wire control command kHeartbeat, body {"sidecarId", "version", "load"}).
//
//   {
//     "subscriptions": [                      publisher part; absent or [] if nothing is published
//       {"subscription": "ns/name",           the Subscription's key
//        "appId": "billing",                  its consuming app-id
//        "lag": 120,                          events in this outbox not yet sent (integer >= 0)
//        "topic": "ns/orders",                informational, ignored here
//        "inFlight": 8}                       informational (sent, awaiting ack), ignored here
//     ],
//     "consumer": {                           consumer part; absent or null if the app consumes nothing
//       "inFlight": 8,                        integer >= 0: received from publishers, not yet acked
//       "arrivalRate": 41.5,                  events/s received
//       "completionRate": 40.0,               events/s acked (delivered or dead-lettered)
//       "latencyP50Seconds": 0.012,           receive-to-ack latency
//       "latencyP99Seconds": 0.250
//     }
//   }
//
// The reporter's identity is not in the object: the operator knows it from the registration it
// accepted for the connection, so one sidecar cannot report load in another's name.
// Unknown fields are ignored (newer sidecars may send more); a missing figure reads as 0; a field
// of the wrong type, a figure out of range or an over-long list is an error.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "operator/scaling/load_report.h"

namespace zroute::scaling {

// Who sent a report, as the receiver authenticated it.
struct ReporterIdentity {
  std::string sidecar_id;
  std::string namespace_;
  std::string app_id;
};

// Decodes and validates (ValidateLoadReport) one `load` object. `received_at` is left unset for
// the receiver to stamp. Never throws. InvalidArgument for a malformed object, TooLarge for more
// than kMaxBacklogEntriesPerReport subscriptions; the message names the offending field.
StatusOr<LoadReport> DecodeLoadReport(const nlohmann::json& load, const ReporterIdentity& reporter);

// The inverse (identity and received_at are not encoded). For tests and tools.
nlohmann::json EncodeLoadReport(const LoadReport& report);

}  // namespace zroute::scaling
