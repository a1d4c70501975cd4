#pragma once
// Workable (SPI v3) as a connectors::Source: lists /jobs and /candidates page by page,
// following paging.next verbatim, and normalises each element into an ats::Record.
// Not thread-safe (it reuses one JSON parser); one instance per connection worker.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "connectors/source.hpp"

namespace ats::connectors {

class WorkableSource final : public Source {
 public:
  static constexpr std::string_view kName{"workable"};

  // Checks what can be checked without the network: the base URL parses as http(s), plain http
  // is allowed only with allow_insecure_http, the token is not empty. Permanent kConfig if not.
  static Result<std::unique_ptr<WorkableSource>> Create(const config::ConnectionConfig& conn);
  ~WorkableSource() override;

  std::string_view name() const override { return kName; }
  std::vector<Entity> entities() const override { return {Entity::kJob, Entity::kCandidate}; }
  Result<http::Request> BuildRequest(Entity entity, const std::optional<std::string>& cursor) override;
  Result<Page> ParsePage(Entity entity, const http::Response& response) override;
  Error ClassifyError(const http::Response& response) override;
  RateLimitInfo ParseRateLimit(const http::Response& response) override;
  std::vector<std::string> secrets() const override;
  config::RateLimitConfig rate_limit() const override { return rate_limit_; }
  bool SupportsQuery(Entity entity) const override { return entity == Entity::kCandidate; }
  // GET /candidates?limit=&updated_after=<YYYYMMDDTHHMMSSZ>&shortcode=<job>
  Result<http::Request> BuildQueryRequest(Entity entity, const ListQuery& query) override;

 private:
  struct Parser;  // simdjson state, kept out of this header

  WorkableSource(std::string token, std::string base_url, http::Url base, int page_size,
                 std::chrono::milliseconds timeout);
  // "/spi/v3/jobs": the path of the entity's list endpoint, for messages.
  std::string EndpointPath(Entity entity) const;
  // Reads a page's `paging` value (its JSON text) into `next`; "" or what is wrong with it.
  std::string ReadPaging(std::string_view text, std::optional<std::string>& next);
  // Workable's {"error": "..."} text, or "" when the body has none.
  std::string ErrorText(const std::string& body);

  std::string token_;
  config::RateLimitConfig rate_limit_;
  std::string base_url_;  // without a trailing slash
  http::Url base_;
  int page_size_;
  size_t max_page_records_ = 100'000;
  bool insecure_skip_tls_verify_ = false;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Parser> parser_;
};

}  // namespace ats::connectors
