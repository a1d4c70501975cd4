#include "connections/definitions_topic.hpp"

#include <openssl/rand.h>
#include <simdjson.h>

#include <array>

#include "common/json_writer.hpp"
#include "common/log.hpp"

namespace ats::connections {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kWriteTimeout{10000};
constexpr milliseconds kPollTimeout{100};
constexpr size_t kPollBatch = 500;
constexpr size_t kMaxIdBytes = 200;

// A connection id as the config accepts it: [a-z0-9][a-z0-9._-]*.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

Error BadId(const std::string& id) {
  return Error::Permanent(ErrorCategory::kConfig,
                          "definitions topic: '" + id +
                              "' is not a connection id ([a-z0-9][a-z0-9._-]*, at most " +
                              std::to_string(kMaxIdBytes) + " bytes)");
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    raw = std::to_string(Clock::now().time_since_epoch().count());  // (RAND_bytes does not fail on Linux)
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out.substr(0, bytes * 2);
}

// A short, printable form of a hostile key for the log.
std::string Printable(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 120)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return key.size() > 120 ? out + "..." : out;
}

std::string StringField(simdjson::dom::object& object, const char* name) {
  std::string_view text;
  if (object[name].get_string().get(text)) return {};
  return std::string(text);
}

}  // namespace

Result<std::unique_ptr<DefinitionsTopic>> DefinitionsTopic::Open(
    DefinitionsOptions options, std::function<void(const std::string&)> on_change) {
  std::unique_ptr<DefinitionsTopic> self(new DefinitionsTopic(std::move(options), std::move(on_change)));
  const DefinitionsOptions& o = self->options_;
  kafka::TopicReaderOptions ro;
  ro.bootstrap_servers = o.bootstrap_servers;
  ro.client_id = o.client_id;
  ro.topics = {o.topic};
  if (!o.status_topic.empty()) ro.topics.push_back(o.status_topic);
  ro.rdkafka = o.rdkafka;
  auto reader = kafka::TopicReader::Create(ro);
  if (!reader) return reader.error();
  self->reader_ = std::move(reader).value();
  kafka::ProducerOptions po;
  po.bootstrap_servers = o.bootstrap_servers;
  po.client_id = o.client_id;
  po.delivery_timeout_ms = static_cast<int>(kWriteTimeout.count());
  po.rdkafka = o.rdkafka;
  auto producer = kafka::Producer::Create(po);
  if (!producer) return producer.error();
  self->producer_ = std::move(producer).value();
  self->thread_ = std::thread([raw = self.get()] { raw->Run(); });
  return self;
}

DefinitionsTopic::~DefinitionsTopic() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  applied_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DefinitionsTopic::Run() {
  {
    std::lock_guard lock(mu_);
    reader_thread_id_ = std::this_thread::get_id();
  }
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto batch = reader_->Poll(kPollTimeout, kPollBatch);
    if (!batch) {
      log::Warn("definitions topic: read failed; retrying", {{"error", batch.error().message}});
      std::this_thread::sleep_for(kPollTimeout);
      continue;
    }
    std::vector<std::string> changed;
    {
      std::lock_guard lock(mu_);
      for (const auto& m : batch->messages)
        if (auto id = Apply(m)) changed.push_back(std::move(*id));
    }
    if (on_change_)
      for (const auto& id : changed) on_change_(id);
    {
      std::lock_guard lock(mu_);
      positions_ = std::move(batch->positions);
    }
    applied_.notify_all();
  }
}

void DefinitionsTopic::Skip(const kafka::ConsumedMessage& m, const std::string& why) {
  ++skipped_;
  log::Warn("definitions topic: record skipped", {{"topic", m.topic},
                                                  {"offset", static_cast<long long>(m.offset)},
                                                  {"key", Printable(m.key)},
                                                  {"reason", why}});
}

std::optional<std::string> DefinitionsTopic::Apply(const kafka::ConsumedMessage& m) {
  if (m.key.size() + m.value.size() > kMaxDefinitionRecordBytes) {
    Skip(m, "over " + std::to_string(kMaxDefinitionRecordBytes) + " bytes");
    return std::nullopt;
  }
  if (m.topic == options_.topic) return ApplyDefinition(m);
  return ApplyStatus(m);
}

std::optional<std::string> DefinitionsTopic::ApplyDefinition(const kafka::ConsumedMessage& m) {
  const size_t slash = m.key.find('/');
  const std::string kind = slash == std::string::npos ? std::string() : m.key.substr(0, slash);
  const std::string id = slash == std::string::npos ? std::string() : m.key.substr(slash + 1);
  if ((kind != "connection" && kind != "paused" && kind != "resync") || !ValidId(id)) {
    Skip(m, "not a key of the form connection/<id>, paused/<id> or resync/<id>");
    return std::nullopt;
  }
  if (kind == "paused") {
    if (m.null_value) {
      paused_.erase(id);
    } else if (m.value == "true") {
      paused_.insert(id);
    } else {
      Skip(m, "a paused marker other than \"true\"");
      return std::nullopt;
    }
    return id;
  }
  simdjson::dom::parser parser;
  if (kind == "resync") {
    if (m.null_value) {
      resyncs_.erase(id);
      return id;
    }
    simdjson::dom::object object;
    simdjson::dom::object scope;
    std::string_view request_id;
    if (parser.parse(simdjson::padded_string(m.value)).get_object().get(object) ||
        object["request_id"].get_string().get(request_id) || object["scope"].get_object().get(scope) ||
        request_id.empty()) {
      Skip(m, "not a resync request {\"request_id\":...,\"scope\":{...}}");
      return std::nullopt;
    }
    resyncs_[id] = ResyncRequest{std::string(request_id), simdjson::minify(scope)};
    return id;
  }
  if (m.null_value) {  // forgotten
    documents_.erase(id);
    removals_.erase(id);
    return id;
  }
  if (Keyring::IsSealed(m.value)) {
    if (options_.keyring == nullptr) {
      Skip(m, "a sealed document and no keyring to open it");
      return std::nullopt;
    }
    auto opened = options_.keyring->Open(m.value, m.key);
    if (!opened) {
      Skip(m, "the seal does not open: " + opened.error().message);
      return std::nullopt;
    }
    documents_[id] = std::move(opened).value();
    removals_.erase(id);
    return id;
  }
  simdjson::dom::object object;
  bool removed = false;
  bool purge = false;
  if (parser.parse(simdjson::padded_string(m.value)).get_object().get(object) ||
      object["removed"].get_bool().get(removed) || !removed || object["purge"].get_bool().get(purge)) {
    Skip(m, "neither a sealed document nor a removal marker");
    return std::nullopt;
  }
  documents_.erase(id);
  removals_[id] = Removal{purge};
  return id;
}

std::optional<std::string> DefinitionsTopic::ApplyStatus(const kafka::ConsumedMessage& m) {
  if (m.null_value) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::string_view change;
  if (!ValidId(m.key) || parser.parse(simdjson::padded_string(m.value)).get_object().get(object) ||
      object["change"].get_string().get(change)) {
    Skip(m, "not an ats.connection-status.v1 event");
    return std::nullopt;
  }
  RemoteStatus status;
  status.change = std::string(change);
  status.category = StringField(object, "category");
  status.reason = StringField(object, "reason");
  status.fix = StringField(object, "fix");
  if (auto at = ParseRfc3339(StringField(object, "at"))) status.at = *at;
  statuses_[m.key] = std::move(status);
  return std::nullopt;
}

Result<void> DefinitionsTopic::WaitCaughtUp(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto targets = reader_->EndOffsets(timeout);
  if (!targets) return targets.error();
  std::unique_lock lock(mu_);
  const bool reached =
      applied_.wait_until(lock, deadline, [&] { return stopping_ || kafka::Reached(positions_, *targets); });
  if (reached && !stopping_) return Ok();
  return Error::Retryable(ErrorCategory::kKafka, "definitions topic: not caught up with " + options_.topic +
                                                     " within " + std::to_string(timeout.count()) + " ms");
}

Result<void> DefinitionsTopic::Write(std::vector<Message> messages) {
  const auto deadline = Clock::now() + kWriteTimeout;
  auto group = std::make_shared<kafka::DeliveryGroup>();
  for (const auto& message : messages) {
    if (message.key.size() + message.value.size() > kMaxDefinitionRecordBytes)
      return Error::Permanent(ErrorCategory::kConfig,
                              "definitions topic: a record of " + message.key + " over " +
                                  std::to_string(kMaxDefinitionRecordBytes) + " bytes");
  }
  for (const auto& message : messages)
    if (auto produced = producer_->Produce(message, kWriteTimeout, group); !produced) return produced;
  const auto left = [&] {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
  };
  if (auto acked = producer_->Await(*group, left()); !acked) return acked;
  bool on_reader_thread = false;
  {
    std::lock_guard lock(mu_);
    on_reader_thread = reader_thread_id_ == std::this_thread::get_id();
  }
  if (on_reader_thread) return Ok();  // acknowledged; the reader reads it back after this call
  return WaitCaughtUp(left());
}

Result<void> DefinitionsTopic::Put(const std::string& id, const std::string& document) {
  if (!ValidId(id)) return BadId(id);
  if (options_.keyring == nullptr) {
    return Error::Permanent(
        ErrorCategory::kConfig,
        "no keyring: set secrets.keyring_file (create one with `ats-connector keygen --out FILE`)");
  }
  const std::string key = ConnectionKey(id);
  return Write({Message{options_.topic, key, options_.keyring->Seal(document, key), {}}});
}

Result<void> DefinitionsTopic::Remove(const std::string& id, bool purge) {
  if (!ValidId(id)) return BadId(id);
  JsonWriter w;
  w.BeginObject();
  w.Key("removed").Bool(true);
  w.Key("purge").Bool(purge);
  w.EndObject();
  return Write({Message{options_.topic, ConnectionKey(id), w.Take(), {}}});
}

Result<void> DefinitionsTopic::SetPaused(const std::string& id, bool paused) {
  if (!ValidId(id)) return BadId(id);
  Message m{options_.topic, PausedKey(id), paused ? "true" : "", {}};
  m.null_value = !paused;
  return Write({std::move(m)});
}

Result<std::string> DefinitionsTopic::RequestResync(const std::string& id, const std::string& scope_json) {
  if (!ValidId(id)) return BadId(id);
  simdjson::dom::parser parser;
  simdjson::dom::object scope;
  if (parser.parse(simdjson::padded_string(scope_json)).get_object().get(scope))
    return Error::Permanent(ErrorCategory::kConfig,
                            "definitions topic: a resync scope must be a JSON object");
  const std::string request_id = RandomHex(16);
  JsonWriter w;
  w.BeginObject();
  w.Key("request_id").String(request_id);
  w.Key("scope").Raw(simdjson::minify(scope));
  w.EndObject();
  if (auto written = Write({Message{options_.topic, ResyncKey(id), w.Take(), {}}}); !written)
    return written.error();
  return request_id;
}

Result<void> DefinitionsTopic::Forget(const std::string& id) {
  if (!ValidId(id)) return BadId(id);
  std::vector<Message> tombstones;
  for (const auto& key : {ConnectionKey(id), PausedKey(id), ResyncKey(id)}) {
    Message m{options_.topic, key, "", {}};
    m.null_value = true;
    tombstones.push_back(std::move(m));
  }
  return Write(std::move(tombstones));
}

std::optional<std::string> DefinitionsTopic::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = documents_.find(id);
  if (it == documents_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, std::string>> DefinitionsTopic::List() const {
  std::lock_guard lock(mu_);
  return {documents_.begin(), documents_.end()};
}

std::optional<Removal> DefinitionsTopic::Removed(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = removals_.find(id);
  if (it == removals_.end()) return std::nullopt;
  return it->second;
}

bool DefinitionsTopic::Paused(const std::string& id) const {
  std::lock_guard lock(mu_);
  return paused_.count(id) > 0;
}

std::optional<ResyncRequest> DefinitionsTopic::PendingResync(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = resyncs_.find(id);
  if (it == resyncs_.end()) return std::nullopt;
  return it->second;
}

std::optional<RemoteStatus> DefinitionsTopic::LastStatus(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = statuses_.find(id);
  if (it == statuses_.end()) return std::nullopt;
  return it->second;
}

int64_t DefinitionsTopic::skipped() const {
  std::lock_guard lock(mu_);
  return skipped_;
}

}  // namespace ats::connections
