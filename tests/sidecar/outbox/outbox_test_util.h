// Helpers shared by the outbox tests: records, opening an outbox on a given file system.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sidecar/outbox/outbox.h"
#include "tests/support/simulated_clock.h"

namespace zroute::testing {

inline OutboxRecord MakeRecord(const std::string& payload, const std::string& key = "",
                               WallTime t = WallTime{}) {
  OutboxRecord record;
  record.publish_time = t;
  record.key = key;
  record.payload = payload;
  return record;
}

inline std::vector<OutboxRecord> OneRecord(const std::string& payload, WallTime t = WallTime{}) {
  std::vector<OutboxRecord> records;
  records.push_back(MakeRecord(payload, "", t));
  return records;
}

inline OutboxOptions SmallOptions(const std::string& dir = "/outbox") {
  OutboxOptions options;
  options.dir = dir;
  options.segment_bytes = 1024;
  return options;
}

inline std::unique_ptr<Outbox> MustOpen(const OutboxOptions& options, Clock& clock,
                                        FileSystem& fs) {
  auto outbox = OpenOutbox(options, clock, fs);
  EXPECT_TRUE(outbox.ok()) << outbox.status();
  return outbox.ok() ? std::move(outbox).value() : nullptr;
}

// All records of a topic, read in pages.
inline std::vector<StoredRecord> ReadAll(const Outbox& outbox, const std::string& topic,
                                         uint64_t from = 0) {
  std::vector<StoredRecord> all;
  for (;;) {
    auto page = outbox.Read(topic, from, 100, 1 << 20);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->empty()) return all;
    from = page->back().offset + 1;
    for (auto& r : *page) all.push_back(std::move(r));
  }
}

}  // namespace zroute::testing
