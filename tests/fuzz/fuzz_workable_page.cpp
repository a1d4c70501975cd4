// libFuzzer target: WorkableSource::ParsePage (and the error-body reader behind ClassifyError)
// on arbitrary bytes. The first byte picks the entity and the status; the rest is the body.
// Whatever the body, parsing must return a page or an error: no crash, no leak, no UB.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "connectors/workable/workable_source.hpp"

namespace {

ats::connectors::WorkableSource& Source() {
  static std::unique_ptr<ats::connectors::WorkableSource> source = [] {
    ats::config::ConnectionConfig c;
    c.id = "fuzz";
    c.source = "workable";
    c.workable.subdomain = "fuzz";
    c.workable.api_token = "fuzz-token-0123456789";
    c.workable.base_url = "https://fuzz.workable.com/spi/v3";
    auto created = ats::connectors::WorkableSource::Create(c);
    if (!created) __builtin_trap();
    return std::move(created).value();
  }();
  return *source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  ats::http::Response response;
  response.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  const ats::Entity entity = (selector & 1) != 0 ? ats::Entity::kJob : ats::Entity::kCandidate;
  if ((selector & 2) == 0) {
    response.status = 200;
    auto page = Source().ParsePage(entity, response);
    // Every record that came out, batch after batch, must have an id (the runtime keys the
    // snapshot by it).
    while (page) {
      for (const auto& record : page->records)
        if (record.id.empty()) __builtin_trap();
      if (!page->more_records) break;
      page->next_batch(*page);
    }
  } else {
    static const long kStatuses[] = {400, 401, 403, 404, 422, 429, 500, 503, 302};
    response.status = kStatuses[(selector >> 2) % (sizeof kStatuses / sizeof kStatuses[0])];
    response.headers["location"] = response.body.substr(0, 64);
    (void)Source().ClassifyError(response);
  }
  return 0;
}
