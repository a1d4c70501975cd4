// Secrets at rest: with a keyring, the refresh token a Workday tenant rotates is sealed before
// it reaches the snapshot, so no file under the snapshot directory holds it, while a restart
// still opens and uses it. Against the simulated tenant over loopback HTTP, real RocksDB on disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "connections/keyring.hpp"
#include "runtime/service.hpp"
#include "runtime/source_state.hpp"
#include "sim/workday_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

constexpr const char* kStateKey = "workday.refresh_token";

// Every regular file under `dir` (RocksDB's WAL, SST, MANIFEST, logs...) that contains
// `needle`, read as bytes: grep -r -a -l.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) found.push_back(entry.path().filename().string());
  }
  return found;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += n + " ";
  return out;
}

class SealedStateTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    options_.job_postings = 2;
    options_.applications = 20;
    options_.rotate_refresh_token = true;
    tenant_ = std::make_unique<sim::WorkdayTenant>(options_);
    ASSERT_TRUE(tenant_->Start());
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    connection_.id = "acme-wd";
    connection_.source = "workday";
    connection_.workday.rest_endpoint = tenant_->rest_endpoint();
    connection_.workday.client_id = options_.client_id;
    connection_.workday.client_secret = options_.client_secret;
    connection_.workday.refresh_token = options_.refresh_token;
    connection_.workday.allow_insecure_http = true;
    connection_.workday.rate_limit = {1000, 1};
    config::WorkdayReportConfig report;
    report.url = tenant_->report_url();
    connection_.workday.reports.push_back(report);
    with_source_state_ = true;
  }

  // A cycle that rotates the token; the token the tenant accepts afterwards.
  std::string RotateOnce() {
    auto cycle = worker_->RunCycle();
    EXPECT_TRUE(cycle.ok()) << cycle.error().message;
    const std::string rotated = tenant_->current_refresh_token();
    EXPECT_NE(rotated, options_.refresh_token) << "the tenant should have rotated the token";
    return rotated;
  }

  // A restart that must refresh its access token: only the persisted (rotated) token works,
  // the configured one is stale.
  void ExpectARestartUsesTheSavedToken() {
    OpenWorker();
    tenant_->SetFault(sim::WorkdayFault::kExpireTokens);
    auto after = worker_->RunCycle();
    ASSERT_TRUE(after.ok()) << after.error().message;
  }

  std::string SnapshotDir() const { return dir_.File("snapshot"); }

  sim::WorkdayTenantOptions options_;
  std::unique_ptr<sim::WorkdayTenant> tenant_;
};

TEST_F(SealedStateTest, WithAKeyringNoSnapshotFileHoldsTheRotatedToken) {
  const auto keyring = *connections::Keyring::Parse(connections::Keyring::Generate());
  state_keyring_ = &keyring;
  OpenWorker();
  const std::string rotated = RotateOnce();
  auto raw = store_->GetMeta("source/acme-wd/" + std::string(kStateKey));
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_TRUE(connections::Keyring::IsSealed(**raw)) << "stored unsealed";
  CloseWorker();  // everything written is in the files now
  EXPECT_EQ(Join(FilesContaining(SnapshotDir(), rotated)), "");
  EXPECT_EQ(Join(FilesContaining(SnapshotDir(), options_.client_secret)), "");
  ASSERT_NO_FATAL_FAILURE(ExpectARestartUsesTheSavedToken());
  CloseWorker();
  EXPECT_EQ(Join(FilesContaining(SnapshotDir(), tenant_->current_refresh_token())), "");
}

TEST_F(SealedStateTest, WithoutAKeyringTheTokenIsStoredAsBeforeAndFoundByTheSameSearch) {
  // The search above can fail: without a keyring it finds the token in the snapshot's files.
  OpenWorker();
  const std::string rotated = RotateOnce();
  CloseWorker();
  EXPECT_NE(Join(FilesContaining(SnapshotDir(), rotated)), "");
  ASSERT_NO_FATAL_FAILURE(ExpectARestartUsesTheSavedToken());
}

TEST_F(SealedStateTest, APlaintextTokenFromBeforeIsReadThenSealedAtTheNextWrite) {
  OpenWorker();  // no keyring yet
  const std::string before = RotateOnce();
  const auto keyring = *connections::Keyring::Parse(connections::Keyring::Generate());
  state_keyring_ = &keyring;
  OpenWorker();
  auto read = state_->Get(kStateKey);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, before) << "the plaintext value is still read";
  const std::string after = RotateOnce();  // uses `before`, saves the next token sealed
  ASSERT_NE(after, before);
  auto raw = store_->GetMeta("source/acme-wd/" + std::string(kStateKey));
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_TRUE(connections::Keyring::IsSealed(**raw));
  CloseWorker();
  EXPECT_EQ(Join(FilesContaining(SnapshotDir(), after)), "");
  ASSERT_NO_FATAL_FAILURE(ExpectARestartUsesTheSavedToken());
}

TEST_F(SealedStateTest, ASealedTokenOpensOnlyWithItsKeyAndUnderItsOwnKey) {
  const std::string keyring_text = connections::Keyring::Generate();
  const auto keyring = *connections::Keyring::Parse(keyring_text);
  state_keyring_ = &keyring;
  OpenWorker();
  const std::string rotated = RotateOnce();

  const auto stranger = *connections::Keyring::Parse(connections::Keyring::Generate());
  runtime::SnapshotStateStore wrong_key(*store_, "acme-wd", &stranger);
  auto with_wrong_key = wrong_key.Get(kStateKey);
  ASSERT_FALSE(with_wrong_key.ok());
  EXPECT_NE(with_wrong_key.error().message.find("failed authentication"), std::string::npos)
      << with_wrong_key.error().message;

  runtime::SnapshotStateStore no_key(*store_, "acme-wd");
  auto without_key = no_key.Get(kStateKey);
  ASSERT_FALSE(without_key.ok());
  EXPECT_NE(without_key.error().message.find("secrets.keyring_file"), std::string::npos)
      << without_key.error().message;

  // The seal is bound to its meta key: copied under another connection it does not open.
  auto raw = store_->GetMeta("source/acme-wd/" + std::string(kStateKey));
  ASSERT_TRUE(raw.ok() && raw->has_value());
  snapshot::Batch copy;
  copy.PutMeta("source/other/" + std::string(kStateKey), **raw);
  ASSERT_TRUE(store_->Commit(copy).ok());
  runtime::SnapshotStateStore other(*store_, "other", &keyring);
  EXPECT_FALSE(other.Get(kStateKey).ok());

  // After a rotation (keygen --add) the old seal still opens, and the next write uses the new key.
  const auto rotated_ring = *connections::Keyring::Parse(*connections::Keyring::AddKey(keyring_text));
  runtime::SnapshotStateStore after_rotation(*store_, "acme-wd", &rotated_ring);
  auto opened = after_rotation.Get(kStateKey);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_TRUE(opened->has_value());
  EXPECT_EQ(**opened, rotated);
  ASSERT_TRUE(after_rotation.Put(kStateKey, "next-token-0123456789").ok());
  auto resealed = store_->GetMeta("source/acme-wd/" + std::string(kStateKey));
  ASSERT_TRUE(resealed.ok() && resealed->has_value());
  EXPECT_EQ(resealed->value().rfind("v1:k2:", 0), 0u) << "sealed under the new primary";
  EXPECT_FALSE(runtime::SnapshotStateStore(*store_, "acme-wd", &keyring).Get(kStateKey).ok())
      << "the old keyring does not hold k2";
}

// The assembled Service: it loads secrets.keyring_file at start-up and seals with it; without
// one, each Workday connection is warned about once.
class SealedServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetSinkForTest([this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    });
    options_.job_postings = 2;
    options_.applications = 10;
    options_.rotate_refresh_token = true;
    tenant_ = std::make_unique<sim::WorkdayTenant>(options_);
    ASSERT_TRUE(tenant_->Start());
    config::ConnectionConfig c;
    c.id = "acme-wd";
    c.source = "workday";
    c.poll_interval_s = 1;
    c.workday.rest_endpoint = tenant_->rest_endpoint();
    c.workday.client_id = options_.client_id;
    c.workday.client_secret = options_.client_secret;
    c.workday.refresh_token = options_.refresh_token;
    c.workday.allow_insecure_http = true;
    c.workday.rate_limit = {1000, 1};
    config::WorkdayReportConfig report;
    report.url = tenant_->report_url();
    c.workday.reports.push_back(report);
    config_.connections.push_back(c);
    config_.snapshot.path = dir_.File("snapshot");
    config_.http.listen = "127.0.0.1:0";
  }
  void TearDown() override { log::SetSinkForTest(nullptr); }

  int LinesWith(const std::string& text) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& l : lines_) n += l.find(text) != std::string::npos ? 1 : 0;
    return n;
  }

  testing::TempDir dir_;
  sim::WorkdayTenantOptions options_;
  std::unique_ptr<sim::WorkdayTenant> tenant_;
  config::Config config_;
  std::mutex mu_;
  std::vector<std::string> lines_;
};

TEST_F(SealedServiceTest, WithAKeyringTheServiceSealsTheRotatedToken) {
  config_.secrets.keyring_file = dir_.File("keyring.yaml");
  testing::WriteFile(config_.secrets.keyring_file, connections::Keyring::Generate());
  std::string rotated;
  {
    runtime::Service service(config_);
    auto started = service.Start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    // The report is read with an access token issued after the rotated token was saved.
    ASSERT_TRUE(testing::Eventually([&] { return tenant_->stats().report_requests >= 1; }));
    service.Stop();
    rotated = tenant_->current_refresh_token();
  }
  ASSERT_NE(rotated, options_.refresh_token);
  EXPECT_EQ(LinesWith("stored unencrypted"), 0);
  EXPECT_EQ(Join(FilesContaining(config_.snapshot.path, rotated)), "");
  EXPECT_EQ(LinesWith(rotated), 0) << "the token reached a log line";
}

TEST_F(SealedServiceTest, WithoutAKeyringEachWorkdayConnectionIsWarnedAboutOnce) {
  runtime::Service service(config_);
  auto started = service.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  service.Stop();
  EXPECT_EQ(LinesWith("stored unencrypted"), 1);
  EXPECT_EQ(LinesWith("secrets.keyring_file"), 1);
}

TEST_F(SealedServiceTest, AKeyringThatCannotBeLoadedStopsStartUp) {
  config_.secrets.keyring_file = dir_.File("missing.yaml");
  runtime::Service service(config_);
  auto started = service.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().category, ErrorCategory::kConfig);
  EXPECT_NE(started.error().message.find("keygen --out"), std::string::npos) << started.error().message;
}

TEST_F(SealedServiceTest, AReloadThatChangesTheKeyringIsRefused) {
  runtime::Service service(config_);
  auto started = service.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  config::Config next = config_;
  next.secrets.keyring_file = dir_.File("keyring.yaml");
  testing::WriteFile(next.secrets.keyring_file, connections::Keyring::Generate());
  auto reloaded = service.Reload(next);
  service.Stop();
  ASSERT_FALSE(reloaded.ok()) << "the workers would keep the keyring they were given";
  EXPECT_NE(reloaded.error().message.find("secrets.keyring_file"), std::string::npos)
      << reloaded.error().message;
}

}  // namespace
}  // namespace ats
