#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <map>
#include <thread>

#include "snapshot/snapshot_store.hpp"
#include "support/test_support.hpp"

namespace ats::snapshot {
namespace {

using ats::testing::TempDir;

StoredRecord Rec(std::string body, std::string updated_at = "", std::string parent = "") {
  StoredRecord r;
  r.hash = ContentHash(body);
  r.body = std::move(body);
  r.updated_at = std::move(updated_at);
  r.parent_id = std::move(parent);
  return r;
}

void ExpectSame(const StoredRecord& a, const StoredRecord& b) {
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.withheld, b.withheld);
}

std::unique_ptr<SnapshotStore> MustOpen(const std::string& path) {
  auto store = OpenRocksDbStore(path);
  if (!store.ok()) ADD_FAILURE() << store.error().message;
  return store.ok() ? std::move(store).value() : nullptr;
}

std::vector<std::string> Ids(SnapshotStore& store, std::string_view conn, Entity entity) {
  std::vector<std::string> ids;
  auto r = store.ForEach(conn, entity, [&](std::string_view id, const StoredRecord&) {
    ids.emplace_back(id);
    return true;
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return ids;
}

// name -> size of every file under `dir`, to prove a directory was not modified.
std::map<std::string, uintmax_t> Listing(const std::string& dir) {
  std::map<std::string, uintmax_t> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    out[e.path().string()] = e.is_regular_file() ? e.file_size() : 0;
  return out;
}

TEST(RocksDbStoreTest, PutGetRoundTripKeepsEveryField) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  StoredRecord r = Rec(R"({"name":"Ada \"L\" \u00e9","tags":["x"]})", "2026-07-23T18:58:18Z", "JOB1");
  r.hash = 0xFFFFFFFFFFFFFFFFULL;  // all 64 bits survive
  Batch b;
  b.Put({"acme", Entity::kCandidate, "c1"}, r);
  ASSERT_TRUE(store->Commit(b).ok());

  auto got = store->Get({"acme", Entity::kCandidate, "c1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  ExpectSame(**got, r);

  auto missing = store->Get({"acme", Entity::kCandidate, "c2"});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto other_entity = store->Get({"acme", Entity::kJob, "c1"});
  ASSERT_TRUE(other_entity.ok());
  EXPECT_FALSE(other_entity->has_value());
}

TEST(RocksDbStoreTest, SequenceAndWithheldNamesRoundTrip) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  StoredRecord r = Rec(R"({"name":"Ada"})", "2026-07-23T18:58:18Z", "JOB1");
  r.sequence = 0x8000000000000001ULL;  // all 64 bits, through every varint byte
  r.withheld = {"attributes.gender", "date_of_birth", ""};
  Batch b;
  b.Put({"acme", Entity::kCandidate, "c1"}, r);
  ASSERT_TRUE(store->Commit(b).ok());
  auto got = store->Get({"acme", Entity::kCandidate, "c1"});
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->sequence, r.sequence);
  EXPECT_EQ((*got)->withheld, r.withheld);
  ExpectSame(**got, r);
}

// Values written by builds before the sequence and withheld names (record format 1) still read.
TEST(RocksDbStoreTest, ReadsFormatOneValues) {
  TempDir dir;
  const std::string path = dir.File("snap");
  ASSERT_TRUE(MustOpen(path));
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    // version 1 | hash 7 (LE) | "{}" | "2026-01-01T00:00:00Z" | "J1"
    std::string v("\x01\x07\0\0\0\0\0\0\0", 9);
    v += std::string("\x02{}", 3);
    v += std::string("\x14") + "2026-01-01T00:00:00Z";
    v += std::string("\x02J1", 3);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), std::string("r\0acme\0candidate\0", 17) + "c1", v).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  auto got = store->Get({"acme", Entity::kCandidate, "c1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->hash, 7u);
  EXPECT_EQ((*got)->body, "{}");
  EXPECT_EQ((*got)->updated_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ((*got)->parent_id, "J1");
  EXPECT_EQ((*got)->sequence, 0u);
  EXPECT_TRUE((*got)->withheld.empty());
}

TEST(RocksDbStoreTest, EmptyAndLargeValuesRoundTrip) {
  TempDir dir;
  auto store = MustOpen(dir.path());  // an existing empty directory is fine
  ASSERT_TRUE(store);
  StoredRecord empty;  // everything empty/zero
  StoredRecord large = Rec(std::string(300000, 'x'), std::string(200, 'u'), std::string(130, 'p'));
  Batch b;
  b.Put({"c", Entity::kJob, "empty"}, empty);
  b.Put({"c", Entity::kJob, "large"}, large);
  ASSERT_TRUE(store->Commit(b).ok());
  auto e = store->Get({"c", Entity::kJob, "empty"});
  auto l = store->Get({"c", Entity::kJob, "large"});
  ASSERT_TRUE(e.ok() && l.ok());
  ASSERT_TRUE(e->has_value() && l->has_value());
  ExpectSame(**e, empty);
  ExpectSame(**l, large);
}

TEST(RocksDbStoreTest, CommitAppliesPutsDeletesAndMetaTogether) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  Batch first;
  first.Put({"acme", Entity::kCandidate, "a"}, Rec("{\"v\":1}"));
  first.Put({"acme", Entity::kCandidate, "b"}, Rec("{\"v\":2}"));
  ASSERT_TRUE(store->Commit(first).ok());

  Batch second;
  second.Put({"acme", Entity::kCandidate, "c"}, Rec("{\"v\":3}"));
  second.Put({"acme", Entity::kCandidate, "a"}, Rec("{\"v\":10}"));
  second.Delete({"acme", Entity::kCandidate, "b"});
  second.Delete({"acme", Entity::kCandidate, "never-existed"});
  second.PutMeta("cursor/acme/candidate", "2026-07-23T18:58:18Z");
  EXPECT_FALSE(second.empty());
  ASSERT_TRUE(store->Commit(second).ok());

  EXPECT_EQ(Ids(*store, "acme", Entity::kCandidate), (std::vector<std::string>{"a", "c"}));
  auto a = store->Get({"acme", Entity::kCandidate, "a"});
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->body, "{\"v\":10}");
  auto cursor = store->GetMeta("cursor/acme/candidate");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->value_or("<none>"), "2026-07-23T18:58:18Z");
  auto no_meta = store->GetMeta("cursor/other");
  ASSERT_TRUE(no_meta.ok());
  EXPECT_FALSE(no_meta->has_value());
}

// The resume marker of an interrupted listing is removed in the batch that completes it.
TEST(RocksDbStoreTest, DeleteMetaRemovesAKeyAtomicallyWithTheRestOfTheBatch) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  Batch first;
  first.PutMeta("sync/acme/candidate/resume", "{\"next\":\"x\"}");
  first.PutMeta("sync/acme/candidate/cursor", "1");
  ASSERT_TRUE(store->Commit(first).ok());

  Batch second;
  second.DeleteMeta("sync/acme/candidate/resume");
  EXPECT_FALSE(second.empty());
  second.DeleteMeta("never-existed");
  second.PutMeta("sync/acme/candidate/cursor", "2");
  second.PutMeta("both", "put then deleted");
  second.DeleteMeta("both");
  ASSERT_TRUE(store->Commit(second).ok());
  auto marker = store->GetMeta("sync/acme/candidate/resume");
  ASSERT_TRUE(marker.ok());
  EXPECT_FALSE(marker->has_value());
  auto both = store->GetMeta("both");
  ASSERT_TRUE(both.ok());
  EXPECT_FALSE(both->has_value());
  auto cursor = store->GetMeta("sync/acme/candidate/cursor");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->value_or("<none>"), "2");

  Batch reserved;
  reserved.DeleteMeta("__format");
  auto refused = store->Commit(reserved);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().category, ErrorCategory::kSnapshot);
}

TEST(RocksDbStoreTest, RejectedBatchWritesNothing) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  Batch b;
  b.Put({"acme", Entity::kJob, "j1"}, Rec("{}"));
  b.PutMeta("cursor", "x");
  b.PutMeta("__format", "evil");  // reserved: the whole batch is refused
  auto r = store->Commit(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::kSnapshot);
  EXPECT_FALSE(r.error().retryable());
  auto count = store->Count("acme", Entity::kJob);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u);
  auto cursor = store->GetMeta("cursor");
  ASSERT_TRUE(cursor.ok());
  EXPECT_FALSE(cursor->has_value());
}

TEST(RocksDbStoreTest, EmptyBatchIsOk) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  Batch b;
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(store->Commit(b).ok());
}

TEST(RocksDbStoreTest, DataSurvivesReopen) {
  TempDir dir;
  const std::string path = dir.File("snap");
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    Batch b;
    b.Put({"acme", Entity::kCandidate, "c1"}, Rec("{\"a\":1}", "t1", "j1"));
    b.Put({"acme", Entity::kJob, "j1"}, Rec("{\"b\":2}"));
    b.PutMeta("cursor", "42");
    ASSERT_TRUE(store->Commit(b).ok());
  }
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    auto c1 = store->Get({"acme", Entity::kCandidate, "c1"});
    ASSERT_TRUE(c1.ok() && c1->has_value());
    ExpectSame(**c1, Rec("{\"a\":1}", "t1", "j1"));
    auto meta = store->GetMeta("cursor");
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(meta->value_or(""), "42");
    auto jobs = store->Count("acme", Entity::kJob);
    ASSERT_TRUE(jobs.ok());
    EXPECT_EQ(*jobs, 1u);
    Batch del;
    del.Delete({"acme", Entity::kJob, "j1"});
    ASSERT_TRUE(store->Commit(del).ok());
  }
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  auto jobs = store->Count("acme", Entity::kJob);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(*jobs, 0u);
}

TEST(RocksDbStoreTest, ForEachVisitsInIdOrderAndStopsEarly) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  Batch b;
  for (const char* id : {"m", "b", "z", "a", "B", "aa"}) b.Put({"acme", Entity::kCandidate, id}, Rec(id));
  ASSERT_TRUE(store->Commit(b).ok());

  EXPECT_EQ(Ids(*store, "acme", Entity::kCandidate),
            (std::vector<std::string>{"B", "a", "aa", "b", "m", "z"}));

  std::vector<std::string> seen;
  auto r = store->ForEach("acme", Entity::kCandidate, [&](std::string_view id, const StoredRecord& rec) {
    EXPECT_EQ(rec.body, id);
    seen.emplace_back(id);
    return seen.size() < 3;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"B", "a", "aa"}));

  auto count = store->Count("acme", Entity::kCandidate);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 6u);
}

TEST(RocksDbStoreTest, ConnectionsEntitiesAndPrefixIdsStaySeparate) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  Batch b;
  b.Put({"a", Entity::kCandidate, "ab"}, Rec("a/ab"));
  b.Put({"a", Entity::kCandidate, "abc"}, Rec("a/abc"));
  b.Put({"a", Entity::kJob, "ab"}, Rec("a/job/ab"));
  b.Put({"ab", Entity::kCandidate, "c"}, Rec("ab/c"));
  b.Put({"a b", Entity::kCandidate, "x"}, Rec("a b/x"));
  b.Put({"", Entity::kCandidate, "empty-conn"}, Rec("empty"));
  b.Put({"a", Entity::kCandidate, "dir/with/slashes"}, Rec("slashes"));
  b.Put({"a", Entity::kCandidate, "\xc3\xa9t\xc3\xa9-\xf0\x9f\x98\x80"}, Rec("unicode"));
  b.Put({"a", Entity::kCandidate, ""}, Rec("empty id"));
  ASSERT_TRUE(store->Commit(b).ok());

  EXPECT_EQ(
      Ids(*store, "a", Entity::kCandidate),
      (std::vector<std::string>{"", "ab", "abc", "dir/with/slashes", "\xc3\xa9t\xc3\xa9-\xf0\x9f\x98\x80"}));
  EXPECT_EQ(Ids(*store, "a", Entity::kJob), (std::vector<std::string>{"ab"}));
  EXPECT_EQ(Ids(*store, "ab", Entity::kCandidate), (std::vector<std::string>{"c"}));
  EXPECT_EQ(Ids(*store, "a b", Entity::kCandidate), (std::vector<std::string>{"x"}));
  EXPECT_EQ(Ids(*store, "", Entity::kCandidate), (std::vector<std::string>{"empty-conn"}));
  EXPECT_TRUE(Ids(*store, "", Entity::kJob).empty());
  EXPECT_TRUE(Ids(*store, "abc", Entity::kCandidate).empty());

  auto ab = store->Get({"a", Entity::kCandidate, "ab"});
  ASSERT_TRUE(ab.ok() && ab->has_value());
  EXPECT_EQ((*ab)->body, "a/ab");
  auto uni = store->Get({"a", Entity::kCandidate, "\xc3\xa9t\xc3\xa9-\xf0\x9f\x98\x80"});
  ASSERT_TRUE(uni.ok() && uni->has_value());
  EXPECT_EQ((*uni)->body, "unicode");

  // Deleting "ab" leaves "abc" alone.
  Batch del;
  del.Delete({"a", Entity::kCandidate, "ab"});
  ASSERT_TRUE(store->Commit(del).ok());
  auto abc = store->Get({"a", Entity::kCandidate, "abc"});
  ASSERT_TRUE(abc.ok());
  EXPECT_TRUE(abc->has_value());
  auto n = store->Count("a", Entity::kCandidate);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
}

TEST(RocksDbStoreTest, MetaAndRecordsDoNotCollide) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  Batch b;
  b.PutMeta("acme", "meta-value");
  b.Put({"acme", Entity::kJob, "j"}, Rec("{}"));
  ASSERT_TRUE(store->Commit(b).ok());
  auto meta = store->GetMeta("acme");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->value_or(""), "meta-value");
  EXPECT_EQ(Ids(*store, "acme", Entity::kJob), (std::vector<std::string>{"j"}));
}

TEST(RocksDbStoreTest, ConnectionWithNulIsRefused) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  const std::string conn("a\0job", 5);  // would alias connection "a", entity "job"
  Batch b;
  b.Put({conn, Entity::kCandidate, "x"}, Rec("{}"));
  auto r = store->Commit(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::kSnapshot);
  EXPECT_FALSE(store->Get({conn, Entity::kCandidate, "x"}).ok());
  EXPECT_FALSE(store->Count(conn, Entity::kCandidate).ok());
  EXPECT_TRUE(Ids(*store, "a", Entity::kJob).empty());
}

TEST(RocksDbStoreTest, UsableFromSeveralThreads) {
  TempDir dir;
  auto store = MustOpen(dir.File("snap"));
  ASSERT_TRUE(store);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 25; ++i) {
        Batch b;
        b.Put({"conn" + std::to_string(t), Entity::kCandidate, std::to_string(i)}, Rec("{}"));
        EXPECT_TRUE(store->Commit(b).ok());
        EXPECT_TRUE(store->Get({"conn" + std::to_string(t), Entity::kCandidate, "0"}).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    auto n = store->Count("conn" + std::to_string(t), Entity::kCandidate);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 25u);
  }
}

// ----- refusing what is not ours -----

void ExpectRefused(const Result<std::unique_ptr<SnapshotStore>>& r, const std::string& path,
                   std::string_view reason) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::kSnapshot);
  EXPECT_FALSE(r.error().retryable());
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("it was not modified"), std::string::npos) << r.error().message;
}

TEST(RocksDbStoreTest, RefusesDirectoryWithUnrelatedFiles) {
  TempDir dir;
  ats::testing::WriteFile(dir.File("notes.txt"), "important");
  const auto before = Listing(dir.path());
  auto r = OpenRocksDbStore(dir.path());
  ExpectRefused(r, dir.path(), "not an ats-connector snapshot");
  EXPECT_EQ(Listing(dir.path()), before);
  EXPECT_EQ(ats::testing::ReadFile(dir.File("notes.txt")), "important");
}

TEST(RocksDbStoreTest, RefusesAPlainFile) {
  TempDir dir;
  ats::testing::WriteFile(dir.File("file"), "x");
  auto r = OpenRocksDbStore(dir.File("file"));
  ExpectRefused(r, dir.File("file"), "not a directory");
  EXPECT_EQ(ats::testing::ReadFile(dir.File("file")), "x");
}

// Creates a RocksDB at `path` directly (not through the store) holding `entries`.
void CreateForeignDb(const std::string& path, const std::map<std::string, std::string>& entries) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (const auto& [k, v] : entries) ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), k, v).ok());
  ASSERT_TRUE(db->Close().ok());
}

TEST(RocksDbStoreTest, RefusesRocksDbWithoutMarkerAndLeavesItUntouched) {
  TempDir dir;
  const std::string path = dir.File("other");
  CreateForeignDb(path, {{"user:1", "someone else's data"}});
  const auto before = Listing(path);
  auto r = OpenRocksDbStore(path);
  ExpectRefused(r, path, "no format marker");
  EXPECT_EQ(Listing(path), before);

  // Still the other tool's data, and still no marker.
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string v;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "user:1", &v).ok());
  EXPECT_EQ(v, "someone else's data");
  EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), std::string("m\0__format", 10), &v).IsNotFound());
}

TEST(RocksDbStoreTest, RefusesEmptyRocksDbWithoutMarker) {
  TempDir dir;
  const std::string path = dir.File("other");
  CreateForeignDb(path, {});
  ExpectRefused(OpenRocksDbStore(path), path, "no format marker");
}

TEST(RocksDbStoreTest, RefusesOtherFormatVersion) {
  TempDir dir;
  const std::string path = dir.File("future");
  CreateForeignDb(path, {{std::string("m\0__format", 10), "ats-connector-snapshot/2"}});
  const auto before = Listing(path);
  auto r = OpenRocksDbStore(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::kSnapshot);
  EXPECT_FALSE(r.error().retryable());
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("ats-connector-snapshot/2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("it was not modified"), std::string::npos) << r.error().message;
  EXPECT_EQ(Listing(path), before);
}

TEST(RocksDbStoreTest, RefusesUnknownMarker) {
  TempDir dir;
  const std::string path = dir.File("odd");
  CreateForeignDb(path, {{std::string("m\0__format", 10), "something-else"}});
  ExpectRefused(OpenRocksDbStore(path), path, "unknown format marker");
}

TEST(RocksDbStoreTest, CorruptValueIsAPermanentError) {
  TempDir dir;
  const std::string path = dir.File("snap");
  ASSERT_TRUE(MustOpen(path));  // creates it with the marker
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::string prefix("r\0acme\0candidate\0", 17);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), prefix + "v9", std::string("\x09rest", 5)).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), prefix + "short", std::string("\x01\x02", 2)).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), prefix + "empty", "").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  for (const char* id : {"v9", "short", "empty"}) {
    auto r = store->Get({"acme", Entity::kCandidate, id});
    ASSERT_FALSE(r.ok()) << id;
    EXPECT_EQ(r.error().category, ErrorCategory::kSnapshot);
    EXPECT_FALSE(r.error().retryable());
  }
  auto v9 = store->Get({"acme", Entity::kCandidate, "v9"});
  ASSERT_FALSE(v9.ok());
  EXPECT_NE(v9.error().message.find("version 9"), std::string::npos) << v9.error().message;

  int visited = 0;
  auto each = store->ForEach("acme", Entity::kCandidate, [&](std::string_view, const StoredRecord&) {
    ++visited;
    return true;
  });
  ASSERT_FALSE(each.ok());
  EXPECT_EQ(each.error().category, ErrorCategory::kSnapshot);
  EXPECT_EQ(visited, 0);  // "empty" sorts first and is corrupt
  // Count does not decode values.
  auto n = store->Count("acme", Entity::kCandidate);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
}

TEST(RocksDbStoreTest, CreatesMissingNestedDirectory) {
  TempDir dir;
  const std::string path = dir.File("a/b/c");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  EXPECT_TRUE(std::filesystem::exists(path + "/CURRENT"));
}

}  // namespace
}  // namespace ats::snapshot
