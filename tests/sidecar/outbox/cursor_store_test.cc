#include "sidecar/outbox/cursor_store.h"

#include <gtest/gtest.h>

#include "tests/support/memory_file_system.h"

namespace zroute {
namespace {

TEST(CursorStoreTest, EncodeDecodeRoundTrips) {
  std::map<std::string, uint64_t> cursors = {{"billing", 7}, {"audit", UINT64_MAX - 1}};
  auto decoded = CursorStore::Decode(CursorStore::Encode(cursors));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, cursors);
}

TEST(CursorStoreTest, DamagedFilesAreCorruption) {
  const std::string good = CursorStore::Encode({{"billing", 7}});
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(CursorStore::Decode(good.substr(0, n)).status().code(), StatusCode::kCorruption) << n;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] ^= 0x20;
    EXPECT_FALSE(CursorStore::Decode(flipped).ok()) << i;
  }
}

TEST(CursorStoreTest, PersistWritesOnlyWhenChanged) {
  testing::MemoryFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/t").ok());
  CursorStore store(fs, "/t");
  ASSERT_TRUE(store.Load().ok());
  EXPECT_FALSE(store.dirty());
  store.Commit("sub", 5);
  EXPECT_TRUE(store.dirty());
  ASSERT_TRUE(store.Persist().ok());
  EXPECT_FALSE(store.dirty());
  EXPECT_FALSE(fs.Exists("/t/cursors.tmp"));

  CursorStore reloaded(fs, "/t");
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(reloaded.Get("sub"), 5u);
  EXPECT_EQ(reloaded.Lowest(), 5u);
  EXPECT_EQ(reloaded.Get("other"), 0u);
}

TEST(CursorStoreTest, LowerToLowersOnlyCursorsPastTheEndAndPersistsThemAtOnce) {
  testing::MemoryFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/t").ok());
  CursorStore store(fs, "/t");
  ASSERT_TRUE(store.Load().ok());
  store.Commit("behind", 3);
  store.Commit("at", 6);
  store.Commit("past", 9);
  ASSERT_TRUE(store.Persist().ok());

  auto unchanged = store.LowerTo(9);
  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_TRUE(unchanged->empty());
  EXPECT_FALSE(store.dirty());

  auto lowered = store.LowerTo(6);
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  EXPECT_EQ(*lowered, std::vector<std::string>{"past"});
  EXPECT_EQ(store.Get("behind"), 3u);
  EXPECT_EQ(store.Get("at"), 6u);
  EXPECT_EQ(store.Get("past"), 6u);
  EXPECT_FALSE(store.dirty()) << "persisted before returning";
  // Durable: what a crash right now leaves.
  auto crashed = fs.CrashCopy();
  CursorStore reloaded(*crashed, "/t");
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(reloaded.Get("past"), 6u);
  EXPECT_EQ(reloaded.Get("behind"), 3u);
}

}  // namespace
}  // namespace zroute
