#include "operator/webhook/certificate_manager.h"

#include <gtest/gtest.h>

#include "operator/webhook/certificate_checks.h"
#include "tests/support/simulated_clock.h"

namespace zroute::webhook {
namespace {

using zroute::testing::kDay;
using zroute::testing::SimulatedClock;

class FakeStore : public CertificateStore {
 public:
  StatusOr<std::optional<CertificateBundle>> Load() override {
    ++loads;
    if (!load_error.ok()) return load_error;
    return bundle;
  }
  Status Save(const CertificateBundle& b) override {
    if (!save_error.ok()) return save_error;
    ++saves;
    bundle = b;
    return Status::OK();
  }
  std::optional<CertificateBundle> bundle;
  Status load_error, save_error;
  int loads = 0, saves = 0;
};

class FakePatcher : public CaBundlePatcher {
 public:
  StatusOr<std::string> CurrentCaBundle() override { return current; }
  Status PatchCaBundle(const std::string& pem) override {
    if (!patch_error.ok()) return patch_error;
    ++patches;
    current = pem;
    return Status::OK();
  }
  std::string current;
  Status patch_error;
  int patches = 0;
};

class CertificateManagerTest : public ::testing::Test {
 protected:
  CertificateManagerOptions Options() {
    CertificateManagerOptions o;
    o.service_name = "zroute-webhook";
    o.service_namespace = "zroute-system";
    o.ca_validity = 3650 * kDay;
    o.ca_renew_before = 365 * kDay;
    o.serving_validity = 365 * kDay;
    o.serving_renew_before = 30 * kDay;
    return o;
  }
  SimulatedClock clock_;
  FakeStore store_;
  FakePatcher patcher_;
};

TEST_F(CertificateManagerTest, FirstRunCreatesStoresAndPatchesOnce) {
  CertificateManager m(store_, patcher_, clock_, Options());
  auto r = m.EnsureFresh();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ca_rotated);
  EXPECT_TRUE(r->serving_renewed);
  EXPECT_TRUE(r->ca_bundle_patched);
  EXPECT_EQ(store_.saves, 1);
  EXPECT_EQ(patcher_.patches, 1);
  ASSERT_TRUE(store_.bundle.has_value());
  EXPECT_EQ(*store_.bundle, r->bundle);
  EXPECT_EQ(patcher_.current, r->bundle.ca.cert_pem);
  EXPECT_TRUE(VerifyIssuedBy(r->bundle.serving.cert_pem, patcher_.current, clock_.WallNow(),
                             "zroute-webhook.zroute-system.svc")
                  .ok());
}

TEST_F(CertificateManagerTest, FreshCertificatesAreLeftAlone) {
  CertificateManager m(store_, patcher_, clock_, Options());
  ASSERT_TRUE(m.EnsureFresh().ok());
  const CertificateBundle first = *store_.bundle;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(30 * kDay);  // up to 150 days: far from the 335-day renewal point
    auto r = m.EnsureFresh();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->serving_renewed);
    EXPECT_FALSE(r->ca_rotated);
    EXPECT_FALSE(r->ca_bundle_patched);
  }
  EXPECT_EQ(store_.saves, 1);
  EXPECT_EQ(patcher_.patches, 1);
  EXPECT_EQ(*store_.bundle, first);
}

TEST_F(CertificateManagerTest, ServingCertificateNearExpiryIsRenewedWithoutTouchingCaBundle) {
  CertificateManager m(store_, patcher_, clock_, Options());
  ASSERT_TRUE(m.EnsureFresh().ok());
  const CertificateBundle first = *store_.bundle;
  clock_.Advance(340 * kDay);  // 25 days before the serving certificate expires
  auto r = m.EnsureFresh();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->serving_renewed);
  EXPECT_FALSE(r->ca_rotated);
  EXPECT_FALSE(r->ca_bundle_patched);
  EXPECT_EQ(patcher_.patches, 1);
  EXPECT_EQ(store_.saves, 2);
  EXPECT_EQ(store_.bundle->ca, first.ca);
  EXPECT_NE(store_.bundle->serving, first.serving);
  EXPECT_FALSE(NeedsRenewal(store_.bundle->serving.cert_pem, clock_.WallNow(), 30 * kDay));
  EXPECT_TRUE(VerifyIssuedBy(store_.bundle->serving.cert_pem, patcher_.current, clock_.WallNow()).ok());
  // Once renewed, the next run changes nothing.
  auto again = m.EnsureFresh();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->serving_renewed);
  EXPECT_EQ(store_.saves, 2);
}

TEST_F(CertificateManagerTest, CaNearExpiryRotatesAndPatchesCaBundleExactlyOnce) {
  CertificateManager m(store_, patcher_, clock_, Options());
  ASSERT_TRUE(m.EnsureFresh().ok());
  const CertificateBundle first = *store_.bundle;
  clock_.Advance(3300 * kDay);  // the CA has 350 days left: inside its 365-day window
  auto r = m.EnsureFresh();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ca_rotated);
  EXPECT_TRUE(r->serving_renewed);
  EXPECT_TRUE(r->ca_bundle_patched);
  EXPECT_EQ(patcher_.patches, 2);
  EXPECT_NE(store_.bundle->ca, first.ca);
  // The old CA stays trusted so the certificate still served by replicas that have not reloaded
  // verifies, and the new serving certificate verifies against the same bundle.
  EXPECT_EQ(store_.bundle->previous_ca_cert_pem, first.ca.cert_pem);
  EXPECT_EQ(patcher_.current, store_.bundle->ca.cert_pem + first.ca.cert_pem);
  EXPECT_TRUE(VerifyIssuedBy(store_.bundle->serving.cert_pem, store_.bundle->ca.cert_pem, clock_.WallNow()).ok());

  for (int i = 0; i < 3; ++i) {
    clock_.Advance(kDay);
    auto again = m.EnsureFresh();
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->ca_bundle_patched);
  }
  EXPECT_EQ(patcher_.patches, 2);

  // Once the old CA has expired it leaves the bundle: one more patch, then quiet again.
  clock_.Advance(400 * kDay);
  auto later = m.EnsureFresh();
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(store_.bundle->previous_ca_cert_pem.empty());
  EXPECT_EQ(patcher_.current, store_.bundle->ca.cert_pem);
  EXPECT_EQ(patcher_.patches, 3);
}

TEST_F(CertificateManagerTest, DriftedCaBundleIsRepairedWithoutNewCertificates) {
  CertificateManager m(store_, patcher_, clock_, Options());
  ASSERT_TRUE(m.EnsureFresh().ok());
  patcher_.current = "";  // e.g. a chart upgrade reset the webhook configuration
  auto r = m.EnsureFresh();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ca_bundle_patched);
  EXPECT_FALSE(r->serving_renewed);
  EXPECT_EQ(patcher_.current, store_.bundle->ca.cert_pem);
  EXPECT_EQ(store_.saves, 1);
}

TEST_F(CertificateManagerTest, ServingCertificateForAnotherServiceOrCaIsReplaced) {
  CertificateManager m(store_, patcher_, clock_, Options());
  ASSERT_TRUE(m.EnsureFresh().ok());
  CertificateManagerOptions renamed = Options();
  renamed.service_name = "zroute-injector";
  CertificateManager m2(store_, patcher_, clock_, renamed);
  auto r = m2.EnsureFresh();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->serving_renewed);
  EXPECT_FALSE(r->ca_rotated);
  EXPECT_EQ(InspectCertificate(r->bundle.serving.cert_pem)->dns_names[0], "zroute-injector");

  store_.bundle->serving.key_pem = "corrupt";
  auto fixed = m2.EnsureFresh();
  ASSERT_TRUE(fixed.ok());
  EXPECT_TRUE(fixed->serving_renewed);
  EXPECT_TRUE(CheckKeyPair(store_.bundle->serving).ok());
}

TEST_F(CertificateManagerTest, GarbageInTheStoreIsReplaced) {
  store_.bundle = CertificateBundle{{"junk", "junk"}, {"junk", "junk"}, "junk"};
  CertificateManager m(store_, patcher_, clock_, Options());
  auto r = m.EnsureFresh();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ca_rotated);
  EXPECT_TRUE(r->bundle.previous_ca_cert_pem.empty());
  EXPECT_TRUE(CertificateAuthority::FromPem(store_.bundle->ca, clock_).ok());
}

TEST_F(CertificateManagerTest, StoreAndPatchErrorsAreReturnedAndRetriedNextTime) {
  CertificateManager m(store_, patcher_, clock_, Options());
  store_.load_error = Status::Unavailable("api server down");
  auto r = m.EnsureFresh();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(patcher_.patches, 0);

  store_.load_error = Status::OK();
  store_.save_error = Status::Conflict("secret changed");
  r = m.EnsureFresh();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);

  store_.save_error = Status::OK();
  patcher_.patch_error = Status::Unavailable("webhook configuration");
  patcher_.current = "";
  r = m.EnsureFresh();
  ASSERT_FALSE(r.ok());

  patcher_.patch_error = Status::OK();
  r = m.EnsureFresh();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(patcher_.current, store_.bundle->CaBundle());
  EXPECT_TRUE(VerifyIssuedBy(store_.bundle->serving.cert_pem, patcher_.current, clock_.WallNow()).ok());
}

}  // namespace
}  // namespace zroute::webhook
