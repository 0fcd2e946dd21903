// KubeCertificateStore and KubeCaBundlePatcher against the fake Kubernetes API server: the Secret
// and caBundle layouts on the wire, create-then-update with resourceVersion, conflicts, garbage,
// and that the CertificateManager patches caBundle only when it differs (PATCH requests counted).
#include "operator/cluster/kube_certificate_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "common/util/clock.h"
#include "operator/cluster/kube_ca_bundle_patcher.h"
#include "operator/kube/http_kube_client.h"
#include "operator/kube/kube_config.h"
#include "operator/webhook/certificate_authority.h"
#include "operator/webhook/certificate_manager.h"
#include "operator/webhook/sidecar_injector.h"
#include "tests/support/fake_kube/fake_kube_server.h"

namespace zroute::cluster {
namespace {

using nlohmann::json;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kSecrets, kConfigs
constexpr char kNs[] = "zroute-system";
constexpr char kSecretPath[] = "/api/v1/namespaces/zroute-system/secrets/zroute-webhook-tls";
constexpr char kConfigPath[] = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/zroute-webhook";

std::string Decode(const json& value) {
  auto decoded = kube::DecodeBase64(value.get<std::string>());
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded.ok() ? *decoded : "";
}

// The chart's configuration (templates/webhook.yaml), plus a second webhook so the per-webhook
// patch is exercised, without caBundle.
json ChartWebhookConfiguration() {
  json hook = {{"name", "sidecar-injector.zroute.io"},
               {"admissionReviewVersions", {"v1"}},
               {"sideEffects", "None"},
               {"failurePolicy", "Fail"},
               {"timeoutSeconds", 5},
               {"reinvocationPolicy", "IfNeeded"},
               {"rules", json::array({{{"operations", {"CREATE"}}, {"apiGroups", {""}}, {"apiVersions", {"v1"}},
                                       {"resources", {"pods"}}, {"scope", "Namespaced"}}})},
               {"clientConfig",
                {{"service", {{"name", "zroute-webhook"}, {"namespace", kNs}, {"path", "/mutate-pods"}, {"port", 443}}}}}};
  json second = hook;
  second["name"] = "sidecar-injector-legacy.zroute.io";
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", "MutatingWebhookConfiguration"},
          {"metadata", {{"name", "zroute-webhook"}}},
          {"webhooks", {hook, second}}};
}

class KubeCertificateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    kube::KubeConfig config;
    config.server = server_.url();
    auto client = kube::HttpKubeClient::Create(config, RealClock());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(client).value();
    store_ = std::make_unique<KubeCertificateStore>(*client_, kNs, "zroute-webhook-tls");
    patcher_ = std::make_unique<KubeCaBundlePatcher>(*client_, "zroute-webhook");
  }
  void TearDown() override {
    client_.reset();
    server_.Stop();
  }
  json StoredSecret() { return server_.store().Get(kSecrets, kNs, "zroute-webhook-tls", "").body; }
  json StoredConfig() { return server_.store().Get(kConfigs, "", "zroute-webhook", "").body; }

  static webhook::CertificateBundle SomeBundle(const std::string& tag) {
    auto ca = webhook::CertificateAuthority::Generate("ca-" + tag, std::chrono::hours(24), RealClock());
    EXPECT_TRUE(ca.ok());
    webhook::ServingCertificateRequest request;
    request.dns_names = webhook::ServiceDnsNames("zroute-webhook", kNs);
    auto serving = ca->IssueServingCertificate(request);
    EXPECT_TRUE(serving.ok());
    return {ca->pem(), *serving, "previous-" + tag};
  }

  testing::FakeKubeServer server_;
  std::unique_ptr<kube::HttpKubeClient> client_;
  std::unique_ptr<KubeCertificateStore> store_;
  std::unique_ptr<KubeCaBundlePatcher> patcher_;
};

TEST_F(KubeCertificateStoreTest, MissingSecretLoadsAsNothing) {
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(KubeCertificateStoreTest, FirstSaveCreatesATlsSecretThatLoadsBack) {
  ASSERT_TRUE(store_->Load().ok());
  const webhook::CertificateBundle bundle = SomeBundle("a");
  ASSERT_TRUE(store_->Save(bundle).ok());
  EXPECT_EQ(server_.RequestCount("create", "/api/v1/namespaces/zroute-system/secrets"), 1);

  const json secret = StoredSecret();
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");
  EXPECT_EQ(Decode(secret["data"]["tls.crt"]), bundle.serving.cert_pem);
  EXPECT_EQ(Decode(secret["data"]["tls.key"]), bundle.serving.key_pem);
  EXPECT_EQ(Decode(secret["data"]["ca.crt"]), bundle.ca.cert_pem);
  EXPECT_EQ(Decode(secret["data"]["ca.key"]), bundle.ca.key_pem);
  EXPECT_EQ(Decode(secret["data"]["ca-previous.crt"]), "previous-a");
  EXPECT_EQ(ServingPairFromSecret(secret), bundle.serving);

  KubeCertificateStore other(*client_, kNs, "zroute-webhook-tls");
  auto loaded = other.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, bundle);
}

TEST_F(KubeCertificateStoreTest, SaveUpdatesWithResourceVersionAndKeepsForeignKeysAndLabels) {
  json existing = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"type", "kubernetes.io/tls"},
                   {"metadata", {{"name", "zroute-webhook-tls"}, {"labels", {{"team", "platform"}}}}},
                   {"data", {{"extra", webhook::Base64Encode("keep me")}}}};
  ASSERT_LT(server_.store().Create(kSecrets, kNs, existing).code, 300);
  ASSERT_TRUE(store_->Load().ok());
  const webhook::CertificateBundle bundle = SomeBundle("b");
  ASSERT_TRUE(store_->Save(bundle).ok());
  EXPECT_EQ(server_.RequestCount("update", kSecretPath), 1);
  EXPECT_EQ(server_.RequestCount("create"), 0);
  const json secret = StoredSecret();
  EXPECT_EQ(secret["metadata"]["labels"]["team"], "platform");
  EXPECT_EQ(Decode(secret["data"]["extra"]), "keep me");
  EXPECT_EQ(Decode(secret["data"]["tls.crt"]), bundle.serving.cert_pem);
  // A second save from the same store follows the RV its own update returned.
  ASSERT_TRUE(store_->Save(SomeBundle("c")).ok());
}

TEST_F(KubeCertificateStoreTest, ConcurrentWritersGetConflict) {
  KubeCertificateStore other(*client_, kNs, "zroute-webhook-tls");
  // Both saw no Secret; the second create loses.
  ASSERT_TRUE(store_->Load().ok());
  ASSERT_TRUE(other.Load().ok());
  ASSERT_TRUE(store_->Save(SomeBundle("a")).ok());
  Status lost = other.Save(SomeBundle("b"));
  EXPECT_EQ(lost.code(), StatusCode::kConflict) << lost;

  // Both loaded the same RV; the second update loses, and wins after loading again.
  ASSERT_TRUE(store_->Load().ok());
  ASSERT_TRUE(other.Load().ok());
  ASSERT_TRUE(store_->Save(SomeBundle("c")).ok());
  lost = other.Save(SomeBundle("d"));
  EXPECT_EQ(lost.code(), StatusCode::kConflict) << lost;
  ASSERT_TRUE(other.Load().ok());
  const webhook::CertificateBundle d = SomeBundle("d");
  EXPECT_TRUE(other.Save(d).ok());
  EXPECT_EQ(ServingPairFromSecret(StoredSecret()), d.serving);
}

TEST_F(KubeCertificateStoreTest, GarbageSecretLoadsAsAnUnusableBundleThatTheManagerReplaces) {
  json garbage = {{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"type", "kubernetes.io/tls"},
                  {"metadata", {{"name", "zroute-webhook-tls"}}},
                  {"data", {{"tls.crt", "%%% not base64"}, {"tls.key", 17}, {"ca.crt", webhook::Base64Encode("junk")}}}};
  ASSERT_LT(server_.store().Create(kSecrets, kNs, garbage).code, 300);
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->serving.cert_pem, "");
  EXPECT_EQ((*loaded)->serving.key_pem, "");
  EXPECT_EQ((*loaded)->ca.cert_pem, "junk");
  EXPECT_FALSE(ServingPairFromSecret(StoredSecret()).has_value());

  ASSERT_LT(server_.store().Create(kConfigs, "", ChartWebhookConfiguration()).code, 300);
  webhook::CertificateManagerOptions options;
  options.service_name = "zroute-webhook";
  options.service_namespace = kNs;
  webhook::CertificateManager manager(*store_, *patcher_, RealClock(), options);
  auto result = manager.EnsureFresh();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->ca_rotated);
  EXPECT_TRUE(webhook::CertificateAuthority::FromPem(result->bundle.ca, RealClock()).ok());
  EXPECT_EQ(ServingPairFromSecret(StoredSecret()), result->bundle.serving);
}

TEST_F(KubeCertificateStoreTest, ApiErrorsAreErrorsNotAnEmptyStore) {
  server_.InjectFaults(kSecretPath, 500, 1, "get");
  auto loaded = store_->Load();
  EXPECT_EQ(loaded.status().code(), StatusCode::kUnavailable) << loaded.status();
}

TEST_F(KubeCertificateStoreTest, CaBundleIsPatchedIntoEveryWebhookOnlyWhenItDiffers) {
  ASSERT_LT(server_.store().Create(kConfigs, "", ChartWebhookConfiguration()).code, 300);
  auto current = patcher_->CurrentCaBundle();
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(*current, "");

  webhook::CertificateManagerOptions options;
  options.service_name = "zroute-webhook";
  options.service_namespace = kNs;
  webhook::CertificateManager manager(*store_, *patcher_, RealClock(), options);
  auto first = manager.EnsureFresh();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->ca_bundle_patched);
  EXPECT_EQ(server_.RequestCount("patch", kConfigPath), 1);
  const json config = StoredConfig();
  for (const auto& hook : config["webhooks"]) {
    EXPECT_EQ(Decode(hook["clientConfig"]["caBundle"]), first->bundle.CaBundle()) << hook["name"];
    EXPECT_EQ(hook["clientConfig"]["service"]["name"], "zroute-webhook");  // the rest is untouched
  }
  EXPECT_EQ(*patcher_->CurrentCaBundle(), first->bundle.CaBundle());

  // Nothing changed: no PATCH, no write to the Secret.
  auto second = manager.EnsureFresh();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->ca_bundle_patched);
  EXPECT_EQ(server_.RequestCount("patch", kConfigPath), 1);
  EXPECT_EQ(server_.RequestCount("update", kSecretPath), 0);

  // One webhook drifted (someone edited it): both are patched back in one request.
  json drifted = StoredConfig();
  drifted["webhooks"][1]["clientConfig"]["caBundle"] = webhook::Base64Encode("stale");
  ASSERT_LT(server_.store().Update(kConfigs, "", "zroute-webhook", "", drifted).code, 300);
  EXPECT_EQ(*patcher_->CurrentCaBundle(), "");
  auto third = manager.EnsureFresh();
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->ca_bundle_patched);
  EXPECT_FALSE(third->ca_rotated);
  EXPECT_EQ(server_.RequestCount("patch", kConfigPath), 2);
  EXPECT_EQ(Decode(StoredConfig()["webhooks"][1]["clientConfig"]["caBundle"]), first->bundle.CaBundle());
}

TEST_F(KubeCertificateStoreTest, RealConfigurationShapeIsPatchedAndOtherFieldsKept) {
  // The API's own fully populated object (k8s-testdata), with a caBundle and a url already set.
  std::ifstream in(std::string(ZROUTE_WEBHOOK_TESTDATA) + "/admissionregistration.k8s.io.v1.MutatingWebhookConfiguration.json");
  json fixture = json::parse(in);
  fixture["metadata"] = {{"name", "zroute-webhook"}};
  ASSERT_LT(server_.store().Create(kConfigs, "", fixture).code, 300);
  auto current = patcher_->CurrentCaBundle();
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(*current, std::string("\x02"));
  ASSERT_TRUE(patcher_->PatchCaBundle("PEM").ok());
  json after = StoredConfig();
  EXPECT_EQ(Decode(after["webhooks"][0]["clientConfig"]["caBundle"]), "PEM");
  after["webhooks"][0]["clientConfig"]["caBundle"] = fixture["webhooks"][0]["clientConfig"]["caBundle"];
  EXPECT_EQ(after["webhooks"], fixture["webhooks"]);
}

TEST_F(KubeCertificateStoreTest, MissingOrEmptyConfigurationIsAnError) {
  EXPECT_EQ(patcher_->CurrentCaBundle().status().code(), StatusCode::kNotFound);
  json empty = ChartWebhookConfiguration();
  empty["webhooks"] = json::array();
  ASSERT_LT(server_.store().Create(kConfigs, "", empty).code, 300);
  EXPECT_EQ(patcher_->CurrentCaBundle().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(patcher_->PatchCaBundle("PEM").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(server_.RequestCount("patch"), 0);
}

}  // namespace
}  // namespace zroute::cluster
