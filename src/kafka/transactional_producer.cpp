#include "kafka/transactional_producer.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>

#include "common/log.hpp"
#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

using internal::ConfPtr;
using internal::HandlePtr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int ToMs(milliseconds d) {
  return static_cast<int>(std::clamp<milliseconds::rep>(d.count(), 0, 24 * 3600 * 1000));
}

struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

bool IsFencing(rd_kafka_resp_err_t code) {
  return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH ||
         code == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

class RdKafkaTransactionalProducer final : public TransactionalProducer {
 public:
  ~RdKafkaTransactionalProducer() override {
    if (!rk_) return;
    // An open transaction is aborted by the coordinator (timeout or the next owner's init);
    // nothing of it was ever visible. Do not wait for undelivered messages.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
    rk_.reset();
  }

  Result<void> Setup(const TransactionalOptions& options) {
    id_ = options.transactional_id;
    ConfPtr conf(rd_kafka_conf_new());
    const std::map<std::string, std::string> fixed = {
        {"bootstrap.servers", options.producer.bootstrap_servers},
        {"client.id", options.producer.client_id},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"compression.type", "lz4"},
        {"linger.ms", "5"},
        {"partitioner", "murmur2_random"},
        {"transactional.id", options.transactional_id},
        {"transaction.timeout.ms", std::to_string(options.transaction_timeout_ms)},
        // message.timeout.ms may not exceed transaction.timeout.ms.
        {"message.timeout.ms",
         std::to_string(std::min(options.producer.delivery_timeout_ms, options.transaction_timeout_ms))},
    };
    if (auto r = internal::SetConfs(conf.get(), fixed, "kafka."); !r) return r;
    std::map<std::string, std::string> passthrough = options.producer.rdkafka;
    passthrough.erase("message.timeout.ms");
    passthrough.erase("delivery.timeout.ms");
    if (auto r = internal::SetConfs(conf.get(), passthrough, "kafka.rdkafka."); !r) return r;
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &OnDelivery);
    internal::RouteLogs(conf.get());
    std::array<char, 512> errstr{};
    rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
    if (!rk_) {
      std::string why = errstr.data();
      for (const auto& [key, value] : options.producer.rdkafka)
        if (internal::IsSecretKey(key)) why = internal::RedactValue(std::move(why), value);
      return Error::Permanent(ErrorCategory::kConfig,
                              "kafka: cannot create the transactional producer: " + why);
    }
    static_cast<void>(conf.release());
    return Ok();
  }

  TxnResult Init(milliseconds timeout) override {
    return Outcome("init_transactions", ErrorPtr(rd_kafka_init_transactions(rk_.get(), ToMs(timeout))));
  }
  TxnResult Begin() override {
    failed_.store(0);
    return Outcome("begin_transaction", ErrorPtr(rd_kafka_begin_transaction(rk_.get())));
  }
  TxnResult Produce(const Message& message, milliseconds timeout) override;
  TxnResult Commit(milliseconds timeout) override {
    auto outcome =
        Outcome("commit_transaction", ErrorPtr(rd_kafka_commit_transaction(rk_.get(), ToMs(timeout))));
    if (outcome && failed_.load() > 0)  // (librdkafka fails the commit itself; belt and braces)
      return TxnResult::Failure(
          TxnFailure::kAbortable,
          Error::Retryable(ErrorCategory::kKafka, "kafka: a message of the transaction failed"));
    return outcome;
  }
  TxnResult Abort(milliseconds timeout) override {
    return Outcome("abort_transaction", ErrorPtr(rd_kafka_abort_transaction(rk_.get(), ToMs(timeout))));
  }
  const std::string& transactional_id() const override { return id_; }

 private:
  static void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* opaque) {
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR)
      static_cast<RdKafkaTransactionalProducer*>(opaque)->failed_.fetch_add(1);
  }

  TxnResult Outcome(std::string_view call, ErrorPtr error) {
    if (!error) return TxnResult::Success();
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error.get());
    std::string text =
        "kafka: " + std::string(call) + " (" + id_ + "): " + rd_kafka_error_string(error.get());
    if (rd_kafka_error_is_fatal(error.get()) || IsFencing(code)) {
      // The fatal error behind a generic _FATAL code says whether a newer producer fenced us.
      std::array<char, 256> buf{};
      const rd_kafka_resp_err_t underlying =
          code == RD_KAFKA_RESP_ERR__FATAL ? rd_kafka_fatal_error(rk_.get(), buf.data(), buf.size()) : code;
      const bool fenced = IsFencing(underlying);
      if (fenced) text += " (fenced: another replica owns this partition now)";
      return TxnResult::Failure(TxnFailure::kFatal, Error::Permanent(ErrorCategory::kKafka, text), fenced);
    }
    if (rd_kafka_error_txn_requires_abort(error.get()))
      return TxnResult::Failure(TxnFailure::kAbortable, Error::Retryable(ErrorCategory::kKafka, text));
    return TxnResult::Failure(
        rd_kafka_error_is_retriable(error.get()) ? TxnFailure::kRetriable : TxnFailure::kAbortable,
        Error::Retryable(ErrorCategory::kKafka, text));
  }

  HandlePtr rk_;
  std::string id_;
  std::atomic<int64_t> failed_{0};
};

TxnResult RdKafkaTransactionalProducer::Produce(const Message& message, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const rd_kafka_resp_err_t err = internal::EnqueueCopy(rk_.get(), message, nullptr);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_poll(rk_.get(), 0);
      return TxnResult::Success();
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && Clock::now() < deadline) {
      rd_kafka_poll(rk_.get(), 50);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL || IsFencing(err)) {
      std::array<char, 256> buf{};
      const auto underlying =
          err == RD_KAFKA_RESP_ERR__FATAL ? rd_kafka_fatal_error(rk_.get(), buf.data(), buf.size()) : err;
      return TxnResult::Failure(
          TxnFailure::kFatal,
          Error::Permanent(ErrorCategory::kKafka,
                           std::string("kafka: produce (") + id_ + "): " + rd_kafka_err2str(underlying)),
          IsFencing(underlying));
    }
    return TxnResult::Failure(
        TxnFailure::kAbortable,
        Error::Retryable(ErrorCategory::kKafka, "kafka: cannot enqueue a message for " + message.topic +
                                                    ": " + rd_kafka_err2str(err)));
  }
}

}  // namespace

Result<std::unique_ptr<TransactionalProducer>> TransactionalProducer::Create(
    const TransactionalOptions& options) {
  auto producer = std::make_unique<RdKafkaTransactionalProducer>();
  if (auto r = producer->Setup(options); !r) return r.error();
  return std::unique_ptr<TransactionalProducer>(std::move(producer));
}

}  // namespace ats::kafka
