#include "dnsd/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "lib/base/log.hpp"
#include "lib/io/client.hpp"
#include "lib/wire/message.hpp"

namespace dnsd {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using dns::answer::Transport;

namespace {

constexpr int kBatch = 64;
constexpr size_t kUdpIn = 4096;
constexpr size_t kUdpOut = 4096;

dns::Result<int> open_udp(const asio::ip::address& addr, uint16_t port) {
    int family = addr.is_v6() ? AF_INET6 : AF_INET;
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return dns::make_error(dns::Errc::io, std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    sockaddr_storage ss{};
    socklen_t len;
    if (addr.is_v6()) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        auto b = addr.to_v6().to_bytes();
        std::memcpy(&s6->sin6_addr, b.data(), 16);
        s6->sin6_scope_id = addr.to_v6().scope_id();
        len = sizeof *s6;
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        auto b = addr.to_v4().to_bytes();
        std::memcpy(&s4->sin_addr, b.data(), 4);
        len = sizeof *s4;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        int e = errno;
        ::close(fd);
        return dns::make_error(dns::Errc::io, "bind UDP " + addr.to_string() + ":" +
                                                  std::to_string(port) + ": " + std::strerror(e));
    }
    return fd;
}

uint16_t bound_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

}  // namespace

class Worker final : public dns::io::TcpHandler {
  public:
    Worker(const Config& config, const dns::zone::ZoneStore& store,
           const dns::answer::Identity& identity, dns::io::NotifyGate* notify,
           const dns::io::TransferServer* transfers, std::vector<dns::xfr::TsigKey> keys)
        : config_(config),
          view_(store),
          responder_(identity),
          notify_(notify),
          transfers_(transfers),
          keys_(std::move(keys)) {}

    // A NOTIFY goes to the secondary's gate when there is one; everything else is answered here.
    size_t answer(const dns::zone::ZoneTable& zones, std::span<const uint8_t> msg, uint8_t* out,
                  size_t cap, Transport transport, const void* peer) noexcept {
        if (notify_ && dns::io::NotifyGate::is_notify(msg))
            return notify_->respond(msg, static_cast<const sockaddr*>(peer), out, cap,
                                    static_cast<uint64_t>(std::time(nullptr)));
        size_t len = responder_.respond(zones, msg, out, cap, transport);
        // A signed query (a secondary's SOA check, say) gets a signed answer (RFC 8945 §5.3).
        if (len && responder_.last_had_tsig() && !keys_.empty())
            len = dns::xfr::sign_answer(msg, keys_, out, len, cap,
                                        static_cast<uint64_t>(std::time(nullptr)));
        return len;
    }
    // TCP: transfers too, for the clients --allow-transfer names.
    size_t answer(std::span<const uint8_t> msg, const sockaddr* peer, uint8_t* out, size_t cap,
                  std::unique_ptr<dns::io::MessageStream>& stream) noexcept override {
        size_t len = 0;
        if (transfers_ && dns::io::TransferServer::is_transfer(msg) &&
            transfers_->handle(msg, peer, out, cap, len, stream,
                               static_cast<uint64_t>(std::time(nullptr))))
            return len;
        return answer(view_.current(), msg, out, cap, Transport::tcp, peer);
    }

    dns::Result<void> open(const asio::ip::address& addr, uint16_t port) {
        auto fd = open_udp(addr, port);
        if (!fd) return fd.error();
        auto s = std::make_unique<Udp>(io_);
        s->sock.assign(addr.is_v6() ? udp::v6() : udp::v4(), *fd);
        udp_.push_back(std::move(s));
        dns::io::TcpOptions to;
        to.idle_timeout = std::chrono::milliseconds(config_.tcp_idle_timeout_ms);
        to.max_clients = config_.tcp_max_clients;
        auto listener = std::make_unique<dns::io::TcpListener>(io_, *this, to);
        // Port 0: TCP takes the port UDP got.
        if (auto r = listener->open(addr, port ? port : bound_port(*fd)); !r) return r;
        tcp_.push_back(std::move(listener));
        return {};
    }

    uint16_t last_port() const { return bound_port(udp_.back()->sock.native_handle()); }

    void run() {
        for (auto& u : udp_) udp_wait(*u);
        for (auto& t : tcp_) t->start();
        tick();
        io_.run();
    }
    // An idle worker still lets go of replaced zone tables (their memory) within a second.
    void tick() {
        tick_.expires_after(std::chrono::seconds(1));
        tick_.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            view_.current();
            tick();
        });
    }

    void stop() {
        asio::post(io_, [this] {
            tick_.cancel();
            for (auto& t : tcp_) t->close();
            for (auto& u : udp_) u->sock.close();
            io_.stop();
        });
    }
    dns::answer::Counters counters() const { return responder_.counters(); }

  private:
    struct Udp {
        explicit Udp(asio::io_context& io) : sock(io) {
            for (int i = 0; i < kBatch; ++i) {
                in_iov[i] = {in[i], kUdpIn};
                out_iov[i] = {out[i], 0};
            }
        }
        udp::socket sock;
        mmsghdr in_msg[kBatch];
        mmsghdr out_msg[kBatch];
        iovec in_iov[kBatch];
        iovec out_iov[kBatch];
        sockaddr_storage peer[kBatch];
        uint8_t in[kBatch][kUdpIn];
        uint8_t out[kBatch][kUdpOut];
    };

    void udp_wait(Udp& u) {
        u.sock.async_wait(udp::socket::wait_read, [this, &u](boost::system::error_code ec) {
            if (ec) return;
            udp_drain(u);
            udp_wait(u);
        });
    }

    void udp_drain(Udp& u) {
        const int fd = u.sock.native_handle();
        for (int round = 0; round < 16; ++round) {
            for (int i = 0; i < kBatch; ++i) {
                auto& h = u.in_msg[i].msg_hdr;
                h = {};
                h.msg_name = &u.peer[i];
                h.msg_namelen = sizeof u.peer[i];
                h.msg_iov = &u.in_iov[i];
                h.msg_iovlen = 1;
            }
            int n = ::recvmmsg(fd, u.in_msg, kBatch, MSG_DONTWAIT, nullptr);
            if (n <= 0) return;
            const auto& zones = view_.current();
            dns::answer::Responder::Hint hints[kBatch];
            for (int i = 0; i < n; ++i)
                hints[i] = dns::answer::Responder::hint(zones, {u.in[i], u.in_msg[i].msg_len});
            for (int i = 0; i < n; ++i) dns::answer::Responder::warm(hints[i]);
            int m = 0;
            for (int i = 0; i < n; ++i) {
                if (u.in_msg[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
                size_t len = answer(zones, {u.in[i], u.in_msg[i].msg_len}, u.out[m], kUdpOut,
                                    Transport::udp, &u.peer[i]);
                if (!len) continue;
                u.out_iov[m].iov_base = u.out[m];
                u.out_iov[m].iov_len = len;
                auto& h = u.out_msg[m].msg_hdr;
                h = {};
                h.msg_name = &u.peer[i];
                h.msg_namelen = u.in_msg[i].msg_hdr.msg_namelen;
                h.msg_iov = &u.out_iov[m];
                h.msg_iovlen = 1;
                ++m;
            }
            for (int sent = 0; sent < m;) {
                int k = ::sendmmsg(fd, u.out_msg + sent, m - sent, 0);
                if (k <= 0) break;  // drop the rest: UDP is best effort
                sent += k;
            }
            if (n < kBatch) return;
        }
    }

    const Config& config_;
    asio::io_context io_{1};
    asio::steady_timer tick_{io_};
    dns::zone::ZoneView view_;
    dns::answer::Responder responder_;
    dns::io::NotifyGate* notify_;
    const dns::io::TransferServer* transfers_;
    std::vector<dns::xfr::TsigKey> keys_;  // to sign answers to signed queries
    std::vector<std::unique_ptr<Udp>> udp_;
    std::vector<std::unique_ptr<dns::io::TcpListener>> tcp_;
};

Server::Server(const Config& config, dns::zone::ZoneStore& store, dns::io::NotifyGate* notify,
               const dns::io::TransferServer* transfers, std::vector<dns::xfr::TsigKey> keys)
    : config_(config),
      store_(store),
      notify_(notify),
      transfers_(transfers),
      keys_(std::move(keys)) {
    identity_.nsid = config.nsid;
    identity_.hostname = config.identity;
    identity_.version = config.version;
    identity_.max_udp = config.max_udp;
}

Server::~Server() { stop(); }

dns::Result<void> Server::start() {
    for (unsigned i = 0; i < config_.threads; ++i)
        workers_.push_back(
            std::make_unique<Worker>(config_, store_, identity_, notify_, transfers_, keys_));
    for (const auto& ep : config_.listen) {
        auto addr = ep.address;
        uint16_t port = ep.port;
        for (auto& w : workers_) {
            if (auto r = w->open(addr, port); !r) return r;
            port = w->last_port();  // port 0: every worker shares the port the first one got
        }
        LOG_INFO("listening on %s (UDP and TCP, %u workers)",
                 (addr.is_v6() ? "[" + addr.to_string() + "]:" : addr.to_string() + ":")
                     .append(std::to_string(port))
                     .c_str(),
                 config_.threads);
    }
    for (auto& w : workers_) threads_.emplace_back([&w] { w->run(); });
    return {};
}

void Server::stop() {
    for (auto& w : workers_) w->stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

dns::answer::Counters Server::counters() const {
    dns::answer::Counters sum;
    for (const auto& w : workers_) {
        const auto c = w->counters();
        for (int i = 0; i < 2; ++i) sum.transport[i] += c.transport[i];
        for (size_t i = 0; i < 24; ++i) sum.rcode[i] += c.rcode[i];
        for (size_t i = 0; i < dns::answer::Counters::kTypes; ++i) sum.qtype[i] += c.qtype[i];
        sum.dropped += c.dropped;
        sum.truncated += c.truncated;
        sum.notify += c.notify;
        sum.expired += c.expired;
    }
    return sum;
}

}  // namespace dnsd
