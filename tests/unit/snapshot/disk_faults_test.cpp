// The snapshot's disk misbehaving: a full disk is a retryable error (never an abort: Debian's
// RocksDB is built with assertions on) from which the store recovers once space is free, with
// every acknowledged commit kept; a snapshot directory removed or replaced under the running
// store is noticed and nothing more is committed.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "snapshot/snapshot_store.hpp"
#include "support/test_support.hpp"
#include "support/tmpfs_mount.hpp"

namespace ats::snapshot {
namespace {

namespace fs = std::filesystem;
using ats::testing::TempDir;
using ats::testing::TmpfsMount;

StoredRecord Rec(std::string body) {
  StoredRecord r;
  r.hash = ContentHash(body);
  r.body = std::move(body);
  return r;
}

Batch OneRecord(const std::string& id, const std::string& body) {
  Batch batch;
  batch.Put({"c", Entity::kCandidate, id}, Rec(body));
  return batch;
}

void ExpectAll(SnapshotStore& store, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto got = store.Get({"c", Entity::kCandidate, id});
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(got->has_value()) << "lost acknowledged commit " << id;
  }
}

TEST(SnapshotDiskFaultTest, AFullDiskIsARetryableErrorAndTheStoreRecoversLosingNothing) {
  TmpfsMount disk(16 << 20);  // RocksDB preallocates 4 MiB for its MANIFEST
  ASSERT_TRUE(disk.ok()) << disk.error();
  const std::string path = disk.File("snapshot");
  auto opened = OpenRocksDbStore(path);
  ASSERT_TRUE(opened) << opened.error().message;
  auto store = std::move(opened).value();
  // Leave about 2 MiB free: the commits below fill it; removing the filler frees the rest.
  ASSERT_GT(ats::testing::FillDisk(disk.File("filler")), 0u);
  fs::resize_file(disk.File("filler"), fs::file_size(disk.File("filler")) - (2 << 20));

  // Incompressible bodies: RocksDB compresses what it flushes, so repeated bytes would free
  // space as soon as the database is reopened.
  std::mt19937_64 rng(7);
  const auto random_body = [&rng] {
    std::string body(64 * 1024, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    return body;
  };
  std::vector<std::string> acknowledged;
  std::optional<Error> failure;
  for (int i = 0; i < 200 && !failure; ++i) {
    const std::string id = "id" + std::to_string(i);
    if (auto committed = store->Commit(OneRecord(id, random_body())); committed) {
      acknowledged.push_back(id);
    } else {
      failure = committed.error();
    }
  }
  ASSERT_TRUE(failure) << "the disk never filled up";
  EXPECT_EQ(failure->category, ErrorCategory::kSnapshot);
  EXPECT_TRUE(failure->retryable()) << failure->message;
  EXPECT_NE(failure->message.find("No space left on device"), std::string::npos) << failure->message;
  ASSERT_FALSE(acknowledged.empty());

  // Still full (the reopen a Check attempts gives back what RocksDB had preallocated for its
  // log; that is taken too): the next commit fails the same way, again without an abort.
  (void)store->Check();
  ats::testing::FillDisk(disk.File("filler2"));
  auto again = store->Commit(OneRecord("while-full", random_body()));
  ASSERT_FALSE(again) << "committed to a full disk";
  EXPECT_TRUE(again.error().retryable()) << again.error().message;
  EXPECT_NE(again.error().message.find("No space left on device"), std::string::npos)
      << again.error().message;

  // Space comes back: the store recovers and has every acknowledged commit.
  fs::remove(disk.File("filler"));
  fs::remove(disk.File("filler2"));
  auto checked = store->Check();
  ASSERT_TRUE(checked) << checked.error().message;
  auto after = store->Commit(OneRecord("after", "x"));
  ASSERT_TRUE(after) << after.error().message;
  acknowledged.push_back("after");
  ExpectAll(*store, acknowledged);

  store.reset();
  auto reopened = OpenRocksDbStore(path);
  ASSERT_TRUE(reopened) << reopened.error().message;
  ExpectAll(**reopened, acknowledged);
}

TEST(SnapshotDiskFaultTest, ARemovedSnapshotDirectoryIsNoticedAndNothingMoreIsCommitted) {
  TempDir dir;
  const std::string path = dir.File("snapshot");
  auto opened = OpenRocksDbStore(path);
  ASSERT_TRUE(opened) << opened.error().message;
  auto store = std::move(opened).value();
  ASSERT_TRUE(store->Commit(OneRecord("a", "x")));
  ASSERT_TRUE(store->Check());

  fs::remove_all(path);
  auto checked = store->Check();
  ASSERT_FALSE(checked) << "a removed snapshot directory went unnoticed";
  EXPECT_EQ(checked.error().category, ErrorCategory::kSnapshot);
  EXPECT_NE(checked.error().message.find("was removed or replaced"), std::string::npos)
      << checked.error().message;
  auto committed = store->Commit(OneRecord("b", "y"));
  ASSERT_FALSE(committed) << "committed into a removed snapshot";
  EXPECT_NE(committed.error().message.find("was removed or replaced"), std::string::npos);
  EXPECT_FALSE(store->Get({"c", Entity::kCandidate, "a"})) << "read a removed snapshot";
}

TEST(SnapshotDiskFaultTest, ASnapshotDirectoryReplacedByAnotherIsNoticedBeforeTheNextCommit) {
  TempDir dir;
  const std::string path = dir.File("snapshot");
  auto opened = OpenRocksDbStore(path);
  ASSERT_TRUE(opened) << opened.error().message;
  auto store = std::move(opened).value();
  ASSERT_TRUE(store->Commit(OneRecord("a", "x")));
  // Moved away and an empty directory put in its place (no periodic check in between).
  fs::rename(path, dir.File("moved"));
  fs::create_directories(path);
  auto committed = store->Commit(OneRecord("b", "y"));
  ASSERT_FALSE(committed) << "committed into a snapshot directory that is no longer at its path";
  EXPECT_NE(committed.error().message.find("was removed or replaced"), std::string::npos)
      << committed.error().message;
}

}  // namespace
}  // namespace ats::snapshot
