// TLS: certificate verification is on unless a connection says insecure_skip_tls_verify: true,
// and that key reaches curl. The server is a local HTTPS front (self-signed certificate made by
// `openssl req` here) for the simulated Workable tenant; Kafka's passthrough keeps librdkafka's
// own verification on.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <iostream>
#include <regex>

#include "fault/harness.hpp"
#include "http/http_client.hpp"
#include "sim/workable_tenant.hpp"
#include "support/test_support.hpp"

namespace ats::fault {
namespace {

// HTTPS on 127.0.0.1 in front of the plain-HTTP tenant: requests are forwarded as they are, and
// the tenant's own origin in answers (paging.next) is rewritten to this one.
class TlsFront {
 public:
  TlsFront(const std::string& cert, const std::string& key, int backend_port)
      : server_(cert.c_str(), key.c_str()), backend_port_(backend_port) {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::string target = req.path;
      char sep = '?';
      for (const auto& [name, value] : req.params) {
        target += sep + name + "=" + httplib::detail::encode_query_param(value);
        sep = '&';
      }
      httplib::Client backend("127.0.0.1", backend_port_);
      httplib::Headers headers;
      for (const auto& [name, value] : req.headers)
        if (name == "Authorization") headers.emplace(name, value);
      auto r = backend.Get(target.c_str(), headers);
      if (!r) {
        res.status = 502;
        return;
      }
      ++requests_;
      const std::string plain = "http://127.0.0.1:" + std::to_string(backend_port_);
      const std::string tls = "https://127.0.0.1:" + std::to_string(port_);
      std::string body = r->body;
      for (size_t at = body.find(plain); at != std::string::npos; at = body.find(plain, at + tls.size()))
        body.replace(at, plain.size(), tls);
      res.status = r->status;
      res.set_content(body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TlsFront() {
    server_.stop();
    thread_.join();
  }
  bool ok() const { return server_.is_valid() && port_ > 0; }
  int port() const { return port_; }
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/spi/v3"; }
  int requests() const { return requests_; }

 private:
  httplib::SSLServer server_;
  int backend_port_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto made = testing::RunCommand(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext "
        "subjectAltName=IP:127.0.0.1 -keyout " +
        dir_.File("key.pem") + " -out " + dir_.File("cert.pem"));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    sim::WorkableTenantOptions options;
    options.rate_limit_requests = 0;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    front_ = std::make_unique<TlsFront>(dir_.File("cert.pem"), dir_.File("key.pem"), tenant_->port());
    ASSERT_TRUE(front_->ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::unique_ptr<TlsFront> front_;
};

TEST_F(TlsTest, TheClientRefusesASelfSignedCertificateUnlessTheRequestSaysSkip) {
  http::Client client;
  http::Request request;
  request.url = front_->base_url() + "/accounts";
  request.headers = {{"Authorization", "Bearer sandbox-token-0123456789"}};
  request.timeout = std::chrono::seconds(10);
  auto refused = client.Execute(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().category, ErrorCategory::kTransport);
  EXPECT_NE(refused.error().message.find("certificate"), std::string::npos) << refused.error().message;
  EXPECT_EQ(front_->requests(), 0) << "a request got through an unverified connection";

  request.insecure_skip_tls_verify = true;
  auto accepted = client.Execute(request);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->status, 200);

  // The same handle, the next request without the flag: verification is back on.
  request.insecure_skip_tls_verify = false;
  EXPECT_FALSE(client.Execute(request).ok());
}

TEST_F(TlsTest, TheConnectorVerifiesByDefaultAndSkipsOnlyWithTheKeyAndAWarning) {
  KafkaProcess kafka(1);
  ASSERT_TRUE(kafka.ok());
  ConnectorConfig cfg;
  cfg.base_url = front_->base_url();
  cfg.bootstrap = kafka.bootstrap();
  cfg.snapshot_path = dir_.File("snapshot");
  const std::string verified = dir_.File("verified.yaml");
  testing::WriteFile(verified, ConnectorYaml(cfg));
  {
    ConnectorProcess c(verified);
    ASSERT_TRUE(c.WaitStarted()) << c.child().err();
    auto failed = c.child().WaitForLine("\"msg\":\"Source request failed; retrying.\"", true, 60s);
    ASSERT_TRUE(failed) << c.child().err();
    std::cout << "=== TLS verified by default: " << *failed << "\n";
    EXPECT_NE(failed->find("\"kind\":\"transport\""), std::string::npos);
    EXPECT_NE(failed->find("certificate"), std::string::npos);
    EXPECT_EQ(c.child().err().find("TLS certificate verification is OFF"), std::string::npos);
    EXPECT_EQ(front_->requests(), 0);
    c.child().Signal(SIGTERM);
    EXPECT_EQ(c.child().Wait(30s), 0);
  }

  cfg.extra_workable = "      insecure_skip_tls_verify: true\n";
  const std::string skipping = dir_.File("skipping.yaml");
  testing::WriteFile(skipping, ConnectorYaml(cfg));
  const auto validated = testing::RunCommand(ConnectorBin() + " validate --config " + skipping);
  EXPECT_EQ(validated.exit_code, 0) << validated.output;
  EXPECT_NE(validated.output.find("TLS certificate verification is OFF"), std::string::npos) << validated.output;
  ConnectorProcess c(skipping);
  ASSERT_TRUE(c.WaitStarted()) << c.child().err();
  ASSERT_TRUE(c.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s)) << c.child().err();
  const std::string log = c.child().err();
  EXPECT_NE(log.find("TLS certificate verification is OFF"), std::string::npos);
  EXPECT_NE(log.find("connections[0].workable.insecure_skip_tls_verify"), std::string::npos);
  EXPECT_GT(front_->requests(), 0);
  c.child().Signal(SIGTERM);
  EXPECT_EQ(c.child().Wait(30s), 0);
  EXPECT_FALSE(ConsumeAll(kafka.bootstrap(), 2s, 30s).empty());
}

TEST_F(TlsTest, KafkaOverTlsVerifiesTheBrokerCertificateByDefault) {
  // The HTTPS front stands in for a TLS broker: with security.protocol=ssl passed through
  // kafka.rdkafka, librdkafka must refuse its self-signed certificate.
  ConnectorConfig cfg;
  cfg.base_url = tenant_->base_url();
  cfg.bootstrap = "127.0.0.1:" + std::to_string(front_->port());
  cfg.snapshot_path = dir_.File("snapshot");
  cfg.delivery_timeout_s = 5;
  cfg.extra_kafka = "  rdkafka:\n    security.protocol: ssl\n";
  const std::string config = dir_.File("kafka-tls.yaml");
  testing::WriteFile(config, ConnectorYaml(cfg));
  ConnectorProcess c(config);
  auto refused = c.child().WaitForLine("certificate verify failed", true, 60s);
  ASSERT_TRUE(refused) << c.child().err();
  std::cout << "=== Kafka TLS verified by default: " << *refused << "\n";
  c.child().Signal(SIGTERM);
  c.child().Wait(40s);
}

}  // namespace
}  // namespace ats::fault
