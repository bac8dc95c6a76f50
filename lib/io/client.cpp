#include "lib/io/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <ctime>
#include <random>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::io {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using Ms = std::chrono::milliseconds;

std::string Endpoint::to_string() const {
    return address.is_v6() ? "[" + address.to_string() + "]:" + std::to_string(port)
                           : address.to_string() + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(const std::string& text) {
    std::string host = text, port = "53";
    if (!text.empty() && text[0] == '[') {
        auto close = text.find(']');
        if (close == std::string::npos)
            return make_error(Errc::syntax, "bad address '" + text + "'");
        host = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':')
                return make_error(Errc::syntax, "bad address '" + text + "'");
            port = text.substr(close + 2);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        auto colon = text.find(':');
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) return make_error(Errc::syntax, "bad IP address '" + host + "'");
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end || p < 0 || p > 65535)
        return make_error(Errc::syntax, "bad port in '" + text + "'");
    return Endpoint{addr, static_cast<uint16_t>(p)};
}

Result<SoaAnswer> read_soa_answer(std::span<const uint8_t> msg, const wire::Name& zone,
                                  const Endpoint& server) {
    wire::RecordReader r(msg);
    if (!r.ok()) return make_error(Errc::malformed, "bad answer from " + server.to_string());
    if (r.header().rcode() != 0)
        return make_error(Errc::refused, server.to_string() + " answered rcode " +
                                             std::to_string(r.header().rcode()));
    if (!(r.header().flags & wire::flag::AA))
        return make_error(Errc::refused,
                          server.to_string() + " is not authoritative for " + zone.to_text());
    static thread_local uint8_t rdbuf[wire::kMaxRdata];
    wire::RecordView rr;
    bool have_soa = false;
    SoaAnswer answer{0, false, -1};
    for (int s; (s = r.next(rr, rdbuf)) > 0;) {
        if (s == 1 && rr.type == wire::type::SOA && wire::name_equal(rr.owner, zone.data()) &&
            !have_soa) {
            size_t a = wire::name_length(rr.rdata), b = wire::name_length(rr.rdata + a);
            if (a + b + 20 > rr.rdata_len) break;
            answer.serial = wire::get32(rr.rdata + a + b);
            have_soa = true;
        }
        if (s == 3 && rr.type == wire::type::OPT)
            answer.expire = wire::edns_expire(rr.rdata, rr.rdata_len);
    }
    if (have_soa) return answer;
    return make_error(Errc::malformed, server.to_string() + " sent no SOA for " + zone.to_text());
}

namespace {

uint16_t random_id() {
    static thread_local std::mt19937 rng{std::random_device{}()};
    return static_cast<uint16_t>(rng());
}

uint64_t unix_now() { return static_cast<uint64_t>(std::time(nullptr)); }

// Signs `msg` in place when a key is given; returns false if it cannot.
bool maybe_sign(std::vector<uint8_t>& msg, std::optional<xfr::TsigSession>& session,
                const xfr::TsigKey* key) {
    if (!key) return true;
    session.emplace(*key);
    size_t len = msg.size();
    msg.resize(len + 512);
    auto r = session->sign_request(msg.data(), len, msg.size(), unix_now());
    if (!r) return false;
    msg.resize(*r);
    return true;
}

// ---- one query, one answer ----

// Sends a prepared query over UDP (retried), and over TCP when the answer is
// truncated; hands back the answer's bytes once its ID, QR and TSIG check.

class Exchange : public std::enable_shared_from_this<Exchange> {
  public:
    using Done = std::function<void(Result<std::span<const uint8_t>>, bool tcp)>;
    Exchange(asio::io_context& io, Endpoint server, std::vector<uint8_t> query, QueryOptions opt,
             Done done)
        : io_(io),
          server_(std::move(server)),
          opt_(opt),
          done_(std::move(done)),
          udp_(io),
          tcp_(io),
          timer_(io),
          query_(std::move(query)) {}

    void start() {
        id_ = wire::get16(query_.data());
        if (!maybe_sign(query_, tsig_, opt_.key))
            return finish(make_error(Errc::limit, "cannot sign the query"));
        boost::system::error_code ec;
        udp_.open(server_.address.is_v6() ? udp::v6() : udp::v4(), ec);
        if (ec) return finish(make_error(Errc::io, ec.message()));
        send_udp();
    }

  private:
    void send_udp() {
        ++attempt_;
        auto self = shared_from_this();
        udp_.async_send_to(asio::buffer(query_), udp::endpoint(server_.address, server_.port),
                           [self](boost::system::error_code ec, size_t) {
                               if (ec) return self->finish(make_error(Errc::io, ec.message()));
                               self->receive_udp();
                           });
        arm(opt_.timeout, [self] {
            boost::system::error_code ignored;
            if (self->attempt_ < self->opt_.attempts) {
                self->udp_.cancel(ignored);
                self->retrying_ = true;
                self->send_udp();
            } else {
                self->finish(
                    make_error(Errc::timeout, "no answer from " + self->server_.to_string()));
            }
        });
    }

    void receive_udp() {
        auto self = shared_from_this();
        udp_.async_receive_from(asio::buffer(buf_), from_,
                                [self](boost::system::error_code ec, size_t n) {
                                    if (self->finished_) return;
                                    if (ec == asio::error::operation_aborted)
                                        return;  // a retry replaced this receive
                                    if (ec) return self->finish(make_error(Errc::io, ec.message()));
                                    if (self->from_.address() != self->server_.address ||
                                        self->from_.port() != self->server_.port)
                                        return self->receive_udp();  // not from the server: ignore
                                    self->handle({self->buf_.data(), n}, false);
                                });
    }

    void start_tcp() {
        timer_.cancel();
        auto self = shared_from_this();
        arm(opt_.timeout, [self] {
            self->finish(make_error(Errc::timeout,
                                    "TCP query to " + self->server_.to_string() + " timed out"));
        });
        tcp_.async_connect(
            tcp::endpoint(server_.address, server_.port), [self](boost::system::error_code ec) {
                if (self->finished_) return;
                if (ec)
                    return self->finish(make_error(Errc::unreachable, "connect: " + ec.message()));
                self->framed_.resize(2 + self->query_.size());
                wire::put16(self->framed_.data(), static_cast<uint16_t>(self->query_.size()));
                std::copy(self->query_.begin(), self->query_.end(), self->framed_.begin() + 2);
                asio::async_write(
                    self->tcp_, asio::buffer(self->framed_),
                    [self](boost::system::error_code ec2, size_t) {
                        if (self->finished_) return;
                        if (ec2) return self->finish(make_error(Errc::io, ec2.message()));
                        asio::async_read(
                            self->tcp_, asio::buffer(self->buf_.data(), 2),
                            [self](boost::system::error_code ec3, size_t) {
                                if (self->finished_) return;
                                if (ec3) return self->finish(make_error(Errc::io, ec3.message()));
                                size_t len = wire::get16(self->buf_.data());
                                asio::async_read(
                                    self->tcp_, asio::buffer(self->buf_.data(), len),
                                    [self, len](boost::system::error_code ec4, size_t) {
                                        if (self->finished_) return;
                                        if (ec4)
                                            return self->finish(
                                                make_error(Errc::io, ec4.message()));
                                        self->handle({self->buf_.data(), len}, true);
                                    });
                            });
                    });
            });
    }

    void handle(std::span<const uint8_t> msg, bool tcp) {
        wire::RecordReader r(msg);
        if (!r.ok() || r.header().id != id_ || !(r.header().flags & wire::flag::QR)) {
            if (!tcp) return receive_udp();  // stray or spoofed datagram: keep waiting
            return finish(make_error(Errc::malformed, "bad answer from " + server_.to_string()));
        }
        if (tsig_) {
            auto v = tsig_->verify_response(msg, unix_now());
            if (!v) return finish(make_error(Errc::refused, "TSIG: " + v.error().message));
        }
        if (r.header().flags & wire::flag::TC) {
            if (tcp) return finish(make_error(Errc::malformed, "truncated TCP answer"));
            return start_tcp();
        }
        finish(msg, tcp);
    }

    template <class F>
    void arm(Ms d, F on_timeout) {
        timer_.expires_after(d);
        auto self = shared_from_this();
        timer_.async_wait([self, on_timeout](boost::system::error_code ec) {
            if (ec || self->finished_) return;
            on_timeout();
        });
    }

    void finish(Result<std::span<const uint8_t>> r, bool tcp = false) {
        if (finished_) return;
        finished_ = true;
        boost::system::error_code ignored;
        timer_.cancel();
        udp_.close(ignored);
        tcp_.close(ignored);
        auto done = std::move(done_);
        done(r, tcp);
    }

    asio::io_context& io_;
    Endpoint server_;
    QueryOptions opt_;
    Done done_;
    udp::socket udp_;
    tcp::socket tcp_;
    asio::steady_timer timer_;
    udp::endpoint from_;
    std::vector<uint8_t> query_, framed_;
    std::array<uint8_t, 65536> buf_{};
    std::optional<xfr::TsigSession> tsig_;
    uint16_t id_ = 0;
    int attempt_ = 0;
    bool retrying_ = false;
    bool finished_ = false;
};

// ---- transfer ----

class TransferSession : public std::enable_shared_from_this<TransferSession> {
  public:
    TransferSession(asio::io_context& io, Endpoint server,
                    std::shared_ptr<xfr::TransferIn> transfer, TransferOptions opt,
                    std::function<void(Result<void>)> done)
        : server_(std::move(server)),
          transfer_(std::move(transfer)),
          opt_(opt),
          done_(std::move(done)),
          sock_(io),
          idle_(io),
          deadline_(io) {}

    void start() {
        auto req = transfer_->request(random_id());
        if (!maybe_sign(req, tsig_, opt_.key))
            return finish(make_error(Errc::limit, "cannot sign the request"));
        out_.resize(2 + req.size());
        wire::put16(out_.data(), static_cast<uint16_t>(req.size()));
        std::copy(req.begin(), req.end(), out_.begin() + 2);
        auto self = shared_from_this();
        deadline_.expires_after(opt_.max_duration);
        deadline_.async_wait([self](boost::system::error_code ec) {
            if (!ec)
                self->finish(make_error(Errc::timeout,
                                        "transfer took longer than " +
                                            std::to_string(self->opt_.max_duration.count() / 1000) +
                                            " s"));
        });
        idle(opt_.connect_timeout, "connect timed out");
        sock_.async_connect(
            tcp::endpoint(server_.address, server_.port), [self](boost::system::error_code ec) {
                if (self->finished_) return;
                if (ec)
                    return self->finish(make_error(Errc::unreachable, "connect: " + ec.message()));
                asio::async_write(
                    self->sock_, asio::buffer(self->out_),
                    [self](boost::system::error_code ec2, size_t) {
                        if (self->finished_) return;
                        if (ec2)
                            return self->finish(make_error(Errc::io, "send: " + ec2.message()));
                        self->read_length();
                    });
            });
    }

  private:
    void idle(Ms d, const char* what) {
        idle_.expires_after(d);
        auto self = shared_from_this();
        idle_.async_wait([self, what](boost::system::error_code ec) {
            if (!ec) self->finish(make_error(Errc::timeout, what));
        });
    }

    void read_length() {
        idle(opt_.idle_timeout, "the primary stalled");
        auto self = shared_from_this();
        asio::async_read(
            sock_, asio::buffer(len_, 2), [self](boost::system::error_code ec, size_t) {
                if (self->finished_) return;
                if (ec)
                    return self->finish(make_error(
                        Errc::io, ec == asio::error::eof ? "connection closed before the end"
                                                         : "read: " + ec.message()));
                size_t len = wire::get16(self->len_);
                if (len < wire::kHeaderLen)
                    return self->finish(make_error(Errc::malformed, "message too short"));
                self->msg_.resize(len);
                asio::async_read(
                    self->sock_, asio::buffer(self->msg_),
                    [self](boost::system::error_code ec2, size_t) {
                        if (self->finished_) return;
                        if (ec2)
                            return self->finish(make_error(Errc::io, "read: " + ec2.message()));
                        self->handle();
                    });
            });
    }

    void handle() {
        if (tsig_) {
            auto v = tsig_->verify_response(msg_, unix_now());
            if (!v) return finish(make_error(Errc::refused, "TSIG: " + v.error().message));
        }
        auto st = transfer_->feed(msg_);
        if (st == xfr::TransferIn::Status::failed)
            return finish(make_error(Errc::semantic, transfer_->error()));
        if (st == xfr::TransferIn::Status::more) return read_length();
        if (tsig_) {
            auto f = tsig_->finish();
            if (!f) return finish(make_error(Errc::refused, "TSIG: " + f.error().message));
        }
        finish({});
    }

    void finish(Result<void> r) {
        if (finished_) return;
        finished_ = true;
        boost::system::error_code ignored;
        idle_.cancel();
        deadline_.cancel();
        sock_.close(ignored);
        auto done = std::move(done_);
        done(std::move(r));
    }

    Endpoint server_;
    std::shared_ptr<xfr::TransferIn> transfer_;
    TransferOptions opt_;
    std::function<void(Result<void>)> done_;
    tcp::socket sock_;
    asio::steady_timer idle_, deadline_;
    std::vector<uint8_t> out_, msg_;
    uint8_t len_[2] = {};
    std::optional<xfr::TsigSession> tsig_;
    bool finished_ = false;
};

// ---- NOTIFY ----

class NotifyExchange : public std::enable_shared_from_this<NotifyExchange> {
  public:
    NotifyExchange(asio::io_context& io, Endpoint server, std::vector<uint8_t> msg, uint16_t id,
                   QueryOptions opt, std::function<void(Result<void>)> done)
        : server_(std::move(server)),
          msg_(std::move(msg)),
          id_(id),
          opt_(opt),
          done_(std::move(done)),
          sock_(io),
          timer_(io) {}

    void start() {
        boost::system::error_code ec;
        sock_.open(server_.address.is_v6() ? udp::v6() : udp::v4(), ec);
        if (ec) return finish(make_error(Errc::io, ec.message()));
        send();
    }

  private:
    void send() {
        ++attempt_;
        auto self = shared_from_this();
        sock_.async_send_to(asio::buffer(msg_), udp::endpoint(server_.address, server_.port),
                            [self](boost::system::error_code ec, size_t) {
                                if (ec) self->finish(make_error(Errc::io, ec.message()));
                            });
        sock_.async_receive_from(
            asio::buffer(buf_), from_, [self](boost::system::error_code ec, size_t n) {
                if (self->finished_ || ec == asio::error::operation_aborted) return;
                if (ec) return self->finish(make_error(Errc::io, ec.message()));
                wire::RecordReader r({self->buf_.data(), n});
                if (!r.ok() || r.header().id != self->id_ || !(r.header().flags & wire::flag::QR))
                    return;
                if (r.header().rcode())
                    return self->finish(
                        make_error(Errc::refused,
                                   "NOTIFY answered rcode " + std::to_string(r.header().rcode())));
                self->finish({});
            });
        timer_.expires_after(opt_.timeout);
        timer_.async_wait([self](boost::system::error_code ec) {
            if (ec || self->finished_) return;
            boost::system::error_code ignored;
            self->sock_.cancel(ignored);
            if (self->attempt_ < self->opt_.attempts) return self->send();
            self->finish(
                make_error(Errc::timeout, "no answer to NOTIFY from " + self->server_.to_string()));
        });
    }

    void finish(Result<void> r) {
        if (finished_) return;
        finished_ = true;
        boost::system::error_code ignored;
        timer_.cancel();
        sock_.close(ignored);
        auto done = std::move(done_);
        done(std::move(r));
    }

    Endpoint server_;
    std::vector<uint8_t> msg_;
    uint16_t id_;
    QueryOptions opt_;
    std::function<void(Result<void>)> done_;
    udp::socket sock_;
    asio::steady_timer timer_;
    udp::endpoint from_;
    std::array<uint8_t, 4096> buf_{};
    int attempt_ = 0;
    bool finished_ = false;
};

}  // namespace

void query_soa(asio::io_context& io, const Endpoint& server, const wire::Name& zone,
               const QueryOptions& options, std::function<void(Result<SoaAnswer>)> done) {
    auto query = wire::make_query(zone, wire::type::SOA, random_id(), true);
    wire::append_edns_option(query, wire::edns_opt::EXPIRE, {});  // RFC 7314: ask for it
    std::make_shared<Exchange>(
        io, server, std::move(query), options,
        [server, zone, done = std::move(done)](Result<std::span<const uint8_t>> r, bool tcp) {
            if (!r) return done(r.error());
            auto answer = read_soa_answer(*r, zone, server);
            if (answer) answer->via_tcp = tcp;
            done(std::move(answer));
        })
        ->start();
}

void query(asio::io_context& io, const Endpoint& server, const wire::Name& qname, uint16_t qtype,
           const QueryOptions& options, bool recursion, std::function<void(Result<Reply>)> done) {
    auto q = wire::make_query(qname, qtype, random_id(), true, options.dnssec_ok);
    if (recursion) q[2] |= 0x01;  // RD
    std::make_shared<Exchange>(
        io, server, std::move(q), options,
        [server, done = std::move(done)](Result<std::span<const uint8_t>> r, bool tcp) {
            if (!r) return done(r.error());
            auto m = wire::parse_message(*r);
            if (!m)
                return done(make_error(Errc::malformed, "bad answer from " + server.to_string() +
                                                            ": " + m.error().message));
            done(Reply{std::move(*m), tcp});
        })
        ->start();
}

Result<Reply> query_blocking(const Endpoint& server, const wire::Name& qname, uint16_t qtype,
                             const QueryOptions& options, bool recursion) {
    asio::io_context io;
    Result<Reply> out = make_error(Errc::timeout, "no answer from " + server.to_string());
    query(io, server, qname, qtype, options, recursion,
          [&out](Result<Reply> r) { out = std::move(r); });
    io.run();
    return out;
}

void run_transfer(asio::io_context& io, const Endpoint& server,
                  std::shared_ptr<xfr::TransferIn> transfer, const TransferOptions& options,
                  std::function<void(Result<void>)> done) {
    std::make_shared<TransferSession>(io, server, std::move(transfer), options, std::move(done))
        ->start();
}

void send_notify(asio::io_context& io, const Endpoint& server, const wire::Name& zone,
                 uint32_t serial, const QueryOptions& options,
                 std::function<void(Result<void>)> done) {
    uint16_t id = random_id();
    wire::Message m;
    m.header.id = id;
    m.header.flags = static_cast<uint16_t>(wire::opcode::NOTIFY << 11 | wire::flag::AA);
    m.question.push_back({zone, wire::type::SOA, wire::rrclass::IN});
    wire::RR soa{zone, wire::type::SOA, wire::rrclass::IN, 0, {}};
    soa.rdata.assign("\0\0", 2);
    uint8_t fixed[20] = {};
    wire::put32(fixed, serial);
    soa.rdata.append(reinterpret_cast<const char*>(fixed), 20);
    m.answer.push_back(std::move(soa));
    std::vector<uint8_t> msg(1024);
    wire::Writer w(msg.data(), msg.size());
    if (!wire::write_message(m, w)) return done(make_error(Errc::limit, "NOTIFY does not fit"));
    msg.resize(w.size());
    std::optional<xfr::TsigSession> session;
    if (!maybe_sign(msg, session, options.key))
        return done(make_error(Errc::limit, "cannot sign NOTIFY"));
    std::make_shared<NotifyExchange>(io, server, std::move(msg), id, options, std::move(done))
        ->start();
}

}  // namespace dns::io
