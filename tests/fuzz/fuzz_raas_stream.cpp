// libFuzzer target: the Workday RaaS report reader, as the runtime drives it: the stream from
// WorkdaySource::OpenStream(Entity::kCandidate), fed the body in chunks, then finished. The
// first byte sets the chunk size (1..256 bytes), so every split point gets exercised. Whatever
// the bytes, Feed/Finish must return records, rejected records or an error: no crash, no leak.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "config/config.hpp"
#include "connectors/workday/workday_source.hpp"

namespace {

ats::connectors::WorkdaySource& Source() {
  static std::unique_ptr<ats::connectors::WorkdaySource> source = [] {
    ats::config::ConnectionConfig c;
    c.id = "fuzz";
    c.source = "workday";
    auto& w = c.workday;
    w.rest_endpoint = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme";
    w.client_id = "fuzz-client";
    w.client_secret = "fuzz-client-secret-0123456789";
    w.refresh_token = "fuzz-refresh-token-0123456789";
    ats::config::WorkdayReportConfig report;
    report.url = "https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU_ATS/ATS_Candidates";
    w.reports.push_back(report);
    auto created = ats::connectors::WorkdaySource::Create(c);
    if (!created) __builtin_trap();
    return std::move(created).value();
  }();
  return *source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = static_cast<size_t>(data[0]) + 1;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto stream = Source().OpenStream(ats::Entity::kCandidate);
  if (!stream) __builtin_trap();
  ats::connectors::Page page;
  for (size_t at = 0; at < body.size(); at += chunk) {
    if (!stream->Feed(body.substr(at, std::min(chunk, body.size() - at)), page)) return 0;
  }
  if (!stream->Finish(page)) return 0;
  for (const auto& record : page.records)
    if (record.id.empty()) __builtin_trap();
  return 0;
}
