#pragma once
// Boost.Asio drivers for the sans-I/O protocol code: SOA queries (UDP, TCP on
// truncation) and zone transfers (TCP framing, connect/stall/duration
// deadlines, TSIG). Everything runs on the io_context given; completion
// handlers are called exactly once, on that context.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "lib/base/result.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/xfr/tsig.hpp"

namespace dns::io {

struct Endpoint {
    boost::asio::ip::address address;
    uint16_t port = 53;
    std::string to_string() const;
    friend bool operator==(const Endpoint& a, const Endpoint& b) {
        return a.address == b.address && a.port == b.port;
    }
};

/// Parses "192.0.2.1:53", "[2001:db8::1]:53" or a bare address (port 53).
Result<Endpoint> parse_endpoint(const std::string& text);

struct SoaAnswer {
    uint32_t serial = 0;
    bool via_tcp = false;
    int64_t expire = -1;  ///< the EDNS EXPIRE option of the answer (RFC 7314), -1 if none
};

struct QueryOptions {
    std::chrono::milliseconds timeout{2000};
    int attempts = 2;                   ///< UDP tries before giving up
    const xfr::TsigKey* key = nullptr;  ///< sign the query and require a signed answer
    bool dnssec_ok = false;             ///< query(): set the DO bit
};

/// The SOA serial (and EDNS EXPIRE) of an answer about `zone` from `server`:
/// NOERROR, authoritative, with the zone's SOA in the answer section. (The
/// caller checks the ID, QR, TSIG and truncation first.)
Result<SoaAnswer> read_soa_answer(std::span<const uint8_t> msg, const wire::Name& zone,
                                  const Endpoint& server);

/// Asks `server` for the SOA of `zone`.
void query_soa(boost::asio::io_context& io, const Endpoint& server, const wire::Name& zone,
               const QueryOptions& options, std::function<void(Result<SoaAnswer>)> done);

/// An answer to query(): the whole message, whatever its RCODE.
struct Reply {
    wire::Message message;
    bool via_tcp = false;
};

/// Asks `server` about (qname, qtype): over UDP, retried, and over TCP when
/// the answer is truncated; with `recursion`, RD is set (a stub resolver's
/// query to a recursive resolver).
void query(boost::asio::io_context& io, const Endpoint& server, const wire::Name& qname,
           uint16_t qtype, const QueryOptions& options, bool recursion,
           std::function<void(Result<Reply>)> done);
/// The same on an io_context of its own, waiting for the answer: for code
/// that is not asynchronous (a web handler's thread).
Result<Reply> query_blocking(const Endpoint& server, const wire::Name& qname, uint16_t qtype,
                             const QueryOptions& options, bool recursion = true);

struct TransferOptions {
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds idle_timeout{10000};   ///< a stalled stream fails after this
    std::chrono::milliseconds max_duration{600000};  ///< the whole transfer
    const xfr::TsigKey* key = nullptr;
};

/// Runs `transfer` against `server`. On return of `done`, transfer->outcome()
/// or the error say what happened.
void run_transfer(boost::asio::io_context& io, const Endpoint& server,
                  std::shared_ptr<xfr::TransferIn> transfer, const TransferOptions& options,
                  std::function<void(Result<void>)> done);

/// Sends a NOTIFY for `zone` (with `serial` in the answer section) and waits for the reply.
void send_notify(boost::asio::io_context& io, const Endpoint& server, const wire::Name& zone,
                 uint32_t serial, const QueryOptions& options,
                 std::function<void(Result<void>)> done);

}  // namespace dns::io
