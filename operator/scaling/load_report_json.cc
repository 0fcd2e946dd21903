#include "operator/scaling/load_report_json.h"

#include <cmath>

namespace zroute::scaling {
namespace {

using nlohmann::json;

// A count: a non-negative integer within kMaxReportedCount. An integral float (12.0) is accepted
// because some JSON writers produce one; a fraction is not a count.
Status ReadCount(const json& object, const char* field, int64_t* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    *out = 0;
    return Status::OK();
  }
  const std::string name(field);
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(kMaxReportedCount)) {
      return Status::InvalidArgument(name + " out of range");
    }
    *out = static_cast<int64_t>(v);
    return Status::OK();
  }
  if (it->is_number_integer()) {
    const int64_t v = it->get<int64_t>();
    if (v < 0 || v > kMaxReportedCount) return Status::InvalidArgument(name + " out of range");
    *out = v;
    return Status::OK();
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < 0 || v > static_cast<double>(kMaxReportedCount)) {
      return Status::InvalidArgument(name + " out of range");
    }
    if (v != std::floor(v)) return Status::InvalidArgument(name + " is not a whole number");
    *out = static_cast<int64_t>(v);
    return Status::OK();
  }
  return Status::InvalidArgument(name + " is not a number");
}

// A real figure; ranges are checked by ValidateLoadReport.
Status ReadReal(const json& object, const char* field, double* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    *out = 0;
    return Status::OK();
  }
  if (!it->is_number()) return Status::InvalidArgument(std::string(field) + " is not a number");
  *out = it->get<double>();
  return Status::OK();
}

Status ReadString(const json& object, const char* field, std::string* out) {
  auto it = object.find(field);
  if (it == object.end()) return Status::InvalidArgument(std::string(field) + " is missing");
  if (!it->is_string()) return Status::InvalidArgument(std::string(field) + " is not a string");
  // Longer ids are rejected by ValidateLoadReport anyway; do not copy megabytes first.
  if (it->get_ref<const std::string&>().size() > kMaxReportIdBytes) {
    return Status::InvalidArgument(std::string(field) + " is longer than " +
                                   std::to_string(kMaxReportIdBytes) + " bytes");
  }
  *out = it->get<std::string>();
  return Status::OK();
}

Status DecodeBacklog(const json& entries, std::vector<SubscriptionBacklog>* out) {
  if (!entries.is_array()) return Status::InvalidArgument("subscriptions is not an array");
  if (entries.size() > kMaxBacklogEntriesPerReport) {
    return Status::TooLarge("subscriptions has " + std::to_string(entries.size()) +
                            " entries, limit " + std::to_string(kMaxBacklogEntriesPerReport));
  }
  out->reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    const std::string where = "subscriptions[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::InvalidArgument(where + " is not an object");
    SubscriptionBacklog b;
    ZR_RETURN_IF_ERROR(ReadString(e, "subscription", &b.subscription).WithContext(where));
    ZR_RETURN_IF_ERROR(ReadString(e, "appId", &b.consumer_app_id).WithContext(where));
    ZR_RETURN_IF_ERROR(ReadCount(e, "lag", &b.lag).WithContext(where));
    out->push_back(std::move(b));
  }
  return Status::OK();
}

Status DecodeConsumer(const json& c, ConsumerLoad* out) {
  if (!c.is_object()) return Status::InvalidArgument("consumer is not an object");
  ZR_RETURN_IF_ERROR(ReadCount(c, "inFlight", &out->in_flight).WithContext("consumer"));
  ZR_RETURN_IF_ERROR(ReadReal(c, "arrivalRate", &out->arrival_rate).WithContext("consumer"));
  ZR_RETURN_IF_ERROR(ReadReal(c, "completionRate", &out->completion_rate).WithContext("consumer"));
  ZR_RETURN_IF_ERROR(
      ReadReal(c, "latencyP50Seconds", &out->latency_p50_seconds).WithContext("consumer"));
  ZR_RETURN_IF_ERROR(
      ReadReal(c, "latencyP99Seconds", &out->latency_p99_seconds).WithContext("consumer"));
  return Status::OK();
}

}  // namespace

StatusOr<LoadReport> DecodeLoadReport(const json& load, const ReporterIdentity& reporter) {
  if (!load.is_object()) return Status::InvalidArgument("load report is not an object");
  LoadReport report;
  report.sidecar_id = reporter.sidecar_id;
  report.namespace_ = reporter.namespace_;
  report.app_id = reporter.app_id;
  try {
    if (auto it = load.find("subscriptions"); it != load.end() && !it->is_null()) {
      ZR_RETURN_IF_ERROR(DecodeBacklog(*it, &report.backlog));
    }
    if (auto it = load.find("consumer"); it != load.end() && !it->is_null()) {
      ConsumerLoad consumer;
      ZR_RETURN_IF_ERROR(DecodeConsumer(*it, &consumer));
      report.consumer = consumer;
    }
  } catch (const json::exception& e) {
    // The type checks above should make this unreachable; a report is never worth a crash.
    return Status::InvalidArgument(std::string("load report: ") + e.what());
  }
  ZR_RETURN_IF_ERROR(ValidateLoadReport(report));
  return report;
}

json EncodeLoadReport(const LoadReport& report) {
  json subs = json::array();
  for (const SubscriptionBacklog& b : report.backlog) {
    subs.push_back({{"subscription", b.subscription}, {"appId", b.consumer_app_id}, {"lag", b.lag}});
  }
  json out = {{"subscriptions", std::move(subs)}};
  if (report.consumer) {
    const ConsumerLoad& c = *report.consumer;
    out["consumer"] = {{"inFlight", c.in_flight},
                       {"arrivalRate", c.arrival_rate},
                       {"completionRate", c.completion_rate},
                       {"latencyP50Seconds", c.latency_p50_seconds},
                       {"latencyP99Seconds", c.latency_p99_seconds}};
  }
  return out;
}

}  // namespace zroute::scaling
