// The operator's CURVE keypair in a Secret, against the fake Kubernetes API server.
#include "operator/security/curve_secret.h"

#include <gtest/gtest.h>

#include "common/cloudevents/base64.h"
#include "tests/operator/kube/kube_test_env.h"

namespace zroute::kube::testing {
namespace {

const GroupVersionResource kSecrets{"", "v1", "secrets"};

class CurveSecretTest : public KubeTestEnv {};

TEST_F(CurveSecretTest, AbsentSecretIsCreatedAndThenReadBack) {
  auto made = LoadOrCreateCurveSecret(*client_, "zroute-system", "zroute-curve");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_TRUE(security::ValidateKeyPair(*made).ok());
  auto stored = client_->Get({kSecrets, "zroute-system", "zroute-curve"});
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*Base64Decode((*stored)["data"]["public-key"].get<std::string>()), made->public_key);

  auto again = LoadOrCreateCurveSecret(*client_, "zroute-system", "zroute-curve");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->public_key, made->public_key);
  EXPECT_EQ(again->secret_key, made->secret_key);
}

TEST_F(CurveSecretTest, ExistingSecretWithoutAValidKeypairIsAnErrorAndIsNotReplaced) {
  auto other = *security::GenerateCurveKeyPair();
  auto mine = *security::GenerateCurveKeyPair();
  Json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "zroute-curve"}, {"namespace", "zroute-system"}}},
                 {"data", {{"public-key", Base64Encode(other.public_key)}, {"secret-key", Base64Encode(mine.secret_key)}}}};
  ASSERT_TRUE(client_->Create(kSecrets, "zroute-system", secret).ok());
  auto loaded = LoadOrCreateCurveSecret(*client_, "zroute-system", "zroute-curve");
  EXPECT_FALSE(loaded.ok());

  secret["metadata"]["name"] = "garbage";
  secret["data"] = {{"public-key", "!!!"}, {"secret-key", Base64Encode("short")}};
  ASSERT_TRUE(client_->Create(kSecrets, "zroute-system", secret).ok());
  EXPECT_FALSE(LoadOrCreateCurveSecret(*client_, "zroute-system", "garbage").ok());
  auto still = client_->Get({kSecrets, "zroute-system", "garbage"});
  ASSERT_TRUE(still.ok());
  EXPECT_EQ((*still)["data"]["public-key"], "!!!");
}

}  // namespace
}  // namespace zroute::kube::testing
