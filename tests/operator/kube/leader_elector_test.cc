#include "operator/kube/leader_elector.h"

#include <atomic>

#include "tests/operator/kube/kube_test_env.h"

namespace zroute::kube::testing {
namespace {

using std::chrono::seconds;

class LeaderElectorTest : public KubeTestEnv {
 protected:
  struct Candidate {
    std::unique_ptr<LeaderElector> elector;
    std::atomic<int> started{0};
    std::atomic<int> stopped{0};
  };
  std::unique_ptr<Candidate> NewCandidate(const std::string& id) {
    auto c = std::make_unique<Candidate>();
    LeaderElectionConfig config;
    config.lease_namespace = "zroute-system";
    config.lease_name = "zroute-operator";
    config.identity = id;
    Candidate* raw = c.get();
    c->elector = std::make_unique<LeaderElector>(*client_, clock_, config,
                                                 LeaderCallbacks{[raw] { ++raw->started; }, [raw] { ++raw->stopped; }});
    return c;
  }
  Json Lease() {
    auto l = client_->Get({kLeasesGvr, "zroute-system", "zroute-operator"});
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? (*l)["spec"] : Json();
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    KubeTestEnv::TearDown();
  }
  std::unique_ptr<Candidate> a_, b_;
};

TEST_F(LeaderElectorTest, ExactlyOneOfTwoLeads) {
  a_ = NewCandidate("a");
  b_ = NewCandidate("b");
  a_->elector->Tick();
  b_->elector->Tick();
  EXPECT_TRUE(a_->elector->IsLeader());
  EXPECT_FALSE(b_->elector->IsLeader());
  EXPECT_EQ(a_->started, 1);
  EXPECT_EQ(b_->elector->ObservedHolder(), "a");
  Json lease = Lease();
  EXPECT_EQ(lease["holderIdentity"], "a");
  EXPECT_EQ(lease["leaseDurationSeconds"], 15);
  EXPECT_EQ(lease["leaseTransitions"], 0);
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(seconds(2));
    a_->elector->Tick();
    b_->elector->Tick();
    ASSERT_TRUE(a_->elector->IsLeader());
    ASSERT_FALSE(b_->elector->IsLeader());
  }
  EXPECT_EQ(a_->started, 1);
}

TEST_F(LeaderElectorTest, ConcurrentCandidatesElectOne) {
  for (int round = 0; round < 5; ++round) {
    std::vector<std::unique_ptr<Candidate>> cs;
    for (int i = 0; i < 4; ++i) cs.push_back(NewCandidate("c" + std::to_string(round) + std::to_string(i)));
    std::vector<std::thread> threads;
    for (auto& c : cs) threads.emplace_back([&c] { c->elector->Tick(); });
    for (auto& t : threads) t.join();
    int leaders = 0;
    for (auto& c : cs) leaders += c->elector->IsLeader() ? 1 : 0;
    EXPECT_EQ(leaders, 1) << "round " << round;
    for (auto& c : cs) c->elector->Stop();  // the leader releases for the next round
  }
}

TEST_F(LeaderElectorTest, StandbyTakesOverWithinLeaseDurationAfterRenewalsStop) {
  a_ = NewCandidate("a");
  b_ = NewCandidate("b");
  a_->elector->Tick();
  b_->elector->Tick();
  ASSERT_TRUE(a_->elector->IsLeader());
  // "a" stops renewing (hung or partitioned); "b" keeps trying every retry period.
  Duration waited{};
  while (!b_->elector->IsLeader() && waited < seconds(60)) {
    clock_.Advance(seconds(2));
    waited += seconds(2);
    b_->elector->Tick();
  }
  EXPECT_TRUE(b_->elector->IsLeader());
  EXPECT_GE(waited, seconds(15));
  EXPECT_LE(waited, seconds(17));
  Json lease = Lease();
  EXPECT_EQ(lease["holderIdentity"], "b");
  EXPECT_EQ(lease["leaseTransitions"], 1);
  // The old leader learns on its next attempt and stops leader work.
  a_->elector->Tick();
  EXPECT_FALSE(a_->elector->IsLeader());
  EXPECT_EQ(a_->stopped, 1);
}

TEST_F(LeaderElectorTest, LeaderStepsDownWhenRenewalsFailPastTheDeadline) {
  a_ = NewCandidate("a");
  a_->elector->Tick();
  ASSERT_TRUE(a_->elector->IsLeader());
  server_.InjectFaults("/apis/coordination.k8s.io", 500, 1000);
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(seconds(2));
    a_->elector->Tick();
  }
  EXPECT_TRUE(a_->elector->IsLeader());  // 8 s without renewal: still within the deadline
  clock_.Advance(seconds(2));
  a_->elector->Tick();
  EXPECT_FALSE(a_->elector->IsLeader());
  EXPECT_EQ(a_->stopped, 1);
}

TEST_F(LeaderElectorTest, ReleaseOnShutdownLetsTheStandbyAcquireAtOnce) {
  a_ = NewCandidate("a");
  b_ = NewCandidate("b");
  a_->elector->Tick();
  b_->elector->Tick();
  ASSERT_TRUE(a_->elector->IsLeader());
  a_->elector->Stop();
  EXPECT_FALSE(a_->elector->IsLeader());
  EXPECT_EQ(a_->stopped, 1);
  EXPECT_EQ(Lease()["holderIdentity"], "");
  b_->elector->Tick();  // no clock advance needed
  EXPECT_TRUE(b_->elector->IsLeader());
  EXPECT_EQ(Lease()["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, RenewalKeepsAcquireTimeAndGuardsWithResourceVersion) {
  a_ = NewCandidate("a");
  a_->elector->Tick();
  Json first = Lease();
  clock_.Advance(seconds(2));
  a_->elector->Tick();
  Json second = Lease();
  EXPECT_EQ(second["acquireTime"], first["acquireTime"]);
  EXPECT_NE(second["renewTime"], first["renewTime"]);
  EXPECT_EQ(server_.RequestCount("update", "/apis/coordination.k8s.io/v1/namespaces/zroute-system/leases"), 1);
  // Someone else rewrites the lease between our read and write: our stale update gets 409.
  auto lease = client_->Get({kLeasesGvr, "zroute-system", "zroute-operator"});
  ASSERT_TRUE(lease.ok());
  Json stale = *lease;
  Json other = *lease;
  other["spec"]["holderIdentity"] = "intruder";
  ASSERT_TRUE(client_->Update({kLeasesGvr, "zroute-system", "zroute-operator"}, other).ok());
  EXPECT_EQ(client_->Update({kLeasesGvr, "zroute-system", "zroute-operator"}, stale).status().code(),
            StatusCode::kConflict);
  a_->elector->Tick();
  EXPECT_FALSE(a_->elector->IsLeader());  // the lease shows another holder
}

TEST_F(LeaderElectorTest, BackgroundLoopAcquiresAndReleases) {
  a_ = NewCandidate("a");
  // Real-time loop: waits are real, lease expiry judged on the simulated clock.
  LeaderElectionConfig config;
  config.lease_namespace = "zroute-system";
  config.lease_name = "zroute-operator";
  config.identity = "loop";
  config.retry_period = std::chrono::milliseconds(20);
  std::atomic<int> started{0};
  LeaderElector loop(*client_, clock_, config, LeaderCallbacks{[&] { ++started; }, nullptr});
  loop.Start();
  ASSERT_TRUE(WaitFor([&] { return loop.IsLeader(); }));
  loop.Stop();
  EXPECT_FALSE(loop.IsLeader());
  EXPECT_EQ(Lease()["holderIdentity"], "");
  EXPECT_EQ(started, 1);
}

}  // namespace
}  // namespace zroute::kube::testing
