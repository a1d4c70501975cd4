#pragma once
// Which state partition a connection lives in (cluster mode): Java's
// Utils.toPositive(Utils.murmur2(key)) % partitions, the placement a Kafka client gives the
// connection id as a key, so tools and JVM consumers agree with the connector.
#include <cstdint>
#include <string_view>

namespace ats::state {

uint32_t Murmur2(std::string_view data);  // Kafka's murmur2 (seed 0x9747b28c)
int PartitionOf(std::string_view connection, int partitions);

}  // namespace ats::state
