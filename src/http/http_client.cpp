#include "http/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <mutex>

namespace ats::http {
namespace {

constexpr std::chrono::milliseconds kMaxConnectTimeout{10000};
// A guard against a runaway response; Workable pages are a few hundred KB at most.
constexpr size_t kMaxBodyBytes = size_t{64} << 20;
// Streaming: what is kept of a non-2xx body (enough for any error document).
constexpr size_t kMaxErrorBodyBytes = size_t{64} << 10;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL* AsCurl(void* handle) {
  return static_cast<CURL*>(handle);
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

struct Transfer {
  Response* response = nullptr;
  size_t max_body_bytes = kMaxBodyBytes;
  bool body_too_large = false;
  // Streaming only:
  CURL* curl = nullptr;
  const std::function<bool(std::string_view)>* on_body = nullptr;
  long status = 0;       // of the response whose body is arriving; 0 = not known yet
  bool aborted = false;  // on_body returned false
  std::chrono::milliseconds idle_timeout{0};
  std::chrono::steady_clock::time_point last_activity;  // when bytes last arrived
  bool idle_timed_out = false;
  const StopSignal* stop = nullptr;  // abandons the transfer once signalled
  bool stopped = false;
};

// Ends a transfer once the stop signal is set, and (streaming only) one that received nothing
// for idle_timeout. curl calls this about once a second while idle (connecting, waiting for the
// first byte, a stall), and more often while data flows.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->stop != nullptr && transfer->stop->stopped()) {
    transfer->stopped = true;
    return 1;  // makes curl abort with CURLE_ABORTED_BY_CALLBACK
  }
  if (transfer->idle_timeout.count() > 0 &&
      std::chrono::steady_clock::now() - transfer->last_activity > transfer->idle_timeout) {
    transfer->idle_timed_out = true;
    return 1;  // makes curl abort with CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (transfer->on_body != nullptr) {
    transfer->last_activity = std::chrono::steady_clock::now();
    if (transfer->status == 0) curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &transfer->status);
    if (transfer->status >= 200 && transfer->status <= 299) {
      if (n == 0) return 0;
      if (!(*transfer->on_body)(std::string_view(data, n))) {
        transfer->aborted = true;
        return 0;  // makes curl abort with CURLE_WRITE_ERROR
      }
      return n;
    }
    // An error document: keep its beginning, read (and drop) the rest so the connection stays
    // reusable.
    std::string& body = transfer->response->body;
    if (body.size() < kMaxErrorBodyBytes) body.append(data, std::min(n, kMaxErrorBodyBytes - body.size()));
    return n;
  }
  if (transfer->response->body.size() + n > transfer->max_body_bytes) {
    transfer->body_too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  transfer->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  transfer->last_activity = std::chrono::steady_clock::now();
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after "100 Continue" or a proxy's CONNECT answer): only the headers
    // of the final response count.
    transfer->response->headers.clear();
    transfer->status = 0;
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank line that ends the headers
  const std::string_view name = Trim(line.substr(0, colon));
  if (name.empty()) return n;
  transfer->response->headers[ToLower(name)] = std::string(Trim(line.substr(colon + 1)));
  return n;
}

// "GET https://host:port/path", without the query: that is all an error message may show.
std::string Describe(const Request& request) {
  const auto url = ParseUrl(request.url);
  if (!url) return request.method + " <unparsable URL>";
  const bool default_port =
      (url->scheme == "https" && url->port == 443) || (url->scheme == "http" && url->port == 80);
  std::string out = request.method + " " + url->scheme + "://" + url->host;
  if (!default_port) out += ":" + std::to_string(url->port);
  out += url->path_and_query.substr(0, url->path_and_query.find('?'));
  return out;
}

// Removes the URL's query and every header value from curl's error text, in case curl ever
// quotes them.
std::string Scrub(std::string text, const Request& request) {
  std::vector<std::string_view> hidden;
  if (const size_t q = request.url.find('?'); q != std::string::npos && q + 1 < request.url.size()) {
    hidden.emplace_back(std::string_view(request.url).substr(q + 1));
  }
  for (const auto& [name, value] : request.headers) {
    if (value.size() >= 4) hidden.emplace_back(value);
  }
  for (std::string_view secret : hidden) {
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
      text.replace(pos, secret.size(), "[REDACTED]");
    }
  }
  return text;
}

bool HasLineBreak(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

Error TransportError(CURLcode code, const char* error_buffer, const Request& request,
                     const Transfer& transfer) {
  if (transfer.stopped) {
    return Error::Retryable(ErrorCategory::kTransport,
                            Describe(request) + " interrupted: shutdown requested");
  }
  if (transfer.aborted) {
    return Error::Retryable(ErrorCategory::kTransport,
                            Describe(request) + ": download aborted by its receiver");
  }
  if (transfer.idle_timed_out) {
    return Error::Retryable(ErrorCategory::kTransport, Describe(request) + ": no data received for " +
                                                           std::to_string(transfer.idle_timeout.count()) +
                                                           " ms");
  }
  if (transfer.body_too_large) {
    // Refused while it downloads: never more than the limit in memory. The same page would be
    // as large next time, so this is not retried.
    return Error::Permanent(ErrorCategory::kPageLimit, Describe(request) + ": the response body exceeds " +
                                                           std::to_string(transfer.max_body_bytes) +
                                                           " bytes");
  }
  std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
  std::string message = Describe(request) + " failed: " + Scrub(std::move(detail), request);
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Will not heal by retrying: the URL itself is wrong.
      return Error::Permanent(ErrorCategory::kConfig, std::move(message));
    default:
      // Connect, resolve, reset, timeout, truncated body (CURLE_PARTIAL_FILE), recv/send
      // errors, TLS handshake: all may succeed on a later attempt.
      return Error::Retryable(ErrorCategory::kTransport, std::move(message));
  }
}

}  // namespace

Client::Client() : curl_(nullptr) {
  GlobalInitOnce();
  curl_ = curl_easy_init();
}

Client::~Client() {
  if (curl_ != nullptr) curl_easy_cleanup(AsCurl(curl_));
}

Result<Response> Client::Execute(const Request& request) {
  return Perform(request, nullptr);
}

Result<Response> Client::Execute(const Request& request,
                                 const std::function<bool(std::string_view chunk)>& on_body) {
  return Perform(request, &on_body);
}

Result<Response> Client::Perform(const Request& request,
                                 const std::function<bool(std::string_view)>* on_body) {
  if (curl_ == nullptr) {
    return Error::Permanent(ErrorCategory::kInternal, "libcurl could not create an easy handle");
  }
  CURL* curl = AsCurl(curl_);
  // Reset drops the previous request's options but keeps the live connections, so
  // consecutive requests to the same host reuse one keep-alive connection.
  curl_easy_reset(curl);
  if (max_connections_ > 0) curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, max_connections_);

  SlistPtr header_list;
  const auto append = [&header_list](const std::string& line) {
    curl_slist* head = header_list.release();
    curl_slist* appended = curl_slist_append(head, line.c_str());
    header_list.reset(appended != nullptr ? appended : head);
    return appended != nullptr;
  };
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) || name.find(':') != std::string::npos) {
      return Error::Permanent(ErrorCategory::kInternal,
                              "refusing to send a malformed request header on " + Describe(request));
    }
    // "Name:" would make curl drop the header; "Name;" sends it with an empty value.
    if (!append(value.empty() ? name + ";" : name + ": " + value)) {
      return Error::Retryable(ErrorCategory::kInternal, "out of memory building request headers");
    }
  }
  // No "Expect: 100-continue" round trip for request bodies.
  if (!append("Expect:")) {
    return Error::Retryable(ErrorCategory::kInternal, "out of memory building request headers");
  }

  if (stop_ != nullptr && stop_->stopped()) {
    return Error::Retryable(ErrorCategory::kTransport,
                            Describe(request) + " interrupted: shutdown requested");
  }

  Response response;
  Transfer transfer;
  transfer.response = &response;
  if (request.max_body_bytes > 0) transfer.max_body_bytes = request.max_body_bytes;
  transfer.curl = curl;
  transfer.on_body = on_body;
  transfer.stop = stop_;
  char error_buffer[CURL_ERROR_SIZE] = {};

  const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));
  const long connect_ms = std::min<long>(timeout_ms, static_cast<long>(kMaxConnectTimeout.count()));

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  // Set on every request: the handle is reused, and one request's exception must not outlive it.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.insecure_skip_tls_verify ? 0L : 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.insecure_skip_tls_verify ? 0L : 2L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  if (on_body == nullptr) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  } else {
    // No total deadline: the transfer ends when nothing arrives for the timeout.
    transfer.idle_timeout = std::chrono::milliseconds(timeout_ms);
    transfer.last_activity = std::chrono::steady_clock::now();
  }
  if (on_body != nullptr || stop_ != nullptr) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl can decode (gzip)
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const auto start = std::chrono::steady_clock::now();
  const CURLcode code = curl_easy_perform(curl);
  response.elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);

  // The handle must not keep pointers into this stack frame.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

  if (code != CURLE_OK) {
    return TransportError(code, error_buffer, request, transfer);
  }

  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::optional<Url> ParseUrl(const std::string& url) {
  // Anything a parser could read two ways is refused: control characters, spaces, backslashes.
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '\\') return std::nullopt;
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos || scheme_end == 0) return std::nullopt;
  Url out;
  out.scheme = ToLower(std::string_view(url).substr(0, scheme_end));
  int default_port = 0;
  if (out.scheme == "https") {
    default_port = 443;
  } else if (out.scheme == "http") {
    default_port = 80;
  } else {
    return std::nullopt;
  }

  const size_t authority_begin = scheme_end + 3;
  const size_t authority_end = url.find_first_of("/?#", authority_begin);
  const std::string_view authority = std::string_view(url).substr(
      authority_begin,
      authority_end == std::string::npos ? std::string::npos : authority_end - authority_begin);
  // user:password@host is never legitimate here and is the classic origin-confusion trick.
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host = authority;
  std::string_view port_text;
  if (authority.front() == '[') {  // IPv6 literal
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return std::nullopt;
  out.host = ToLower(host);

  out.port = default_port;
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
      return std::nullopt;
    }
    out.port = port;
  }

  if (authority_end == std::string::npos) {
    out.path_and_query = "/";
  } else {
    std::string rest = url.substr(authority_end);
    rest = rest.substr(0, rest.find('#'));
    if (rest.empty() || rest.front() != '/') rest.insert(rest.begin(), '/');
    out.path_and_query = std::move(rest);
  }
  return out;
}

bool SameOrigin(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace ats::http
