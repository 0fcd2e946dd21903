#include "operator/scaling/load_aggregator.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace zroute::scaling {
namespace {

// Each figure is bounded by validation, but enough of them could still overflow a sum.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (a > std::numeric_limits<int64_t>::max() - b) return std::numeric_limits<int64_t>::max();
  return a + b;
}

std::string SubscriptionNamespace(const std::string& subscription_key) {
  return subscription_key.substr(0, subscription_key.find('/'));
}

}  // namespace

LoadAggregator::LoadAggregator(const Clock& clock, LoadAggregatorOptions options)
    : clock_(clock), options_(options) {}

Status LoadAggregator::Ingest(LoadReport report) {
  ZR_RETURN_IF_ERROR(ValidateLoadReport(report));
  const MonoTime now = clock_.Now();
  if (report.received_at == MonoTime{} || report.received_at > now) report.received_at = now;

  std::lock_guard<std::mutex> lock(mu_);
  if (now - last_prune_ >= options_.staleness_timeout) {
    PruneLocked(now);
    last_prune_ = now;
  }

  auto it = sidecars_.find(report.sidecar_id);
  const bool same_identity = it != sidecars_.end() && it->second.app_id == report.app_id &&
                             it->second.namespace_ == report.namespace_;
  if (same_identity && report.received_at < it->second.last_received_at) return Status::OK();

  // Check every bound before touching state, so that an error changes nothing.
  if (it == sidecars_.end() && sidecars_.size() >= options_.max_sidecars) {
    return Status::ResourceExhausted("load reports: more than " +
                                     std::to_string(options_.max_sidecars) + " sidecars");
  }
  if (same_identity) {
    size_t added = 0;
    for (const SubscriptionBacklog& entry : report.backlog) {
      if (!it->second.backlog.contains(entry.subscription)) ++added;
    }
    if (it->second.backlog.size() + added > options_.max_subscriptions_per_sidecar) {
      return Status::ResourceExhausted("load reports: sidecar " + report.sidecar_id +
                                       " reports more than " +
                                       std::to_string(options_.max_subscriptions_per_sidecar) +
                                       " subscriptions");
    }
  } else if (report.backlog.size() > options_.max_subscriptions_per_sidecar) {
    return Status::ResourceExhausted("load reports: sidecar " + report.sidecar_id +
                                     " reports too many subscriptions");
  }

  if (!same_identity) {
    // New sidecar, or an id reused by another app: nothing of the old state is trustworthy.
    SidecarState fresh;
    fresh.namespace_ = report.namespace_;
    fresh.app_id = report.app_id;
    it = sidecars_.insert_or_assign(report.sidecar_id, std::move(fresh)).first;
  }
  SidecarState& state = it->second;
  state.last_received_at = report.received_at;
  for (SubscriptionBacklog& entry : report.backlog) {
    state.backlog[entry.subscription] =
        BacklogEntry{std::move(entry.consumer_app_id), entry.lag, report.received_at};
  }
  if (report.consumer) {
    state.consumer = *report.consumer;
    state.consumer_received_at = report.received_at;
  }
  return Status::OK();
}

void LoadAggregator::RemoveSidecar(const std::string& sidecar_id) {
  std::lock_guard<std::mutex> lock(mu_);
  sidecars_.erase(sidecar_id);
}

bool LoadAggregator::IsFresh(MonoTime received_at, MonoTime now) const {
  return now - received_at < options_.staleness_timeout;
}

void LoadAggregator::AddToAggregates(MonoTime now, std::map<AppKey, AppLoad>& out) const {
  for (const auto& [id, sidecar] : sidecars_) {
    if (sidecar.consumer && IsFresh(sidecar.consumer_received_at, now)) {
      AppLoad& load = out[AppKey{sidecar.namespace_, sidecar.app_id}];
      const ConsumerLoad& c = *sidecar.consumer;
      load.in_flight = SaturatingAdd(load.in_flight, c.in_flight);
      load.arrival_rate += c.arrival_rate;
      load.completion_rate += c.completion_rate;
      load.latency_p50_seconds = std::max(load.latency_p50_seconds, c.latency_p50_seconds);
      load.latency_p99_seconds = std::max(load.latency_p99_seconds, c.latency_p99_seconds);
      ++load.consumer_replicas;
    }
    for (const auto& [subscription, entry] : sidecar.backlog) {
      if (!IsFresh(entry.received_at, now)) continue;
      // The consumer of a subscription lives in the subscription's namespace.
      AppLoad& load = out[AppKey{SubscriptionNamespace(subscription), entry.consumer_app_id}];
      load.lag = SaturatingAdd(load.lag, entry.lag);
      ++load.backlog_sources;
    }
  }
}

AppLoad LoadAggregator::Aggregate(const AppKey& app) const {
  std::map<AppKey, AppLoad> all = AggregateAll();
  auto it = all.find(app);
  return it == all.end() ? AppLoad{} : it->second;
}

std::map<AppKey, AppLoad> LoadAggregator::AggregateAll() const {
  const MonoTime now = clock_.Now();
  std::map<AppKey, AppLoad> out;
  std::lock_guard<std::mutex> lock(mu_);
  AddToAggregates(now, out);
  return out;
}

void LoadAggregator::PruneStale() {
  const MonoTime now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  PruneLocked(now);
  last_prune_ = now;
}

void LoadAggregator::PruneLocked(MonoTime now) {
  for (auto it = sidecars_.begin(); it != sidecars_.end();) {
    SidecarState& s = it->second;
    std::erase_if(s.backlog, [&](const auto& kv) { return !IsFresh(kv.second.received_at, now); });
    if (s.consumer && !IsFresh(s.consumer_received_at, now)) s.consumer.reset();
    it = (s.backlog.empty() && !s.consumer) ? sidecars_.erase(it) : std::next(it);
  }
}

size_t LoadAggregator::SidecarCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sidecars_.size();
}

}  // namespace zroute::scaling
