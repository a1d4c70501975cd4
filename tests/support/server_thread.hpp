#pragma once
// Serves an already bound httplib::Server on a thread of its own until the end of the scope,
// also when an assertion returns early.
#include <httplib.h>

#include <chrono>
#include <thread>

namespace ats::testing {

class ServerThread {
 public:
  explicit ServerThread(httplib::Server& server)
      : server_(server), thread_([this] { server_.listen_after_bind(); }) {
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ServerThread() {
    server_.stop();
    thread_.join();
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

 private:
  httplib::Server& server_;
  std::thread thread_;
};

}  // namespace ats::testing
