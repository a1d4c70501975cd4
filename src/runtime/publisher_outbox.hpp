#pragma once
// The Publisher as the stager's outbox (pipeline::Outbox): the pipeline does not depend on
// Kafka, only on "publish, then tell me when acknowledged".
#include <memory>
#include <vector>

#include "pipeline/stager.hpp"
#include "runtime/publisher.hpp"

namespace ats::runtime {

class PublisherOutbox : public pipeline::Outbox {
 public:
  explicit PublisherOutbox(Publisher& publisher) : publisher_(publisher) {}
  Result<Ticket> Publish(const std::vector<Message>& batch) override {
    auto ticket = publisher_.Publish(batch);
    if (!ticket) return ticket.error();
    return Ticket(std::move(*ticket));
  }
  Result<void> Await(const Ticket& ticket) override { return publisher_.Await(Typed(ticket)); }
  bool Settled(const Ticket& ticket) override { return publisher_.Settled(Typed(ticket)); }
  Result<void> PublishAndAwait(const std::vector<Message>& batch) override {
    return publisher_.PublishAndAwait(batch);
  }

 private:
  // Every ticket the stager holds came from Publish above.
  static Publisher::Ticket Typed(const Ticket& ticket) {
    return std::static_pointer_cast<Publisher::Ticket::element_type>(ticket);
  }
  Publisher& publisher_;
};

}  // namespace ats::runtime
