#include "connectors/registry.hpp"

#include "connectors/workable/workable_source.hpp"
#include "connectors/workday/workday_source.hpp"

namespace ats::connectors {

Result<SourcePtr> CreateSource(const config::ConnectionConfig& conn, SourceContext context) {
  if (conn.source == WorkableSource::kName) {
    auto source = WorkableSource::Create(conn);
    if (!source) return source.error();
    return SourcePtr(std::move(source).value());
  }
  if (conn.source == WorkdaySource::kName) {
    // The context's state store keeps Workday's rotated refresh token.
    auto source = WorkdaySource::Create(conn, context);
    if (!source) return source.error();
    return SourcePtr(std::move(source).value());
  }
  return Error::Permanent(ErrorCategory::kConfig, "connection '" + conn.id + "': unknown source '" +
                                                      conn.source + "' (supported: workable, workday)");
}

}  // namespace ats::connectors
