#include "common/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

namespace ats {
namespace {

TEST(JsonStringTest, EscapesQuotesBackslashesAndNamedControls) {
  EXPECT_EQ(JsonString("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonString("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(JsonString(""), R"("")");
}

TEST(JsonStringTest, EscapesOtherControlCharsAsUnicode) {
  EXPECT_EQ(JsonString(std::string_view("\x00", 1)), R"("\u0000")");
  EXPECT_EQ(JsonString("\x01\x1f"), R"("\u0001\u001f")");
}

TEST(JsonStringTest, PassesUtf8DelAndSlashThrough) {
  EXPECT_EQ(JsonString("caf\xc3\xa9 \xe2\x82\xac /x\x7f"), "\"caf\xc3\xa9 \xe2\x82\xac /x\x7f\"");
}

TEST(JsonStringTest, AppendKeepsExistingContent) {
  std::string out = "prefix:";
  AppendJsonString(out, "v\"");
  EXPECT_EQ(out, R"(prefix:"v\"")");
}

TEST(JsonWriterTest, EmptyContainers) {
  EXPECT_EQ(JsonWriter().BeginObject().EndObject().str(), "{}");
  EXPECT_EQ(JsonWriter().BeginArray().EndArray().str(), "[]");
}

TEST(JsonWriterTest, NestedContainersGetCommasOnlyBetweenElements) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").BeginArray().Int(1).String("x").BeginObject().EndObject().BeginArray().EndArray().EndArray();
  w.Key("b").Null();
  w.Key("c").BeginObject().Key("d").Bool(true).Key("e").Bool(false).EndObject();
  w.Key("f").Int(-42);
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":[1,"x",{},[]],"b":null,"c":{"d":true,"e":false},"f":-42})");
}

TEST(JsonWriterTest, KeysAndStringsAreEscaped) {
  JsonWriter w;
  w.BeginObject().Key("k\"\\\n").String("v\"\\\x02").EndObject();
  EXPECT_EQ(w.str(), R"({"k\"\\\n":"v\"\\\u0002"})");
}

TEST(JsonWriterTest, RawIsInsertedVerbatimWithCommas) {
  JsonWriter w;
  w.BeginArray().Raw(R"({"x":[1,2]})").Raw("3").EndArray();
  EXPECT_EQ(w.str(), R"([{"x":[1,2]},3])");
}

TEST(JsonWriterTest, IntExtremes) {
  JsonWriter w;
  w.BeginArray().Int(std::numeric_limits<int64_t>::min()).Int(std::numeric_limits<int64_t>::max()).EndArray();
  EXPECT_EQ(w.str(), "[-9223372036854775808,9223372036854775807]");
}

TEST(JsonWriterTest, DoublesRoundTripAndNonFiniteBecomesNull) {
  for (double d : {0.5, 0.1, -3.25e-7, 1e300, 12345.0}) {
    JsonWriter w;
    w.Double(d);
    EXPECT_EQ(std::strtod(w.str().c_str(), nullptr), d) << w.str();
  }
  JsonWriter w;
  w.BeginArray()
      .Double(std::numeric_limits<double>::quiet_NaN())
      .Double(std::numeric_limits<double>::infinity())
      .Double(-std::numeric_limits<double>::infinity())
      .EndArray();
  EXPECT_EQ(w.str(), "[null,null,null]");
}

TEST(JsonWriterTest, TakeMovesTheText) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).EndObject();
  EXPECT_EQ(w.Take(), R"({"a":1})");
}

}  // namespace
}  // namespace ats
