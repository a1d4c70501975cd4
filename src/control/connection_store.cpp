#include "control/connection_store.hpp"

namespace ats::control {
namespace {
Error NoKeyring() {
  return Error::Permanent(
      ErrorCategory::kConfig,
      "no keyring: set secrets.keyring_file (create one with `ats-connector keygen --out FILE`)");
}
}  // namespace

Result<void> MetaConnectionStore::Put(const std::string& id, const std::string& document) {
  if (keyring_ == nullptr) return NoKeyring();
  snapshot::Batch batch;
  batch.PutMeta(Key(id), keyring_->Seal(document, Key(id)));
  return store_.Commit(batch);
}

Result<std::string> MetaConnectionStore::Open(const std::string& key, std::string_view sealed) {
  if (keyring_ == nullptr) return NoKeyring();
  auto opened = keyring_->Open(sealed, key);
  if (!opened) return Error::Permanent(opened.error().category, key + ": " + opened.error().message);
  return std::move(opened).value();
}

Result<std::optional<std::string>> MetaConnectionStore::Get(const std::string& id) {
  auto sealed = store_.GetMeta(Key(id));
  if (!sealed) return sealed.error();
  if (!sealed->has_value()) return std::optional<std::string>();
  auto opened = Open(Key(id), **sealed);
  if (!opened) return opened.error();
  return std::optional<std::string>(std::move(opened).value());
}

Result<bool> MetaConnectionStore::Contains(const std::string& id) {
  auto sealed = store_.GetMeta(Key(id));
  if (!sealed) return sealed.error();
  return sealed->has_value();
}

Result<std::vector<std::pair<std::string, std::string>>> MetaConnectionStore::List() {
  std::vector<std::pair<std::string, std::string>> out;
  std::optional<Error> failed;
  auto scanned = store_.ForEachMeta(kConnectionsPrefix, [&](std::string_view key, std::string_view value) {
    auto opened = Open(std::string(key), value);
    if (!opened) {
      failed = opened.error();
      return false;
    }
    out.emplace_back(std::string(key.substr(kConnectionsPrefix.size())), std::move(opened).value());
    return true;
  });
  if (!scanned) return scanned.error();
  if (failed) return *failed;
  return out;
}

Result<void> MetaConnectionStore::Remove(const std::string& id, bool /*purge*/) {
  snapshot::Batch batch;
  batch.DeleteMeta(Key(id));
  return store_.Commit(batch);
}

}  // namespace ats::control
