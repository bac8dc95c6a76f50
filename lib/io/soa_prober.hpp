#pragma once
// Many SOA queries over one UDP socket per address family: zonesync asking
// every POP whether it serves a change yet, and a secondary checking 100,000
// zones after a restart. A socket per query (query_soa()) costs several
// system calls and an epoll registration more than the query itself, and a
// dead primary keeps one open per query for the whole timeout (10,000 checks
// a second against a silent address ran a POP out of file descriptors).
// Answers are matched by a random ID, the source address and port, and the
// zone's SOA in the answer; TSIG and EDNS EXPIRE as query_soa() does; a
// truncated answer is asked again by query_soa() (TCP). Use it from the
// io_context's thread only.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "lib/io/client.hpp"
#include "lib/xfr/tsig.hpp"

namespace dns::io {

class SoaProber {
  public:
    using Done = std::function<void(Result<SoaAnswer>)>;
    /// At most `max_in_flight` probes at once (at most 4096), and at most a
    /// quarter of that, and at most `per_server` (at least 1), to one server:
    /// a burst must not overrun the servers' receive buffers, a silent server
    /// must not hold up the probes of the others, and an urgent probe waits
    /// behind few others in its server's queue (a Knot DNS primary sending
    /// NOTIFYs for 20,000 zones answered a thousand SOA queries a second:
    /// with 256 in flight, a change's check waited a quarter of a second).
    /// More wait their server's turn.
    explicit SoaProber(boost::asio::io_context& io, size_t max_in_flight = 256,
                       size_t per_server = 64);
    ~SoaProber();
    SoaProber(const SoaProber&) = delete;
    SoaProber& operator=(const SoaProber&) = delete;

    struct Options {
        /// Per attempt, counted from the query's sending. A probe that
        /// waits longer than 4 timeouts for its turn fails as a timeout,
        /// unless its server answered within that time (busy, not dead:
        /// it waits on).
        std::chrono::milliseconds timeout{2000};
        int attempts = 1;
        std::shared_ptr<const xfr::TsigKey> key;  ///< sign, and require a signed answer
        bool expire = false;  ///< ask for EDNS EXPIRE (RFC 7314); a TC answer goes to TCP
        bool urgent = false;  ///< ahead of the server's other waiting probes (a NOTIFY's check)
    };
    /// Asks `server` for the SOA of `zone`. `done` runs exactly once, later, on
    /// the io_context: the serial, or an error (timeout, refused, truncated,
    /// malformed, TSIG, a socket error). Not called after the prober is destroyed.
    void probe(const Endpoint& server, const wire::Name& zone, const Options& options, Done done);
    /// One attempt, unsigned, no EXPIRE; a truncated answer is an error.
    void probe(const Endpoint& server, const wire::Name& zone, std::chrono::milliseconds timeout,
               Done done) {
        probe(server, zone, Options{timeout, 1, nullptr, false, false}, std::move(done));
    }
    /// The probes of `zone` waiting for their turn go to the front of their
    /// server's queue (a NOTIFY came for it while routine checks queue).
    void promote(const wire::Name& zone);
    size_t in_flight() const { return pending_.size(); }
    size_t waiting() const { return waiting_count_; }
    uint64_t sent() const { return sent_; }

  private:
    struct Waiting {
        Endpoint server;
        wire::Name zone;
        Options options;
        std::chrono::steady_clock::time_point
            deadline;  // sent: of the attempt; queued: of the wait
        int attempt = 1;
        Done done;
    };
    struct Pending {
        Waiting w;
        std::optional<xfr::TsigSession> tsig;
    };
    struct Queue {  // one server's
        std::deque<Waiting> waiting;
        size_t in_flight = 0;
        bool ready = false;                                // in ready_
        std::chrono::steady_clock::time_point answered{};  // its last answer
    };
    struct Socket {
        std::unique_ptr<boost::asio::ip::udp::socket> udp;
        boost::asio::ip::udp::endpoint from;
        std::array<uint8_t, 4096> buf{};
    };
    static std::string key_of(const Endpoint& e) { return e.to_string(); }
    /// Sends now when there is room, else queues behind the server's others.
    void enqueue(Waiting w);
    void send(Waiting w);
    /// A timed-out attempt: tried again while attempts are left, else failed.
    void timed_out(Waiting w);
    void answered(Pending p, std::span<const uint8_t> msg);
    /// One probe of `server` left the air: room for the next ones.
    void finished(const Endpoint& server, bool answered = false);
    /// Sends waiting probes, servers in turn, while there is room.
    void pump();
    Socket* socket_for(const boost::asio::ip::address& a);
    void receive(Socket& s);
    void arm();
    void sweep();
    void complete(Done done, Result<SoaAnswer> r);

    boost::asio::io_context& io_;
    Socket v4_, v6_;
    std::unordered_map<uint16_t, Pending> pending_;
    std::multimap<std::chrono::steady_clock::time_point, uint16_t> deadlines_;
    std::unordered_map<std::string, Queue> queues_;  // servers with probes in flight or waiting
    std::deque<std::string> ready_;                  // servers with waiting probes, in turn
    std::multimap<std::chrono::steady_clock::time_point, std::string> queued_deadlines_;
    size_t waiting_count_ = 0;
    boost::asio::steady_timer timer_;
    bool armed_ = false;
    size_t max_in_flight_, per_server_;
    std::mt19937 rng_;
    uint64_t sent_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dns::io
