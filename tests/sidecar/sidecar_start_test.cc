#include "sidecar/sidecar.h"

#include <gtest/gtest.h>

#include "common/util/clock.h"

namespace zroute {
namespace {

Status StartWithLinkWindow(uint32_t window) {
  SidecarConfig config;
  config.app_id = "billing";
  config.pod = "billing-0";
  config.sidecar_id = "billing-0-start-test";
  config.http_port = 0;
  config.data_port = 0;
  config.metrics_port = -1;
  config.drain_timeout = std::chrono::milliseconds(100);
  config.link_window = window;
  SystemClock clock;
  Sidecar sidecar(config, clock);
  return sidecar.Start();
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

}  // namespace
}  // namespace zroute
