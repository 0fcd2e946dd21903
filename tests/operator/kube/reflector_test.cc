#include "operator/kube/reflector.h"

#include <atomic>
#include <set>

#include "tests/operator/kube/kube_test_env.h"

namespace zroute::kube::testing {
namespace {

using zroute::testing::FakeKubeServer;

class ReflectorTest : public KubeTestEnv {
 protected:
  void TearDown() override {
    if (reflector_) reflector_->Stop();
    reflector_.reset();
    KubeTestEnv::TearDown();
  }
  void StartReflector(ReflectorOptions options = {}) {
    if (options.min_watch_timeout_seconds == 300) {
      options.min_watch_timeout_seconds = 60;  // long: tests end watches explicitly
      options.max_watch_timeout_seconds = 120;
    }
    options.initial_backoff = std::chrono::milliseconds(20);
    options.max_backoff = std::chrono::milliseconds(200);
    if (!options.random) {
      options.random = [this](int lo, int hi) {
        chosen_timeouts_.push_back({lo, hi});
        return lo;
      };
    }
    ReflectorHandlers handlers;
    handlers.on_add = [this](const Json& o) { adds_++; (void)o; };
    handlers.on_update = [this](const Json&, const Json&) { updates_++; };
    handlers.on_delete = [this](const Json& o) {
      std::lock_guard<std::mutex> lock(mu_);
      deleted_.insert(ObjectKey(o));
    };
    reflector_ = std::make_unique<Reflector>(*client_, kWidgets, "ns1", cache_, handlers, options);
    reflector_->Start();
    ASSERT_TRUE(reflector_->WaitForSync(std::chrono::seconds(10)));
  }
  bool CacheHas(const std::string& key) { return cache_.Get(key).has_value(); }
  std::set<std::string> Keys() {
    auto keys = cache_.Keys();
    return {keys.begin(), keys.end()};
  }
  bool WatchOpen(int count = 1) { return WaitFor([&] { return server_.ActiveWatches() == count; }); }

  ObjectCache cache_;
  std::unique_ptr<Reflector> reflector_;
  std::atomic<int> adds_{0}, updates_{0};
  std::mutex mu_;
  std::set<std::string> deleted_;
  std::vector<std::pair<int, int>> chosen_timeouts_;
};

TEST_F(ReflectorTest, ListsThenFollowsWatchEvents) {
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a")).ok());
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("b")).ok());
  ASSERT_TRUE(client_->Create(kWidgets, "ns2", Widget("elsewhere")).ok());
  StartReflector();
  EXPECT_TRUE(reflector_->HasSynced());
  EXPECT_EQ(Keys(), (std::set<std::string>{"ns1/a", "ns1/b"}));
  EXPECT_EQ(adds_, 2);
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("c")).ok());
  ASSERT_TRUE(client_->Patch({kWidgets, "ns1", "a"}, PatchType::kMerge, {{"spec", {{"size", 2}}}}).ok());
  ASSERT_TRUE(client_->Delete({kWidgets, "ns1", "b"}).ok());
  ASSERT_TRUE(WaitFor([&] { return Keys() == std::set<std::string>{"ns1/a", "ns1/c"}; }));
  EXPECT_TRUE(WaitFor([&] { return (*cache_.Get("ns1/a"))["spec"]["size"] == 2; }));
  EXPECT_EQ(adds_, 3);
  EXPECT_EQ(updates_, 1);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(deleted_, std::set<std::string>{"ns1/b"});
}

TEST_F(ReflectorTest, WatchTimeoutIsChosenByInjectedRandom) {
  ReflectorOptions options;
  options.min_watch_timeout_seconds = 301;
  options.max_watch_timeout_seconds = 599;
  std::vector<std::pair<int, int>> asked;
  std::mutex m;
  options.random = [&](int lo, int hi) {
    std::lock_guard<std::mutex> lock(m);
    asked.push_back({lo, hi});
    return 437;
  };
  StartReflector(options);
  ASSERT_TRUE(WatchOpen());
  EXPECT_EQ(server_.RequestCount("watch"), 1);
  std::lock_guard<std::mutex> lock(m);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], (std::pair<int, int>{301, 599}));
}

TEST_F(ReflectorTest, ResumesWithoutRelistAfterCleanClose) {
  StartReflector();
  ASSERT_TRUE(WatchOpen());
  server_.CloseWatches();
  ASSERT_TRUE(WaitFor([&] { return server_.RequestCount("watch") == 2; }));
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("after")).ok());
  ASSERT_TRUE(WaitFor([&] { return CacheHas("ns1/after"); }));
  EXPECT_EQ(server_.RequestCount("list"), 1);
  EXPECT_EQ(reflector_->Stats().errors, 0);
}

TEST_F(ReflectorTest, ResumesAfterRealTimeoutFromLastResourceVersion) {
  ReflectorOptions options;
  options.min_watch_timeout_seconds = 1;
  options.max_watch_timeout_seconds = 1;
  StartReflector(options);
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a")).ok());
  ASSERT_TRUE(WaitFor([&] { return server_.RequestCount("watch") >= 3; }));
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("b")).ok());
  ASSERT_TRUE(WaitFor([&] { return CacheHas("ns1/b"); }));
  EXPECT_EQ(server_.RequestCount("list"), 1);
  EXPECT_EQ(adds_, 2);  // nothing replayed twice
}

TEST_F(ReflectorTest, BookmarksAdvanceTheResourceVersion) {
  StartReflector();
  ASSERT_TRUE(WatchOpen());
  ASSERT_TRUE(client_->Create(kWidgets, "ns2", Widget("unwatched")).ok());
  std::string current = server_.store().CurrentResourceVersion();
  EXPECT_NE(reflector_->LastResourceVersion(), current);
  server_.SendBookmarks();
  EXPECT_TRUE(WaitFor([&] { return reflector_->LastResourceVersion() == current; }));
}

class ReflectorExpiryTest : public ReflectorTest,
                            public ::testing::WithParamInterface<FakeKubeServer::ExpiredWatchMode> {};

TEST_P(ReflectorExpiryTest, RelistsAndConvergesAfterWatchExpired) {
  server_.SetExpiredWatchMode(GetParam());
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a")).ok());
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("b")).ok());
  StartReflector();
  ASSERT_TRUE(WatchOpen());
  const std::string path = kWidgets.CollectionPath("ns1");
  server_.InjectFaults(path, 410, 1, "watch");
  server_.CutWatches();
  // Changes the reflector can only learn from the relist or the following watch.
  ASSERT_TRUE(client_->Delete({kWidgets, "ns1", "a"}).ok());
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("c")).ok());
  ASSERT_TRUE(WaitFor([&] { return Keys() == std::set<std::string>{"ns1/b", "ns1/c"}; }));
  ASSERT_TRUE(WaitFor([&] { return reflector_->Stats().expired == 1; }));
  EXPECT_EQ(server_.RequestCount("list"), 2);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(deleted_, std::set<std::string>{"ns1/a"});
}

TEST_P(ReflectorExpiryTest, RelistsWhenHistoryWasCompacted) {
  server_.SetExpiredWatchMode(GetParam());
  ReflectorOptions options;
  StartReflector(options);
  ASSERT_TRUE(WatchOpen());
  // Make the next re-watch slow enough that the compaction lands first.
  server_.InjectFaults(kWidgets.CollectionPath("ns1"), 500, 1, "watch");
  server_.CutWatches();
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("during-gap")).ok());
  server_.store().CompactHistory();
  ASSERT_TRUE(WaitFor([&] { return CacheHas("ns1/during-gap"); }));
  // Either the re-watch raced ahead of the compaction (no relist) or it got 410 and relisted;
  // in both cases the object arrives exactly once.
  EXPECT_EQ(adds_, 1);
}

INSTANTIATE_TEST_SUITE_P(BothForms, ReflectorExpiryTest,
                         ::testing::Values(FakeKubeServer::ExpiredWatchMode::kHttp410,
                                           FakeKubeServer::ExpiredWatchMode::kErrorEvent));

TEST_F(ReflectorTest, ReWatchesAfterAbruptCutWithoutRelist) {
  StartReflector();
  ASSERT_TRUE(WatchOpen());
  server_.CutWatches();
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("x")).ok());
  ASSERT_TRUE(WaitFor([&] { return CacheHas("ns1/x"); }));
  EXPECT_GE(reflector_->Stats().errors, 1);
  EXPECT_EQ(server_.RequestCount("list"), 1);
}

TEST_F(ReflectorTest, BacksOffAndRecoversFromServerErrors) {
  server_.InjectFaults(kWidgets.CollectionPath("ns1"), 500, 3, "list");
  StartReflector();
  EXPECT_EQ(reflector_->Stats().errors, 3);
  EXPECT_EQ(server_.RequestCount("list"), 4);
}

TEST_F(ReflectorTest, ListsInPages) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("w" + std::to_string(i))).ok());
  ReflectorOptions options;
  options.page_size = 2;
  StartReflector(options);
  EXPECT_EQ(cache_.Size(), 5u);
  EXPECT_EQ(server_.RequestCount("list"), 3);
}

TEST_F(ReflectorTest, TokenRotationMidRunCausesNoVisibleFailure) {
  StartReflector();
  ASSERT_TRUE(WatchOpen());
  WriteToken("token-2");
  server_.SetValidToken("token-2");
  server_.CloseWatches();  // the re-watch meets the new token requirement
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("after-rotation")).ok());
  ASSERT_TRUE(WaitFor([&] { return CacheHas("ns1/after-rotation"); }));
  EXPECT_EQ(reflector_->Stats().errors, 0);
  EXPECT_GE(server_.ResponseCount(401), 1);
}

TEST_F(ReflectorTest, LabelSelectorDropsObjectsThatStopMatching) {
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a", 1, {{"app", "x"}})).ok());
  ReflectorOptions options;
  options.label_selector = "app=x";
  StartReflector(options);
  ASSERT_TRUE(CacheHas("ns1/a"));
  ASSERT_TRUE(client_->Patch({kWidgets, "ns1", "a"}, PatchType::kMerge, {{"metadata", {{"labels", {{"app", "y"}}}}}}).ok());
  EXPECT_TRUE(WaitFor([&] { return !CacheHas("ns1/a"); }));
}

TEST_F(ReflectorTest, StopEndsAnIdleWatchPromptly) {
  StartReflector();
  ASSERT_TRUE(WatchOpen());
  auto start = std::chrono::steady_clock::now();
  reflector_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(WaitFor([&] { return server_.ActiveWatches() == 0; }));
}

}  // namespace
}  // namespace zroute::kube::testing
