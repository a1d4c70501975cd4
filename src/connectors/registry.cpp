#include "connectors/registry.hpp"

#include "connectors/workable/workable_source.hpp"

namespace ats::connectors {

Result<SourcePtr> CreateSource(const config::ConnectionConfig& conn, SourceContext context) {
  (void)context;  // used by sources that keep state (Workday's rotated refresh token)
  if (conn.source == WorkableSource::kName) {
    auto source = WorkableSource::Create(conn);
    if (!source) return source.error();
    return SourcePtr(std::move(source).value());
  }
  return Error::Permanent(ErrorCategory::kConfig,
                          "connection '" + conn.id + "': unknown source '" + conn.source +
                              "' (supported: workable)");
}

}  // namespace ats::connectors
