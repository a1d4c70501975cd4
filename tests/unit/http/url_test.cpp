#include <gtest/gtest.h>

#include "http/http_client.hpp"

namespace ats::http {
namespace {

TEST(ParseUrlTest, SplitsSchemeHostPortAndPath) {
  auto url = ParseUrl("https://acme.workable.com/spi/v3/candidates?limit=100&since_id=2727030b");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "acme.workable.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path_and_query, "/spi/v3/candidates?limit=100&since_id=2727030b");
}

TEST(ParseUrlTest, DefaultsAndExplicitPorts) {
  EXPECT_EQ(ParseUrl("http://example.com/x")->port, 80);
  EXPECT_EQ(ParseUrl("https://example.com")->port, 443);
  EXPECT_EQ(ParseUrl("http://127.0.0.1:8080/a")->port, 8080);
  EXPECT_EQ(ParseUrl("https://example.com:443/")->port, 443);
  EXPECT_EQ(ParseUrl("https://example.com")->path_and_query, "/");
  EXPECT_EQ(ParseUrl("https://example.com?x=1")->path_and_query, "/?x=1");
}

TEST(ParseUrlTest, LowerCasesSchemeAndHostButNotPath) {
  auto url = ParseUrl("HTTPS://ACME.Workable.COM/SPI/v3/Jobs");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "acme.workable.com");
  EXPECT_EQ(url->path_and_query, "/SPI/v3/Jobs");
}

TEST(ParseUrlTest, DropsTheFragment) {
  EXPECT_EQ(ParseUrl("https://a.example/p?q=1#frag")->path_and_query, "/p?q=1");
}

TEST(ParseUrlTest, Ipv6Literal) {
  auto url = ParseUrl("http://[::1]:9000/x");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "[::1]");
  EXPECT_EQ(url->port, 9000);
}

TEST(ParseUrlTest, RejectsWhatCouldBeReadTwoWays) {
  EXPECT_FALSE(ParseUrl("").has_value());
  EXPECT_FALSE(ParseUrl("acme.workable.com/spi/v3").has_value());       // no scheme
  EXPECT_FALSE(ParseUrl("/spi/v3/jobs?limit=1").has_value());           // relative
  EXPECT_FALSE(ParseUrl("ftp://acme.workable.com/").has_value());       // not http(s)
  EXPECT_FALSE(ParseUrl("https:///path").has_value());                  // no host
  EXPECT_FALSE(ParseUrl("https://acme.workable.com:0/").has_value());   // bad port
  EXPECT_FALSE(ParseUrl("https://acme.workable.com:99999/").has_value());
  EXPECT_FALSE(ParseUrl("https://acme.workable.com:80a/").has_value());
  EXPECT_FALSE(ParseUrl("https://acme.workable.com@evil.example/").has_value());  // userinfo
  EXPECT_FALSE(ParseUrl("https://evil.example\\@acme.workable.com/").has_value());
  EXPECT_FALSE(ParseUrl("https://acme.workable.com/a b").has_value());
  EXPECT_FALSE(ParseUrl("https://acme.workable.com/\r\nHost: evil").has_value());
}

TEST(SameOriginTest, ComparesSchemeHostAndPort) {
  const auto base = *ParseUrl("https://acme.workable.com/spi/v3");
  EXPECT_TRUE(SameOrigin(*ParseUrl("https://acme.workable.com/spi/v3/jobs?limit=2&since_id=x"), base));
  EXPECT_TRUE(SameOrigin(*ParseUrl("https://ACME.workable.com:443/other"), base));
  EXPECT_FALSE(SameOrigin(*ParseUrl("http://acme.workable.com/spi/v3/jobs"), base));
  EXPECT_FALSE(SameOrigin(*ParseUrl("https://acme.workable.com:8443/spi/v3/jobs"), base));
  EXPECT_FALSE(SameOrigin(*ParseUrl("https://www.workable.com/spi/v3/accounts/acme/jobs"), base));
  EXPECT_FALSE(SameOrigin(*ParseUrl("https://acme.workable.com.evil.example/spi/v3"), base));
}

TEST(UrlEncodeTest, EncodesEverythingButUnreserved) {
  EXPECT_EQ(UrlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEncode("a b&c=d/e?f"), "a%20b%26c%3Dd%2Fe%3Ff");
  EXPECT_EQ(UrlEncode("2026-07-23T18:58:18+00:00"), "2026-07-23T18%3A58%3A18%2B00%3A00");
  EXPECT_EQ(UrlEncode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(UrlEncode(""), "");
}

}  // namespace
}  // namespace ats::http
