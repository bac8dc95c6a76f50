#pragma once
// NOTIFY out (RFC 1996 §3.6): tells each target that a zone changed, and
// tries again, waiting longer each time, until the target answers or the
// tries run out. A newer serial for the same zone and target replaces a
// NOTIFY still being retried. Runs on the io_context given; notify() may be
// called from any thread. The io_context must stop before the sender goes.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "lib/io/client.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/tsig.hpp"

namespace dns::io {

class NotifySender {
  public:
    struct Options {
        std::chrono::milliseconds timeout{2000};      ///< wait for an answer this long per try
        std::chrono::milliseconds first_retry{1000};  ///< then this long before the next, doubling
        unsigned tries = 5;                           ///< in all, per zone and target
    };
    struct Counters {
        uint64_t sent = 0;      ///< NOTIFY messages sent, retries included
        uint64_t answered = 0;  ///< targets that answered
        uint64_t given_up = 0;  ///< targets that never answered within the tries
    };

    explicit NotifySender(boost::asio::io_context& io) : NotifySender(io, Options{}) {}
    NotifySender(boost::asio::io_context& io, Options options);

    /// Tells `target` that `zone` is now at `serial`, signed with `key` when given.
    void notify(const wire::Name& zone, uint32_t serial, const Endpoint& target,
                std::shared_ptr<const xfr::TsigKey> key = nullptr);

    Counters counters() const;
    /// Zone/target pairs still being tried.
    size_t pending() const;

  private:
    struct Job;
    void attempt(const std::string& id, uint64_t generation);

    boost::asio::io_context& io_;
    Options options_;
    mutable std::mutex mu_;  // counters_ and the size of jobs_, for other threads
    std::map<std::string, std::shared_ptr<Job>> jobs_;  // io thread (size read under mu_)
    Counters counters_;
};

}  // namespace dns::io
