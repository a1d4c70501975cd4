// Which copy of a candidate listed under two jobs is the record (snapshot/identity.hpp): the
// newer updated_at, then the greater job id, whatever the order; same-job copies never lose.
#include "snapshot/identity.hpp"

#include <gtest/gtest.h>

namespace ats::snapshot {
namespace {

Record Copy(const std::string& job, const std::string& updated_at) {
  Record r;
  r.id = "dup1";
  r.parent_id = job;
  r.updated_at = updated_at;
  return r;
}

StoredRecord Stored(const std::string& job, const std::string& updated_at) {
  StoredRecord s;
  s.parent_id = job;
  s.updated_at = updated_at;
  return s;
}

TEST(IdentityTest, OfTwoCopiesUnderDifferentJobsExactlyOneLoses) {
  const std::string t = "2026-11-01T10:00:00Z", later = "2026-11-02T10:00:00+00:00";
  const std::pair<std::pair<std::string, std::string>, std::pair<std::string, std::string>> pairs[] = {
      {{"J1", t}, {"J2", t}}, {{"J1", later}, {"J2", t}}, {{"J1", t}, {"J2", ""}}, {{"J1", ""}, {"J2", ""}}};
  for (const auto& [a, b] : pairs) {
    const bool a_loses = LosesToStored(Copy(a.first, a.second), Stored(b.first, b.second));
    const bool b_loses = LosesToStored(Copy(b.first, b.second), Stored(a.first, a.second));
    EXPECT_NE(a_loses, b_loses) << a.first << " " << a.second << " vs " << b.first << " " << b.second;
  }
  EXPECT_TRUE(LosesToStored(Copy("J1", t), Stored("J2", t)));       // tie: the greater job wins
  EXPECT_FALSE(LosesToStored(Copy("J1", later), Stored("J2", t)));  // newer wins
  EXPECT_TRUE(LosesToStored(Copy("J9", t), Stored("J1", later)));   // older loses
  EXPECT_FALSE(LosesToStored(Copy("J1", "2026-01-01T00:00:00Z"), Stored("J1", later)));  // same job
}

}  // namespace
}  // namespace ats::snapshot
