#include "common/record.hpp"

#include "common/json_writer.hpp"

namespace ats {

std::string_view ToString(Entity entity) {
  switch (entity) {
    case Entity::kJob: return "job";
    case Entity::kCandidate: return "candidate";
  }
  return "candidate";
}

std::string SerializeFields(const std::map<std::string, std::string>& fields) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [name, value] : fields) w.Key(name).Raw(value);
  w.EndObject();
  return w.Take();
}

uint64_t ContentHash(std::string_view canonical) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64-bit offset basis
  for (unsigned char c : canonical) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace ats
