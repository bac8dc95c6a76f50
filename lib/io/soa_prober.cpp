#include "lib/io/soa_prober.hpp"

#include <algorithm>
#include <ctime>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::io {

namespace asio = boost::asio;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;

namespace {
uint64_t unix_now() { return static_cast<uint64_t>(std::time(nullptr)); }
constexpr int kQueueTimeouts = 4;  // a probe may wait this many timeouts for its turn
}  // namespace

SoaProber::SoaProber(asio::io_context& io, size_t max_in_flight, size_t per_server)
    : io_(io),
      timer_(io),
      max_in_flight_(std::clamp<size_t>(max_in_flight, 1, 4096)),
      per_server_(std::clamp<size_t>(per_server, 1, std::max<size_t>(1, max_in_flight_ / 4))),
      rng_(std::random_device{}()) {}

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
    // A burst of answers (thousands of zones checked at once) must queue.
    sock->set_option(asio::socket_base::receive_buffer_size(4 << 20), ec);
    s.udp = std::move(sock);
    receive(s);
    return &s;
}

void SoaProber::probe(const Endpoint& server, const wire::Name& zone, const Options& options,
                      Done done) {
    enqueue(Waiting{server, zone, options, {}, 1, std::move(done)});
}

void SoaProber::enqueue(Waiting w) {
    const std::string key = key_of(w.server);
    Queue& q = queues_[key];
    if (q.waiting.empty() && q.in_flight < per_server_ && pending_.size() < max_in_flight_) {
        ++q.in_flight;
        return send(std::move(w));
    }
    w.deadline = Clock::now() + kQueueTimeouts * w.options.timeout;
    queued_deadlines_.emplace(w.deadline, key);
    const bool urgent = w.options.urgent;
    if (urgent)
        q.waiting.push_front(std::move(w));  // leaves the front at the next turn
    else
        q.waiting.push_back(std::move(w));
    ++waiting_count_;
    if (!q.ready) {
        q.ready = true;
        if (urgent)
            ready_.push_front(key);
        else
            ready_.push_back(key);
    }
    arm();
}

void SoaProber::promote(const wire::Name& zone) {
    for (auto& [key, q] : queues_) {
        auto it = std::stable_partition(q.waiting.begin(), q.waiting.end(),
                                        [&](const Waiting& w) { return w.zone == zone; });
        if (it == q.waiting.begin()) continue;
        if (q.ready) std::erase(ready_, key);
        q.ready = true;
        ready_.push_front(key);
    }
    pump();
}

void SoaProber::send(Waiting w) {
    // The server's in_flight counts this probe already; finished() gives it back.
    auto fail = [this](Waiting w, Error e) {
        // Reported later, never from inside probe().
        asio::post(io_, [this, server = w.server, done = std::move(w.done), alive = alive_,
                         e = std::move(e)] {
            if (!*alive) return;
            finished(server);
            done(e);
        });
    };
    Socket* s = socket_for(w.server.address);
    if (!s) return fail(std::move(w), make_error(Errc::io, "cannot open a UDP socket"));
    // A random ID, unique among the (at most 4096) probes in flight: with one
    // socket the ID is what an off-path forger has to guess.
    uint16_t id = static_cast<uint16_t>(rng_());
    while (pending_.count(id)) id = static_cast<uint16_t>(rng_());
    auto query = wire::make_query(w.zone, wire::type::SOA, id, true);
    if (w.options.expire) wire::append_edns_option(query, wire::edns_opt::EXPIRE, {});
    Pending p{std::move(w), std::nullopt};
    if (p.w.options.key) {
        p.tsig.emplace(*p.w.options.key);
        const size_t len = query.size();
        query.resize(len + 512);
        auto r = p.tsig->sign_request(query.data(), len, query.size(), unix_now());
        if (!r) return fail(std::move(p.w), make_error(Errc::limit, "cannot sign the query"));
        query.resize(*r);
    }
    boost::system::error_code ec;
    s->udp->send_to(asio::buffer(query), udp::endpoint(p.w.server.address, p.w.server.port), 0, ec);
    ++sent_;
    if (ec) return fail(std::move(p.w), make_error(Errc::io, ec.message()));
    p.w.deadline = Clock::now() + p.w.options.timeout;
    deadlines_.emplace(p.w.deadline, id);
    pending_.emplace(id, std::move(p));
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
                if (it != pending_.end() && it->second.w.server.address == s.from.address() &&
                    it->second.w.server.port == s.from.port()) {
                    Pending p = std::move(it->second);
                    pending_.erase(it);
                    auto range = deadlines_.equal_range(p.w.deadline);
                    for (auto d = range.first; d != range.second; ++d)
                        if (d->second == id) {
                            deadlines_.erase(d);
                            break;
                        }
                    finished(p.w.server, true);
                    answered(std::move(p), {s.buf.data(), n});
                    if (!*alive) return;
                }
                // Anything else (late, stray or spoofed) is dropped.
            }
            receive(s);
        });
}

void SoaProber::answered(Pending p, std::span<const uint8_t> msg) {
    if (p.tsig)
        if (auto v = p.tsig->verify_response(msg, unix_now()); !v)
            return complete(std::move(p.w.done),
                            make_error(Errc::refused, "TSIG: " + v.error().message));
    if (msg[2] & 0x02) {  // TC
        if (!p.w.options.expire)
            return complete(
                std::move(p.w.done),
                make_error(Errc::malformed, "truncated answer from " + p.w.server.to_string()));
        // The whole answer over TCP, as a query_soa() of its own (the key
        // travels with it: the options may die before it ends).
        QueryOptions qo;
        qo.timeout = p.w.options.timeout;
        qo.attempts = 1;
        qo.key = p.w.options.key.get();
        query_soa(io_, p.w.server, p.w.zone, qo,
                  [this, key = p.w.options.key, done = std::move(p.w.done),
                   alive = alive_](Result<SoaAnswer> r) mutable {
                      if (*alive) complete(std::move(done), std::move(r));
                  });
        return;
    }
    complete(std::move(p.w.done), read_soa_answer(msg, p.w.zone, p.w.server));
}

void SoaProber::finished(const Endpoint& server, bool answered) {
    const std::string key = key_of(server);
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    Queue& q = it->second;
    if (q.in_flight > 0) --q.in_flight;
    if (answered) q.answered = Clock::now();
    if (!q.waiting.empty() && !q.ready) {
        q.ready = true;
        ready_.push_back(key);
    }
    if (q.in_flight == 0 && q.waiting.empty() && !q.ready) queues_.erase(it);
    // The next ones go once the caller is done with this one (never from
    // inside its callback: complete() pumps).
}

void SoaProber::pump() {
    // Servers take turns, one probe each, while there is room.
    for (size_t turns = ready_.size(); turns > 0 && pending_.size() < max_in_flight_; --turns) {
        const std::string key = std::move(ready_.front());
        ready_.pop_front();
        auto it = queues_.find(key);
        if (it == queues_.end()) continue;
        Queue& q = it->second;
        q.ready = false;
        if (q.waiting.empty()) {
            if (q.in_flight == 0) queues_.erase(it);
            continue;
        }
        if (q.in_flight >= per_server_) continue;  // ready again when one of its own ends
        Waiting w = std::move(q.waiting.front());
        q.waiting.pop_front();
        --waiting_count_;
        ++q.in_flight;
        if (!q.waiting.empty()) {
            q.ready = true;
            ready_.push_back(key);
            ++turns;  // it may go again this round
        }
        send(std::move(w));
    }
}

void SoaProber::arm() {
    if (armed_) return;
    auto next = deadlines_.empty() ? Clock::time_point::max() : deadlines_.begin()->first;
    if (!queued_deadlines_.empty()) next = std::min(next, queued_deadlines_.begin()->first);
    if (next == Clock::time_point::max()) return;
    armed_ = true;
    timer_.expires_at(next);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (!*alive) return;
        armed_ = false;
        if (ec) return;
        sweep();
    });
}

void SoaProber::sweep() {
    const auto now = Clock::now();
    std::vector<Waiting> expired, unsent;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        auto it = pending_.find(deadlines_.begin()->second);
        deadlines_.erase(deadlines_.begin());
        if (it == pending_.end()) continue;
        expired.push_back(std::move(it->second.w));
        pending_.erase(it);
    }
    for (const auto& w : expired) finished(w.server);
    // Probes that waited too long for their turn (their server's queue is in
    // deadline order: one timeout for all of its probes).
    while (!queued_deadlines_.empty() && queued_deadlines_.begin()->first <= now) {
        const std::string key = std::move(queued_deadlines_.begin()->second);
        queued_deadlines_.erase(queued_deadlines_.begin());
        auto it = queues_.find(key);
        if (it == queues_.end()) continue;
        Queue& q = it->second;
        if (!q.waiting.empty() &&
            q.answered + kQueueTimeouts * q.waiting.front().options.timeout > now) {
            // The server answers, only slower than we ask: those waiting wait on.
            for (auto& w : q.waiting) {
                if (w.deadline > now) break;
                w.deadline = now + kQueueTimeouts * w.options.timeout;
                queued_deadlines_.emplace(w.deadline, key);
            }
            continue;
        }
        while (!q.waiting.empty() && q.waiting.front().deadline <= now) {
            unsent.push_back(std::move(q.waiting.front()));
            q.waiting.pop_front();
            --waiting_count_;
        }
        if (q.waiting.empty() && q.in_flight == 0 && !q.ready) queues_.erase(it);
    }
    auto alive = alive_;
    for (auto& w : unsent) {
        w.attempt = w.options.attempts;  // no time left for another try
        timed_out(std::move(w));
        if (!*alive) return;
    }
    for (auto& w : expired) {
        timed_out(std::move(w));
        if (!*alive) return;
    }
    pump();
    arm();
}

void SoaProber::timed_out(Waiting w) {
    if (w.attempt < w.options.attempts) {
        ++w.attempt;
        return enqueue(std::move(w));
    }
    const std::string who = w.server.to_string();
    complete(std::move(w.done), make_error(Errc::timeout, "no answer from " + who));
}

void SoaProber::complete(Done done, Result<SoaAnswer> r) {
    auto alive = alive_;
    done(std::move(r));
    if (!*alive) return;
    pump();
}

}  // namespace dns::io
