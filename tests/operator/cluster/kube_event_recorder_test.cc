// KubeEventRecorder against the fake API server: the Event it creates, aggregation of repeats into
// one Event with a count, the per-object token bucket, input sanitising, and a caller that never
// waits on the API (errors, a stalled API, a full queue). Time is simulated; waits on the writer
// thread are bounded condition waits.
#include "operator/cluster/kube_event_recorder.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "tests/operator/kube/kube_test_env.h"

namespace zroute::cluster {
namespace {

using kube::Json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kEvents
const std::string kEventsPath = "/api/v1/namespaces/shop/events";

InvolvedObject Policy(const std::string& name = "billing") {
  return {.api_version = "zroute.io/v1alpha1", .kind = "ScalingPolicy", .namespace_ = "shop", .name = name,
          .uid = "uid-" + name};
}

class KubeEventRecorderTest : public kube::testing::KubeTestEnv {
 protected:
  std::vector<Json> Events(const std::string& ns = "shop") {
    auto list = server_.store().List(kEvents, ns, "", 0, "", "");
    return list.body["items"].get<std::vector<Json>>();
  }
  KubeEventRecorderOptions Options() {
    KubeEventRecorderOptions o;
    o.instance = "zroute-operator-0";
    return o;
  }
};

TEST_F(KubeEventRecorderTest, CreatesCoreEventForTheInvolvedObject) {
  KubeEventRecorder recorder(*client_, clock_, Options());
  recorder.Record(Policy(), EventType::kNormal, "SuccessfulRescale", "New size: 3");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  const Json& e = events[0];
  EXPECT_EQ(e["apiVersion"], "v1");
  EXPECT_EQ(e["kind"], "Event");
  EXPECT_EQ(e["metadata"]["namespace"], "shop");
  EXPECT_EQ(e["metadata"]["name"].get<std::string>().rfind("billing.", 0), 0u);
  EXPECT_EQ(e["involvedObject"],
            (Json{{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "ScalingPolicy"}, {"namespace", "shop"},
                  {"name", "billing"}, {"uid", "uid-billing"}}));
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["reason"], "SuccessfulRescale");
  EXPECT_EQ(e["message"], "New size: 3");
  EXPECT_EQ(e["source"]["component"], "zroute-operator");
  EXPECT_EQ(e["source"]["host"], "zroute-operator-0");
  EXPECT_EQ(e["reportingComponent"], "zroute-operator");
  EXPECT_EQ(e["reportingInstance"], "zroute-operator-0");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["firstTimestamp"], "2026-01-01T00:00:00Z");  // the simulated wall clock
  EXPECT_EQ(e["lastTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(recorder.stats().created, 1u);
}

TEST_F(KubeEventRecorderTest, RepeatWithinWindowRaisesCountOfOneEvent) {
  KubeEventRecorder recorder(*client_, clock_, Options());
  recorder.Record(Policy(), EventType::kWarning, "FailedGetScale", "deployments \"billing\" not found");
  clock_.Advance(seconds(30));
  recorder.Record(Policy(), EventType::kWarning, "FailedGetScale", "deployments \"billing\" not found");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 2);
  EXPECT_EQ(events[0]["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(events[0]["lastTimestamp"], "2026-01-01T00:00:30Z");
  EXPECT_EQ(server_.RequestCount("create", kEventsPath), 1);
  EXPECT_EQ(server_.RequestCount("patch", kEventsPath), 1);

  // A different message, type or object is another Event.
  recorder.Record(Policy(), EventType::kWarning, "FailedGetScale", "connection refused");
  recorder.Record(Policy("other"), EventType::kWarning, "FailedGetScale", "deployments \"billing\" not found");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  EXPECT_EQ(Events().size(), 3u);
}

TEST_F(KubeEventRecorderTest, RepeatAfterWindowOrAfterTheEventIsGoneCreatesNewEvent) {
  KubeEventRecorder recorder(*client_, clock_, Options());
  recorder.Record(Policy(), EventType::kNormal, "SuccessfulRescale", "New size: 2");
  clock_.Advance(minutes(11));
  recorder.Record(Policy(), EventType::kNormal, "SuccessfulRescale", "New size: 2");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  ASSERT_EQ(Events().size(), 2u);

  // The API dropped the Event (TTL): the repeat recreates it instead of failing.
  for (const Json& e : Events()) server_.store().Delete(kEvents, "shop", e["metadata"]["name"]);
  clock_.Advance(seconds(1));
  recorder.Record(Policy(), EventType::kNormal, "SuccessfulRescale", "New size: 2");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 1);
  EXPECT_EQ(recorder.stats().failed, 0u);
}

TEST_F(KubeEventRecorderTest, BurstBeyondTokenBucketIsDroppedAndCountedThenRefills) {
  Metrics metrics;
  CounterVec results(prometheus::BuildCounter().Name("events_total").Help("h").Register(metrics.registry()),
                     {"result"});
  KubeEventRecorderOptions o = Options();
  o.burst = 5;
  o.refill_interval = minutes(5);
  o.results = &results;
  KubeEventRecorder recorder(*client_, clock_, o);
  for (int i = 0; i < 8; ++i) {
    recorder.Record(Policy(), EventType::kNormal, "RecommendationChanged", "step " + std::to_string(i));
  }
  // Another object has its own bucket.
  recorder.Record(Policy("other"), EventType::kNormal, "RecommendationChanged", "step 0");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  EXPECT_EQ(recorder.stats().rate_limited, 3u);
  EXPECT_EQ(recorder.stats().created, 6u);
  EXPECT_EQ(Events().size(), 6u);

  clock_.Advance(minutes(4));
  recorder.Record(Policy(), EventType::kNormal, "RecommendationChanged", "still limited");
  clock_.Advance(minutes(1));
  recorder.Record(Policy(), EventType::kNormal, "RecommendationChanged", "one token back");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  EXPECT_EQ(recorder.stats().rate_limited, 4u);
  EXPECT_EQ(recorder.stats().created, 7u);
  EXPECT_EQ(results.With({"rate_limited"}).Value(), 4);
  EXPECT_EQ(results.With({"created"}).Value(), 7);
}

TEST_F(KubeEventRecorderTest, ApiErrorsAreCountedAndNextEventsStillGoOut) {
  KubeEventRecorder recorder(*client_, clock_, Options());
  server_.InjectFaults(kEventsPath, 500, 1);
  server_.InjectFaults(kEventsPath, 429, 1);
  recorder.Record(Policy(), EventType::kNormal, "A", "first");
  recorder.Record(Policy(), EventType::kNormal, "B", "second");
  recorder.Record(Policy(), EventType::kNormal, "C", "third");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  EXPECT_EQ(recorder.stats().failed, 2u);
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["reason"], "C");
}

// A KubeClient whose Create blocks until released: an API that hangs.
class StalledClient final : public kube::KubeClient {
 public:
  explicit StalledClient(kube::KubeClient& inner) : inner_(inner) {}
  StatusOr<Json> Get(const kube::ResourceRef& ref) override { return inner_.Get(ref); }
  StatusOr<kube::ListResult> List(const kube::GroupVersionResource& gvr, const std::string& ns,
                                  const kube::ListOptions& options) override {
    return inner_.List(gvr, ns, options);
  }
  StatusOr<kube::WatchEnd> Watch(const kube::GroupVersionResource& gvr, const std::string& ns,
                                 const kube::WatchOptions& options, const kube::WatchHandler& handler,
                                 std::stop_token stop) override {
    return inner_.Watch(gvr, ns, options, handler, stop);
  }
  StatusOr<Json> Create(const kube::GroupVersionResource& gvr, const std::string& ns, const Json& object) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
    lock.unlock();
    return inner_.Create(gvr, ns, object);
  }
  StatusOr<Json> Update(const kube::ResourceRef& ref, const Json& object) override { return inner_.Update(ref, object); }
  StatusOr<Json> UpdateStatus(const kube::ResourceRef& ref, const Json& object) override {
    return inner_.UpdateStatus(ref, object);
  }
  StatusOr<Json> Patch(const kube::ResourceRef& ref, kube::PatchType type, const Json& patch,
                       const std::string& subresource) override {
    return inner_.Patch(ref, type, patch, subresource);
  }
  Status Delete(const kube::ResourceRef& ref) override { return inner_.Delete(ref); }

  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(10), [&] { return entered_ >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  kube::KubeClient& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool released_ = false;
};

TEST_F(KubeEventRecorderTest, StalledApiNeverBlocksCallerAndFullQueueDropsAreCounted) {
  StalledClient stalled(*client_);
  KubeEventRecorderOptions o = Options();
  o.queue_capacity = 3;
  KubeEventRecorder recorder(stalled, clock_, o);
  recorder.Record(Policy("p0"), EventType::kNormal, "R", "m");
  ASSERT_TRUE(stalled.WaitEntered(1));  // the writer is stuck in Create
  // These return although the writer cannot make progress: 3 queue up, 2 are dropped.
  for (int i = 1; i <= 5; ++i) recorder.Record(Policy("p" + std::to_string(i)), EventType::kNormal, "R", "m");
  EXPECT_EQ(recorder.stats().recorded, 4u);
  EXPECT_EQ(recorder.stats().queue_full, 2u);
  EXPECT_FALSE(recorder.WaitIdle(milliseconds(50)));
  stalled.Release();
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  EXPECT_EQ(recorder.stats().created, 4u);
  EXPECT_EQ(Events().size(), 4u);
}

TEST_F(KubeEventRecorderTest, StopDiscardsQueuedEventsAndLaterRecordsAreIgnored) {
  StalledClient stalled(*client_);
  KubeEventRecorder recorder(stalled, clock_, Options());
  recorder.Record(Policy("p0"), EventType::kNormal, "R", "m");
  ASSERT_TRUE(stalled.WaitEntered(1));
  recorder.Record(Policy("p1"), EventType::kNormal, "R", "m");
  stalled.Release();
  recorder.Stop();
  recorder.Record(Policy("p2"), EventType::kNormal, "R", "m");
  const auto stats = recorder.stats();
  EXPECT_EQ(stats.created + stats.discarded, 3u);
  EXPECT_GE(stats.discarded, 1u);  // p2 at least; p1 unless the writer took it before Stop
}

TEST_F(KubeEventRecorderTest, OversizeAndMalformedTextIsTruncatedAndMadeValid) {
  KubeEventRecorder recorder(*client_, clock_, Options());
  // 1023 ASCII bytes then a 2-byte character: the cut must not split it.
  std::string message = std::string(1023, 'x') + "\xC3\xA9" + std::string(5000, 'y');
  recorder.Record(Policy("long"), EventType::kWarning, std::string(300, 'R'), message);
  recorder.Record(Policy("bad-utf8"), EventType::kNormal, "Bad\xFF", "ok \xC3 then \xED\xA0\x80 end");
  InvolvedObject hostile = Policy("Weird/Name?x=1");
  recorder.Record(hostile, EventType::kNormal, "R", "m");
  ASSERT_TRUE(recorder.WaitIdle(seconds(10)));
  EXPECT_EQ(recorder.stats().failed, 0u);
  auto events = Events();
  ASSERT_EQ(events.size(), 3u);
  for (const Json& e : events) {
    const std::string name = e["metadata"]["name"];
    EXPECT_LE(name.size(), 253u);
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-."), std::string::npos) << name;
    const std::string object = e["involvedObject"]["name"];
    if (object.rfind("long", 0) == 0) {
      EXPECT_EQ(e["message"].get<std::string>(), std::string(1023, 'x'));
      EXPECT_EQ(e["reason"].get<std::string>(), std::string(kEventReasonLimit, 'R'));
    } else if (object == "bad-utf8") {
      EXPECT_EQ(e["reason"], "Bad\xEF\xBF\xBD");
      const std::string m = e["message"];
      EXPECT_EQ(m.rfind("ok ", 0), 0u);
      EXPECT_NE(m.find("\xEF\xBF\xBD"), std::string::npos);
      EXPECT_EQ(m.substr(m.size() - 4), " end");
    } else {
      EXPECT_EQ(object, "Weird/Name?x=1");  // the reference keeps the name; only the Event's own name is cleaned
    }
  }
}

TEST(SanitizeEventTextTest, CutsOnCharacterBoundary) {
  EXPECT_EQ(SanitizeEventText("abc", 10), "abc");
  EXPECT_EQ(SanitizeEventText("ab\xE2\x82\xAC", 4), "ab");  // a 3-byte euro sign does not fit
  EXPECT_EQ(SanitizeEventText("ab\xE2\x82\xAC", 5), "ab\xE2\x82\xAC");
  EXPECT_EQ(SanitizeEventText("", 0), "");
  EXPECT_EQ(SanitizeEventText(std::string("a\0b", 3), 10), std::string("a\0b", 3));
}

}  // namespace
}  // namespace zroute::cluster
