#include "lib/io/soa_prober.hpp"

#include <algorithm>
#include <random>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::io {

namespace asio = boost::asio;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;

SoaProber::SoaProber(asio::io_context& io, size_t max_in_flight)
    : io_(io), timer_(io), max_in_flight_(std::clamp<size_t>(max_in_flight, 1, 4096)) {
    std::random_device rd;
    next_id_ = static_cast<uint16_t>(rd());
}

SoaProber::~SoaProber() {
    *alive_ = false;
    boost::system::error_code ignored;
    timer_.cancel();
    if (v4_.udp) v4_.udp->close(ignored);
    if (v6_.udp) v6_.udp->close(ignored);
}

SoaProber::Socket* SoaProber::socket_for(const asio::ip::address& a) {
    Socket& s = a.is_v4() ? v4_ : v6_;
    if (s.udp) return &s;
    auto sock = std::make_unique<udp::socket>(io_);
    boost::system::error_code ec;
    sock->open(a.is_v4() ? udp::v4() : udp::v6(), ec);
    if (ec) return nullptr;
    s.udp = std::move(sock);
    receive(s);
    return &s;
}

void SoaProber::probe(const Endpoint& server, const wire::Name& zone,
                      std::chrono::milliseconds timeout, Done done) {
    Waiting w{server, zone, timeout, std::move(done)};
    if (pending_.size() >= max_in_flight_ || !waiting_.empty()) {
        waiting_.push_back(std::move(w));
        return;
    }
    send(std::move(w));
}

void SoaProber::send(Waiting w) {
    Socket* s = socket_for(w.server.address);
    if (!s) {
        // Reported later, never from inside probe().
        asio::post(io_, [done = std::move(w.done), alive = alive_] {
            if (*alive) done(make_error(Errc::io, "cannot open a UDP socket"));
        });
        return;
    }
    // IDs in sequence from a random start: unique among the (at most 4096)
    // probes in flight, and not guessable from one probe to the next server.
    uint16_t id = next_id_++;
    while (pending_.count(id)) id = next_id_++;
    auto query = wire::make_query(w.zone, wire::type::SOA, id, true);
    boost::system::error_code ec;
    s->udp->send_to(asio::buffer(query), udp::endpoint(w.server.address, w.server.port), 0, ec);
    ++sent_;
    if (ec) {
        asio::post(io_, [done = std::move(w.done), alive = alive_, m = ec.message()] {
            if (*alive) done(make_error(Errc::io, m));
        });
        return;
    }
    const auto deadline = Clock::now() + w.timeout;
    pending_.emplace(id,
                     Pending{std::move(w.server), std::move(w.zone), deadline, std::move(w.done)});
    deadlines_.emplace(deadline, id);
    arm();
}

void SoaProber::receive(Socket& s) {
    s.udp->async_receive_from(
        asio::buffer(s.buf), s.from,
        [this, &s, alive = alive_](const boost::system::error_code& ec, size_t n) {
            if (!*alive || ec == asio::error::operation_aborted) return;
            if (!ec && n >= 12 && (s.buf[2] & 0x80)) {
                const uint16_t id = static_cast<uint16_t>((s.buf[0] << 8) | s.buf[1]);
                auto it = pending_.find(id);
                if (it != pending_.end() && it->second.server.address == s.from.address() &&
                    it->second.server.port == s.from.port()) {
                    Pending p = std::move(it->second);
                    pending_.erase(it);
                    auto range = deadlines_.equal_range(p.deadline);
                    for (auto d = range.first; d != range.second; ++d)
                        if (d->second == id) {
                            deadlines_.erase(d);
                            break;
                        }
                    Result<SoaAnswer> r =
                        (s.buf[2] & 0x02)
                            ? Result<SoaAnswer>(make_error(
                                  Errc::malformed, "truncated answer from " + p.server.to_string()))
                            : read_soa_answer({s.buf.data(), n}, p.zone, p.server);
                    complete(std::move(p.done), std::move(r));
                    if (!*alive) return;
                }
                // Anything else (late, stray or spoofed) is dropped.
            }
            receive(s);
        });
}

void SoaProber::arm() {
    if (armed_ || deadlines_.empty()) return;
    armed_ = true;
    timer_.expires_at(deadlines_.begin()->first);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (!*alive) return;
        armed_ = false;
        if (ec) return;
        sweep();
    });
}

void SoaProber::sweep() {
    const auto now = Clock::now();
    std::vector<Pending> expired;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        auto it = pending_.find(deadlines_.begin()->second);
        deadlines_.erase(deadlines_.begin());
        if (it == pending_.end()) continue;
        expired.push_back(std::move(it->second));
        pending_.erase(it);
    }
    auto alive = alive_;
    for (auto& p : expired) {
        complete(std::move(p.done),
                 make_error(Errc::timeout, "no answer from " + p.server.to_string()));
        if (!*alive) return;
    }
    arm();
}

void SoaProber::complete(Done done, Result<SoaAnswer> r) {
    auto alive = alive_;
    done(std::move(r));
    if (!*alive) return;
    while (!waiting_.empty() && pending_.size() < max_in_flight_) {
        Waiting w = std::move(waiting_.front());
        waiting_.pop_front();
        send(std::move(w));
    }
}

}  // namespace dns::io
