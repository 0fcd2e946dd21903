#include "operator/webhook/webhook_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>

#include "operator/webhook/certificate_authority.h"
#include "tests/operator/webhook/review_test_util.h"
#include "tests/support/test_ca.h"

namespace zroute::webhook {
namespace {

using json = nlohmann::json;
using testing::LoadFixture;
using testing::PatchedPod;
using testing::WithPod;

constexpr char kServiceHost[] = "zroute-webhook.zroute-system.svc";

class WebhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InjectorConfig config;
    config.kubernetes_minor = 30;
    WebhookServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.on_review = [this](const ReviewResult&) { ++reviews_; };
    server_ = std::make_unique<WebhookServer>(config, options);
    ASSERT_TRUE(server_->SetCertificate({ca_.server_cert_pem(), ca_.server_key_pem()}).ok());
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }
  void TearDown() override { server_->Stop(); }

  // A client that verifies the server against `ca_path` and reaches the service name on 127.0.0.1.
  std::unique_ptr<httplib::SSLClient> Client(const std::string& ca_path) {
    auto cli = std::make_unique<httplib::SSLClient>(kServiceHost, server_->port());
    cli->set_hostname_addr_map({{kServiceHost, "127.0.0.1"}});
    cli->set_ca_cert_path(ca_path.c_str());
    cli->enable_server_certificate_verification(true);
    cli->set_tcp_nodelay(true);
    cli->set_connection_timeout(5, 0);
    cli->set_read_timeout(10, 0);
    return cli;
  }

  json Mutate(const json& review) {
    auto res = Client(ca_.ca_cert_path())->Post("/mutate-pods", review.dump(), "application/json");
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res) return json();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return json::parse(res->body);
  }

  json MutateRaw(const std::string& body) {
    auto res = Client(ca_.ca_cert_path())->Post("/mutate-pods", body, "application/json");
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200);
    return json::parse(res->body);
  }

  zroute::testing::TestCa ca_{{kServiceHost}};
  std::unique_ptr<WebhookServer> server_;
  std::atomic<int> reviews_{0};
};

int SidecarCount(const json& pod) {
  int n = 0;
  for (const char* list : {"containers", "initContainers"}) {
    for (const auto& c : pod["spec"].value(list, json::array())) n += c["name"] == "zroute-sidecar" ? 1 : 0;
  }
  return n;
}

TEST_F(WebhookServerTest, DeploymentPodIsInjectedOverVerifiedTls) {
  const json request = LoadFixture("review_deployment_pod.json");
  const json response = Mutate(request);
  ASSERT_TRUE(response.is_object());
  EXPECT_EQ(response["response"]["uid"], request["request"]["uid"]);
  EXPECT_EQ(response["response"]["allowed"], true);
  EXPECT_EQ(response["response"]["patchType"], "JSONPatch");
  const json pod = PatchedPod(request, response);
  EXPECT_EQ(SidecarCount(pod), 1);
  EXPECT_EQ(pod["spec"]["initContainers"][0]["restartPolicy"], "Always");
  for (const auto& c : pod["spec"]["containers"]) {
    bool has_url = false;
    for (const auto& e : c["env"]) has_url = has_url || e["name"] == "ZROUTE_PUBLISH_URL";
    EXPECT_TRUE(has_url) << c["name"];
  }
  EXPECT_EQ(pod["spec"]["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(reviews_.load(), 1);

  // Reinvocation through the same endpoint: no further change.
  const json second = Mutate(WithPod(request, pod, "reinvoked"));
  EXPECT_EQ(second["response"]["uid"], "reinvoked");
  EXPECT_EQ(second["response"]["allowed"], true);
  EXPECT_FALSE(second["response"].contains("patch"));
}

TEST_F(WebhookServerTest, PodWithInitContainersGetsSidecarAfterThem) {
  const json request = LoadFixture("review_pod_with_init_containers.json");
  const json pod = PatchedPod(request, Mutate(request));
  ASSERT_EQ(pod["spec"]["initContainers"].size(), 2u);
  EXPECT_EQ(pod["spec"]["initContainers"][0]["name"], "migrate");
  EXPECT_EQ(pod["spec"]["initContainers"][1]["name"], "zroute-sidecar");
  EXPECT_EQ(pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"], "billing-outbox");
}

TEST_F(WebhookServerTest, PodWithoutAnnotationsIsAllowedUnchanged) {
  const json request = LoadFixture("review_pod_not_opted_in.json");
  const json response = Mutate(request);
  EXPECT_EQ(response["response"]["uid"], request["request"]["uid"]);
  EXPECT_EQ(response["response"]["allowed"], true);
  EXPECT_FALSE(response["response"].contains("patch"));
}

TEST_F(WebhookServerTest, MalformedReviewsGetHttp200WithADenial) {
  for (const std::string& body : {std::string("this is not json"), std::string(R"({"apiVersion":"admission.k8s.io/v1"})"),
                                 std::string(R"({"apiVersion":"admission.k8s.io/v1","request":{"operation":"CREATE"}})"),
                                 std::string("{\"a\":\"\xff\xfe\"}")}) {
    const json response = MutateRaw(body);
    ASSERT_TRUE(response.is_object()) << body;
    EXPECT_EQ(response["kind"], "AdmissionReview");
    EXPECT_EQ(response["response"]["allowed"], false) << body;
    EXPECT_EQ(response["response"]["status"]["code"], 400);
    EXPECT_FALSE(response["response"]["status"]["message"].get<std::string>().empty());
  }
}

TEST_F(WebhookServerTest, OversizeBodyIsRefusedWith413) {
  std::string body(WebhookServerOptions{}.max_body_bytes + 16, ' ');
  auto res = Client(ca_.ca_cert_path())->Post("/mutate-pods", body, "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(reviews_.load(), 0);
}

// Any pod that can reach the webhook port can send it headers: their number is bounded (431), and
// the server goes on reviewing. (The bounds themselves: tests/common/http/bounded_https_server_test.)
TEST_F(WebhookServerTest, HeaderFloodIsRefusedWith431AndReviewsGoOn) {
  httplib::Headers flood;
  for (int i = 0; i < 250; ++i) flood.emplace("X-Flood-" + std::to_string(i), "1");
  auto cli = Client(ca_.ca_cert_path());
  auto res = cli->Post("/mutate-pods", flood, "{}", "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(reviews_.load(), 0);
  const json request = LoadFixture("review_deployment_pod.json");
  const json response = Mutate(request);
  EXPECT_EQ(response["response"]["uid"], request["request"]["uid"]);
  EXPECT_EQ(SidecarCount(PatchedPod(request, response)), 1);
  EXPECT_EQ(reviews_.load(), 1);
}

TEST_F(WebhookServerTest, NonJsonContentTypeIsRefusedWith415) {
  const std::string body = LoadFixture("review_deployment_pod.json").dump();
  auto cli = Client(ca_.ca_cert_path());
  auto res = cli->Post("/mutate-pods", body, "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);
  res = cli->Post("/mutate-pods", body, "Application/JSON; charset=utf-8");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(WebhookServerTest, HealthAndReadinessAnswer) {
  auto cli = Client(ca_.ca_cert_path());
  auto res = cli->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = cli->Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = cli->Get("/mutate-pods");
  ASSERT_TRUE(res);
  EXPECT_NE(res->status, 200);
}

TEST_F(WebhookServerTest, ClientTrustingAnotherCaRefusesTheServer) {
  zroute::testing::TestCa stranger({kServiceHost});
  auto res = Client(stranger.ca_cert_path())->Get("/healthz");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::SSLServerVerification);
}

TEST_F(WebhookServerTest, RenewedCertificateIsServedToNewConnectionsWithoutRestart) {
  auto ca = CertificateAuthority::Generate("renewed-ca", std::chrono::hours(24 * 30), RealClock());
  ASSERT_TRUE(ca.ok()) << ca.status();
  ServingCertificateRequest request;
  request.dns_names = ServiceDnsNames("zroute-webhook", "zroute-system");
  auto serving = ca->IssueServingCertificate(request);
  ASSERT_TRUE(serving.ok()) << serving.status();
  const std::string new_ca_path = ca_.dir() + "/renewed-ca.pem";
  std::ofstream(new_ca_path) << ca->pem().cert_pem;

  ASSERT_FALSE(Client(new_ca_path)->Get("/healthz"));
  const int port = server_->port();
  ASSERT_TRUE(server_->SetCertificate(*serving).ok());
  EXPECT_EQ(server_->port(), port);
  auto res = Client(new_ca_path)->Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  // The old CA no longer verifies the server; the new one does, for reviews too.
  EXPECT_FALSE(Client(ca_.ca_cert_path())->Get("/healthz"));
  const json review = LoadFixture("review_deployment_pod.json");
  res = Client(new_ca_path)->Post("/mutate-pods", review.dump(), "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(SidecarCount(PatchedPod(review, json::parse(res->body))), 1);
}

TEST(WebhookServerSetupTest, MismatchedKeyAndMissingCertificateAreRefused) {
  zroute::testing::TestCa a, b;
  WebhookServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  WebhookServer server(InjectorConfig{}, options);
  EXPECT_FALSE(server.SetCertificate({a.server_cert_pem(), b.server_key_pem()}).ok());
  EXPECT_FALSE(server.SetCertificate({"garbage", a.server_key_pem()}).ok());
  Status started = server.Start();
  EXPECT_EQ(started.code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(server.SetCertificate({a.server_cert_pem(), a.server_key_pem()}).ok());
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(server.Start().code(), StatusCode::kFailedPrecondition);
  server.Stop();
  server.Stop();
}

}  // namespace
}  // namespace zroute::webhook
