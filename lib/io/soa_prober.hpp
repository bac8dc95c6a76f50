#pragma once
// Many SOA queries over one UDP socket per address family, for a watcher that
// asks many servers about many zones (zonesync asking every POP whether it
// serves a change yet): a socket per query (query_soa()) costs several system
// calls and an epoll registration more than the query itself. UDP only, one
// attempt, no TSIG; answers are matched by ID, source address and port, and
// the zone's SOA in the answer. Use it from the io_context's thread only.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

#include "lib/io/client.hpp"

namespace dns::io {

class SoaProber {
  public:
    using Done = std::function<void(Result<SoaAnswer>)>;
    /// At most `max_in_flight` probes at once (at most 4096; more wait their
    /// turn): a burst must not overrun the servers' receive buffers.
    explicit SoaProber(boost::asio::io_context& io, size_t max_in_flight = 256);
    ~SoaProber();
    SoaProber(const SoaProber&) = delete;
    SoaProber& operator=(const SoaProber&) = delete;

    /// Asks `server` for the SOA of `zone`. `done` runs exactly once, later, on
    /// the io_context: the serial, or an error (timeout, refused, truncated,
    /// malformed, a socket error). Not called after the prober is destroyed.
    void probe(const Endpoint& server, const wire::Name& zone, std::chrono::milliseconds timeout,
               Done done);
    size_t in_flight() const { return pending_.size(); }
    uint64_t sent() const { return sent_; }

  private:
    struct Pending {
        Endpoint server;
        wire::Name zone;
        std::chrono::steady_clock::time_point deadline;
        Done done;
    };
    struct Waiting {
        Endpoint server;
        wire::Name zone;
        std::chrono::milliseconds timeout;
        Done done;
    };
    struct Socket {
        std::unique_ptr<boost::asio::ip::udp::socket> udp;
        boost::asio::ip::udp::endpoint from;
        std::array<uint8_t, 4096> buf{};
    };
    void send(Waiting w);
    Socket* socket_for(const boost::asio::ip::address& a);
    void receive(Socket& s);
    void arm();
    void sweep();
    /// Ends probe `id` (already removed from pending_) and lets a waiting one go.
    void complete(Done done, Result<SoaAnswer> r);

    boost::asio::io_context& io_;
    Socket v4_, v6_;
    std::unordered_map<uint16_t, Pending> pending_;
    std::multimap<std::chrono::steady_clock::time_point, uint16_t> deadlines_;
    std::deque<Waiting> waiting_;
    boost::asio::steady_timer timer_;
    bool armed_ = false;
    size_t max_in_flight_;
    uint16_t next_id_;
    uint64_t sent_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dns::io
