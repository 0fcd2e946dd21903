// Metrics: a prometheus-cpp registry plus cached label children, served as Prometheus text.
//
// prometheus-cpp's Family::Add takes a lock and hashes the label set; on the event path we look
// children up once and keep the pointer (CounterVec/GaugeVec/HistogramVec below cache them by
// label values). Label values must come from bounded sets (topics, subscriptions, app-ids).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace zroute {

class Metrics {
 public:
  Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}
  prometheus::Registry& registry() { return *registry_; }
  // The Prometheus text exposition of everything registered.
  std::string Serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

// A family with fixed label names whose children are created once per label-value tuple.
template <typename M>
class MetricVec {
 public:
  MetricVec(prometheus::Family<M>& family, std::vector<std::string> label_names)
      : family_(family), label_names_(std::move(label_names)) {}

  template <typename... Args>
  M& With(const std::vector<std::string>& values, Args&&... args) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
    std::map<std::string, std::string> labels;
    for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i) labels[label_names_[i]] = values[i];
    M& m = family_.Add(labels, std::forward<Args>(args)...);
    children_.emplace(values, &m);
    return m;
  }

  // Removes one child (e.g. when a subscription is deleted) so stale series disappear.
  void Remove(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(values);
    if (it == children_.end()) return;
    family_.Remove(it->second);
    children_.erase(it);
  }

 private:
  prometheus::Family<M>& family_;
  std::vector<std::string> label_names_;
  std::mutex mu_;  // guards children_
  std::map<std::vector<std::string>, M*> children_;
};

using CounterVec = MetricVec<prometheus::Counter>;
using GaugeVec = MetricVec<prometheus::Gauge>;
using HistogramVec = MetricVec<prometheus::Histogram>;

// Latency buckets in seconds, 100 µs to 10 s.
prometheus::Histogram::BucketBoundaries LatencyBuckets();

}  // namespace zroute
