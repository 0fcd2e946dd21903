#include "operator/cluster/kube_event_recorder.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/util/logging.h"
#include "common/util/thread_name.h"

namespace zroute::cluster {
namespace {

const kube::GroupVersionResource kEvents{"", "v1", "events"};

// metav1.Time: RFC 3339 in whole seconds.
std::string Timestamp(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A DNS-subdomain-safe rendering of an object name for the Event's name prefix.
std::string NamePrefix(const std::string& name, size_t max) {
  std::string out;
  for (char c : name) {
    if (out.size() >= max) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    out += ok ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '-';
  }
  while (!out.empty() && (out.front() == '-' || out.front() == '.')) out.erase(out.begin());
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out.empty() ? "object" : out;
}

}  // namespace

std::string SanitizeEventText(const std::string& text, size_t limit) {
  // nlohmann's serializer replaces every invalid UTF-8 sequence by U+FFFD; parsing the result back
  // yields a valid string.
  std::string clean =
      nlohmann::json::parse(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .get<std::string>();
  if (clean.size() <= limit) return clean;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
  clean.resize(cut);
  return clean;
}

KubeEventRecorder::KubeEventRecorder(kube::KubeClient& client, const Clock& clock, KubeEventRecorderOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {
  writer_ = std::thread([this] {
    SetCurrentThreadName("zr-kube-events");
    Run();
  });
}

KubeEventRecorder::~KubeEventRecorder() { Stop(); }

void KubeEventRecorder::Record(const InvolvedObject& object, EventType type, const std::string& reason,
                               const std::string& message) {
  const MonoTime now = clock_.Now();
  const std::string object_key = object.api_version + "|" + object.kind + "|" + object.namespace_ + "|" +
                                 object.name + "|" + object.uid;
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) {
    CountLocked(&KubeEventRecorderStats::discarded, "discarded");
    return;
  }
  if (!TakeToken(object_key, now)) {
    CountLocked(&KubeEventRecorderStats::rate_limited, "rate_limited");
    return;
  }
  if (queue_.size() >= options_.queue_capacity) {
    CountLocked(&KubeEventRecorderStats::queue_full, "queue_full");
    return;
  }
  queue_.push_back(Item{object, type == EventType::kWarning ? "Warning" : "Normal", reason, message,
                        clock_.WallNow(), now});
  ++stats_.recorded;
  cv_.notify_one();
}

bool KubeEventRecorder::TakeToken(const std::string& object_key, MonoTime now) {
  auto it = buckets_.find(object_key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.cache_size) {
      // Forget the bucket that has been refilling longest: it is the most likely to be full anyway.
      auto oldest = std::min_element(buckets_.begin(), buckets_.end(),
                                     [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
      buckets_.erase(oldest);
    }
    it = buckets_.emplace(object_key, Bucket{static_cast<double>(options_.burst), now}).first;
  } else if (options_.refill_interval.count() > 0 && now > it->second.updated) {
    const double refill = std::chrono::duration<double>(now - it->second.updated).count() /
                          std::chrono::duration<double>(options_.refill_interval).count();
    it->second.tokens = std::min(static_cast<double>(options_.burst), it->second.tokens + refill);
    it->second.updated = now;
  }
  if (it->second.tokens < 1) return false;
  it->second.tokens -= 1;
  return true;
}

void KubeEventRecorder::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Write(item);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  if (!queue_.empty()) CountLocked(&KubeEventRecorderStats::discarded, "discarded", queue_.size());
  queue_.clear();
  idle_cv_.notify_all();
}

std::string KubeEventRecorder::EventName(const InvolvedObject& object, WallTime wall) {
  // client-go: "<object>.<unix nanos in hex>"; a sequence number keeps two events in the same
  // nanosecond (a coarse or simulated clock) apart.
  char suffix[48];
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count();
  std::snprintf(suffix, sizeof(suffix), ".%llx%04llx", static_cast<unsigned long long>(nanos),
                static_cast<unsigned long long>(name_sequence_++ & 0xffff));
  return NamePrefix(object.name, 253 - std::char_traits<char>::length(suffix)) + suffix;
}

void KubeEventRecorder::Write(const Item& item) {
  const std::string reason = SanitizeEventText(item.reason.empty() ? "Unknown" : item.reason, kEventReasonLimit);
  const std::string message = SanitizeEventText(item.message, kEventMessageLimit);
  const std::string ns = item.object.namespace_.empty() ? "default" : item.object.namespace_;
  const std::string timestamp = Timestamp(item.wall);
  AggregateKey key{item.object.api_version, item.object.kind, item.object.namespace_, item.object.name,
                   item.object.uid, item.type, reason, message};

  auto agg = aggregates_.find(key);
  if (agg != aggregates_.end() && item.mono - agg->second.last_seen <= options_.aggregation_window) {
    const int64_t count = agg->second.count + 1;
    auto patched = client_.Patch(kube::ResourceRef{kEvents, agg->second.namespace_, agg->second.name},
                                 kube::PatchType::kMerge, {{"count", count}, {"lastTimestamp", timestamp}});
    if (patched.ok()) {
      agg->second.count = count;
      agg->second.last_seen = item.mono;
      std::lock_guard<std::mutex> lock(mu_);
      CountLocked(&KubeEventRecorderStats::patched, "patched");
      return;
    }
    if (patched.status().code() != StatusCode::kNotFound) {
      ZR_LOG(kWarn, "events", "event not updated",
             {{"event", agg->second.namespace_ + "/" + agg->second.name}, {"error", patched.status().ToString()}});
      std::lock_guard<std::mutex> lock(mu_);
      CountLocked(&KubeEventRecorderStats::failed, "failed");
      return;
    }
    aggregates_.erase(agg);  // expired or deleted: start a new Event
  }

  kube::Json involved = {{"apiVersion", SanitizeEventText(item.object.api_version, 253)},
                         {"kind", SanitizeEventText(item.object.kind, 253)},
                         {"name", SanitizeEventText(item.object.name, 253)}};
  if (!item.object.namespace_.empty()) involved["namespace"] = SanitizeEventText(item.object.namespace_, 253);
  if (!item.object.uid.empty()) involved["uid"] = SanitizeEventText(item.object.uid, 253);
  const std::string name = EventName(item.object, item.wall);
  kube::Json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"involvedObject", involved},
      {"type", item.type},
      {"reason", reason},
      {"message", message},
      {"source", {{"component", options_.component}}},
      {"reportingComponent", options_.component},
      {"reportingInstance", options_.instance},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1},
  };
  if (!options_.instance.empty()) event["source"]["host"] = options_.instance;
  auto created = client_.Create(kEvents, ns, event);
  if (!created.ok()) {
    ZR_LOG(kWarn, "events", "event not recorded",
           {{"object", item.object.kind + " " + ns + "/" + item.object.name},
            {"reason", reason},
            {"error", created.status().ToString()}});
    std::lock_guard<std::mutex> lock(mu_);
    CountLocked(&KubeEventRecorderStats::failed, "failed");
    return;
  }
  if (aggregates_.size() >= options_.cache_size) {
    auto oldest = std::min_element(aggregates_.begin(), aggregates_.end(), [](const auto& a, const auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    aggregates_.erase(oldest);
  }
  aggregates_[key] = Aggregate{ns, name, 1, item.mono};
  std::lock_guard<std::mutex> lock(mu_);
  CountLocked(&KubeEventRecorderStats::created, "created");
}

void KubeEventRecorder::CountLocked(uint64_t KubeEventRecorderStats::*field, const char* result, uint64_t n) {
  stats_.*field += n;
  if (options_.results != nullptr) options_.results->With({result}).Increment(static_cast<double>(n));
}

void KubeEventRecorder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

bool KubeEventRecorder::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return (queue_.empty() && !busy_) || stop_; });
}

KubeEventRecorderStats KubeEventRecorder::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace zroute::cluster
