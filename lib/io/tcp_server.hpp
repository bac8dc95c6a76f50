#pragma once
// DNS over TCP (RFC 7766) for one listening address: two-octet framing,
// pipelined queries answered in order, everything one read delivered answered
// into one write, an idle timeout, a cap on connections. What a message is
// answered with is the handler's: one message, or a stream of them (a zone
// transfer), written as the socket drains, never all held in memory.
// Everything runs on the io_context given (one per query thread).

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "lib/base/result.hpp"

namespace dns::io {

/// Successive messages of one answer.
class MessageStream {
  public:
    virtual ~MessageStream() = default;
    /// The next message into out[0, cap); 0 when the answer is complete.
    virtual size_t next(uint8_t* out, size_t cap) = 0;
};

class TcpHandler {
  public:
    virtual ~TcpHandler() = default;
    /// Answers one message into out[0, cap) and returns its length (0: send
    /// nothing); or sets `stream` for an answer of several messages.
    virtual size_t answer(std::span<const uint8_t> message, const sockaddr* peer, uint8_t* out,
                          size_t cap, std::unique_ptr<MessageStream>& stream) noexcept = 0;
};

struct TcpOptions {
    std::chrono::milliseconds idle_timeout{10000};  ///< RFC 7766 §6.2.3
    unsigned max_clients = 1024;  ///< connections at once; more are closed at once
};

class TcpListener {
  public:
    TcpListener(boost::asio::io_context& io, TcpHandler& handler, TcpOptions options);
    ~TcpListener();
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    /// Binds and listens (SO_REUSEPORT when `reuse_port`, so every query
    /// thread can have its own acceptor on the address).
    Result<void> open(const boost::asio::ip::address& address, uint16_t port,
                      bool reuse_port = true);
    uint16_t port() const;
    /// Accepts connections until close().
    void start();
    void close();

    unsigned clients() const { return shared_->clients; }

  private:
    class Conn;
    // What connections share with the listener; they may outlive it (until
    // the io_context drops their handlers).
    struct Shared {
        TcpHandler& handler;
        TcpOptions options;
        std::unique_ptr<uint8_t[]>
            scratch;  // one answer at a time: the io_context is single-threaded
        unsigned clients = 0;
    };
    void accept();

    boost::asio::io_context& io_;
    std::shared_ptr<Shared> shared_;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace dns::io
