#include "sim/workable_data.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>

#include "common/time.hpp"

namespace ats::sim::detail {
namespace {

// 2026-01-01T00:00:00Z: the tenant clock starts here; generated history lies before it.
constexpr int64_t kBaseEpoch = 1767225600;
constexpr int64_t kDay = 86400;

struct StageDef {
  std::string_view kind, name;
};
constexpr std::array<StageDef, kStageCount> kStages = {{{"sourced", "Sourced"},
                                                        {"applied", "Applied"},
                                                        {"shortlisted", "Shortlisted"},
                                                        {"assessment", "Assessment"},
                                                        {"phone-screen", "Phone Screen"},
                                                        {"interview", "Interview"},
                                                        {"offer", "Offer"},
                                                        {"hired", "Hired"}}};
// Where generated candidates sit in the funnel (weights per stage).
constexpr std::array<int, kStageCount> kStageWeights = {10, 35, 15, 10, 12, 10, 5, 3};

constexpr std::array<std::string_view, kJobStateCount> kJobStates = {"draft", "published", "closed",
                                                                     "archived"};

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
    {"Nora", "nora"},     {"Rafael", "rafael"}, {"Mei", "mei"},       {"Isabel", "isabel"},
    {"Viktor", "viktor"}, {"Amara", "amara"},   {"Daniel", "daniel"}, {"Freya", "freya"},
    {"Hugo", "hugo"},     {"Layla", "layla"},   {"Marco", "marco"},   {"Sienna", "sienna"},
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
    {"Jansen", "jansen"},       {"Costa", "costa"},
    {"Novak", "novak"},         {"Mensah", "mensah"},
    {"Fischer", "fischer"},     {"Brown", "brown"},
    {"Ivanova", "ivanova"},     {"Chen", "chen"},
    {"Lopez", "lopez"},         {"Walsh", "walsh"},
    {"Bergstrom", "bergstrom"}, {"Kohler", "kohler"},
    {"Farrell", "farrell"},     {"Mohr", "mohr"},
    {"Ahmed", "ahmed"},         {"Taylor", "taylor"},
    {"Van Dijk", "vandijk"},    {"Moreau", "moreau"},
};
constexpr std::string_view kHeadlines[] = {
    "Software Engineer",
    "Senior Software Engineer",
    "Account Executive",
    "Marketing Manager",
    "Financial Analyst",
    "Recruiter",
    "Customer Success Manager",
    "Product Designer",
    "Data Analyst",
    "Sales Associate",
    "Operations Coordinator",
    "Business Development Representative",
    "Product Manager",
    "Support Specialist",
    "HR Generalist",
    "Consultant",
};
constexpr std::string_view kStreets[] = {"Maple", "Oak",   "Cedar",  "Harbour", "Mill",  "Station",
                                         "King",  "Queen", "Church", "Park",    "River", "Hill"};
constexpr std::string_view kStreetSuffixes[] = {"Street", "Road", "Avenue", "Lane", "Way", "Court"};

struct Location {
  std::string_view city, country, country_code, region, region_code, zip, currency, coords, calling_code;
};
constexpr Location kLocations[] = {
    {"London", "United Kingdom", "GB", "England", "ENG", "EC1A 1BB", "gbp", "51.5073509, -0.1277583", "44"},
    {"New York", "United States", "US", "New York", "NY", "10001", "usd", "40.7127753, -74.0059728", "1"},
    {"San Francisco", "United States", "US", "California", "CA", "94105", "usd", "37.7749295, -122.4194155",
     "1"},
    {"Berlin", "Germany", "DE", "Berlin", "BE", "10115", "eur", "52.5200066, 13.404954", "49"},
    {"Athens", "Greece", "GR", "Attica", "I", "10552", "eur", "37.9838096, 23.7275388", "30"},
    {"Toronto", "Canada", "CA", "Ontario", "ON", "M5H 2N2", "cad", "43.653226, -79.3831843", "1"},
    {"Amsterdam", "Netherlands", "NL", "North Holland", "NH", "1012 JS", "eur", "52.3675734, 4.9041389",
     "31"},
    {"Lisbon", "Portugal", "PT", "Lisbon", "11", "1100-148", "eur", "38.7222524, -9.1393366", "351"},
};

struct Department {
  int id;
  std::string_view name;
};
constexpr Department kDepartments[] = {
    {40211, "Engineering"}, {40212, "Sales"},   {40213, "Marketing"},        {40214, "Finance"},
    {40215, "People"},      {40216, "Product"}, {40217, "Customer Success"}, {40218, "Operations"}};
struct Title {
  std::string_view title;
  int department;  // index into kDepartments
  std::string_view industry, function;
};
constexpr Title kTitles[] = {
    {"Senior Backend Engineer", 0, "Computer Software", "Engineering"},
    {"Site Reliability Engineer", 0, "Computer Software", "Engineering"},
    {"Frontend Engineer", 0, "Computer Software", "Engineering"},
    {"Account Executive", 1, "Computer Software", "Sales"},
    {"Sales Development Representative", 1, "Computer Software", "Sales"},
    {"Regional Sales Manager", 1, "Computer Software", "Sales"},
    {"Content Marketing Manager", 2, "Marketing and Advertising", "Marketing"},
    {"Growth Marketer", 2, "Marketing and Advertising", "Marketing"},
    {"Director of Finance", 3, "Financial Services", "Finance"},
    {"Financial Analyst", 3, "Financial Services", "Finance"},
    {"Talent Acquisition Partner", 4, "Human Resources", "Human Resources"},
    {"People Operations Lead", 4, "Human Resources", "Human Resources"},
    {"Product Manager", 5, "Computer Software", "Product Management"},
    {"Product Designer", 5, "Computer Software", "Design"},
    {"Customer Success Manager", 6, "Computer Software", "Customer Service"},
    {"Support Engineer", 6, "Computer Software", "Customer Service"},
    {"Operations Manager", 7, "Computer Software", "Management"},
    {"Data Analyst", 7, "Computer Software", "Analyst"},
};
constexpr std::string_view kWorkplaces[] = {"on_site", "hybrid", "remote"};

struct Source {
  std::string_view domain, common_source, category;
};
// As recorded from a real account.
constexpr Source kSources[] = {
    {"workable.com", "Careers page", "Company marketing"},
    {"indeed.com", "indeed.com", "Job boards"},
    {"linkedin.com", "linkedin.com", "Job boards"},
    {"careerbuilder.com", "careerbuilder.com", "Job boards"},
    {"monster.com", "monster.com", "Job boards"},
    {"google.com", "google.com", "Other"},
    {"twitter.com", "twitter.com", "Other"},
};
constexpr std::string_view kDisqualificationReasons[] = {
    "Doesn't have required experience", "Position filled", "Withdrew application",
    "Salary expectations too high", "Not a fit for the team"};

template <typename T, size_t N>
constexpr uint64_t Count(const T (&)[N]) {
  return N;
}

std::string Hex(uint64_t value, bool upper) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, 16);
  std::string out(buf, end);
  if (upper)
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char ch) { return ch >= 'a' && ch <= 'f' ? static_cast<char>(ch - 'a' + 'A') : ch; });
  return out;
}

std::optional<uint64_t> ParseHex(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string Timestamp(int64_t unix_seconds) {
  return FormatRfc3339(SystemTime{std::chrono::seconds{unix_seconds}});
}

void TimestampOrNull(JsonWriter& w, int64_t unix_seconds) {
  if (unix_seconds == 0) {
    w.Null();
  } else {
    w.String(Timestamp(unix_seconds));
  }
}

std::string Initials(std::string_view title) {
  std::string out;
  bool at_word = true;
  for (char ch : title) {
    if (ch == ' ') {
      at_word = true;
    } else if (at_word) {
      out.push_back(ch);
      at_word = false;
    }
  }
  return out;
}

}  // namespace

std::string_view StageKind(int stage) {
  return kStages[static_cast<size_t>(stage)].kind;
}
std::string_view StageName(int stage) {
  return kStages[static_cast<size_t>(stage)].name;
}
int StageIndex(std::string_view kind) {
  for (int i = 0; i < kStageCount; ++i)
    if (kStages[static_cast<size_t>(i)].kind == kind) return i;
  return -1;
}
std::string_view JobStateName(int state) {
  return kJobStates[static_cast<size_t>(state)];
}
int JobStateIndex(std::string_view name) {
  for (int i = 0; i < kJobStateCount; ++i)
    if (kJobStates[static_cast<size_t>(i)] == name) return i;
  return -1;
}

TenantData::TenantData(std::string subdomain, uint64_t seed, int jobs, int candidates_per_job)
    : subdomain_(std::move(subdomain)),
      rng_(seed),
      mutate_rng_(seed ^ 0x9e3779b97f4a7c15ULL),
      clock_(kBaseEpoch) {
  jobs = std::max(jobs, 0);
  candidates_per_job = std::max(candidates_per_job, 0);
  account_name_ = subdomain_;
  if (!account_name_.empty() && account_name_[0] >= 'a' && account_name_[0] <= 'z')
    account_name_[0] = static_cast<char>(account_name_[0] - 'a' + 'A');
  account_id_ = Hex(0x500000 + Below(0xa0000), false);
  stage_id_base_ = 5200000 + static_cast<int64_t>(Below(100000));
  for (int i = 0; i < kStageCount; ++i) stage_identifiers_.push_back(Hex(0x100000 + Below(0xf00000), false));
  next_job_number_ = 5900000 + static_cast<uint32_t>(Below(90000));
  next_profile_number_ = 656000000 + static_cast<uint32_t>(Below(900000));

  // Start the counters a few steps below a power of 16 so the first ids are one digit shorter.
  const uint64_t total = static_cast<uint64_t>(jobs) * static_cast<uint64_t>(candidates_per_job);
  next_job_value_ = 0x100000 - std::clamp<uint64_t>(static_cast<uint64_t>(jobs) / 3, 1, 0x800);
  next_candidate_value_ = 0x10000000 - std::clamp<uint64_t>(total / 3, 1, 0x8000);

  jobs_.reserve(static_cast<size_t>(jobs));
  for (int j = 0; j < jobs; ++j) {
    const uint64_t roll = Below(100);
    int state = roll < 70 ? 1 : roll < 85 ? 2 : roll < 95 ? 0 : 3;  // ~70% published
    if (j == 0) state = 1;
    const int64_t created =
        kBaseEpoch - static_cast<int64_t>(60 + Below(300)) * kDay - static_cast<int64_t>(Below(kDay));
    const int64_t updated =
        created + static_cast<int64_t>(Below(static_cast<uint64_t>(kBaseEpoch - created)));
    MakeJob(state, created, updated);
  }

  // Applications arrive interleaved across jobs: shuffle the (job) slots, deterministically.
  std::vector<uint32_t> slots;
  slots.reserve(total);
  for (int j = 0; j < jobs; ++j)
    for (int k = 0; k < candidates_per_job; ++k) slots.push_back(static_cast<uint32_t>(j));
  for (size_t i = slots.size(); i > 1; --i) std::swap(slots[i - 1], slots[Below(i)]);

  int weight_sum = 0;
  for (int w : kStageWeights) weight_sum += w;
  candidates_.reserve(slots.size());
  candidate_by_id_.reserve(slots.size() * 2);
  for (uint32_t job : slots) {
    int roll = static_cast<int>(Below(static_cast<uint64_t>(weight_sum)));
    int stage = 0;
    while (roll >= kStageWeights[static_cast<size_t>(stage)])
      roll -= kStageWeights[static_cast<size_t>(stage++)];
    const int64_t job_created = jobs_[job].created_at;
    const int64_t span = kBaseEpoch - kDay - job_created - 3600;
    const int64_t created = job_created + 3600 + static_cast<int64_t>(Below(static_cast<uint64_t>(span)));
    const int64_t updated =
        created + static_cast<int64_t>(Below(static_cast<uint64_t>(kBaseEpoch - created)));
    MakeCandidate(job, stage, created, updated);
    CandidateRecord& c = candidates_.back();
    if (stage >= kOfferStage)
      c.moved_to_offer_at =
          created + static_cast<int64_t>(Below(static_cast<uint64_t>(updated - created + 1)));
    if (stage == kHiredStage)
      c.hired_at = c.moved_to_offer_at +
                   static_cast<int64_t>(Below(static_cast<uint64_t>(updated - c.moved_to_offer_at + 1)));
    if (stage < kHiredStage && Below(100) < 8) {  // a few disqualified
      c.disqualified = true;
      c.disqualification_reason =
          std::string(kDisqualificationReasons[Below(Count(kDisqualificationReasons))]);
      c.disqualified_at = updated;
    }
    if (stage == 0) c.sourced = Below(10) < 6;
  }
}

std::string TenantData::NewShortcode(size_t hex_digits) {
  for (;;) {
    std::string code;
    for (size_t i = 0; i < hex_digits; ++i) code.push_back("0123456789ABCDEF"[Below(16)]);
    if (!job_by_shortcode_.contains(code)) return code;
  }
}

void TenantData::MakeJob(int state, int64_t created_at, int64_t updated_at) {
  JobRecord job;
  job.id_value = next_job_value_;
  next_job_value_ += 1 + Below(3);
  job.id = Hex(job.id_value, false);
  job.shortcode = NewShortcode(10);
  job.location_shortcode = "J" + Hex(0x1000000000ULL + Below(0xf000000000ULL), true);
  job.numeric_id = next_job_number_++;
  job.title = static_cast<uint16_t>(Below(Count(kTitles)));
  job.location = static_cast<uint8_t>(Below(Count(kLocations)));
  job.state = static_cast<uint8_t>(state);
  const uint64_t wp = Below(100);
  job.workplace = static_cast<uint8_t>(wp < 60 ? 0 : wp < 85 ? 1 : 2);
  job.salary_from = static_cast<int32_t>(40 + Below(80)) * 1000;
  job.salary_to = job.salary_from + static_cast<int32_t>(10 + Below(40)) * 1000;
  const std::string two_digits = std::to_string(10 + Below(90));
  job.code = std::string(kLocations[job.location].country_code) + "/" + two_digits + "/" +
             Initials(kTitles[job.title].title);
  job.created_at = created_at;
  job.updated_at = updated_at;
  job_by_shortcode_.emplace(job.shortcode, jobs_.size());
  jobs_.push_back(std::move(job));
}

void TenantData::MakeCandidate(uint32_t job, int stage, int64_t created_at, int64_t updated_at) {
  CandidateRecord c;
  c.id_value = next_candidate_value_;
  next_candidate_value_ += 1 + Below(3);
  c.id = Hex(c.id_value, false);
  c.job = job;
  c.first = static_cast<uint16_t>(Below(Count(kFirstNames)));
  c.last = static_cast<uint16_t>(Below(Count(kLastNames)));
  c.headline = static_cast<uint16_t>(Below(Count(kHeadlines)));
  c.street = static_cast<uint16_t>(Below(Count(kStreets)));
  c.street_suffix = static_cast<uint8_t>(Below(Count(kStreetSuffixes)));
  c.house = static_cast<uint16_t>(1 + Below(9999));
  c.location = static_cast<uint8_t>(Below(Count(kLocations)));
  c.source = static_cast<uint8_t>(Below(Count(kSources)));
  c.email_suffix = Below(4) == 0 ? static_cast<uint16_t>(1 + Below(99)) : 0;
  c.phone = 100000000 + Below(900000000);
  c.stage = static_cast<uint8_t>(stage);
  c.profile_number = next_profile_number_++;
  c.created_at = created_at;
  c.updated_at = updated_at;
  candidate_by_id_.emplace(c.id, candidates_.size());
  candidates_.push_back(std::move(c));
  ++live_candidates_;
}

std::optional<size_t> TenantData::FindJob(std::string_view shortcode) const {
  auto it = job_by_shortcode_.find(std::string(shortcode));
  if (it == job_by_shortcode_.end()) return std::nullopt;
  return it->second;
}

std::optional<size_t> TenantData::FindCandidate(std::string_view id) const {
  auto it = candidate_by_id_.find(std::string(id));
  if (it == candidate_by_id_.end() || candidates_[it->second].deleted) return std::nullopt;
  return it->second;
}

std::optional<size_t> TenantData::CandidateLowerBound(std::string_view since_id) const {
  if (auto it = candidate_by_id_.find(std::string(since_id)); it != candidate_by_id_.end()) return it->second;
  auto value = ParseHex(since_id);
  if (!value) return std::nullopt;
  auto it = std::lower_bound(candidates_.begin(), candidates_.end(), *value,
                             [](const CandidateRecord& c, uint64_t v) { return c.id_value < v; });
  return static_cast<size_t>(it - candidates_.begin());
}

std::optional<size_t> TenantData::JobLowerBound(std::string_view since_id) const {
  for (size_t i = 0; i < jobs_.size(); ++i)
    if (jobs_[i].id == since_id) return i;
  auto value = ParseHex(since_id);
  if (!value) return std::nullopt;
  auto it = std::lower_bound(jobs_.begin(), jobs_.end(), *value,
                             [](const JobRecord& j, uint64_t v) { return j.id_value < v; });
  return static_cast<size_t>(it - jobs_.begin());
}

std::string TenantData::AddCandidate(size_t job_index) {
  if (job_index >= jobs_.size()) return "";
  const int64_t t = Tick();
  MakeCandidate(static_cast<uint32_t>(job_index), 1, t, t);
  candidates_.back().api_created = true;
  return candidates_.back().id;
}

bool TenantData::MoveCandidate(size_t index, int stage) {
  if (index >= candidates_.size() || candidates_[index].deleted || stage < 0 || stage >= kStageCount)
    return false;
  CandidateRecord& c = candidates_[index];
  const int64_t t = Tick();
  c.stage = static_cast<uint8_t>(stage);
  if (stage >= kOfferStage && c.moved_to_offer_at == 0) c.moved_to_offer_at = t;
  c.hired_at = stage == kHiredStage ? (c.hired_at != 0 ? c.hired_at : t) : 0;
  c.updated_at = t;
  return true;
}

bool TenantData::Disqualify(size_t index, const std::string& reason) {
  if (index >= candidates_.size() || candidates_[index].deleted) return false;
  CandidateRecord& c = candidates_[index];
  const int64_t t = Tick();
  c.disqualified = true;
  c.disqualification_reason = reason;
  c.disqualified_at = t;
  c.updated_at = t;
  return true;
}

bool TenantData::DeleteCandidate(size_t index) {
  if (index >= candidates_.size() || candidates_[index].deleted) return false;
  Tick();
  candidates_[index].deleted = true;
  --live_candidates_;
  return true;
}

bool TenantData::RestoreCandidate(std::string_view id) {
  auto it = candidate_by_id_.find(std::string(id));
  if (it == candidate_by_id_.end() || !candidates_[it->second].deleted) return false;
  candidates_[it->second].deleted = false;
  ++live_candidates_;
  return true;
}

std::string TenantData::AddJob(int state) {
  if (state < 0 || state >= kJobStateCount) return "";
  const int64_t t = Tick();
  MakeJob(state, t, t);
  return jobs_.back().shortcode;
}

bool TenantData::SetJobState(size_t job_index, int state) {
  if (job_index >= jobs_.size() || state < 0 || state >= kJobStateCount) return false;
  const int64_t t = Tick();
  jobs_[job_index].state = static_cast<uint8_t>(state);
  jobs_[job_index].updated_at = t;
  return true;
}

std::string TenantData::MutateRandom() {
  // Weights: move 50, add candidate 20, disqualify 15, delete 10, add job 5.
  uint64_t roll = mutate_rng_() % 100;
  if (live_candidates_ == 0 && roll < 95) roll = 50;  // nobody to touch: add a candidate
  if (jobs_.empty() && roll < 95) roll = 95;          // nowhere to add one: add a job
  auto pick_live = [&]() {
    size_t i = static_cast<size_t>(mutate_rng_() % candidates_.size());
    while (candidates_[i].deleted) i = (i + 1) % candidates_.size();
    return i;
  };
  if (roll < 50) {
    const size_t i = pick_live();
    const int current = candidates_[i].stage;
    int stage =
        current < kHiredStage && mutate_rng_() % 10 < 7
            ? current + 1
            : static_cast<int>((static_cast<uint64_t>(current) + 1 + mutate_rng_() % (kStageCount - 1)) %
                               kStageCount);
    MoveCandidate(i, stage);
    return "moved " + candidates_[i].id + " to " + std::string(StageKind(stage));
  }
  if (roll < 70) {
    std::vector<size_t> published;
    for (size_t j = 0; j < jobs_.size(); ++j)
      if (jobs_[j].state == 1) published.push_back(j);
    const size_t job = published.empty() ? static_cast<size_t>(mutate_rng_() % jobs_.size())
                                         : published[mutate_rng_() % published.size()];
    const std::string id = AddCandidate(job);
    const CandidateRecord& c = candidates_.back();
    return "added candidate " + id + " (" + std::string(kFirstNames[c.first].display) + " " +
           std::string(kLastNames[c.last].display) + ") to job " + jobs_[job].shortcode;
  }
  if (roll < 85) {
    const size_t i = pick_live();
    const std::string reason(kDisqualificationReasons[mutate_rng_() % Count(kDisqualificationReasons)]);
    Disqualify(i, reason);
    return "disqualified " + candidates_[i].id + ": " + reason;
  }
  if (roll < 95) {
    const size_t i = pick_live();
    DeleteCandidate(i);
    return "deleted candidate " + candidates_[i].id;
  }
  const int state = mutate_rng_() % 5 == 0 ? 0 : 1;
  const std::string shortcode = AddJob(state);
  return "added job " + shortcode + " (" + std::string(kTitles[jobs_.back().title].title) + ", " +
         std::string(JobStateName(state)) + ")";
}

std::string TenantData::Email(const CandidateRecord& c) const {
  std::string out(kFirstNames[c.first].ascii);
  out.push_back('_');
  out.append(kLastNames[c.last].ascii);
  if (c.email_suffix != 0) out.append(std::to_string(c.email_suffix));
  out.append("@samplecandidate.com");
  return out;
}

void TenantData::WriteJob(JsonWriter& w, const JobRecord& job, bool detail) const {
  const Title& title = kTitles[job.title];
  const Department& dept = kDepartments[title.department];
  const Location& loc = kLocations[job.location];
  const std::string_view workplace = kWorkplaces[job.workplace];
  const std::string job_url =
      "https://" + subdomain_ + ".workable.com/jobs/" + std::to_string(job.numeric_id);
  w.BeginObject();
  w.Key("id").String(job.id);
  w.Key("title").String(title.title);
  w.Key("full_title").String(std::string(title.title) + " - " + job.code);
  w.Key("shortcode").String(job.shortcode);
  w.Key("code").String(job.code);
  w.Key("state").String(JobStateName(job.state));
  w.Key("sample").Bool(false);
  w.Key("confidential").Bool(false);
  w.Key("department").String(dept.name);
  w.Key("department_hierarchy").BeginArray();
  w.BeginObject().Key("id").Int(dept.id).Key("name").String(dept.name).EndObject();
  w.EndArray();
  w.Key("url").String(job_url);
  w.Key("application_url").String(job_url + "/candidates/new");
  w.Key("shortlink").String("https://apply.workable.com/j/" + job.shortcode);
  w.Key("workplace_type").String(workplace);
  w.Key("location").BeginObject();
  w.Key("location_str").String(std::string(loc.city) + ", " + std::string(loc.country));
  w.Key("country").String(loc.country);
  w.Key("country_code").String(loc.country_code);
  w.Key("region").String(loc.region);
  w.Key("region_code").String(loc.region_code);
  w.Key("city").String(loc.city);
  w.Key("zip_code").String(loc.zip);
  w.Key("telecommuting").Bool(job.workplace == 2);
  w.Key("workplace_type").String(workplace);
  w.EndObject();
  w.Key("locations").BeginArray().BeginObject();
  w.Key("shortcode").String(job.location_shortcode);
  w.Key("country_code").String(loc.country_code);
  w.Key("country_name").String(loc.country);
  w.Key("state_code").String(loc.region_code);
  w.Key("subregion").String(loc.region);
  w.Key("zip_code").String(loc.zip);
  w.Key("city").String(loc.city);
  w.Key("coords").String(loc.coords);
  w.Key("hidden").Bool(false);
  w.EndObject().EndArray();
  w.Key("salary").BeginObject();
  w.Key("salary_from").Int(job.salary_from);
  w.Key("salary_to").Int(job.salary_to);
  w.Key("salary_currency").String(loc.currency);
  w.EndObject();
  w.Key("created_at").String(Timestamp(job.created_at));
  w.Key("updated_at").String(Timestamp(job.updated_at));
  w.Key("keywords").BeginArray().EndArray();
  if (detail) {
    const std::string about = "<p>We are looking for a " + std::string(title.title) + " to join our " +
                              std::string(dept.name) + " team in " + std::string(loc.city) + ".</p>";
    w.Key("full_description")
        .String(about + "<p><strong>Requirements</strong></p><ul><li>Relevant experience</li></ul>");
    w.Key("description").String(about);
    w.Key("requirements").String("<ul><li>Relevant experience</li></ul>");
    w.Key("benefits").String("<ul><li>Flexible hours</li><li>Learning budget</li></ul>");
    w.Key("employment_type").String("Full-time");
    w.Key("industry").String(title.industry);
    w.Key("function").String(title.function);
    w.Key("experience").String("Mid-Senior level");
    w.Key("education").String("Bachelor's Degree");
  }
  w.EndObject();
}

void TenantData::WriteCandidate(JsonWriter& w, const CandidateRecord& c, bool detail) const {
  const Name& first = kFirstNames[c.first];
  const Name& last = kLastNames[c.last];
  const JobRecord& job = jobs_[c.job];
  const Location& loc = kLocations[c.location];
  const Source& source = kSources[c.source];
  const std::string updated = Timestamp(c.updated_at);
  const std::string created = Timestamp(c.created_at);
  std::string name(first.display);
  name.push_back(' ');
  name.append(last.display);

  w.BeginObject();
  w.Key("id").String(c.id);
  w.Key("name").String(name);
  w.Key("firstname").String(first.display);
  w.Key("lastname").String(last.display);
  w.Key("headline").String(kHeadlines[c.headline]);
  w.Key("account")
      .BeginObject()
      .Key("subdomain")
      .String(subdomain_)
      .Key("name")
      .String(account_name_)
      .EndObject();
  w.Key("job")
      .BeginObject()
      .Key("shortcode")
      .String(job.shortcode)
      .Key("title")
      .String(kTitles[job.title].title);
  w.EndObject();
  w.Key("stage").String(StageName(c.stage));
  w.Key("stage_kind").String(StageKind(c.stage));
  w.Key("disqualified").Bool(c.disqualified);
  w.Key("anonymized").Bool(false);
  w.Key("disqualification_reason");
  if (c.disqualified && !c.disqualification_reason.empty()) {
    w.String(c.disqualification_reason);
  } else {
    w.Null();
  }
  w.Key("hired_at");
  TimestampOrNull(w, c.hired_at);
  w.Key("moved_to_offer_at");
  TimestampOrNull(w, c.moved_to_offer_at);
  w.Key("sourced").Bool(c.sourced);
  w.Key("profile_url")
      .String("https://" + subdomain_ + ".workable.com/backend/jobs/" + std::to_string(job.numeric_id) +
              "/candidates/" + std::to_string(c.profile_number));
  w.Key("address").String(std::to_string(c.house) + " " + std::string(kStreets[c.street]) + " " +
                          std::string(kStreetSuffixes[c.street_suffix]) + ", " + std::string(loc.zip) + " " +
                          std::string(loc.city) + ", " + std::string(loc.country_code));
  w.Key("phone").String("+" + std::string(loc.calling_code) + std::to_string(c.phone));
  w.Key("email").String(Email(c));
  w.Key("domain").String(source.domain);
  w.Key("outlet");
  if (c.api_created) {
    w.String("SPI");
  } else {
    w.Null();
  }
  w.Key("common_source").String(source.common_source);
  w.Key("common_source_category").String(source.category);
  w.Key("created_at").String(created);
  w.Key("updated_at").String(updated);
  w.Key("resume_metadata").BeginObject();
  w.Key("filename").String("cv_" + std::string(first.ascii) + "_" + std::string(last.ascii) + ".pdf");
  w.Key("filetype").String("pdf");
  w.Key("created_at").String(created);
  w.Key("updated_at").String(updated);
  w.EndObject();
  if (detail) {
    w.Key("image_url").Null();
    w.Key("disqualified_at");
    TimestampOrNull(w, c.disqualified ? c.disqualified_at : 0);
    w.Key("withdrew").Bool(false);
    w.Key("outbound_mailbox").String(c.id + "@" + subdomain_ + ".workablemail.com");
    w.Key("uploader_id").Null();
    w.Key("cover_letter").Null();
    w.Key("summary").Null();
    w.Key("education_entries").BeginArray().EndArray();
    w.Key("experience_entries").BeginArray().EndArray();
    w.Key("skills").BeginArray().EndArray();
    if (!protected_answers_) w.Key("answers").BeginArray().EndArray();
    w.Key("resume_url").Null();
    w.Key("social_profiles").BeginArray().EndArray();
    w.Key("tags").BeginArray().EndArray();
    w.Key("location").BeginObject();
    w.Key("location_str").String(std::string(loc.city) + ", " + std::string(loc.country));
    w.Key("country").String(loc.country);
    w.Key("country_code").String(loc.country_code);
    w.Key("region").String(loc.region);
    w.Key("region_code").String(loc.region_code);
    w.Key("city").String(loc.city);
    w.Key("zip_code").String(loc.zip);
    w.EndObject();
    w.Key("originating_candidate_id").String(c.id);
  }
  if (protected_answers_) WriteAnswers(w, c);
  w.EndObject();
}

void TenantData::WriteAnswers(JsonWriter& w, const CandidateRecord& c) const {
  const std::string m = std::string(kProtectedMarker);
  const auto answer = [&](std::string_view question, const std::string& body) {
    w.BeginObject();
    w.Key("question").BeginObject().Key("body").String(question).EndObject();
    w.Key("answer").BeginObject().Key("body").String(body).EndObject();
    w.EndObject();
  };
  w.Key("answers").BeginArray();
  answer("What is your gender?", m + "GENDER-" + c.id);
  answer("Link to your portfolio", "https://portfolio.example.com/" + c.id);
  w.EndArray();
  w.Key("custom_attributes").BeginObject();
  w.Key("Date of Birth").String(m + "DOB-" + c.id);
  w.Key("nationality").String(m + "NATIONALITY-" + c.id);
  w.Key("t_shirt_size").String("M");
  w.EndObject();
}

void TenantData::WriteStages(JsonWriter& w) const {
  w.BeginObject().Key("stages").BeginArray();
  for (int i = 0; i < kStageCount; ++i) {
    w.BeginObject();
    w.Key("id").Int(stage_id_base_ + i);
    w.Key("identifier").String(stage_identifiers_[static_cast<size_t>(i)]);
    w.Key("slug").String(StageKind(i));
    w.Key("name").String(StageName(i));
    w.Key("kind").String(StageKind(i));
    w.Key("position").Int(i + 1);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

void TenantData::WriteAccounts(JsonWriter& w) const {
  w.BeginObject().Key("accounts").BeginArray().BeginObject();
  w.Key("id").String(account_id_);
  w.Key("name").String(account_name_);
  w.Key("subdomain").String(subdomain_);
  w.Key("description").Null();
  w.Key("summary").Null();
  w.Key("website_url").String("https://www." + subdomain_ + ".example.com");
  w.EndObject().EndArray().EndObject();
}

SimJob TenantData::ToSim(const JobRecord& job) const {
  SimJob out;
  out.id = job.id;
  out.shortcode = job.shortcode;
  out.title = std::string(kTitles[job.title].title);
  out.state = std::string(JobStateName(job.state));
  out.department = std::string(kDepartments[kTitles[job.title].department].name);
  out.created_at = Timestamp(job.created_at);
  out.updated_at = Timestamp(job.updated_at);
  return out;
}

SimCandidate TenantData::ToSim(const CandidateRecord& c) const {
  SimCandidate out;
  out.id = c.id;
  out.firstname = std::string(kFirstNames[c.first].display);
  out.lastname = std::string(kLastNames[c.last].display);
  out.name = out.firstname + " " + out.lastname;
  out.email = Email(c);
  out.phone = "+" + std::string(kLocations[c.location].calling_code) + std::to_string(c.phone);
  out.headline = std::string(kHeadlines[c.headline]);
  out.job_shortcode = jobs_[c.job].shortcode;
  out.job_title = std::string(kTitles[jobs_[c.job].title].title);
  out.stage = std::string(StageName(c.stage));
  out.stage_kind = std::string(StageKind(c.stage));
  out.disqualified = c.disqualified;
  out.disqualification_reason = c.disqualified ? c.disqualification_reason : "";
  out.created_at = Timestamp(c.created_at);
  out.updated_at = Timestamp(c.updated_at);
  return out;
}

}  // namespace ats::sim::detail
