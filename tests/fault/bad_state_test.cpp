// Bad state, driven through the binary: a snapshot directory that is someone else's, a
// RocksDB whose files are damaged, a snapshot value that is corrupt, and a snapshot already in
// use by another connector. Each is refused with a message that says what to do, and nothing
// on disk is modified or reset.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "fault/harness.hpp"
#include "sim/workable_tenant.hpp"
#include "support/test_support.hpp"

namespace ats::fault {
namespace {

namespace fs = std::filesystem;

// Every file under `dir` with its content, to prove a directory was left alone.
std::map<std::string, std::string> Contents(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) out[entry.path().string()] = testing::ReadFile(entry.path().string());
  return out;
}

class BadStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.rate_limit_requests = 0;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    kafka_ = std::make_unique<KafkaProcess>(1);
    ASSERT_TRUE(kafka_->ok());
  }

  std::string Config(const std::string& snapshot) {
    ConnectorConfig cfg;
    cfg.base_url = tenant_->base_url();
    cfg.bootstrap = kafka_->bootstrap();
    cfg.snapshot_path = snapshot;
    cfg.extra_connection = "    incremental: false\n";  // every cycle reads every stored record
    const std::string path = dir_.File("connector.yaml");
    testing::WriteFile(path, ConnectorYaml(cfg));
    return path;
  }

  // Runs the connector until its first complete cycle, then stops it (a real snapshot).
  void SyncOnce(const std::string& config) {
    ConnectorProcess c(config);
    ASSERT_TRUE(c.WaitStarted()) << c.child().err();
    ASSERT_TRUE(c.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s)) << c.child().err();
    ASSERT_TRUE(c.child().Signal(SIGTERM));
    ASSERT_EQ(c.child().Wait(30s), 0);
  }

  // `ats-connector run` that must refuse to start: exit code and stderr.
  std::pair<int, std::string> RunRefused(const std::string& config) {
    ConnectorProcess c(config);
    auto code = c.child().Wait(30s);
    if (!code) {
      c.child().Signal(SIGKILL);
      return {-1, c.child().err()};
    }
    return {*code, c.child().err()};
  }

  testing::TempDir dir_;
  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::unique_ptr<KafkaProcess> kafka_;
};

TEST_F(BadStateTest, AForeignDirectoryIsRefusedWithExitOneAndLeftUntouched) {
  const std::string foreign = dir_.File("foreign");
  fs::create_directories(foreign + "/sub");
  testing::WriteFile(foreign + "/notes.txt", "somebody else's data");
  testing::WriteFile(foreign + "/sub/ledger.csv", "1,2,3\n");
  const auto before = Contents(foreign);
  const auto [code, err] = RunRefused(Config(foreign));
  std::cout << "=== foreign snapshot dir: exit " << code << "\n" << err;
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("is not an ats-connector snapshot"), std::string::npos) << err;
  EXPECT_NE(err.find("it was not modified"), std::string::npos) << err;
  EXPECT_EQ(Contents(foreign), before);
}

TEST_F(BadStateTest, DamagedRocksDbFilesAreRefusedNotReset) {
  const std::string snapshot = dir_.File("snapshot");
  const std::string config = Config(snapshot);
  SyncOnce(config);
  // Damage the MANIFEST the CURRENT file names: the database cannot be opened as it is.
  std::string current = testing::ReadFile(snapshot + "/CURRENT");
  current.erase(current.find_last_not_of("\r\n") + 1);
  const std::string manifest = snapshot + "/" + current;
  ASSERT_TRUE(fs::exists(manifest)) << manifest;
  {
    std::fstream f(manifest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << std::string(64, '\xff');
  }
  const auto before = Contents(snapshot);
  const auto [code, err] = RunRefused(config);
  std::cout << "=== damaged MANIFEST: exit " << code << "\n" << err;
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("snapshot"), std::string::npos) << err;
  EXPECT_NE(err.find("Corruption"), std::string::npos) << err;
  EXPECT_EQ(Contents(snapshot), before) << "the damaged snapshot was modified";
}

TEST_F(BadStateTest, ACorruptValueFailsTheSyncWithAClearErrorAndStaysAsItIs) {
  const std::string snapshot = dir_.File("snapshot");
  const std::string config = Config(snapshot);
  SyncOnce(config);
  // Overwrite one candidate's stored state with bytes that do not decode.
  const std::string garbage = "\x07not a snapshot record";
  std::string corrupted_key;
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), snapshot, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::string prefix = std::string("r\0fault\0candidate\0", 18);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    it->Seek(prefix);
    ASSERT_TRUE(it->Valid() && it->key().starts_with(prefix));
    corrupted_key = it->key().ToString();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    ASSERT_TRUE(db->Put(wo, corrupted_key, garbage).ok());
  }
  ConnectorProcess c(config);
  ASSERT_TRUE(c.WaitStarted()) << c.child().err();
  auto failed = c.child().WaitForLine("\"msg\":\"Sync cycle failed.\"", true, 60s);
  ASSERT_TRUE(failed) << c.child().err();
  std::cout << "=== corrupt value: " << *failed << "\n";
  EXPECT_NE(failed->find("\"kind\":\"snapshot\""), std::string::npos);
  EXPECT_NE(failed->find("is corrupt"), std::string::npos);
  EXPECT_NE(failed->find("restore the snapshot from a backup"), std::string::npos);
  EXPECT_NE(failed->find("\"retryable\":false"), std::string::npos);
  const auto [status, body] = c.Get("/status");
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find("\"kind\":\"snapshot\""), std::string::npos) << body;
  ASSERT_TRUE(c.child().Signal(SIGTERM));
  EXPECT_EQ(c.child().Wait(30s), 0);
  // Never silently reset: the corrupt value is still there for an operator to look at.
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), snapshot, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), corrupted_key, &value).ok());
  EXPECT_EQ(value, garbage);
}

TEST_F(BadStateTest, ASnapshotInUseByAnotherConnectorIsRefused) {
  const std::string config = Config(dir_.File("snapshot"));
  ConnectorProcess first(config);
  ASSERT_TRUE(first.WaitStarted()) << first.child().err();
  const auto [code, err] = RunRefused(config);
  std::cout << "=== snapshot in use: exit " << code << "\n" << err;
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("lock"), std::string::npos) << err;
  EXPECT_TRUE(first.child().running()) << "the first connector was disturbed";
  ASSERT_TRUE(first.child().Signal(SIGTERM));
  EXPECT_EQ(first.child().Wait(30s), 0);
}

}  // namespace
}  // namespace ats::fault
