#include "state/changelog.hpp"

#include <unordered_map>

#include "snapshot/codec.hpp"

namespace ats::state {

std::vector<Message> ChangelogRecords(const snapshot::Batch& batch, const std::string& topic, int partition) {
  std::vector<Message> out;
  out.reserve(batch.puts().size() + batch.deletes().size() + batch.meta().size() +
              batch.meta_deletes().size());
  const auto add = [&](std::string key, std::string value, bool null_value) {
    Message m;
    m.topic = topic;
    m.partition = partition;
    m.key = std::move(key);
    m.value = std::move(value);
    m.null_value = null_value;
    out.push_back(std::move(m));
  };
  for (const auto& [key, record] : batch.puts())
    add(snapshot::EncodeRecordKey(key), snapshot::EncodeStoredRecord(record), false);
  for (const auto& key : batch.deletes()) add(snapshot::EncodeRecordKey(key), {}, true);
  for (const auto& [name, value] : batch.meta()) add(snapshot::EncodeMetaKey(name), value, false);
  for (const auto& name : batch.meta_deletes()) add(snapshot::EncodeMetaKey(name), {}, true);
  return out;
}

snapshot::Batch RestoreBatch(const std::vector<kafka::ChangelogRecord>& records, size_t& skipped) {
  std::unordered_map<std::string_view, const kafka::ChangelogRecord*> last;
  last.reserve(records.size());
  for (const auto& record : records) last[record.key] = &record;
  snapshot::Batch batch;
  for (const auto& record : records) {
    auto it = last.find(record.key);
    if (it == last.end() || it->second != &record) continue;  // a later record of the key wins
    auto key = snapshot::DecodeKey(record.key);
    if (!key) {
      ++skipped;
      continue;
    }
    if (auto* name = std::get_if<std::string>(&*key)) {
      if (name->starts_with('~')) {  // never written to the changelog; refuse to let one in
        ++skipped;
        continue;
      }
      if (record.null_value)
        batch.DeleteMeta(*name);
      else
        batch.PutMeta(*name, record.value);
      continue;
    }
    auto& k = std::get<snapshot::Key>(*key);
    if (record.null_value) {
      batch.Delete(std::move(k));
      continue;
    }
    snapshot::StoredRecord stored;
    if (!snapshot::DecodeStoredRecord(record.value, stored).empty()) {
      ++skipped;
      continue;
    }
    batch.Put(std::move(k), std::move(stored));
  }
  return batch;
}

std::string CheckpointKey(const std::string& topic, int partition) {
  return "~cluster/checkpoint/" + topic + "/" + std::to_string(partition);
}

}  // namespace ats::state
