#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "common/record.hpp"
#include "common/result.hpp"
#include "common/stop.hpp"

namespace ats {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Error::Permanent(ErrorCategory::kBadRecord, "odd");
  return x / 2;
}

TEST(ResultTest, ValueAndError) {
  auto ok = Half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(*ok, 4);
  EXPECT_EQ(ok.value(), 4);

  auto bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(bad.error().retryable());
  EXPECT_EQ(bad.error().kind, ErrorKind::kPermanent);
  EXPECT_EQ(bad.error().category, ErrorCategory::kBadRecord);
  EXPECT_EQ(bad.error().message, "odd");
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, VoidResult) {
  Result<void> ok = Ok();
  EXPECT_TRUE(ok.ok());
  Result<void> bad = Error::Retryable(ErrorCategory::kKafka, "broker down");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.error().retryable());
  EXPECT_EQ(bad.error().category, ErrorCategory::kKafka);
}

TEST(ResultTest, CategoryNamesAreDistinctLabels) {
  EXPECT_EQ(ToString(ErrorCategory::kRateLimited), "rate_limited");
  EXPECT_EQ(ToString(ErrorCategory::kSnapshot), "snapshot");
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(ErrorCategory::kInternal); ++c)
    names.insert(ToString(static_cast<ErrorCategory>(c)));
  EXPECT_EQ(names.size(), static_cast<size_t>(ErrorCategory::kInternal) + 1);
}

TEST(RecordTest, EntityNames) {
  EXPECT_EQ(ToString(Entity::kJob), "job");
  EXPECT_EQ(ToString(Entity::kCandidate), "candidate");
}

TEST(RecordTest, SerializeFieldsIsCanonical) {
  EXPECT_EQ(SerializeFields({}), "{}");
  std::map<std::string, std::string> f{{"b", "\"x\""}, {"a", "1"}, {"c\"q", "{\"n\":[1,null]}"}};
  EXPECT_EQ(SerializeFields(f), R"({"a":1,"b":"x","c\"q":{"n":[1,null]}})");
}

TEST(RecordTest, ContentHashIsFnv1a64) {
  // Published FNV-1a 64-bit test vectors: the hash is persisted, so it must never drift.
  EXPECT_EQ(ContentHash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(ContentHash("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(ContentHash("foobar"), 0x85944171f73967e8ULL);
}

TEST(RecordTest, ContentHashDistinguishesContent) {
  const std::string a = SerializeFields({{"stage", "\"Applied\""}});
  const std::string b = SerializeFields({{"stage", "\"Hired\""}});
  EXPECT_EQ(ContentHash(a), ContentHash(std::string(a)));
  EXPECT_NE(ContentHash(a), ContentHash(b));
}

TEST(StopSignalTest, WaitReturnsTrueOnceStopped) {
  StopSignal s;
  EXPECT_FALSE(s.stopped());
  EXPECT_FALSE(s.WaitFor(std::chrono::milliseconds(1)));
  s.Stop();
  EXPECT_TRUE(s.stopped());
  EXPECT_TRUE(s.WaitFor(std::chrono::seconds(60)));  // returns at once
}

}  // namespace
}  // namespace ats
