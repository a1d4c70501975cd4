#pragma once
// Names of record fields as the field policy compares them (pipeline/field_policy.hpp), shared
// with the config loader, which validates the names a connection lists.
#include <string>
#include <string_view>

namespace ats {

// Lower-case letters and digits only: "Date_of_Birth", "date of birth" and "dateOfBirth" are
// one name.
std::string NormaliseFieldName(std::string_view name);
// Whether `name` (one key) names a protected characteristic (gender, ethnicity, date of birth,
// ...): its words, split at separators and camelCase, contain one of the built-in terms.
bool IsProtectedFieldName(std::string_view name);
// Fields the connector itself needs (ids, stage, status, state, updated_at): never withheld.
bool IsStructuralFieldName(std::string_view name);

}  // namespace ats
