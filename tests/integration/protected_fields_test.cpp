// The field policy end to end: simulated tenants whose records carry protected characteristics
// (Workday report columns, Workable questionnaire answers and custom attributes), read back
// from every topic, the log, the metrics scrape and the snapshot (through the store and as the
// bytes of its files on disk). No protected value may appear anywhere; their names do, in
// withheld_fields.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <array>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "sim/protected_marker.hpp"
#include "sim/workable_tenant.hpp"
#include "sim/workday_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

const std::string kMarker(sim::kProtectedMarker);

// What the default policy withholds from every simulated Workday row.
const std::string kWorkdayWithheld =
    R"(["attributes.Date_of_Birth","attributes.Disability_Status","attributes.Ethnicity_Reference",)"
    R"("attributes.Gender","attributes.Hispanic_or_Latino","attributes.Personal_Data_group.Religion",)"
    R"("attributes.Personal_Data_group.Sexual_Orientation","attributes.Veteran_Status"])";

std::string Hmac(const std::string& key, const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "hmac-sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xF]);
  }
  return out;
}

// The value at a JSON pointer of an event: a string decoded, anything else as compact JSON;
// "" when absent.
std::string At(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root)) return "";
  simdjson::dom::element e;
  if (root.at_pointer(pointer).get(e)) return "";
  std::string_view s;
  if (!e.get_string().get(s)) return std::string(s);
  return simdjson::minify(e);
}

// Every marker occurrence in `text` followed by something other than `allowed` ("" allows none).
size_t ForeignMarkers(const std::string& text, const std::string& allowed = "") {
  size_t count = 0;
  for (size_t at = text.find(kMarker); at != std::string::npos; at = text.find(kMarker, at + 1)) {
    if (allowed.empty() || text.compare(at + kMarker.size(), allowed.size(), allowed) != 0) ++count;
  }
  return count;
}

class ProtectedFieldsTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    log::SetLevel(log::Level::kDebug);  // debug lines too: they may name fields, never hold values
    log::SetSinkForTest([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.append(line).push_back('\n');
    });
  }
  void TearDown() override {
    log::SetSinkForTest(nullptr);
    log::SetLevel(log::Level::kInfo);
    PipelineHarness::TearDown();
  }

  void StartWorkday() {
    sim::WorkdayTenantOptions o;
    o.job_postings = 3;
    o.applications = 60;
    o.protected_columns = true;
    workday_ = std::make_unique<sim::WorkdayTenant>(o);
    ASSERT_TRUE(workday_->Start());
    connection_ = config::ConnectionConfig{};
    connection_.id = "acme-wd";
    connection_.source = "workday";
    connection_.workday.rest_endpoint = workday_->rest_endpoint();
    connection_.workday.client_id = o.client_id;
    connection_.workday.client_secret = o.client_secret;
    connection_.workday.refresh_token = o.refresh_token;
    connection_.workday.allow_insecure_http = true;
    connection_.workday.rate_limit = {1000, 1};
    config::WorkdayReportConfig report;
    report.url = workday_->report_url();
    connection_.workday.reports.push_back(report);
    with_source_state_ = true;
  }

  std::vector<testing::Event> Cycle() {
    auto done = worker_->RunCycle();
    EXPECT_TRUE(done.ok()) << done.error().message;
    auto events = Consume(1500ms, 60s);
    ExpectValid(events);
    return events;
  }

  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  // Every byte of every file of the snapshot directory (RocksDB's WAL, SSTs, manifest, logs).
  std::string SnapshotFiles() {
    std::string all;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.File("snapshot")))
      if (entry.is_regular_file()) all += testing::ReadFile(entry.path().string());
    return all;
  }

  // Every stored candidate body of `connection`, and the withheld names stored with it.
  std::string StoredBodies(const std::string& connection, std::set<std::string>* withheld = nullptr) {
    std::string all;
    auto visited = store_->ForEach(connection, Entity::kCandidate, [&](std::string_view, const auto& r) {
      all += r.body;
      if (withheld != nullptr)
        for (const auto& name : r.withheld) withheld->insert(name);
      return true;
    });
    EXPECT_TRUE(visited.ok());
    return all;
  }

  std::unique_ptr<sim::WorkdayTenant> workday_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(ProtectedFieldsTest, NoProtectedValueReachesATopicTheLogTheMetricsOrTheSnapshot) {
  ASSERT_NO_FATAL_FAILURE(StartWorkday());
  OpenWorker();
  auto events = Cycle();
  size_t candidates = 0;
  for (const auto& e : events) {
    EXPECT_EQ(ForeignMarkers(e.value), 0u) << e.value;
    for (const auto& [name, value] : e.headers) EXPECT_EQ(ForeignMarkers(value), 0u) << name;
    if (e.topic != topics_.candidate_changed) continue;
    ++candidates;
    EXPECT_EQ(At(e.value, "/withheld_fields"), kWorkdayWithheld);
    // What is not protected stays: the Personal_Data_group keeps its Preferred_Language.
    EXPECT_NE(e.value.find(R"("Personal_Data_group":[{"Preferred_Language":"en"}])"), std::string::npos)
        << e.value;
  }
  EXPECT_EQ(candidates, 60u);

  // A deleted candidate's event says what was withheld from its last state.
  const std::string removed = workday_->applications().at(5).application_id;
  ASSERT_TRUE(workday_->RemoveApplication(removed));
  events = Cycle();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].change, "deleted");
  EXPECT_EQ(At(events[0].value, "/withheld_fields"), kWorkdayWithheld);
  EXPECT_EQ(ForeignMarkers(events[0].value), 0u);

  EXPECT_EQ(ForeignMarkers(Log()), 0u);
  EXPECT_EQ(ForeignMarkers(metrics_.Serialize()), 0u);
  std::set<std::string> withheld;
  const std::string bodies = StoredBodies(connection_.id, &withheld);
  EXPECT_NE(bodies.find("Preferred_Language"), std::string::npos);
  EXPECT_EQ(ForeignMarkers(bodies), 0u);
  EXPECT_EQ(withheld.size(), 8u);
  CloseWorker();  // everything on disk
  EXPECT_EQ(ForeignMarkers(SnapshotFiles()), 0u);
}

TEST_F(ProtectedFieldsTest, IncludeProtectedLetsExactlyThatFieldBackIn) {
  ASSERT_NO_FATAL_FAILURE(StartWorkday());
  connection_.fields.include_protected = {"attributes.veteran status"};
  OpenWorker();
  size_t veteran = 0;
  for (const auto& e : Cycle()) {
    EXPECT_EQ(ForeignMarkers(e.value, "VETERAN-"), 0u) << e.value;
    if (e.topic != topics_.candidate_changed) continue;
    veteran += e.value.find(kMarker + "VETERAN-") != std::string::npos ? 1 : 0;
    EXPECT_EQ(At(e.value, "/withheld_fields").find("Veteran_Status"), std::string::npos);
  }
  EXPECT_EQ(veteran, 60u);
  const std::string bodies = StoredBodies(connection_.id);
  EXPECT_NE(bodies.find(kMarker + "VETERAN-"), std::string::npos);
  EXPECT_EQ(ForeignMarkers(bodies, "VETERAN-"), 0u);
  CloseWorker();
  // The search of the files can find a value that is there (what the other test relies on).
  const std::string files = SnapshotFiles();
  EXPECT_NE(files.find(kMarker + "VETERAN-"), std::string::npos);
  EXPECT_EQ(ForeignMarkers(files, "VETERAN-"), 0u);
}

// A snapshot written while the values were let through (an upgrade from a build without the
// policy looks the same): the next cycle's updates carry no old value in `previous`, and the
// states stored afterwards hold none.
TEST_F(ProtectedFieldsTest, StatesStoredBeforeThePolicyLeakNothingThroughPrevious) {
  ASSERT_NO_FATAL_FAILURE(StartWorkday());
  connection_.fields.include_protected = {
      "attributes.Gender",         "attributes.Ethnicity_Reference", "attributes.Date_of_Birth",
      "attributes.Veteran_Status", "attributes.Disability_Status",   "attributes.Hispanic_or_Latino",
      "attributes.Religion",       "attributes.Sexual_Orientation"};
  OpenWorker();
  auto events = Cycle();
  ASSERT_FALSE(events.empty());
  EXPECT_NE(StoredBodies(connection_.id).find(kMarker), std::string::npos) << "the values were stored";

  CloseWorker();
  connection_.fields.include_protected.clear();  // the default policy from now on
  OpenWorker();
  size_t updated = 0;
  for (const auto& e : Cycle()) {
    EXPECT_EQ(ForeignMarkers(e.value), 0u) << e.value;
    if (e.topic != topics_.candidate_changed) continue;
    ++updated;
    EXPECT_EQ(e.change, "updated");
    EXPECT_EQ(At(e.value, "/withheld_fields"), kWorkdayWithheld);
    EXPECT_EQ(At(e.value, "/changed_fields"), R"(["attributes"])");
  }
  EXPECT_EQ(updated, 60u);
  EXPECT_EQ(ForeignMarkers(StoredBodies(connection_.id)), 0u);
  // A deleted event built from a state: nothing either.
  ASSERT_TRUE(workday_->RemoveApplication(workday_->applications().at(1).application_id));
  for (const auto& e : Cycle()) EXPECT_EQ(ForeignMarkers(e.value), 0u) << e.value;
}

TEST_F(ProtectedFieldsTest, HashedValuesAreStableAcrossARestartAndDifferWithAnotherKey) {
  ASSERT_NO_FATAL_FAILURE(StartWorkday());
  const std::string key = "first-key-0123456789abcdef";
  connection_.fields.hash = {"email", "attributes.Date_of_Birth"};
  connection_.fields.hash_key = key;
  OpenWorker();
  const auto app = workday_->applications().at(2);
  std::string first_email;
  for (const auto& e : Cycle()) {
    EXPECT_EQ(ForeignMarkers(e.value), 0u) << e.value;
    if (e.candidate_id != app.application_id) continue;
    first_email = At(e.value, "/candidate/email");
  }
  // HMAC-SHA256 under the key, as a consumer holding the key computes it to join.
  EXPECT_EQ(first_email, Hmac(key, app.email));

  // A restart with the same key, then a change: the hash is the same, so email is not changed.
  CloseWorker();
  OpenWorker();
  ASSERT_TRUE(workday_->MoveApplication(app.application_id, app.stage == "Offer" ? "Interview" : "Offer"));
  auto events = Cycle();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(At(events[0].value, "/candidate/email"), first_email);
  EXPECT_EQ(At(events[0].value, "/changed_fields").find("email"), std::string::npos) << events[0].value;

  // Another connection with another key: another value for the same email.
  CloseWorker();
  connection_.id = "acme-wd-other-key";
  connection_.fields.hash_key = "second-key-0123456789abcdef";
  OpenWorker();
  std::string other_email;
  for (const auto& e : Cycle())
    if (e.candidate_id == app.application_id) other_email = At(e.value, "/candidate/email");
  EXPECT_EQ(other_email, Hmac("second-key-0123456789abcdef", app.email));
  EXPECT_NE(other_email, first_email);
  EXPECT_EQ(Log().find(key), std::string::npos);
}

TEST_F(ProtectedFieldsTest, DeadLettersLoseProtectedAnswersAndCustomAttributes) {
  sim::WorkableTenantOptions o;
  o.jobs = 2;
  o.candidates_per_job = 5;
  o.protected_answers = true;
  sim::WorkableTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  connection_ = testing::WorkableConnection("acme-wk", tenant.base_url(), o.token);
  OpenWorker();
  tenant.SetFault(sim::Fault::kMissingField, 1);  // the first candidate listed has no id
  size_t dead_letters = 0;
  for (const auto& e : Cycle()) {
    EXPECT_EQ(ForeignMarkers(e.value), 0u) << e.value;
    if (e.topic != topics_.dead_letter) continue;
    ++dead_letters;
    EXPECT_EQ(At(e.value, "/withheld_fields"),
              R"(["answers.question","custom_attributes.Date of Birth","custom_attributes.nationality"])");
    const std::string raw = At(e.value, "/raw");
    EXPECT_NE(raw.find("t_shirt_size"), std::string::npos) << raw;  // the rest stays for debugging
    EXPECT_NE(raw.find("portfolio.example.com"), std::string::npos) << raw;
  }
  EXPECT_EQ(dead_letters, 1u);
  EXPECT_EQ(ForeignMarkers(Log()), 0u);
  EXPECT_EQ(ForeignMarkers(metrics_.Serialize()), 0u);
  CloseWorker();
  EXPECT_EQ(ForeignMarkers(SnapshotFiles()), 0u);
}

}  // namespace
}  // namespace ats
