#pragma once
// The one place that knows every source: maps a connection's `source` name to its
// implementation (explicit registration, no static initialisers).
#include "config/config.hpp"
#include "connectors/source.hpp"

namespace ats::connectors {

// The source for `conn.source` ("workable"); permanent kConfig for an unknown name or a
// configuration the source cannot work with.
Result<SourcePtr> CreateSource(const config::ConnectionConfig& conn, SourceContext context = {});

}  // namespace ats::connectors
