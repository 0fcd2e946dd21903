#include "operator/webhook/certificate_authority.h"

#include <gtest/gtest.h>

#include "operator/webhook/certificate_checks.h"
#include "tests/support/simulated_clock.h"

namespace zroute::webhook {
namespace {

using std::chrono::hours;
using zroute::testing::kDay;
using zroute::testing::SimulatedClock;

ServingCertificateRequest WebhookRequest() {
  ServingCertificateRequest r;
  r.dns_names = ServiceDnsNames("zroute-webhook", "zroute-system");
  r.validity = 90 * kDay;
  return r;
}

TEST(CertificateAuthorityTest, ServiceDnsNamesCoverEveryFormTheApiServerUses) {
  EXPECT_EQ(ServiceDnsNames("svc", "ns"),
            (std::vector<std::string>{"svc", "svc.ns", "svc.ns.svc", "svc.ns.svc.cluster.local"}));
}

TEST(CertificateAuthorityTest, ServingCertificateVerifiesAgainstItsCaForEveryServiceName) {
  for (KeyAlgorithm algorithm : {KeyAlgorithm::kEcP256, KeyAlgorithm::kRsa2048}) {
    SimulatedClock clock;
    auto ca = CertificateAuthority::Generate("test-ca", 365 * kDay, clock, algorithm);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ServingCertificateRequest request = WebhookRequest();
    request.key_algorithm = algorithm;
    request.ip_addresses = {"127.0.0.1", "::1"};
    auto leaf = ca->IssueServingCertificate(request);
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    EXPECT_TRUE(CheckKeyPair(*leaf).ok());
    for (const auto& name : request.dns_names) {
      EXPECT_TRUE(VerifyIssuedBy(leaf->cert_pem, ca->pem().cert_pem, clock.WallNow(), name).ok()) << name;
    }
    EXPECT_FALSE(VerifyIssuedBy(leaf->cert_pem, ca->pem().cert_pem, clock.WallNow(), "other.zroute-system.svc").ok());

    auto info = InspectCertificate(leaf->cert_pem);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->dns_names, request.dns_names);
    EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
    EXPECT_EQ(info->common_name, "zroute-webhook");
    EXPECT_FALSE(info->is_ca);
    EXPECT_EQ(info->not_after, clock.WallNow() + 90 * kDay);
    EXPECT_EQ(info->not_before, clock.WallNow() - kClockSkewAllowance);
    auto ca_info = InspectCertificate(ca->pem().cert_pem);
    ASSERT_TRUE(ca_info.ok());
    EXPECT_TRUE(ca_info->is_ca);
  }
}

TEST(CertificateAuthorityTest, CertificateFromAnotherCaOrOutsideValidityDoesNotVerify) {
  SimulatedClock clock;
  auto ca = CertificateAuthority::Generate("a", 365 * kDay, clock);
  auto other = CertificateAuthority::Generate("b", 365 * kDay, clock);
  ASSERT_TRUE(ca.ok() && other.ok());
  auto leaf = ca->IssueServingCertificate(WebhookRequest());
  ASSERT_TRUE(leaf.ok());
  EXPECT_FALSE(VerifyIssuedBy(leaf->cert_pem, other->pem().cert_pem, clock.WallNow()).ok());
  EXPECT_TRUE(VerifyIssuedBy(leaf->cert_pem, ca->pem().cert_pem, clock.WallNow() + 89 * kDay).ok());
  EXPECT_FALSE(VerifyIssuedBy(leaf->cert_pem, ca->pem().cert_pem, clock.WallNow() + 91 * kDay).ok());
  EXPECT_FALSE(VerifyIssuedBy(leaf->cert_pem, ca->pem().cert_pem, clock.WallNow() - kDay).ok());
}

TEST(CertificateAuthorityTest, LeafNeverOutlivesItsCa) {
  SimulatedClock clock;
  auto ca = CertificateAuthority::Generate("short", 10 * kDay, clock);
  ASSERT_TRUE(ca.ok());
  auto leaf = ca->IssueServingCertificate(WebhookRequest());  // asks for 90 days
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(InspectCertificate(leaf->cert_pem)->not_after, clock.WallNow() + 10 * kDay);
}

TEST(CertificateAuthorityTest, PemRoundTripKeepsTheSameAuthority) {
  SimulatedClock clock;
  auto ca = CertificateAuthority::Generate("rt", 365 * kDay, clock);
  ASSERT_TRUE(ca.ok());
  auto loaded = CertificateAuthority::FromPem(ca->pem(), clock);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto leaf = loaded->IssueServingCertificate(WebhookRequest());
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(VerifyIssuedBy(leaf->cert_pem, ca->pem().cert_pem, clock.WallNow()).ok());
}

TEST(CertificateAuthorityTest, FromPemRefusesGarbageMismatchedKeysAndLeafCertificates) {
  SimulatedClock clock;
  auto a = CertificateAuthority::Generate("a", 365 * kDay, clock);
  auto b = CertificateAuthority::Generate("b", 365 * kDay, clock);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(CertificateAuthority::FromPem({"garbage", a->pem().key_pem}, clock).ok());
  EXPECT_FALSE(CertificateAuthority::FromPem({a->pem().cert_pem, "garbage"}, clock).ok());
  EXPECT_FALSE(CertificateAuthority::FromPem({a->pem().cert_pem, b->pem().key_pem}, clock).ok());
  auto leaf = a->IssueServingCertificate(WebhookRequest());
  ASSERT_TRUE(leaf.ok());
  auto from_leaf = CertificateAuthority::FromPem(*leaf, clock);
  ASSERT_FALSE(from_leaf.ok());
  EXPECT_NE(from_leaf.status().message().find("not a CA"), std::string::npos);
}

TEST(CertificateAuthorityTest, HostileNamesAreRefusedBeforeReachingOpenSsl) {
  SimulatedClock clock;
  auto ca = CertificateAuthority::Generate("a", 365 * kDay, clock);
  ASSERT_TRUE(ca.ok());
  for (std::vector<std::string> names : std::vector<std::vector<std::string>>{
           {}, {"ok.svc,DNS:evil.example"}, {"UPPER"}, {"a b"}, {std::string(300, 'a')}}) {
    ServingCertificateRequest r;
    r.dns_names = names;
    EXPECT_FALSE(ca->IssueServingCertificate(r).ok()) << (names.empty() ? "<none>" : names[0]);
  }
  ServingCertificateRequest r = WebhookRequest();
  r.ip_addresses = {"127.0.0.1,IP:10.0.0.1"};
  EXPECT_FALSE(ca->IssueServingCertificate(r).ok());
}

TEST(CertificateAuthorityTest, NeedsRenewalFollowsTheSimulatedClock) {
  SimulatedClock clock;
  auto ca = CertificateAuthority::Generate("a", 365 * kDay, clock);
  ASSERT_TRUE(ca.ok());
  auto leaf = ca->IssueServingCertificate(WebhookRequest());  // 90 days
  ASSERT_TRUE(leaf.ok());
  const Duration renew_before = 30 * kDay;
  EXPECT_FALSE(NeedsRenewal(leaf->cert_pem, clock.WallNow(), renew_before));
  clock.Advance(59 * kDay);
  EXPECT_FALSE(NeedsRenewal(leaf->cert_pem, clock.WallNow(), renew_before));
  clock.Advance(hours(25));  // 60 days + 1 h: inside the window
  EXPECT_TRUE(NeedsRenewal(leaf->cert_pem, clock.WallNow(), renew_before));
  clock.Advance(60 * kDay);  // expired
  EXPECT_TRUE(NeedsRenewal(leaf->cert_pem, clock.WallNow(), renew_before));
  EXPECT_TRUE(NeedsRenewal(leaf->cert_pem, clock.WallNow() - 200 * kDay, renew_before));  // not yet valid
  EXPECT_TRUE(NeedsRenewal("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", clock.WallNow(), renew_before));
  EXPECT_TRUE(NeedsRenewal("", clock.WallNow(), renew_before));
}

}  // namespace
}  // namespace zroute::webhook
