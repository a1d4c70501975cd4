#include "sim/workday_data.hpp"

#include <array>
#include <charconv>
#include <chrono>

#include "common/time.hpp"

namespace ats::sim::detail {
namespace {

// 2026-01-01T00:00:00Z: the data clock starts here; generated history lies in the year before.
constexpr int64_t kBaseEpoch = 1767225600;
constexpr int64_t kDay = 86400;
constexpr int64_t kYear = 365 * kDay;

// Salts of the per-row hashes, so that the attributes of a row are independent.
constexpr uint64_t kRowSalt = 0x5157a7e5a1dULL;
constexpr uint64_t kTimeSalt = 0x7111e5a17ULL;
constexpr uint64_t kPairSalt = 0x9a125a17ULL;
constexpr uint64_t kPersonSalt = 0x9e650a5a17ULL;
constexpr uint64_t kExtraSalt = 0xe7a45a17ULL;
constexpr uint64_t kMutateSalt = 0x3a7e5a17ULL;

constexpr std::array<std::string_view, kWdStageCount> kStages = {
    "Review",          "Screen",           "Assessment", "Interview",
    "Reference Check", "Background Check", "Offer",      "Ready for Hire"};
// Where generated applications sit in the funnel (percent per stage).
constexpr std::array<int, kWdStageCount> kStageWeights = {30, 20, 12, 15, 6, 5, 6, 6};
constexpr std::array<std::string_view, 4> kStatuses = {"Active", "Declined", "Withdrawn", "Hired"};
constexpr std::string_view kDeclineReasons[] = {"Not Qualified", "Position Filled", "Failed Assessment",
                                                "Better Qualified Candidate Selected"};
constexpr std::string_view kWithdrawReasons[] = {"Accepted Another Offer", "Compensation", "Relocation",
                                                 "No Longer Interested"};

struct Name {
  std::string_view display, ascii;  // ascii: for the e-mail address
};
constexpr Name kFirstNames[] = {
    {"Amelia", "amelia"}, {"Oliver", "oliver"}, {"Sofia", "sofia"},   {"Liam", "liam"},
    {"Aisha", "aisha"},   {"Mateo", "mateo"},   {"Yuki", "yuki"},     {"Noah", "noah"},
    {"Chloé", "chloe"},   {"Ethan", "ethan"},   {"Priya", "priya"},   {"Lucas", "lucas"},
    {"Emma", "emma"},     {"Omar", "omar"},     {"Hannah", "hannah"}, {"Diego", "diego"},
    {"Zoë", "zoe"},       {"Felix", "felix"},   {"Mia", "mia"},       {"Arjun", "arjun"},
    {"Elena", "elena"},   {"Jonas", "jonas"},   {"Leila", "leila"},   {"Samuel", "samuel"},
    {"Grace", "grace"},   {"Tomás", "tomas"},   {"Ingrid", "ingrid"}, {"Kwame", "kwame"},
};
constexpr Name kLastNames[] = {
    {"Smith", "smith"},         {"Papadopoulos", "papadopoulos"},
    {"Müller", "muller"},       {"García", "garcia"},
    {"O'Connor", "oconnor"},    {"Nakamura", "nakamura"},
    {"Okafor", "okafor"},       {"Rossi", "rossi"},
    {"Johansson", "johansson"}, {"Patel", "patel"},
    {"Kowalski", "kowalski"},   {"Dubois", "dubois"},
    {"Nguyen", "nguyen"},       {"Silva", "silva"},
    {"Schmidt", "schmidt"},     {"Kim", "kim"},
    {"Anderson", "anderson"},   {"Haddad", "haddad"},
    {"Mensah", "mensah"},       {"Chen", "chen"},
    {"Lopez", "lopez"},         {"Walsh", "walsh"},
    {"Van Dijk", "vandijk"},    {"Moreau", "moreau"},
};
constexpr std::string_view kAreaCodes[] = {"415", "212", "925", "312", "512", "206", "617", "303"};
constexpr std::string_view kSources[] = {"LinkedIn", "Indeed",    "Company Website", "Employee Referral",
                                         "Agency",   "Glassdoor", "Career Fair"};
constexpr size_t kReferralSource = 3;
constexpr std::string_view kSkills[] = {
    "C++",   "SQL",        "Python",     "Java",    "Project Management", "Customer Service",
    "Excel", "Kubernetes", "Salesforce", "Spanish", "Data Analysis",      "Negotiation"};

constexpr std::string_view kTitles[] = {"Software Engineer",
                                        "Senior Software Engineer",
                                        "Staff Data Scientist",
                                        "Recruiting Coordinator",
                                        "Account Executive",
                                        "Registered Nurse",
                                        "Warehouse Associate",
                                        "Financial Analyst",
                                        "HR Business Partner",
                                        "Product Manager",
                                        "Customer Support Specialist",
                                        "Marketing Manager",
                                        "Payroll Specialist",
                                        "Store Manager",
                                        "DevOps Engineer",
                                        "UX Designer"};
constexpr std::string_view kLocations[] = {"San Francisco", "New York", "Pleasanton", "Chicago", "Austin",
                                           "London",        "Dublin",   "Toronto",    "Berlin",  "Singapore"};
constexpr std::string_view kSites[] = {"External Career Site", "Internal Career Site"};
constexpr std::string_view kJobTypes[] = {"Regular", "Fixed Term", "Temporary"};
constexpr std::string_view kTimeTypes[] = {"Full time", "Part time"};

template <typename T, size_t N>
constexpr uint64_t Count(const T (&)[N]) {
  return N;
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
uint64_t Mix(uint64_t seed, uint64_t salt, uint64_t i) {
  return SplitMix(SplitMix(seed ^ salt) + i);
}

void AppendUnsigned(std::string& out, uint64_t v, int min_width = 0) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  const auto len = static_cast<int>(end - buf);
  if (len < min_width) out.append(static_cast<size_t>(min_width - len), '0');
  out.append(buf, end);
}

std::string PrefixedId(std::string_view prefix, uint64_t number, int width) {
  std::string out(prefix);
  AppendUnsigned(out, number, width);
  return out;
}

std::optional<uint64_t> ParsePrefixedId(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix)) return std::nullopt;
  id.remove_prefix(prefix.size());
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  if (id.empty() || ec != std::errc() || ptr != id.data() + id.size()) return std::nullopt;
  return v;
}

struct Civil {
  int64_t year;
  unsigned month, day;
};
// Howard Hinnant's civil_from_days.
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<uint64_t>(z - era * 146097);
  const uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

void Append2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

std::string DateString(int32_t day) {
  const Civil c = CivilFromDays(day);
  std::string out;
  AppendUnsigned(out, static_cast<uint64_t>(c.year), 4);
  out.push_back('-');
  Append2(out, c.month);
  out.push_back('-');
  Append2(out, c.day);
  return out;
}

// Appends `"key":` (the key needs no escaping).
void Key(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

void Reference(JsonWriter& w, std::string_view key, const std::string& id, std::string_view descriptor,
               const std::string& href) {
  w.Key(key).BeginObject();
  w.Key("id").String(id);
  w.Key("descriptor").String(descriptor);
  if (!href.empty()) w.Key("href").String(href);
  w.EndObject();
}

std::string Hex32(uint64_t a, uint64_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[static_cast<size_t>(15 - i)] = kHex[(a >> (4 * i)) & 0xF];
    out[static_cast<size_t>(31 - i)] = kHex[(b >> (4 * i)) & 0xF];
  }
  return out;
}

// A stable WID for a built-in reference (location, site, ...) of this tenant.
std::string ReferenceWid(uint64_t seed, uint64_t kind, uint64_t index) {
  return Hex32(Mix(seed, kind, index), Mix(seed, kind + 1, index));
}

std::string Slug(std::string_view s) {
  std::string out;
  for (char ch : s) out.push_back(ch == ' ' ? '-' : ch);
  return out;
}

struct Person {
  const Name* first;
  const Name* last;
  std::string_view area;
  unsigned line;
  bool internal;
};
Person PersonOf(uint64_t seed, uint64_t candidate) {
  const uint64_t q = Mix(seed, kPersonSalt, candidate);
  return {&kFirstNames[q % Count(kFirstNames)], &kLastNames[(q >> 8) % Count(kLastNames)],
          kAreaCodes[(q >> 16) % Count(kAreaCodes)], static_cast<unsigned>((q >> 24) % 10000),
          (q >> 40) % 10 == 0};
}

void AppendEmail(std::string& out, const Person& p, uint64_t candidate) {
  out.append(p.first->ascii);
  out.push_back('.');
  out.append(p.last->ascii);
  AppendUnsigned(out, candidate);
  out.append("@samplecandidate.com");
}

void AppendPhone(std::string& out, const Person& p) {
  out.append("+1 (");
  out.append(p.area);
  out.append(") 555-");
  AppendUnsigned(out, p.line, 4);
}

void AppendName(std::string& out, const Person& p) {
  out.append(p.first->display);
  out.push_back(' ');
  out.append(p.last->display);
}

}  // namespace

std::string_view WdStageName(int stage) {
  return kStages[static_cast<size_t>(stage)];
}
int WdStageIndex(std::string_view name) {
  for (int i = 0; i < kWdStageCount; ++i)
    if (kStages[static_cast<size_t>(i)] == name) return i;
  return -1;
}
std::string_view WdStatusName(int status) {
  return kStatuses[static_cast<size_t>(status)];
}

std::string ApplicationId(uint64_t number) {
  return PrefixedId("JA-", number, 6);
}
std::string CandidateId(uint64_t number) {
  return PrefixedId("C-", number, 5);
}
std::string RequisitionId(uint32_t number) {
  return PrefixedId("R-", number, 5);
}

void AppendLocalTimestamp(std::string& out, int64_t unix_s, int utc_offset_minutes) {
  const int64_t local = unix_s + int64_t{utc_offset_minutes} * 60;
  const int64_t days = FloorDiv(local, kDay);
  const auto secs = static_cast<unsigned>(local - days * kDay);
  const Civil c = CivilFromDays(days);
  AppendUnsigned(out, static_cast<uint64_t>(c.year), 4);
  out.push_back('-');
  Append2(out, c.month);
  out.push_back('-');
  Append2(out, c.day);
  out.push_back('T');
  Append2(out, secs / 3600);
  out.push_back(':');
  Append2(out, secs / 60 % 60);
  out.push_back(':');
  Append2(out, secs % 60);
  out.append(".000");
  const unsigned off =
      static_cast<unsigned>(utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes);
  out.push_back(utc_offset_minutes < 0 ? '-' : '+');
  Append2(out, off / 60);
  out.push_back(':');
  Append2(out, off % 60);
}

std::optional<int64_t> ParseDatePromptMs(std::string_view v, bool end_of_day, int utc_offset_minutes) {
  if (v.size() == 10) {
    int y = 0;
    unsigned m = 0, d = 0;
    auto num = [&](size_t pos, size_t len, auto& out) {
      auto [ptr, ec] = std::from_chars(v.data() + pos, v.data() + pos + len, out);
      return ec == std::errc() && ptr == v.data() + pos + len && v[pos] != '-' && v[pos] != '+';
    };
    if (v[4] != '-' || v[7] != '-' || !num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
    if (!ymd.ok()) return std::nullopt;
    const int64_t day = std::chrono::sys_days{ymd}.time_since_epoch().count();
    const int64_t start_ms = (day * kDay - int64_t{utc_offset_minutes} * 60) * 1000;
    return end_of_day ? start_ms + kDay * 1000 - 1 : start_ms;
  }
  auto t = ParseRfc3339(v);
  if (!t) return std::nullopt;
  return std::chrono::floor<std::chrono::milliseconds>(*t).time_since_epoch().count();
}

// --- WorkdayRows ---

static_assert(sizeof(AppRecord) == 32, "a stored row stays small");

uint32_t WorkdayRows::BasePosting(uint64_t index) const {
  return static_cast<uint32_t>(Mix(seed_, kRowSalt, index) % base_postings_);
}

AppRecord WorkdayRows::BaseRow(uint64_t i) const {
  const uint64_t h = Mix(seed_, kRowSalt, i);
  AppRecord r;
  r.number = i + 1;
  const bool second = (i & 1) != 0 && Mix(seed_, kPairSalt, i >> 1) % 8 == 0;
  r.candidate = second ? i : i + 1;  // the second of a pair is the first's candidate
  uint32_t posting = static_cast<uint32_t>(h % base_postings_);
  if (second && base_postings_ > 1 && posting == BasePosting(i - 1)) posting = (posting + 1) % base_postings_;
  r.posting = posting;
  int roll = static_cast<int>((h >> 17) % 100);
  int stage = 0;
  while (roll >= kStageWeights[static_cast<size_t>(stage)])
    roll -= kStageWeights[static_cast<size_t>(stage++)];
  r.stage = static_cast<uint8_t>(stage);
  const uint64_t s = (h >> 29) % 100;
  if (stage == kReadyForHireStage) {
    r.status = s < 50 ? kWdHired : kWdActive;
  } else {
    r.status = s < 80 ? kWdActive : s < 93 ? kWdDeclined : kWdWithdrawn;
  }
  r.updated = kBaseEpoch - 3600 - static_cast<int64_t>(Mix(seed_, kTimeSalt, i) % kYear);
  return r;
}

AppRecord& WorkdayRows::Slot(uint64_t index) {
  if (index >= base_count_) return added_[index - base_count_];
  auto it = overlay_.find(index);
  if (it == overlay_.end()) it = overlay_.emplace(index, BaseRow(index)).first;
  return it->second;
}

AppRecord WorkdayRows::Row(uint64_t index) const {
  if (index >= base_count_) return added_[index - base_count_];
  if (!overlay_.empty()) {
    auto it = overlay_.find(index);
    if (it != overlay_.end()) return it->second;
  }
  return BaseRow(index);
}

void WorkdayRows::AppendReportEntry(std::string& out, const AppRecord& r) const {
  const Person p = PersonOf(seed_, r.candidate);
  const uint64_t e = Mix(seed_, kExtraSalt, r.number);
  const PostingRecord& posting = postings_[r.posting];
  const size_t source = e % Count(kSources);

  out.push_back('{');
  Key(out, "Candidate_ID");
  out.append("\"C-");
  AppendUnsigned(out, r.candidate, 5);
  out.append("\",");
  Key(out, "Candidate_Name");
  out.push_back('"');
  AppendName(out, p);  // the built-in names need no escaping
  out.append("\",");
  Key(out, "Email");
  out.push_back('"');
  AppendEmail(out, p, r.candidate);
  out.append("\",");
  Key(out, "Phone");
  out.push_back('"');
  AppendPhone(out, p);
  out.append("\",");
  Key(out, "Job_Application_ID");
  out.append("\"JA-");
  AppendUnsigned(out, r.number, 6);
  out.append("\",");
  Key(out, "Job_Requisition_ID");
  out.append("\"R-");
  AppendUnsigned(out, posting.requisition, 5);
  out.append("\",");
  Key(out, "Job_Posting_Title");
  AppendJsonString(out, kTitles[posting.title]);
  out.push_back(',');
  Key(out, "Stage");
  AppendJsonString(out, kStages[r.stage]);
  out.push_back(',');
  Key(out, "Status");
  AppendJsonString(out, kStatuses[r.status]);
  out.push_back(',');
  Key(out, "Disposition_Reason");
  if (r.status == kWdDeclined) {
    AppendJsonString(out, kDeclineReasons[(e >> 28) % Count(kDeclineReasons)]);
  } else if (r.status == kWdWithdrawn) {
    AppendJsonString(out, kWithdrawReasons[(e >> 28) % Count(kWithdrawReasons)]);
  } else {
    out.append("null");
  }
  out.push_back(',');
  Key(out, "Is_Internal");
  out.append(p.internal ? "\"1\"," : "\"0\",");
  Key(out, "Source");
  AppendJsonString(out, kSources[source]);
  out.push_back(',');
  Key(out, "Referred_By");
  if (source == kReferralSource) {
    const Person referrer = PersonOf(seed_ ^ kExtraSalt, e >> 32);
    out.push_back('"');
    AppendName(out, referrer);
    out.push_back('"');
  } else {
    out.append("null");
  }
  out.push_back(',');
  Key(out, "Last_Updated");
  out.push_back('"');
  AppendLocalTimestamp(out, r.updated, utc_offset_minutes_);
  out.push_back('"');
  // A multi-instance column: one object per skill; no key at all when there is none.
  const uint64_t skills = (e >> 8) % 4;
  if (skills > 0) {
    out.append(",\"Skills_group\":[");
    const uint64_t first = (e >> 12) % Count(kSkills);
    const uint64_t step = 1 + (e >> 20) % 5;
    for (uint64_t k = 0; k < skills; ++k) {
      if (k > 0) out.push_back(',');
      out.append("{\"Skill\":");
      AppendJsonString(out, kSkills[(first + k * step) % Count(kSkills)]);
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (protected_columns_) AppendProtectedColumns(out, r.candidate);
  out.push_back('}');
}

// What a report built on Personal_Information_Data adds (WorkdayTenantOptions::protected_columns).
void WorkdayRows::AppendProtectedColumns(std::string& out, uint64_t candidate) const {
  const std::string n = std::to_string(candidate);
  const std::string m(kProtectedMarker);
  out.append(",\"Gender\":\"" + m + "GENDER-" + n + "\"");
  out.append(",\"Ethnicity_Reference\":[{\"id\":\"" + m + "ETHNICITY-" + n + "\"}]");
  out.append(",\"Date_of_Birth\":\"" + m + "DOB-" + n + "\"");
  out.append(",\"Veteran_Status\":\"" + m + "VETERAN-" + n + "\"");
  out.append(",\"Disability_Status\":\"" + m + "DISABILITY-" + n + "\"");
  out.append(",\"Hispanic_or_Latino\":\"" + m + "HISPANIC-" + n + "\"");
  out.append(",\"Personal_Data_group\":[{\"Religion\":\"" + m + "RELIGION-" + n +
             "\",\"Sexual_Orientation\":\"" + m + "ORIENTATION-" + n + "\",\"Preferred_Language\":\"en\"}]");
}

SimApplication WorkdayRows::ToSim(const AppRecord& r) const {
  const Person p = PersonOf(seed_, r.candidate);
  SimApplication out;
  out.application_id = ApplicationId(r.number);
  out.candidate_id = CandidateId(r.candidate);
  out.requisition_id = RequisitionId(postings_[r.posting].requisition);
  AppendName(out.name, p);
  AppendEmail(out.email, p, r.candidate);
  AppendPhone(out.phone, p);
  out.stage = std::string(kStages[r.stage]);
  out.status = std::string(kStatuses[r.status]);
  AppendLocalTimestamp(out.last_updated, r.updated, utc_offset_minutes_);
  return out;
}

// --- WorkdayData ---

WorkdayData::WorkdayData(std::string tenant, uint64_t seed, int postings, int applications,
                         int utc_offset_minutes)
    : tenant_(std::move(tenant)),
      rows_(std::make_shared<WorkdayRows>()),
      rng_(seed),
      mutate_rng_(SplitMix(seed ^ kMutateSalt)),
      clock_(kBaseEpoch) {
  const uint64_t count = static_cast<uint64_t>(std::max(applications, 0));
  // Rows need a requisition to reference: a tenant with applications has at least one posting.
  const int posting_count = std::max(postings, count > 0 ? 1 : 0);
  rows_->seed_ = seed;
  rows_->utc_offset_minutes_ = utc_offset_minutes;
  next_requisition_ = static_cast<uint32_t>(1 + rng_() % 40);
  const int32_t today = static_cast<int32_t>(kBaseEpoch / kDay);
  for (int i = 0; i < posting_count; ++i) MakePosting(today - static_cast<int32_t>(30 + rng_() % 400));
  rows_->base_postings_ = static_cast<uint32_t>(posting_count);
  rows_->base_count_ = count;
  next_candidate_ = count + 1;  // generated candidates have numbers up to `count`
  live_ = count;
}

WorkdayRows& WorkdayData::Mutable() {
  // A report download holding the current rows keeps reading them unchanged.
  if (rows_.use_count() > 1) rows_ = std::make_shared<WorkdayRows>(*rows_);
  return *rows_;
}

std::string WorkdayData::NewWid() {
  const uint64_t a = rng_();
  return Hex32(a, rng_());
}

void WorkdayData::MakePosting(int32_t start_day) {
  PostingRecord p;
  p.wid = NewWid();
  p.requisition_wid = NewWid();
  p.requisition = next_requisition_;
  next_requisition_ += static_cast<uint32_t>(1 + rng_() % 3);
  p.title = static_cast<uint16_t>(rng_() % Count(kTitles));
  p.location = static_cast<uint8_t>(rng_() % Count(kLocations));
  p.site = rng_() % 4 == 0 ? 1 : 0;
  p.job_type = static_cast<uint8_t>(rng_() % 10 < 8 ? 0 : 1 + rng_() % 2);
  p.time_type = rng_() % 10 < 8 ? 0 : 1;
  p.start_day = start_day;
  if (rng_() % 10 < 3) p.end_day = start_day + static_cast<int32_t>(60 + rng_() % 120);
  WorkdayRows& rows = Mutable();
  const auto index = static_cast<uint32_t>(rows.postings_.size());
  posting_by_requisition_.emplace(p.requisition, index);
  posting_by_wid_.emplace(p.wid, index);
  rows.postings_.push_back(std::move(p));
}

std::optional<uint32_t> WorkdayData::FindPosting(std::string_view wid) const {
  auto it = posting_by_wid_.find(std::string(wid));
  if (it == posting_by_wid_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> WorkdayData::FindRequisition(std::string_view requisition_id) const {
  auto number = ParsePrefixedId(requisition_id, "R-");
  if (!number || *number > UINT32_MAX) return std::nullopt;
  auto it = posting_by_requisition_.find(static_cast<uint32_t>(*number));
  if (it == posting_by_requisition_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint64_t> WorkdayData::FindApplication(std::string_view application_id) const {
  auto number = ParsePrefixedId(application_id, "JA-");
  if (!number || *number == 0 || *number > rows_->size()) return std::nullopt;
  const uint64_t index = *number - 1;
  if (rows_->Row(index).deleted) return std::nullopt;
  return index;
}

std::string WorkdayData::AddApplication(uint32_t posting, std::optional<uint64_t> candidate) {
  if (posting >= rows_->postings_.size()) return "";
  AppRecord r;
  r.updated = Tick();
  WorkdayRows& rows = Mutable();
  r.number = rows.size() + 1;
  r.candidate = candidate ? *candidate : next_candidate_++;
  r.posting = posting;
  r.stage = 0;
  r.status = kWdActive;
  rows.added_.push_back(r);
  ++live_;
  return ApplicationId(r.number);
}

bool WorkdayData::MoveApplication(uint64_t index, int stage) {
  if (index >= rows_->size() || stage < 0 || stage >= kWdStageCount) return false;
  if (rows_->Row(index).deleted) return false;
  const int64_t t = Tick();
  AppRecord& r = Mutable().Slot(index);
  r.stage = static_cast<uint8_t>(stage);
  r.status = kWdActive;
  r.updated = t;
  return true;
}

bool WorkdayData::SetStatus(uint64_t index, int status) {
  if (index >= rows_->size() || status < 0 || status >= static_cast<int>(kStatuses.size())) return false;
  if (rows_->Row(index).deleted) return false;
  const int64_t t = Tick();
  AppRecord& r = Mutable().Slot(index);
  r.status = static_cast<uint8_t>(status);
  r.updated = t;
  return true;
}

bool WorkdayData::RemoveApplication(uint64_t index) {
  if (index >= rows_->size()) return false;
  if (rows_->Row(index).deleted) return false;
  Tick();
  Mutable().Slot(index).deleted = true;
  --live_;
  return true;
}

std::string WorkdayData::AddPosting() {
  Tick();
  MakePosting(static_cast<int32_t>(FloorDiv(clock_, kDay)));
  return RequisitionId(rows_->postings_.back().requisition);
}

bool WorkdayData::SetPosted(uint32_t posting, bool posted) {
  if (posting >= rows_->postings_.size() || rows_->postings_[posting].posted == posted) return false;
  Tick();
  Mutable().postings_[posting].posted = posted;
  return true;
}

std::string WorkdayData::AddRequisition() {
  const std::string requisition = AddPosting();
  Mutable().postings_.back().posted = false;
  return requisition;
}

uint64_t WorkdayData::PickLive() {
  const uint64_t n = rows_->size();
  uint64_t i = mutate_rng_() % n;
  while (rows_->Row(i).deleted) i = (i + 1) % n;
  return i;
}

std::string WorkdayData::MutateRandom() {
  // Weights: move 45, decline/withdraw/hire 15, add application 20 (a new candidate, or one in
  // four times an existing candidate applying again), remove 12, add posting 8.
  uint64_t roll = mutate_rng_() % 100;
  if (live_ == 0 && roll < 92) roll = 60;                // nobody to touch: add an application
  if (rows_->postings_.empty() && roll < 92) roll = 92;  // nowhere to apply: add a posting
  if (roll < 45) {
    const uint64_t i = PickLive();
    const AppRecord r = rows_->Row(i);
    const int stage = r.stage < kReadyForHireStage && mutate_rng_() % 10 < 8
                          ? r.stage + 1
                          : static_cast<int>(mutate_rng_() % kWdStageCount);
    MoveApplication(i, stage);
    return "moved " + ApplicationId(r.number) + " (" + CandidateId(r.candidate) + ") to " +
           std::string(WdStageName(stage));
  }
  if (roll < 60) {
    const uint64_t i = PickLive();
    const AppRecord r = rows_->Row(i);
    const int status = r.stage == kReadyForHireStage && r.status == kWdActive
                           ? kWdHired
                           : (mutate_rng_() % 3 == 0 ? kWdWithdrawn : kWdDeclined);
    SetStatus(i, status);
    return "set " + ApplicationId(r.number) + " (" + CandidateId(r.candidate) + ") to " +
           std::string(WdStatusName(status));
  }
  if (roll < 80) {
    const auto posting = static_cast<uint32_t>(mutate_rng_() % rows_->postings_.size());
    std::optional<uint64_t> candidate;
    if (live_ > 0 && mutate_rng_() % 4 == 0) candidate = rows_->Row(PickLive()).candidate;
    const std::string id = AddApplication(posting, candidate);
    const AppRecord r = rows_->Row(rows_->size() - 1);
    std::string name;
    AppendName(name, PersonOf(rows_->seed_, r.candidate));
    return "added " + id + " for " + CandidateId(r.candidate) + " (" + name + ") to " +
           RequisitionId(rows_->postings_[posting].requisition);
  }
  if (roll < 92) {
    const uint64_t i = PickLive();
    RemoveApplication(i);
    return "removed " + ApplicationId(i + 1);
  }
  const std::string requisition = AddPosting();
  return "added posting " + requisition + " (" + std::string(kTitles[rows_->postings_.back().title]) + ")";
}

void WorkdayData::WritePosting(JsonWriter& w, const PostingRecord& p, std::string_view api_origin) const {
  const std::string base = std::string(api_origin) + "/ccx/api/recruiting/v4/" + tenant_;
  const std::string_view title = kTitles[p.title];
  const std::string requisition = RequisitionId(p.requisition);
  const uint64_t seed = rows_->seed_;
  w.BeginObject();
  w.Key("id").String(p.wid);
  w.Key("descriptor").String(title);
  w.Key("href").String(base + "/jobPostings/" + p.wid);
  w.Key("title").String(title);
  // The plain requisition id, exactly as report rows carry it in Job_Requisition_ID (the name
  // follows Workday's career-site JSON, which calls it jobReqId).
  w.Key("jobReqId").String(requisition);
  // The requisition as a Workday instance reference: its WID, and a descriptor that starts with
  // the requisition id ("R-00012 Software Engineer").
  Reference(w, "jobRequisition", p.requisition_wid, requisition + " " + std::string(title),
            base + "/jobRequisitions/" + p.requisition_wid);
  Reference(w, "jobPostingSite", ReferenceWid(seed, 0x5173, p.site), kSites[p.site], "");
  w.Key("startDate").String(DateString(p.start_day));
  w.Key("endDate");
  if (p.end_day < 0) {
    w.Null();
  } else {
    w.String(DateString(p.end_day));
  }
  Reference(w, "jobType", ReferenceWid(seed, 0x7e9e, p.job_type), kJobTypes[p.job_type], "");
  Reference(w, "timeType", ReferenceWid(seed, 0x713e, p.time_type), kTimeTypes[p.time_type], "");
  Reference(w, "primaryLocation", ReferenceWid(seed, 0x10ca, p.location), kLocations[p.location],
            std::string(api_origin) + "/ccx/api/v1/" + tenant_ + "/locations/" +
                ReferenceWid(seed, 0x10ca, p.location));
  w.Key("url").String("https://" + tenant_ + ".wd5.myworkdayjobs.com/en-US/" +
                      (p.site == 0 ? "External" : "Internal") + "/job/" + Slug(kLocations[p.location]) + "/" +
                      Slug(title) + "_" + requisition);
  w.EndObject();
}

SimPosting WorkdayData::ToSim(const PostingRecord& p) const {
  SimPosting out;
  out.id = p.wid;
  out.title = std::string(kTitles[p.title]);
  out.requisition_id = RequisitionId(p.requisition);
  out.posted_on = DateString(p.start_day);
  return out;
}

}  // namespace ats::sim::detail
