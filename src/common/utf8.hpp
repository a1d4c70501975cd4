#pragma once
// UTF-8 repair at the byte level, for text that must be echoed or stored as valid JSON
// (simdjson::validate_utf8 says whether a whole text is valid; this says where it is not).
#include <cstddef>
#include <string_view>

namespace ats {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when none starts there (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceAt(std::string_view s, size_t i);

}  // namespace ats
