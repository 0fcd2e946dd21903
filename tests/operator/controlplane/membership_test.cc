#include "operator/controlplane/membership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

wire::SidecarInfo Info(const std::string& id, const std::string& endpoint = "tcp://10.0.0.1:3600") {
  wire::SidecarInfo info;
  info.sidecar_id = id;
  info.app_id = "billing";
  info.namespace_ = "shop";
  info.pod = "billing-" + id;
  info.data_endpoint = endpoint;
  return info;
}

class MembershipTest : public ::testing::Test {
 protected:
  testing::SimulatedClock clock_;
  Membership members_{std::chrono::seconds(5)};
};

TEST_F(MembershipTest, RegisterAddsTheSidecar) {
  EXPECT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  ASSERT_TRUE(members_.Contains("s1"));
  const Member& m = members_.members().at("s1");
  EXPECT_EQ(m.info, Info("s1"));
  EXPECT_EQ(m.last_seen, clock_.Now());
  EXPECT_EQ(m.table_version, 0u);
  EXPECT_FALSE(members_.Contains("s2"));
}

TEST_F(MembershipTest, RegisteringTheSameInfoAgainIsNoChangeButCountsAsSeen) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  clock_.Advance(std::chrono::seconds(4));
  EXPECT_FALSE(members_.Register(Info("s1"), clock_.Now()));
  EXPECT_EQ(members_.members().at("s1").last_seen, clock_.Now());
}

TEST_F(MembershipTest, RegisteringChangedInfoReplacesIt) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  EXPECT_TRUE(members_.Register(Info("s1", "tcp://10.0.0.2:3600"), clock_.Now()));
  EXPECT_EQ(members_.members().at("s1").info.data_endpoint, "tcp://10.0.0.2:3600");
  EXPECT_EQ(members_.members().size(), 1u);
}

TEST_F(MembershipTest, RegisteringFromAnotherAddressIsAChange) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now(), "10.0.0.1"));
  EXPECT_EQ(members_.members().at("s1").peer_address, "10.0.0.1");
  EXPECT_FALSE(members_.Register(Info("s1"), clock_.Now(), "10.0.0.1"));
  EXPECT_TRUE(members_.Register(Info("s1"), clock_.Now(), "10.0.0.9"));
  EXPECT_EQ(members_.members().at("s1").peer_address, "10.0.0.9");
}

TEST_F(MembershipTest, HeartbeatRecordsVersionLoadAndTime) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  clock_.Advance(std::chrono::seconds(2));
  nlohmann::json load = {{"subscriptions", {{"shop/billing-orders", {{"lag", 12}}}}}};
  EXPECT_TRUE(members_.Heartbeat("s1", 42, load, clock_.Now()));
  const Member& m = members_.members().at("s1");
  EXPECT_EQ(m.table_version, 42u);
  EXPECT_EQ(m.load, load);
  EXPECT_EQ(m.last_seen, clock_.Now());
}

TEST_F(MembershipTest, HeartbeatWithoutAnObjectLoadKeepsTheLastReport) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  nlohmann::json load = {{"inFlight", 3}};
  ASSERT_TRUE(members_.Heartbeat("s1", 1, load, clock_.Now()));
  EXPECT_TRUE(members_.Heartbeat("s1", 2, nlohmann::json("garbage"), clock_.Now()));
  EXPECT_TRUE(members_.Heartbeat("s1", 3, nlohmann::json::array(), clock_.Now()));
  EXPECT_EQ(members_.members().at("s1").load, load);
  EXPECT_EQ(members_.members().at("s1").table_version, 3u);
}

TEST_F(MembershipTest, HeartbeatFromAnUnknownSidecarIsRefused) {
  EXPECT_FALSE(members_.Heartbeat("stranger", 1, nlohmann::json::object(), clock_.Now()));
  EXPECT_FALSE(members_.Contains("stranger"));
}

TEST_F(MembershipTest, ExpiresOnlyAfterTheHeartbeatTimeout) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_THAT(members_.Expire(clock_.Now()), IsEmpty()) << "exactly the timeout is still alive";
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_THAT(members_.Expire(clock_.Now()), ElementsAre("s1"));
  EXPECT_FALSE(members_.Contains("s1"));
  EXPECT_THAT(members_.Expire(clock_.Now()), IsEmpty());
}

TEST_F(MembershipTest, HeartbeatsPostponeExpiry) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  ASSERT_TRUE(members_.Register(Info("s2"), clock_.Now()));
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::seconds(3));
    ASSERT_TRUE(members_.Heartbeat("s1", 1, nlohmann::json::object(), clock_.Now()));
    std::vector<std::string> gone = members_.Expire(clock_.Now());
    if (i == 1) {
      EXPECT_THAT(gone, ElementsAre("s2")) << "s2 went silent 6 s ago";
    } else {
      EXPECT_THAT(gone, IsEmpty());
    }
  }
  EXPECT_TRUE(members_.Contains("s1"));
}

TEST_F(MembershipTest, ExpiredSidecarMustRegisterAgain) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  clock_.Advance(std::chrono::seconds(6));
  ASSERT_THAT(members_.Expire(clock_.Now()), ElementsAre("s1"));
  EXPECT_FALSE(members_.Heartbeat("s1", 1, nlohmann::json::object(), clock_.Now()));
  EXPECT_TRUE(members_.Register(Info("s1"), clock_.Now())) << "a returning sidecar is new again";
  EXPECT_TRUE(members_.Heartbeat("s1", 1, nlohmann::json::object(), clock_.Now()));
}

TEST_F(MembershipTest, RemoveForgetsTheSidecar) {
  ASSERT_TRUE(members_.Register(Info("s1"), clock_.Now()));
  EXPECT_TRUE(members_.Remove("s1"));
  EXPECT_FALSE(members_.Remove("s1"));
  EXPECT_TRUE(members_.members().empty());
}

}  // namespace
}  // namespace zroute
