// DedupeWindow: remembers the last N (subscription, event id) pairs this sidecar acknowledged,
// so a redelivery of an event the app already took is acked without calling the app again.
// Bounded: the oldest entries are forgotten first. Thread: the link thread only.
#pragma once

#include <deque>
#include <string>
#include <unordered_set>

namespace zroute {

class DedupeWindow {
 public:
  explicit DedupeWindow(size_t capacity) : capacity_(capacity) {}

  bool Contains(const std::string& subscription, const std::string& id) const {
    return set_.count(Key(subscription, id)) > 0;
  }
  void Add(const std::string& subscription, const std::string& id) {
    std::string key = Key(subscription, id);
    if (!set_.insert(key).second) return;
    order_.push_back(std::move(key));
    if (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }
  size_t size() const { return set_.size(); }

 private:
  static std::string Key(const std::string& subscription, const std::string& id) { return subscription + '\n' + id; }

  size_t capacity_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

}  // namespace zroute
