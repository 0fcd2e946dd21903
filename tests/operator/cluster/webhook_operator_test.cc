// The operator in cluster mode with the admission webhook, in-process, against the fake Kubernetes
// API server: the leader creates the certificate Secret and patches the configuration's caBundle;
// an AdmissionReview over HTTPS, verified against the caBundle read back from the API, is
// injected as the flags say; a second replica serves the same certificate from the same Secret;
// a replaced or expiring serving certificate reaches every replica without a restart; external
// mode serves what someone else wrote and is not ready before. Every wait has a bound.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "operator/cluster/kube_certificate_store.h"
#include "operator/kube/kube_config.h"
#include "operator/operator.h"
#include "operator/webhook/certificate_authority.h"
#include "operator/webhook/certificate_checks.h"
#include "operator/webhook/sidecar_injector.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/wait_for.h"

namespace zroute {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kSecrets, kConfigs
constexpr char kNs[] = "zroute-system";
constexpr char kSecretName[] = "zroute-webhook-tls";
constexpr char kConfigName[] = "zroute-sidecar-injector";
constexpr char kServiceHost[] = "zroute-webhook.zroute-system.svc";
constexpr char kImage[] = "registry.example.com/zroute/sidecar:1.2.3";
constexpr char kControl[] = "tcp://zroute-control.zroute-system.svc:7400";

bool WaitFor(const std::function<bool()>& cond, milliseconds limit = milliseconds(15000)) {
  return zroute::testing::WaitFor(cond, limit);
}

std::string Decode(const json& value) {
  if (!value.is_string()) return "";
  auto decoded = kube::DecodeBase64(value.get<std::string>());
  return decoded.ok() ? *decoded : "";
}

json LoadFixture(const std::string& name) {
  std::ifstream in(std::string(ZROUTE_WEBHOOK_TESTDATA) + "/" + name);
  return json::parse(in);
}

// The chart's MutatingWebhookConfiguration (templates/webhook.yaml), caBundle absent as installed.
json ChartWebhookConfiguration() {
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", "MutatingWebhookConfiguration"},
          {"metadata", {{"name", kConfigName}}},
          {"webhooks",
           {{{"name", "sidecar-injector.zroute.io"},
             {"admissionReviewVersions", {"v1"}},
             {"sideEffects", "None"},
             {"failurePolicy", "Fail"},
             {"timeoutSeconds", 5},
             {"reinvocationPolicy", "IfNeeded"},
             {"clientConfig",
              {{"service", {{"name", "zroute-webhook"}, {"namespace", kNs}, {"path", "/mutate-pods"}, {"port", 443}}}}}}}}};
}

// The certificate the server at 127.0.0.1:port presents for kServiceHost, verified against the
// CA file (PEM); "" when the handshake or the verification fails.
std::string ServedCertificate(int port, const std::string& ca_file) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx || SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) return "";
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new_ssl_connect(ctx.get()), BIO_free_all);
  if (!bio) return "";
  const std::string target = "127.0.0.1:" + std::to_string(port);
  BIO_set_conn_hostname(bio.get(), target.c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  SSL_set_tlsext_host_name(ssl, kServiceHost);
  SSL_set1_host(ssl, kServiceHost);
  if (BIO_do_connect(bio.get()) <= 0 || BIO_do_handshake(bio.get()) <= 0) return "";
  if (SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (!peer) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(out.get(), peer);
  X509_free(peer);
  char* data = nullptr;
  long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

class WebhookOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("zroute-webhook-op-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(server_.Start().ok());
  }
  void TearDown() override {
    for (auto& op : operators_) op->Stop();
    operators_.clear();
    server_.Stop();
    std::filesystem::remove_all(dir_);
  }

  OperatorConfig Config(const std::string& identity, const std::string& cert_mode = "operator") {
    OperatorConfig c;
    c.control_bind = "tcp://127.0.0.1:*";
    c.http_port = 0;
    kube::KubeConfig kc;
    kc.server = server_.url();
    kc.ns = kNs;
    c.kube = kc;
    c.sync_timeout = milliseconds(10000);
    c.leader_elect = true;
    c.identity = identity;
    c.lease_duration = milliseconds(1500);
    c.renew_deadline = milliseconds(1000);
    c.retry_period = milliseconds(100);
    c.webhook_port = 0;
    c.webhook_host = "127.0.0.1";
    c.webhook_secret = kSecretName;
    c.webhook_config_name = kConfigName;
    c.webhook_service = "zroute-webhook";
    c.webhook_cert_mode = cert_mode;
    c.webhook_cert_reload = milliseconds(100);
    c.sidecar_image = kImage;
    c.sidecar_image_pull_policy = "Always";
    c.control_endpoint = kControl;
    return c;
  }
  Operator& StartOperator(OperatorConfig config) {
    operators_.push_back(std::make_unique<Operator>(std::move(config), RealClock()));
    Status s = operators_.back()->Start();
    EXPECT_TRUE(s.ok()) << s;
    return *operators_.back();
  }
  json Secret() { return server_.store().Get(kSecrets, kNs, kSecretName, "").body; }
  // The caBundle as the API server holds it, written to a file for the TLS clients.
  std::string CaBundleFile() {
    json config = server_.store().Get(kConfigs, "", kConfigName, "").body;
    const std::string pem = Decode(config["webhooks"][0]["clientConfig"]["caBundle"]);
    const std::string path = (dir_ / ("ca-bundle-" + std::to_string(files_++) + ".pem")).string();
    std::ofstream(path) << pem;
    return path;
  }
  void ReplaceServing(const webhook::PemKeyPair& serving) {
    json secret = Secret();
    secret["data"]["tls.crt"] = webhook::Base64Encode(serving.cert_pem);
    secret["data"]["tls.key"] = webhook::Base64Encode(serving.key_pem);
    ASSERT_LT(server_.store().Update(kSecrets, kNs, kSecretName, "", secret).code, 300);
  }
  // A serving certificate from the CA stored in the Secret.
  webhook::PemKeyPair IssueFromStoredCa(std::chrono::hours validity) {
    json secret = Secret();
    auto ca = webhook::CertificateAuthority::FromPem({Decode(secret["data"]["ca.crt"]), Decode(secret["data"]["ca.key"])},
                                                     RealClock());
    EXPECT_TRUE(ca.ok()) << ca.status();
    webhook::ServingCertificateRequest request;
    request.dns_names = webhook::ServiceDnsNames("zroute-webhook", kNs);
    request.validity = validity;
    auto serving = ca->IssueServingCertificate(request);
    EXPECT_TRUE(serving.ok()) << serving.status();
    return *serving;
  }

  testing::FakeKubeServer server_;
  std::vector<std::unique_ptr<Operator>> operators_;
  std::filesystem::path dir_;
  int files_ = 0;
};

int SidecarCount(const json& pod) {
  int n = 0;
  for (const char* list : {"containers", "initContainers"}) {
    for (const auto& c : pod["spec"].value(list, json::array())) n += c["name"] == "zroute-sidecar" ? 1 : 0;
  }
  return n;
}

TEST_F(WebhookOperatorTest, LeaderCreatesCertificatesAndEveryReplicaInjectsOverVerifiedTls) {
  ASSERT_LT(server_.store().Create(kConfigs, "", ChartWebhookConfiguration()).code, 300);
  Operator& leader = StartOperator(Config("replica-a"));
  ASSERT_TRUE(WaitFor([&] { return leader.leading() && leader.webhook_port() > 0; }));
  EXPECT_TRUE(WaitFor([&] { return leader.ready(); }));

  const json secret = Secret();
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");
  EXPECT_EQ(server_.RequestCount("create", "/api/v1/namespaces/zroute-system/secrets"), 1);
  const std::string ca_file = CaBundleFile();
  const std::string served = ServedCertificate(leader.webhook_port(), ca_file);
  ASSERT_FALSE(served.empty()) << "the leader's certificate does not verify against the caBundle";
  EXPECT_EQ(served, Decode(secret["data"]["tls.crt"]));

  // A pod made by a Deployment (generateName, no name), through the served endpoint.
  const json review = LoadFixture("review_deployment_pod.json");
  httplib::SSLClient https(kServiceHost, leader.webhook_port());
  https.set_hostname_addr_map({{kServiceHost, "127.0.0.1"}});
  https.set_ca_cert_path(ca_file.c_str());
  https.enable_server_certificate_verification(true);
  https.set_connection_timeout(5, 0);
  https.set_read_timeout(10, 0);
  auto res = https.Post("/mutate-pods", review.dump(), "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200);
  const json answer = json::parse(res->body);
  EXPECT_EQ(answer["response"]["uid"], review["request"]["uid"]);
  EXPECT_EQ(answer["response"]["allowed"], true);
  EXPECT_EQ(answer["response"]["patchType"], "JSONPatch");
  const json pod = review["request"]["object"].patch(json::parse(Decode(answer["response"]["patch"])));
  ASSERT_EQ(SidecarCount(pod), 1);
  json sidecar;
  for (const char* list : {"containers", "initContainers"}) {
    for (const auto& c : pod["spec"].value(list, json::array())) {
      if (c["name"] == "zroute-sidecar") sidecar = c;
    }
  }
  EXPECT_EQ(sidecar["image"], kImage);
  EXPECT_EQ(sidecar["imagePullPolicy"], "Always");
  bool has_operator = false;
  const json& args = sidecar["args"];
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string a = args[i];
    if (a == std::string("--operator=") + kControl || (a == "--operator" && i + 1 < args.size() && args[i + 1] == kControl)) {
      has_operator = true;
    }
  }
  EXPECT_TRUE(has_operator) << args.dump();

  // A garbage body is denied inside a review, and the server keeps serving.
  res = https.Post("/mutate-pods", "{\"request\": 7", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["response"]["allowed"], false);

  // A second replica (not leading) reuses the Secret: no second CA, the same chain served.
  Operator& follower = StartOperator(Config("replica-b"));
  ASSERT_TRUE(WaitFor([&] { return follower.webhook_port() > 0; }));
  EXPECT_FALSE(follower.leading());
  EXPECT_TRUE(WaitFor([&] { return follower.ready(); }));  // a standby serving the webhook is ready
  EXPECT_EQ(ServedCertificate(follower.webhook_port(), ca_file), served);
  EXPECT_EQ(server_.RequestCount("create", "/api/v1/namespaces/zroute-system/secrets"), 1);
  EXPECT_EQ(Decode(Secret()["data"]["ca.crt"]), Decode(secret["data"]["ca.crt"]));
  EXPECT_EQ(server_.RequestCount("patch", "/apis/admissionregistration.k8s.io"), 1);
}

TEST_F(WebhookOperatorTest, ReplacedAndExpiringServingCertificatesReachEveryReplica) {
  ASSERT_LT(server_.store().Create(kConfigs, "", ChartWebhookConfiguration()).code, 300);
  OperatorConfig leader_config = Config("replica-a");
  leader_config.webhook_cert_check = milliseconds(200);
  Operator& leader = StartOperator(leader_config);
  ASSERT_TRUE(WaitFor([&] { return leader.leading() && leader.webhook_port() > 0; }));
  Operator& follower = StartOperator(Config("replica-b"));
  ASSERT_TRUE(WaitFor([&] { return follower.webhook_port() > 0; }));
  const std::string ca_file = CaBundleFile();
  const std::string first = Decode(Secret()["data"]["tls.crt"]);
  ASSERT_EQ(ServedCertificate(follower.webhook_port(), ca_file), first);

  // Replaced in the Secret (not due for renewal): both replicas serve it without a restart.
  const webhook::PemKeyPair replaced = IssueFromStoredCa(std::chrono::hours(24 * 60));
  ReplaceServing(replaced);
  for (Operator* op : {&leader, &follower}) {
    const int port = op->webhook_port();
    EXPECT_TRUE(WaitFor([&] { return ServedCertificate(port, ca_file) == replaced.cert_pem; }));
    EXPECT_EQ(op->webhook_port(), port);
  }

  // Expiring in a day (inside the 30-day renewal window): the leader issues a new one, every
  // replica serves that, and it outlives the expiring one by far.
  const webhook::PemKeyPair expiring = IssueFromStoredCa(std::chrono::hours(24));
  ReplaceServing(expiring);
  auto renewed = [&](int port) {
    const std::string pem = ServedCertificate(port, ca_file);
    if (pem.empty() || pem == first || pem == replaced.cert_pem || pem == expiring.cert_pem) return false;
    auto info = webhook::InspectCertificate(pem);
    return info.ok() && info->not_after > std::chrono::system_clock::now() + std::chrono::hours(24 * 300) &&
           pem == Decode(Secret()["data"]["tls.crt"]);
  };
  EXPECT_TRUE(WaitFor([&] { return renewed(leader.webhook_port()); }));
  EXPECT_TRUE(WaitFor([&] { return renewed(follower.webhook_port()); }));
  // The CA did not change, so the caBundle was patched once only (at first start).
  EXPECT_EQ(server_.RequestCount("patch", "/apis/admissionregistration.k8s.io"), 1);
}

TEST_F(WebhookOperatorTest, ExternalModeServesTheSecretItIsGivenAndIsNotReadyBefore) {
  OperatorConfig config = Config("replica-a", "external");
  config.leader_elect = false;
  Operator& op = StartOperator(config);
  // No Secret yet: leader work runs, but no certificate means not ready and nothing listening.
  EXPECT_TRUE(op.leading());
  EXPECT_FALSE(op.ready());
  EXPECT_EQ(op.webhook_port(), 0);
  httplib::Client http("127.0.0.1", op.http_port());
  auto readyz = http.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 503);

  // What cert-manager writes: tls.crt, tls.key, ca.crt of its own CA.
  auto ca = webhook::CertificateAuthority::Generate("cert-manager-ca", std::chrono::hours(24 * 90), RealClock());
  ASSERT_TRUE(ca.ok());
  webhook::ServingCertificateRequest request;
  request.dns_names = webhook::ServiceDnsNames("zroute-webhook", kNs);
  auto serving = ca->IssueServingCertificate(request);
  ASSERT_TRUE(serving.ok());
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"type", "kubernetes.io/tls"},
                 {"metadata", {{"name", kSecretName}}},
                 {"data",
                  {{"tls.crt", webhook::Base64Encode(serving->cert_pem)},
                   {"tls.key", webhook::Base64Encode(serving->key_pem)},
                   {"ca.crt", webhook::Base64Encode(ca->pem().cert_pem)}}}};
  ASSERT_LT(server_.store().Create(kSecrets, kNs, secret).code, 300);
  ASSERT_TRUE(WaitFor([&] { return op.ready() && op.webhook_port() > 0; }));
  const std::string ca_file = (dir_ / "cert-manager-ca.pem").string();
  std::ofstream(ca_file) << ca->pem().cert_pem;
  EXPECT_EQ(ServedCertificate(op.webhook_port(), ca_file), serving->cert_pem);
  // External mode never writes: no Secret update, no caBundle patch.
  EXPECT_EQ(server_.RequestCount("update", "/api/v1/namespaces/zroute-system/secrets"), 0);
  EXPECT_EQ(server_.RequestCount("patch"), 0);

  // A broken pair is refused and the good one kept; a renewed one is picked up.
  json broken = server_.store().Get(kSecrets, kNs, kSecretName, "").body;
  broken["data"]["tls.key"] = webhook::Base64Encode("not a key");
  ASSERT_LT(server_.store().Update(kSecrets, kNs, kSecretName, "", broken).code, 300);
  auto renewed = ca->IssueServingCertificate(request);
  ASSERT_TRUE(renewed.ok());
  const int gets_before = server_.RequestCount("get", "/api/v1/namespaces/zroute-system/secrets");
  ASSERT_TRUE(WaitFor([&] { return server_.RequestCount("get", "/api/v1/namespaces/zroute-system/secrets") >= gets_before + 2; }));
  EXPECT_EQ(ServedCertificate(op.webhook_port(), ca_file), serving->cert_pem);
  json good = server_.store().Get(kSecrets, kNs, kSecretName, "").body;
  good["data"]["tls.crt"] = webhook::Base64Encode(renewed->cert_pem);
  good["data"]["tls.key"] = webhook::Base64Encode(renewed->key_pem);
  ASSERT_LT(server_.store().Update(kSecrets, kNs, kSecretName, "", good).code, 300);
  EXPECT_TRUE(WaitFor([&] { return ServedCertificate(op.webhook_port(), ca_file) == renewed->cert_pem; }));
}

TEST_F(WebhookOperatorTest, MissingWebhookSettingsFailTheStart) {
  OperatorConfig config = Config("replica-a");
  config.webhook_secret.clear();
  Operator op(config, RealClock());
  Status s = op.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  op.Stop();
}

}  // namespace
}  // namespace zroute
