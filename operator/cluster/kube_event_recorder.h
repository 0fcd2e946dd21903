// KubeEventRecorder: EventRecorder that writes core/v1 Events to the Kubernetes API, the way
// client-go's record.EventRecorder does, without ever blocking the caller on the network.
//
// What it writes: a core/v1 Event in the involved object's namespace ("default" for a
// cluster-scoped object) with involvedObject, type, reason, message, source.component and
// reportingComponent (options.component), source.host and reportingInstance (options.instance),
// firstTimestamp, lastTimestamp and count. core/v1 (not events.k8s.io/v1) because its
// count/firstTimestamp/lastTimestamp aggregation is what `kubectl describe` and
// `kubectl get events` show; the API server mirrors it into events.k8s.io/v1 (message → note).
//
// Input is outside data and is made safe: invalid UTF-8 becomes U+FFFD; the message is cut to
// 1024 bytes (events.k8s.io/v1 rejects a longer `note`, and the mirror copies the message there)
// and the reason to 128 bytes, both on a character boundary; names are cut so that the Event name
// stays a valid DNS subdomain (<= 253 bytes).
//
// Rate limit (client-go's spam filter): a token bucket per involved object, `burst` tokens
// (default 25) refilled one per `refill_interval` (default 5 minutes). An event without a token is
// dropped and counted (stats().rate_limited).
// Aggregation (client-go's correlator): a repeat of the same (object, type, reason, message) seen
// within `aggregation_window` (default 10 minutes) of the previous one PATCHes the existing Event's
// count and lastTimestamp (merge patch) instead of creating a new one. If that Event is gone (TTL),
// a new one is created. The cache holds at most `cache_size` entries (oldest evicted).
//
// Threads: Record() is thread-safe and only takes a mutex: it applies the rate limit and queues the
// event. One owned writer thread does every API call, in order. When the queue holds
// `queue_capacity` events, new ones are dropped and counted (stats().queue_full). A failed write
// (API error or unreachable) is logged and counted (stats().failed), not retried: Events are
// best-effort, and a retry would hold up the events behind it.
// Time: timestamps from clock.WallNow() at Record(); windows and refills on clock.Now().
// Lifetime: client and clock must outlive the recorder. The destructor calls Stop().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "common/metrics/metrics.h"
#include "common/util/clock.h"
#include "operator/controller/event_recorder.h"
#include "operator/kube/kube_client.h"

namespace zroute::cluster {

struct KubeEventRecorderOptions {
  std::string component = "zroute-operator";  // source.component, reportingComponent
  std::string instance;                       // source.host, reportingInstance (the pod name)
  size_t queue_capacity = 1000;
  int burst = 25;
  Duration refill_interval = std::chrono::minutes(5);
  Duration aggregation_window = std::chrono::minutes(10);
  size_t cache_size = 4096;  // aggregation entries and token buckets, each
  // If set, counts every outcome under the label "result" (the stats field names below, without
  // "recorded"). Must outlive the recorder.
  CounterVec* results = nullptr;
};

struct KubeEventRecorderStats {
  uint64_t recorded = 0;      // accepted into the queue
  uint64_t rate_limited = 0;  // dropped: the object's token bucket was empty
  uint64_t queue_full = 0;    // dropped: the queue was full
  uint64_t created = 0;       // Events created
  uint64_t patched = 0;       // existing Events whose count was raised
  uint64_t failed = 0;        // writes the API refused or that did not reach it
  uint64_t discarded = 0;     // still queued when Stop() ran
};

// Limits of the Kubernetes Event API the recorder enforces on its input.
inline constexpr size_t kEventMessageLimit = 1024;
inline constexpr size_t kEventReasonLimit = 128;

// `text` as valid UTF-8 (invalid sequences → U+FFFD), cut to at most `limit` bytes without
// splitting a character.
std::string SanitizeEventText(const std::string& text, size_t limit);

class KubeEventRecorder final : public EventRecorder {
 public:
  // Starts the writer thread.
  KubeEventRecorder(kube::KubeClient& client, const Clock& clock, KubeEventRecorderOptions options = {});
  ~KubeEventRecorder() override;
  KubeEventRecorder(const KubeEventRecorder&) = delete;
  KubeEventRecorder& operator=(const KubeEventRecorder&) = delete;

  void Record(const InvolvedObject& object, EventType type, const std::string& reason,
              const std::string& message) override;

  // Finishes the write in progress, discards the rest of the queue and joins the writer thread.
  // Events recorded afterwards are discarded. Idempotent.
  void Stop();

  // Blocks until the queue is empty and no write is in progress, or `timeout` (real time) passes;
  // returns whether it became idle. For tests and orderly shutdown.
  bool WaitIdle(std::chrono::milliseconds timeout);

  KubeEventRecorderStats stats() const;

 private:
  struct Item {
    InvolvedObject object;
    std::string type;  // "Normal" / "Warning"
    std::string reason;
    std::string message;
    WallTime wall;
    MonoTime mono;
  };
  // What identifies a repeat: object, type, reason, message.
  using AggregateKey = std::tuple<std::string, std::string, std::string, std::string, std::string,
                                  std::string, std::string, std::string>;
  struct Aggregate {
    std::string namespace_, name;  // of the Event
    int64_t count = 0;
    MonoTime last_seen;
  };
  struct Bucket {
    double tokens = 0;
    MonoTime updated;
  };

  void Run();
  void Write(const Item& item);
  bool TakeToken(const std::string& object_key, MonoTime now);  // REQUIRES mu_
  // Adds one to a stats_ field and to options_.results{result}. REQUIRES mu_.
  void CountLocked(uint64_t KubeEventRecorderStats::*field, const char* result, uint64_t n = 1);
  std::string EventName(const InvolvedObject& object, WallTime wall);

  kube::KubeClient& client_;
  const Clock& clock_;
  const KubeEventRecorderOptions options_;

  mutable std::mutex mu_;  // guards queue_, buckets_, stats_, stop_, busy_
  std::condition_variable cv_;       // queue_ got an item, or stop_
  std::condition_variable idle_cv_;  // queue_ empty and !busy_
  std::deque<Item> queue_;
  std::map<std::string, Bucket> buckets_;  // by involved object
  KubeEventRecorderStats stats_;
  bool stop_ = false;
  bool busy_ = false;

  // Writer thread only.
  std::map<AggregateKey, Aggregate> aggregates_;
  uint64_t name_sequence_ = 0;

  std::thread writer_;
};

}  // namespace zroute::cluster
