#include "sidecar/sidecar.h"

#include <gtest/gtest.h>

#include "common/util/clock.h"

namespace zroute {
namespace {

SidecarConfig BaseConfig() {
  SidecarConfig config;
  config.app_id = "billing";
  config.pod = "billing-0";
  config.sidecar_id = "billing-0-start-test";
  config.http_port = 0;
  config.data_port = 0;
  config.metrics_port = -1;
  config.drain_timeout = std::chrono::milliseconds(100);
  return config;
}

Status StartWith(const SidecarConfig& config) {
  SystemClock clock;
  Sidecar sidecar(config, clock);
  return sidecar.Start();
}

Status StartWithLinkWindow(uint32_t window) {
  SidecarConfig config = BaseConfig();
  config.link_window = window;
  return StartWith(config);
}

TEST(SidecarStartTest, RefusesALinkWindowOutsideItsRange) {
  for (uint32_t window : {0u, kMaxLinkWindow + 1, UINT32_MAX}) {
    Status s = StartWithLinkWindow(window);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << window;
    EXPECT_NE(s.message().find("--link-window must be between 1 and 65536"), std::string::npos) << s.ToString();
  }
}

TEST(SidecarStartTest, StartsWithTheLinkWindowsAtTheEdgesOfTheRange) {
  for (uint32_t window : {1u, kMaxLinkWindow}) {
    Status s = StartWithLinkWindow(window);
    EXPECT_TRUE(s.ok()) << window << ": " << s.ToString();
  }
}

TEST(SidecarStartTest, RefusesAnUnknownDeliveryMode) {
  SidecarConfig config = BaseConfig();
  config.delivery_mode = "fibers";
  Status s = StartWith(config);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--delivery must be 'link' or 'threads', not 'fibers'"), std::string::npos) << s.ToString();
}

TEST(SidecarStartTest, RefusesMaxDeliveriesOutsideItsRange) {
  for (int n : {0, -1, 4097}) {
    SidecarConfig config = BaseConfig();
    config.max_deliveries = n;
    Status s = StartWith(config);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << n;
    EXPECT_NE(s.message().find("--max-deliveries must be between 1 and 4096"), std::string::npos) << s.ToString();
  }
}

TEST(SidecarStartTest, StartsInEitherDeliveryModeAtTheEdgesOfMaxDeliveries) {
  for (const char* mode : {"link", "threads"}) {
    for (int n : {1, 4096}) {
      SidecarConfig config = BaseConfig();
      config.delivery_mode = mode;
      config.max_deliveries = n;
      Status s = StartWith(config);
      EXPECT_TRUE(s.ok()) << mode << " " << n << ": " << s.ToString();
    }
  }
}

}  // namespace
}  // namespace zroute
