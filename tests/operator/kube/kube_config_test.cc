#include "operator/kube/kube_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "operator/kube/token_source.h"
#include "tests/support/simulated_clock.h"

namespace zroute::kube {
namespace {

namespace fs = std::filesystem;

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zroute-kubecfg-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::trunc) << text;
  }
  InClusterOptions Env(std::map<std::string, std::string> vars) {
    InClusterOptions o;
    o.service_account_dir = dir_.string();
    o.getenv = [vars](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    return o;
  }
  fs::path dir_;
};

TEST_F(KubeConfigTest, InClusterReadsServiceAccountFiles) {
  Write("token", "t1\n");
  Write("namespace", "zroute-system\n");
  auto c = LoadInClusterConfig(Env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token_file, (dir_ / "token").string());
  EXPECT_EQ(c->ca_file, (dir_ / "ca.crt").string());
  EXPECT_EQ(c->ns, "zroute-system");
}

TEST_F(KubeConfigTest, InClusterBracketsIpv6Hosts) {
  Write("token", "t1");
  auto c = LoadInClusterConfig(Env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server, "https://[fd00::1]:6443");
  EXPECT_EQ(c->ns, "default");
}

TEST_F(KubeConfigTest, InClusterFailsOutsideAClusterOrWithoutToken) {
  EXPECT_EQ(LoadInClusterConfig(Env({})).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(LoadInClusterConfig(Env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "443"}}))
                .status()
                .code(),
            StatusCode::kNotFound);
  Write("token", "t");
  EXPECT_EQ(LoadInClusterConfig(Env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "44x"}}))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

constexpr char kKubeconfig[] = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://api.example:6443
    certificate-authority-data: LS0tLS1CRUdJTg==
- name: c2
  cluster:
    server: http://127.0.0.1:8080
    certificate-authority: certs/ca.pem
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team-a}
- name: local
  context: {cluster: c2, user: u2}
users:
- name: u1
  user: {token: abc}
- name: u2
  user: {tokenFile: tok, client-certificate: c.pem, client-key: /abs/k.pem}
- name: u3
  user:
    exec: {command: get-token}
)";

TEST_F(KubeConfigTest, KubeconfigFollowsCurrentContext) {
  Write("config", kKubeconfig);
  auto c = LoadKubeconfigFile((dir_ / "config").string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://api.example:6443");
  EXPECT_EQ(c->ca_pem, "-----BEGIN");
  EXPECT_EQ(c->token, "abc");
  EXPECT_EQ(c->ns, "team-a");
}

TEST_F(KubeConfigTest, KubeconfigExplicitContextResolvesRelativePaths) {
  Write("config", kKubeconfig);
  auto c = LoadKubeconfigFile((dir_ / "config").string(), "local");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "http://127.0.0.1:8080");
  EXPECT_EQ(c->ca_file, (dir_ / "certs/ca.pem").string());
  EXPECT_EQ(c->token_file, (dir_ / "tok").string());
  EXPECT_EQ(c->client_cert_file, (dir_ / "c.pem").string());
  EXPECT_EQ(c->client_key_file, "/abs/k.pem");
}

TEST_F(KubeConfigTest, KubeconfigErrorsAreValues) {
  EXPECT_EQ(ParseKubeconfig(kKubeconfig, "", "missing").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(ParseKubeconfig(R"(current-context: e
contexts: [{name: e, context: {cluster: c1, user: u3}}]
clusters: [{name: c1, cluster: {server: "https://h"}}]
users: [{name: u3, user: {exec: {command: x}}}]
)", "").ok());
  EXPECT_EQ(ParseKubeconfig("[1, 2", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseKubeconfig("- a\n- b\n", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseKubeconfig("clusters: 3\n", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseKubeconfig(R"(current-context: e
contexts: [{name: e, context: {cluster: c}}]
clusters: [{name: c, cluster: {server: "ftp://h"}}]
)", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadKubeconfigFile((dir_ / "absent").string()).status().code(), StatusCode::kNotFound);
}

TEST_F(KubeConfigTest, Base64DecodesAndRejectsGarbage) {
  EXPECT_EQ(*DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(*DecodeBase64("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(*DecodeBase64(""), "");
  EXPECT_FALSE(DecodeBase64("abc").ok());
  EXPECT_FALSE(DecodeBase64("ab$=").ok());
}

TEST_F(KubeConfigTest, TokenSourceReReadsAfterAMinuteOrInvalidation) {
  zroute::testing::SimulatedClock clock;
  Write("token", "one\n");
  TokenSource tokens((dir_ / "token").string(), clock);
  EXPECT_EQ(*tokens.Token(), "one");
  Write("token", "two");
  clock.Advance(std::chrono::seconds(59));
  EXPECT_EQ(*tokens.Token(), "one");
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(*tokens.Token(), "two");
  Write("token", "three");
  tokens.Invalidate();
  EXPECT_EQ(*tokens.Token(), "three");
}

TEST_F(KubeConfigTest, TokenSourceKeepsLastGoodTokenDuringRotation) {
  zroute::testing::SimulatedClock clock;
  TokenSource missing((dir_ / "token").string(), clock);
  EXPECT_EQ(missing.Token().status().code(), StatusCode::kUnauthenticated);
  Write("token", "good");
  TokenSource tokens((dir_ / "token").string(), clock);
  EXPECT_EQ(*tokens.Token(), "good");
  Write("token", "  \n");  // truncated mid-rotation
  tokens.Invalidate();
  EXPECT_EQ(*tokens.Token(), "good");
  TokenSource fixed("static");
  EXPECT_FALSE(fixed.FileBacked());
  EXPECT_EQ(*fixed.Token(), "static");
}

}  // namespace
}  // namespace zroute::kube
