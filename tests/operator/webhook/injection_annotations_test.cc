#include "operator/webhook/injection_annotations.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace zroute::webhook {
namespace {

using json = nlohmann::json;

json Minimal() {
  return {{"zroute.io/inject", "true"}, {"zroute.io/app-id", "orders"}, {"zroute.io/app-port", "8080"}};
}

TEST(InjectionAnnotationsTest, WantsInjectionOnlyForTheStringTrue) {
  EXPECT_TRUE(WantsInjection(Minimal()));
  EXPECT_FALSE(WantsInjection(json::object()));
  EXPECT_FALSE(WantsInjection(json(nullptr)));
  EXPECT_FALSE(WantsInjection({{"zroute.io/inject", "false"}}));
  EXPECT_FALSE(WantsInjection({{"zroute.io/inject", "TRUE "}}));
  EXPECT_FALSE(WantsInjection({{"zroute.io/inject", true}}));
  EXPECT_FALSE(WantsInjection(json::array({"zroute.io/inject"})));
}

TEST(InjectionAnnotationsTest, DefaultsComeFromConfig) {
  InjectorConfig config;
  config.default_log_level = "warn";
  config.default_outbox_size = "5Gi";
  auto spec = ParseInjectionSpec(Minimal(), config);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->app_id, "orders");
  EXPECT_EQ(spec->app_port, 8080);
  EXPECT_EQ(spec->log_level, "warn");
  EXPECT_EQ(spec->outbox_size, "5Gi");
  EXPECT_EQ(spec->cpu_request, config.cpu_request);
  EXPECT_EQ(spec->memory_limit, config.memory_limit);
  EXPECT_FALSE(spec->outbox_claim.has_value());
  EXPECT_FALSE(spec->api_token_secret.has_value());
  // No default of the injector's own: the sidecar's applies.
  EXPECT_FALSE(spec->outbox_sync.has_value());
  EXPECT_FALSE(spec->outbox_sync_interval.has_value());
}

TEST(InjectionAnnotationsTest, ResourceAnnotationsSetRequestAndLimit) {
  json a = Minimal();
  a["zroute.io/sidecar-cpu"] = "250m";
  a["zroute.io/sidecar-memory"] = "1.5Gi";
  auto spec = ParseInjectionSpec(a, InjectorConfig{});
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->cpu_request, "250m");
  EXPECT_EQ(spec->cpu_limit, "250m");
  EXPECT_EQ(spec->memory_request, "1.5Gi");
  EXPECT_EQ(spec->memory_limit, "1.5Gi");
}

TEST(InjectionAnnotationsTest, MissingOrBadRequiredAnnotationsNameTheAnnotation) {
  struct Case {
    const char* key;
    json value;  // null removes the key
  } cases[] = {
      {"zroute.io/app-id", nullptr}, {"zroute.io/app-id", ""},       {"zroute.io/app-id", "Orders"},
      {"zroute.io/app-id", 7},       {"zroute.io/app-port", nullptr}, {"zroute.io/app-port", "0"},
      {"zroute.io/app-port", "65536"}, {"zroute.io/app-port", "80a"}, {"zroute.io/app-port", ""},
      {"zroute.io/app-port", "-1"},  {"zroute.io/app-port", 8080},
  };
  for (const auto& c : cases) {
    json a = Minimal();
    if (c.value.is_null()) {
      a.erase(c.key);
    } else {
      a[c.key] = c.value;
    }
    auto spec = ParseInjectionSpec(a, InjectorConfig{});
    ASSERT_FALSE(spec.ok()) << c.key << "=" << c.value.dump();
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(spec.status().message().find(c.key), std::string::npos) << spec.status();
  }
}

TEST(InjectionAnnotationsTest, BadOptionalValuesAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"zroute.io/log-level", "verbose"},     {"zroute.io/sidecar-cpu", "lots"},
      {"zroute.io/sidecar-memory", "-64Mi"},  {"zroute.io/outbox-size", "1GB"},
      {"zroute.io/outbox-claim", "Bad_Name"}, {"zroute.io/api-token-secret", "a/b"},
  };
  for (const auto& [key, value] : cases) {
    json a = Minimal();
    a[key] = value;
    auto spec = ParseInjectionSpec(a, InjectorConfig{});
    ASSERT_FALSE(spec.ok()) << key << "=" << value;
    EXPECT_NE(spec.status().message().find(key), std::string::npos) << spec.status();
  }
}

TEST(InjectionAnnotationsTest, OutboxSyncAndIntervalAreAccepted) {
  struct Case {
    const char* sync;
    const char* interval;  // nullptr: not annotated
    std::optional<std::chrono::milliseconds> want_interval;
  } cases[] = {
      {"batch", nullptr, std::nullopt},
      {"interval", nullptr, std::nullopt},  // the sidecar's default interval
      {"interval", "1", std::chrono::milliseconds(1)},
      {"interval", "250", std::chrono::milliseconds(250)},
      {"interval", "60000", std::chrono::milliseconds(60000)},
  };
  for (const auto& c : cases) {
    json a = Minimal();
    a["zroute.io/outbox-sync"] = c.sync;
    if (c.interval) a["zroute.io/outbox-sync-interval"] = c.interval;
    auto spec = ParseInjectionSpec(a, InjectorConfig{});
    ASSERT_TRUE(spec.ok()) << a.dump() << ": " << spec.status();
    EXPECT_EQ(spec->outbox_sync.value_or("<unset>"), c.sync);
    EXPECT_EQ(spec->outbox_sync_interval, c.want_interval) << a.dump();
  }
}

TEST(InjectionAnnotationsTest, MalformedOutboxSyncValuesAreRefusedNamingTheAnnotation) {
  const std::string huge(10 * 1024, 'b');
  const std::string huge_digits(10 * 1024, '1');
  const json sync_values[] = {"",     "Batch",         "BATCH", "interval ",
                              " batch", "batch\n",      "fsync", "batch,interval",
                              huge,     7,               true,    nullptr,
                              json::array({"batch"}), json::object()};
  for (const auto& value : sync_values) {
    json a = Minimal();
    a["zroute.io/outbox-sync"] = value;
    auto spec = ParseInjectionSpec(a, InjectorConfig{});
    ASSERT_FALSE(spec.ok()) << value.dump().substr(0, 40);
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(spec.status().message().find("zroute.io/outbox-sync"), std::string::npos) << spec.status();
    EXPECT_LT(spec.status().message().size(), 300u) << "the value is echoed whole";
  }
  const json interval_values[] = {"",    "0",   "00",  "-5",     "+5",    "10ms",  "1s",
                                  "10 ", " 10", "1.5", "1e3",    "0x10",  "010",   "60001",
                                  "99999", "99999999999999999999", huge_digits,
                                  "\xd9\xa1\xd9\xa0",  // "10" in Arabic-Indic digits
                                  10,    true,  nullptr, json::array({"10"})};
  for (const auto& value : interval_values) {
    json a = Minimal();
    a["zroute.io/outbox-sync"] = "interval";
    a["zroute.io/outbox-sync-interval"] = value;
    auto spec = ParseInjectionSpec(a, InjectorConfig{});
    ASSERT_FALSE(spec.ok()) << value.dump().substr(0, 40);
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(spec.status().message().find("zroute.io/outbox-sync-interval"), std::string::npos) << spec.status();
    EXPECT_LT(spec.status().message().size(), 300u) << "the value is echoed whole";
  }
}

TEST(InjectionAnnotationsTest, OutboxSyncIntervalNeedsTheIntervalPolicy) {
  json a = Minimal();
  a["zroute.io/outbox-sync-interval"] = "50";
  auto spec = ParseInjectionSpec(a, InjectorConfig{});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("zroute.io/outbox-sync-interval needs zroute.io/outbox-sync: interval"),
            std::string::npos)
      << spec.status();
  a["zroute.io/outbox-sync"] = "batch";
  spec = ParseInjectionSpec(a, InjectorConfig{});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("needs zroute.io/outbox-sync: interval"), std::string::npos)
      << spec.status();
  EXPECT_NE(spec.status().message().find("\"batch\""), std::string::npos) << spec.status();
}

TEST(InjectionAnnotationsTest, EchoedValuesAreCutBetweenUtf8Characters) {
  json a = Minimal();
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xc3\xa9";  // "é", 2 bytes each; byte 64 is a continuation byte
  a["zroute.io/outbox-sync"] = "x" + accents;
  auto spec = ParseInjectionSpec(a, InjectorConfig{});
  ASSERT_FALSE(spec.ok());
  // The default error handler of dump() throws on invalid UTF-8: the denial must stay valid JSON.
  EXPECT_NO_THROW(json(spec.status().message()).dump()) << spec.status();
  EXPECT_NE(spec.status().message().find("(201 bytes)"), std::string::npos) << spec.status();
}

TEST(InjectionAnnotationsTest, EveryDenialQuotesAnOversizeValueCut) {
  const std::string huge(10 * 1024, 'x');
  for (const char* key : {"zroute.io/app-id", "zroute.io/app-port", "zroute.io/log-level", "zroute.io/sidecar-cpu",
                          "zroute.io/sidecar-memory", "zroute.io/outbox-size", "zroute.io/outbox-claim",
                          "zroute.io/api-token-secret"}) {
    json a = Minimal();
    a[key] = huge;
    auto spec = ParseInjectionSpec(a, InjectorConfig{});
    ASSERT_FALSE(spec.ok()) << key;
    EXPECT_NE(spec.status().message().find(key), std::string::npos) << spec.status();
    EXPECT_NE(spec.status().message().find("(10240 bytes)"), std::string::npos) << spec.status();
    EXPECT_LT(spec.status().message().size(), 300u) << key << ": the value is echoed whole";
  }
}

TEST(InjectionAnnotationsTest, QuantitySyntax) {
  for (const char* ok : {"1", "0", "500m", "1.5", ".5", "1.", "128Mi", "1Gi", "2k", "1e3", "1E-2", "+3", "100n"}) {
    EXPECT_TRUE(IsValidQuantity(ok)) << ok;
  }
  for (const char* bad : {"", "-1", "Mi", "1GB", "1 Gi", "1e", "1e+", ".", "1.2.3", "1ki", "0x10", "1Mi "}) {
    EXPECT_FALSE(IsValidQuantity(bad)) << bad;
  }
  EXPECT_FALSE(IsValidQuantity(std::string(100, '1')));
}

TEST(InjectionAnnotationsTest, DnsNames) {
  EXPECT_TRUE(IsDnsLabel("orders-v2"));
  EXPECT_FALSE(IsDnsLabel("-orders"));
  EXPECT_FALSE(IsDnsLabel("orders-"));
  EXPECT_FALSE(IsDnsLabel("Orders"));
  EXPECT_FALSE(IsDnsLabel(std::string(64, 'a')));
  EXPECT_TRUE(IsDnsSubdomain("zroute-webhook.zroute-system.svc"));
  EXPECT_FALSE(IsDnsSubdomain("a..b"));
  EXPECT_FALSE(IsDnsSubdomain("a,DNS:evil"));
  EXPECT_FALSE(IsDnsSubdomain(""));
}

}  // namespace
}  // namespace zroute::webhook
