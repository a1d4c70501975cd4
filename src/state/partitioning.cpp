#include "state/partitioning.hpp"

namespace ats::state {

uint32_t Murmur2(std::string_view data) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  const auto length = static_cast<uint32_t>(data.size());
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  uint32_t h = kSeed ^ length;
  const uint32_t blocks = length / 4;
  for (uint32_t i = 0; i < blocks; ++i) {
    const uint32_t j = i * 4;
    uint32_t k = uint32_t{bytes[j]} | (uint32_t{bytes[j + 1]} << 8) | (uint32_t{bytes[j + 2]} << 16) |
                 (uint32_t{bytes[j + 3]} << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const uint32_t tail = blocks * 4;
  switch (length % 4) {
    case 3: h ^= uint32_t{bytes[tail + 2]} << 16; [[fallthrough]];
    case 2: h ^= uint32_t{bytes[tail + 1]} << 8; [[fallthrough]];
    case 1:
      h ^= uint32_t{bytes[tail]};
      h *= kM;
      break;
    default: break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

int PartitionOf(std::string_view connection, int partitions) {
  if (partitions <= 1) return 0;
  return static_cast<int>((Murmur2(connection) & 0x7fffffffU) % static_cast<uint32_t>(partitions));
}

}  // namespace ats::state
