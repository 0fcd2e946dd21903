// HttpKubeClient over HTTPS against the fake server with a generated test certificate.
#include <gtest/gtest.h>

#include <filesystem>

#include "operator/kube/http_kube_client.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/fake_kube/test_cert.h"
#include "tests/support/simulated_clock.h"

namespace zroute::kube {
namespace {

namespace fs = std::filesystem;

class HttpsKubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zroute-kube-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto cert = zroute::testing::WriteSelfSignedCert(dir_.string());
    ASSERT_TRUE(cert.ok()) << cert.status();
    cert_ = *cert;
    auto other = zroute::testing::WriteSelfSignedCert(dir_.string(), "other");
    ASSERT_TRUE(other.ok());
    other_ = *other;
    server_ = std::make_unique<zroute::testing::FakeKubeServer>(cert_.cert_path, cert_.key_path);
    server_->SetValidToken("tls-token");
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    fs::remove_all(dir_);
  }
  KubeConfig Config() {
    KubeConfig c;
    c.server = server_->url();
    c.token = "tls-token";
    return c;
  }
  Status Probe(const KubeConfig& config) {
    auto client = HttpKubeClient::Create(config, clock_);
    if (!client.ok()) return client.status();
    auto got = (*client)->Get({{"", "v1", "configmaps"}, "ns1", "absent"});
    return got.ok() ? Status::OK() : got.status();
  }

  fs::path dir_;
  zroute::testing::TestCert cert_, other_;
  zroute::testing::SimulatedClock clock_;
  std::unique_ptr<zroute::testing::FakeKubeServer> server_;
};

TEST_F(HttpsKubeClientTest, VerifiesServerAgainstCaFile) {
  KubeConfig config = Config();
  config.ca_file = cert_.cert_path;
  EXPECT_EQ(Probe(config).code(), StatusCode::kNotFound);  // reached the server, object absent
}

TEST_F(HttpsKubeClientTest, VerifiesServerAgainstInlineCa) {
  KubeConfig config = Config();
  config.ca_pem = cert_.cert_pem;
  EXPECT_EQ(Probe(config).code(), StatusCode::kNotFound);
}

TEST_F(HttpsKubeClientTest, RefusesServerSignedByAnotherCa) {
  KubeConfig config = Config();
  config.ca_file = other_.cert_path;
  EXPECT_EQ(Probe(config).code(), StatusCode::kUnavailable);
  EXPECT_EQ(server_->RequestCount(""), 0);
}

TEST_F(HttpsKubeClientTest, InsecureSkipVerifyConnectsWithoutCa) {
  KubeConfig config = Config();
  config.insecure_skip_tls_verify = true;
  EXPECT_EQ(Probe(config).code(), StatusCode::kNotFound);
}

TEST_F(HttpsKubeClientTest, WatchWorksOverTls) {
  KubeConfig config = Config();
  config.ca_file = cert_.cert_path;
  auto client = HttpKubeClient::Create(config, clock_);
  ASSERT_TRUE(client.ok());
  GroupVersionResource cms{"", "v1", "configmaps"};
  ASSERT_TRUE((*client)->Create(cms, "ns1", {{"metadata", {{"name", "a"}}}, {"data", {{"k", "v"}}}}).ok());
  int events = 0;
  auto end = (*client)->Watch(cms, "ns1", {}, [&](const WatchEvent& e) {
    ++events;
    return e.type != WatchEventType::kAdded;  // stop after the synthetic ADDED
  }, {});
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, WatchEnd::kCancelled);
  EXPECT_EQ(events, 1);
}

}  // namespace
}  // namespace zroute::kube
