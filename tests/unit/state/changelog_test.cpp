#include "state/changelog.hpp"

#include <gtest/gtest.h>

#include "snapshot/codec.hpp"
#include "support/test_support.hpp"

namespace ats::state {
namespace {

snapshot::StoredRecord Rec(uint64_t hash, const std::string& body, uint64_t sequence) {
  snapshot::StoredRecord r;
  r.hash = hash;
  r.body = body;
  r.updated_at = "2026-01-01T00:00:0" + std::to_string(sequence % 10) + "Z";
  r.sequence = sequence;
  r.withheld = {"gender"};
  return r;
}

std::vector<kafka::ChangelogRecord> AsRead(const std::vector<Message>& messages, int64_t first_offset = 0) {
  std::vector<kafka::ChangelogRecord> out;
  for (const auto& m : messages) {
    kafka::ChangelogRecord r;
    r.partition = m.partition;
    r.offset = first_offset++;
    r.key = m.key;
    r.value = m.value;
    r.null_value = m.null_value;
    out.push_back(std::move(r));
  }
  return out;
}

// What a replica restores from the changelog is what the owner committed locally.
TEST(ChangelogTest, RestoringTheRecordsOfBatchesRebuildsTheSameStore) {
  testing::TempDir owner_dir, restored_dir;
  auto owner = snapshot::OpenRocksDbStore(owner_dir.File("snap"));
  auto restored = snapshot::OpenRocksDbStore(restored_dir.File("snap"));
  ASSERT_TRUE(owner.ok() && restored.ok());
  std::vector<Message> log;
  snapshot::Batch first;
  first.Put({"acme", Entity::kCandidate, "c1"}, Rec(1, "{\"a\":1}", 1));
  first.Put({"acme", Entity::kCandidate, "c2"}, Rec(2, "{\"a\":2}", 1));
  first.Put({"acme", Entity::kJob, "j1"}, Rec(3, "{}", 1));
  first.PutMeta("sync/acme/candidate/cursor", "2026-01-01T00:00:00Z");
  snapshot::Batch second;
  second.Put({"acme", Entity::kCandidate, "c1"}, Rec(4, "{\"a\":3}", 2));  // updated
  second.Delete({"acme", Entity::kCandidate, "c2"});                       // deleted
  second.Put({"~gone/acme", Entity::kCandidate, "c2"}, Rec(0, "", 1));     // its tombstone key
  second.PutMeta("sync/acme/candidate/cursor", "2026-01-02T00:00:00Z");
  second.PutMeta("control/acme/paused", "true");
  second.DeleteMeta("control/acme/paused");  // put and deleted in one batch: ends deleted
  for (const auto* batch : {&first, &second}) {
    ASSERT_TRUE((*owner)->Commit(*batch).ok());
    auto records = ChangelogRecords(*batch, "ats.connector.state", 5);
    for (const auto& m : records) {
      EXPECT_EQ(m.partition, 5);
      EXPECT_EQ(m.topic, "ats.connector.state");
    }
    log.insert(log.end(), records.begin(), records.end());
  }
  size_t skipped = 0;
  ASSERT_TRUE((*restored)->Commit(RestoreBatch(AsRead(log), skipped)).ok());
  EXPECT_EQ(skipped, 0u);
  for (const auto& key :
       {snapshot::Key{"acme", Entity::kCandidate, "c1"}, snapshot::Key{"acme", Entity::kCandidate, "c2"},
        snapshot::Key{"acme", Entity::kJob, "j1"}, snapshot::Key{"~gone/acme", Entity::kCandidate, "c2"}}) {
    auto a = (*owner)->Get(key);
    auto b = (*restored)->Get(key);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->has_value(), b->has_value()) << key.id;
    if (a->has_value()) {
      EXPECT_EQ((*a)->hash, (*b)->hash);
      EXPECT_EQ((*a)->body, (*b)->body);
      EXPECT_EQ((*a)->sequence, (*b)->sequence);
      EXPECT_EQ((*a)->withheld, (*b)->withheld);
    }
  }
  EXPECT_FALSE((*restored)->Get({"acme", Entity::kCandidate, "c2"})->has_value());
  EXPECT_EQ(*(*restored)->GetMeta("sync/acme/candidate/cursor"),
            std::optional<std::string>("2026-01-02T00:00:00Z"));
  EXPECT_FALSE((*restored)->GetMeta("control/acme/paused")->has_value());
}

// Offset order decides: a key deleted and then written again ends written, and the reverse.
TEST(ChangelogTest, TheLastRecordOfAKeyWins) {
  snapshot::Batch a, b, c;
  a.Put({"x", Entity::kCandidate, "1"}, Rec(1, "one", 1));
  b.Delete({"x", Entity::kCandidate, "1"});
  c.Put({"x", Entity::kCandidate, "1"}, Rec(2, "two", 2));
  std::vector<Message> log;
  for (const auto* batch : {&a, &b, &c}) {
    auto r = ChangelogRecords(*batch, "t", 0);
    log.insert(log.end(), r.begin(), r.end());
  }
  size_t skipped = 0;
  auto restored = RestoreBatch(AsRead(log), skipped);
  ASSERT_EQ(restored.puts().size(), 1u);
  EXPECT_EQ(restored.puts()[0].second.body, "two");
  EXPECT_TRUE(restored.deletes().empty());
  log.pop_back();  // without the re-creation: deleted
  restored = RestoreBatch(AsRead(log), skipped);
  EXPECT_TRUE(restored.puts().empty());
  EXPECT_EQ(restored.deletes().size(), 1u);
}

// A record the connector never writes (garbage, a local-only "~" meta key) changes nothing.
TEST(ChangelogTest, UndecodableOrLocalOnlyRecordsAreSkippedAndCounted) {
  std::vector<kafka::ChangelogRecord> records(4);
  records[0].key = "garbage";
  records[0].value = "x";
  records[1].key = snapshot::EncodeMetaKey("~cluster/checkpoint/t/0");
  records[1].value = "999";
  records[2].key = snapshot::EncodeRecordKey({"acme", Entity::kCandidate, "c1"});
  records[2].value = "\x07not a record";
  records[3].key = snapshot::EncodeMetaKey("sync/acme/x");
  records[3].value = "kept";
  for (int64_t i = 0; i < 4; ++i) records[static_cast<size_t>(i)].offset = i;
  size_t skipped = 0;
  auto batch = RestoreBatch(records, skipped);
  EXPECT_EQ(skipped, 3u);
  ASSERT_EQ(batch.meta().size(), 1u);
  EXPECT_EQ(batch.meta()[0].first, "sync/acme/x");
  EXPECT_TRUE(batch.puts().empty());
}

}  // namespace
}  // namespace ats::state
