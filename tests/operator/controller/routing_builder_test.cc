// BuildRoutingTable's endpoints: standalone lists every registered sidecar; cluster mode lists a
// sidecar only when it is bound to a ready pod (pod, app-id, source IP).
#include "operator/controller/routing_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace zroute {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

Member MemberFrom(const std::string& id, const std::string& app_id, const std::string& pod, const std::string& peer) {
  Member m;
  m.info.sidecar_id = id;
  m.info.app_id = app_id;
  m.info.namespace_ = "shop";
  m.info.pod = pod;
  m.info.data_endpoint = "tcp://" + peer + ":3600";
  m.peer_address = peer;
  return m;
}

class RoutingBuilderTest : public ::testing::Test {
 protected:
  void Add(const Member& m) { members_[m.info.sidecar_id] = m; }
  // The sidecar ids listed for shop/<app_id>.
  std::vector<std::string> Listed(const std::string& app_id, bool cluster = true, bool check_ip = true) {
    RoutingInputs in{nullptr, &members_, cluster ? &pods_ : nullptr, check_ip};
    RoutingTable table = BuildRoutingTable(1, in, &refused_);
    std::vector<std::string> ids;
    for (const auto& e : table.EndpointsOf("shop", app_id)) ids.push_back(e.sidecar_id);
    return ids;
  }

  std::map<std::string, Member> members_;
  ReadyPods pods_;
  std::map<std::string, std::string> refused_;
};

TEST_F(RoutingBuilderTest, RightPodIpAndAppIdIsListed) {
  pods_["shop/billing-0"] = PodIdentity{{"10.0.0.7"}, "billing"};
  Add(MemberFrom("s1", "billing", "billing-0", "10.0.0.7"));
  EXPECT_THAT(Listed("billing"), ElementsAre("s1"));
  EXPECT_THAT(refused_, IsEmpty());
}

TEST_F(RoutingBuilderTest, WrongAppIdIsNotListed) {
  pods_["shop/billing-0"] = PodIdentity{{"10.0.0.7"}, "billing"};
  Add(MemberFrom("s1", "payments", "billing-0", "10.0.0.7"));
  EXPECT_THAT(Listed("payments"), IsEmpty());
  ASSERT_EQ(refused_.count("s1"), 1u);
  EXPECT_NE(refused_["s1"].find("\"billing\""), std::string::npos) << refused_["s1"];
}

TEST_F(RoutingBuilderTest, WrongSourceIpIsNotListed) {
  pods_["shop/billing-0"] = PodIdentity{{"10.0.0.7", "fd00::7"}, "billing"};
  Add(MemberFrom("s1", "billing", "billing-0", "10.0.0.8"));
  EXPECT_THAT(Listed("billing"), IsEmpty());
  ASSERT_EQ(refused_.count("s1"), 1u);
  EXPECT_NE(refused_["s1"].find("10.0.0.8"), std::string::npos) << refused_["s1"];
}

TEST_F(RoutingBuilderTest, UnknownOrUnreadyPodIsNotListedAndNotRefused) {
  pods_["shop/billing-0"] = PodIdentity{{"10.0.0.7"}, "billing"};
  Add(MemberFrom("s1", "billing", "billing-1", "10.0.0.7"));
  EXPECT_THAT(Listed("billing"), IsEmpty());
  EXPECT_THAT(refused_, IsEmpty()) << "a pod that is not ready yet is the normal start of every sidecar";
}

TEST_F(RoutingBuilderTest, AnySecondIpOfThePodAndEquivalentSpellingsMatch) {
  pods_["shop/billing-0"] = PodIdentity{{"10.0.0.7", "fd00:0:0::7"}, "billing"};
  Add(MemberFrom("s1", "billing", "billing-0", "fd00::7"));
  Add(MemberFrom("s2", "billing", "billing-0", "::ffff:10.0.0.7"));  // IPv4 on a dual-stack socket
  EXPECT_THAT(Listed("billing"), ElementsAre("s1", "s2"));
}

TEST_F(RoutingBuilderTest, WithTheIpCheckOffTheAddressIsIgnoredButNotTheAppId) {
  pods_["shop/billing-0"] = PodIdentity{{"10.0.0.7"}, "billing"};
  pods_["shop/billing-1"] = PodIdentity{{}, "billing"};
  Add(MemberFrom("s1", "billing", "billing-0", "10.244.0.1"));  // masqueraded
  Add(MemberFrom("s2", "billing", "billing-1", ""));
  Add(MemberFrom("s3", "payments", "billing-0", "10.0.0.7"));
  EXPECT_THAT(Listed("billing", true, /*check_ip=*/false), ElementsAre("s1", "s2"));
  EXPECT_THAT(Listed("payments", true, /*check_ip=*/false), IsEmpty());
  EXPECT_THAT(refused_, ElementsAre(Pair("s3", ::testing::_)));
}

TEST_F(RoutingBuilderTest, APodNamingNoAppIdChecksOnlyTheAddress) {
  pods_["shop/billing-0"] = PodIdentity{{"10.0.0.7"}, std::nullopt};
  Add(MemberFrom("s1", "billing", "billing-0", "10.0.0.7"));
  EXPECT_THAT(Listed("billing"), ElementsAre("s1"));
  pods_["shop/billing-0"].app_id = "";  // names one, unreadable: no registration matches it
  EXPECT_THAT(Listed("billing"), IsEmpty());
}

TEST_F(RoutingBuilderTest, APodWithoutIpsOrAConnectionWithoutAddressIsNotBound) {
  pods_["shop/billing-0"] = PodIdentity{{}, "billing"};
  pods_["shop/billing-1"] = PodIdentity{{"10.0.0.8"}, "billing"};
  Add(MemberFrom("s1", "billing", "billing-0", "10.0.0.7"));
  Add(MemberFrom("s2", "billing", "billing-1", ""));  // e.g. ipc:// has no peer address
  EXPECT_THAT(Listed("billing"), IsEmpty());
  EXPECT_EQ(refused_.size(), 2u);
}

TEST_F(RoutingBuilderTest, StandaloneListsEveryRegisteredSidecar) {
  Add(MemberFrom("s1", "billing", "billing-0", "10.0.0.7"));
  Add(MemberFrom("s2", "billing", "", ""));
  EXPECT_THAT(Listed("billing", /*cluster=*/false), ElementsAre("s1", "s2"));
  EXPECT_THAT(refused_, IsEmpty());
}

TEST(CanonicalIpAddressTest, AcceptsAddressesOnly) {
  EXPECT_EQ(CanonicalIpAddress("10.0.0.7"), "10.0.0.7");
  EXPECT_EQ(CanonicalIpAddress("FD00:0::0:7"), "fd00::7");
  EXPECT_EQ(CanonicalIpAddress("::ffff:10.0.0.7"), "10.0.0.7");
  EXPECT_EQ(CanonicalIpAddress("::1"), "::1");
  for (const char* bad : {"", "ipValue", "10.0.0.7:3600", "10.0.0", "fe80::1%eth0", "10.0.0.7 ", " 10.0.0.7",
                          "localhost", "1.2.3.4.5", "::ffff:zz"}) {
    EXPECT_EQ(CanonicalIpAddress(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(CanonicalIpAddress(std::string(10000, '1')), std::nullopt);
  EXPECT_EQ(CanonicalIpAddress(std::string("10.0.0.7\0x", 10)), std::nullopt);
}

}  // namespace
}  // namespace zroute
