#include "lib/io/tcp_server.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <vector>

#include "lib/wire/message.hpp"

namespace dns::io {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
using reuse_port_option = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
constexpr size_t kMaxOut = 256 * 1024;  // flush pipelined answers (or a stream) at this size
constexpr size_t kMaxMessage = 65535;
}  // namespace

class TcpListener::Conn : public std::enable_shared_from_this<Conn> {
  public:
    Conn(std::shared_ptr<Shared> sh, tcp::socket s, asio::io_context& io)
        : l_(std::move(sh)), sock_(std::move(s)), timer_(io) {
        in_.resize(4096);
    }
    ~Conn() { --l_->clients; }

    void start() {
        boost::system::error_code ec;
        peer_ = sock_.remote_endpoint(ec);
        last_ = std::chrono::steady_clock::now();
        arm_timer(l_->options.idle_timeout);
        read();
    }

  private:
    void arm_timer(std::chrono::steady_clock::duration d) {
        timer_.expires_after(d);
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->sock_.is_open()) return;
            auto idle = self->l_->options.idle_timeout;
            auto since = std::chrono::steady_clock::now() - self->last_;
            if (since >= idle && !self->writing_) {
                self->close();
                return;
            }
            self->arm_timer(since >= idle ? std::chrono::steady_clock::duration(idle)
                                          : idle - since);
        });
    }

    void read() {
        if (in_len_ == in_.size())
            in_.resize(std::min<size_t>(in_.size() * 2, kMaxMessage + 2 + 4096));
        sock_.async_read_some(asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
                              [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                                  if (ec) return self->close();
                                  self->in_len_ += n;
                                  self->last_ = std::chrono::steady_clock::now();
                                  self->process();
                              });
    }

    void append(const uint8_t* msg, size_t len) {
        uint8_t hdr[2];
        wire::put16(hdr, static_cast<uint16_t>(len));
        out_.insert(out_.end(), hdr, hdr + 2);
        out_.insert(out_.end(), msg, msg + len);
    }

    // Answers what has arrived, in order; a stream is drained before the
    // queries after it.
    void process() {
        out_.clear();
        uint8_t* scratch = l_->scratch.get();
        while (out_.size() < kMaxOut) {
            if (stream_) {
                size_t n = stream_->next(scratch, kMaxMessage);
                if (n == 0) {
                    stream_.reset();
                    continue;
                }
                append(scratch, n);
                continue;
            }
            if (in_len_ - pos_ < 2) break;
            size_t len = wire::get16(in_.data() + pos_);
            if (in_len_ - pos_ - 2 < len) break;
            size_t r = l_->handler.answer({in_.data() + pos_ + 2, len}, peer_.data(), scratch,
                                          kMaxMessage, stream_);
            if (r) append(scratch, r);
            pos_ += 2 + len;
        }
        if (pos_ && !stream_) {
            std::memmove(in_.data(), in_.data() + pos_, in_len_ - pos_);
            in_len_ -= pos_;
            pos_ = 0;
        }
        if (out_.empty()) return read();
        writing_ = true;
        asio::async_write(sock_, asio::buffer(out_),
                          [self = shared_from_this()](boost::system::error_code ec, size_t) {
                              self->writing_ = false;
                              if (ec) return self->close();
                              self->last_ = std::chrono::steady_clock::now();
                              self->process();
                          });
    }

    void close() {
        boost::system::error_code ec;
        sock_.close(ec);
        timer_.cancel();
        stream_.reset();
    }

    std::shared_ptr<Shared> l_;
    tcp::socket sock_;
    asio::steady_timer timer_;
    std::vector<uint8_t> in_;
    size_t in_len_ = 0, pos_ = 0;
    std::vector<uint8_t> out_;
    std::unique_ptr<MessageStream> stream_;
    bool writing_ = false;
    tcp::endpoint peer_;
    std::chrono::steady_clock::time_point last_;
};

TcpListener::TcpListener(asio::io_context& io, TcpHandler& handler, TcpOptions options)
    : io_(io),
      shared_(std::make_shared<Shared>(
          Shared{handler, options, std::unique_ptr<uint8_t[]>(new uint8_t[kMaxMessage]), 0})),
      acceptor_(io) {}

TcpListener::~TcpListener() { close(); }

Result<void> TcpListener::open(const asio::ip::address& addr, uint16_t port, bool reuse_port) {
    boost::system::error_code ec;
    tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && reuse_port) acceptor_.set_option(reuse_port_option(true), ec);
    if (!ec && addr.is_v6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(1024, ec);
    if (ec)
        return make_error(Errc::io, "bind TCP " + addr.to_string() + ":" + std::to_string(port) +
                                        ": " + ec.message());
    return {};
}

uint16_t TcpListener::port() const {
    boost::system::error_code ec;
    return acceptor_.local_endpoint(ec).port();
}

void TcpListener::start() { accept(); }

void TcpListener::close() {
    boost::system::error_code ec;
    acceptor_.close(ec);
}

void TcpListener::accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (!ec) {
            if (shared_->clients >= shared_->options.max_clients) {
                boost::system::error_code ignored;
                s.close(ignored);
            } else {
                ++shared_->clients;
                s.set_option(tcp::no_delay(true), ec);
                std::make_shared<Conn>(shared_, std::move(s), io_)->start();
            }
        }
        accept();
    });
}

}  // namespace dns::io
