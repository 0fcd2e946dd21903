#include "operator/scaling/load_report.h"

#include <cmath>
#include <set>
#include <string_view>

namespace zroute::scaling {
namespace {

Status CheckId(std::string_view field, const std::string& value) {
  if (value.empty()) return Status::InvalidArgument(std::string(field) + " is empty");
  if (value.size() > kMaxReportIdBytes) {
    return Status::InvalidArgument(std::string(field) + " is longer than " +
                                   std::to_string(kMaxReportIdBytes) + " bytes");
  }
  for (unsigned char c : value) {
    // Ids end up in metric labels, events and logs: printable ASCII only.
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument(std::string(field) + " has a non-printable character");
    }
  }
  return Status::OK();
}

Status CheckSubscriptionKey(const std::string& key) {
  ZR_RETURN_IF_ERROR(CheckId("subscription", key));
  const size_t slash = key.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == key.size() ||
      key.find('/', slash + 1) != std::string::npos) {
    return Status::InvalidArgument("subscription '" + key + "' is not namespace/name");
  }
  return Status::OK();
}

Status CheckCount(std::string_view field, int64_t value) {
  if (value < 0 || value > kMaxReportedCount) {
    return Status::InvalidArgument(std::string(field) + " out of range: " + std::to_string(value));
  }
  return Status::OK();
}

Status CheckReal(std::string_view field, double value, double max) {
  if (!std::isfinite(value) || value < 0 || value > max) {
    return Status::InvalidArgument(std::string(field) + " out of range");
  }
  return Status::OK();
}

}  // namespace

Status ValidateLoadReport(const LoadReport& report) {
  ZR_RETURN_IF_ERROR(CheckId("sidecar_id", report.sidecar_id));
  ZR_RETURN_IF_ERROR(CheckId("namespace", report.namespace_));
  ZR_RETURN_IF_ERROR(CheckId("app_id", report.app_id));
  if (report.backlog.size() > kMaxBacklogEntriesPerReport) {
    return Status::TooLarge("backlog has " + std::to_string(report.backlog.size()) +
                            " entries, limit " + std::to_string(kMaxBacklogEntriesPerReport));
  }
  std::set<std::string_view> seen;
  for (const SubscriptionBacklog& entry : report.backlog) {
    ZR_RETURN_IF_ERROR(CheckSubscriptionKey(entry.subscription));
    ZR_RETURN_IF_ERROR(CheckId("consumer_app_id", entry.consumer_app_id)
                           .WithContext("subscription " + entry.subscription));
    ZR_RETURN_IF_ERROR(CheckCount("lag", entry.lag).WithContext("subscription " + entry.subscription));
    if (!seen.insert(entry.subscription).second) {
      return Status::InvalidArgument("subscription " + entry.subscription + " listed twice");
    }
  }
  if (report.consumer) {
    const ConsumerLoad& c = *report.consumer;
    ZR_RETURN_IF_ERROR(CheckCount("in_flight", c.in_flight));
    ZR_RETURN_IF_ERROR(CheckReal("arrival_rate", c.arrival_rate, kMaxReportedRate));
    ZR_RETURN_IF_ERROR(CheckReal("completion_rate", c.completion_rate, kMaxReportedRate));
    ZR_RETURN_IF_ERROR(CheckReal("latency_p50_seconds", c.latency_p50_seconds,
                                 kMaxReportedLatencySeconds));
    ZR_RETURN_IF_ERROR(CheckReal("latency_p99_seconds", c.latency_p99_seconds,
                                 kMaxReportedLatencySeconds));
  }
  return Status::OK();
}

}  // namespace zroute::scaling
