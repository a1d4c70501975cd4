#pragma once
// Expected failures are values: every call that can fail at run time returns Result<T>, whose
// error says whether retrying can help. Exceptions are used only at start-up (config loading).
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ats {

enum class ErrorKind {
  kRetryable,  // transient: network, 5xx, 429, Kafka unavailable. Retry with backoff.
  kPermanent,  // will not heal by itself: bad credentials, missing scope, bad config.
};

// Bounded vocabulary, used as the `kind` label of ats_connector_errors_total.
enum class ErrorCategory {
  kTransport,    // connect/reset/timeout
  kServer,       // 5xx
  kRateLimited,  // 429
  kAuth,         // 401 / invalid_grant: token invalid, expired or revoked
  kCredentials,  // invalid_client: client id / secret do not match
  kPermission,   // 403: token lacks a scope or permission
  kNotFound,     // 404: wrong subdomain / endpoint
  kBadResponse,  // body that does not parse or has the wrong shape
  kBadRecord,    // one record that cannot be normalised (dead-lettered)
  kUnsafeUrl,    // a paging URL pointing at another host
  kPageLimit,    // a page or listing past a configured bound (max_page_mib, max_listing_pages, ...)
  kKafka,        // publish or delivery failure
  kSnapshot,     // snapshot store failure
  kConfig,       // configuration problem found at run time
  kInternal,
};

std::string_view ToString(ErrorCategory category);

struct Error {
  ErrorKind kind = ErrorKind::kPermanent;
  ErrorCategory category = ErrorCategory::kInternal;
  std::string message;  // what happened and, where possible, what to do about it

  bool retryable() const { return kind == ErrorKind::kRetryable; }
  static Error Retryable(ErrorCategory c, std::string m) { return {ErrorKind::kRetryable, c, std::move(m)}; }
  static Error Permanent(ErrorCategory c, std::string m) { return {ErrorKind::kPermanent, c, std::move(m)}; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() {
  return {};
}

}  // namespace ats
