#pragma once
// Zone transfers out over TCP: who may transfer what (address prefixes, each
// optionally requiring a TSIG key), and the answer, an AXFR (RFC 5936) or an
// IXFR (RFC 1995) as lib/xfr's TransferOut writes it, signed when the request
// was (RFC 8945 §5.3.1). Requests this server does not take (not a transfer,
// not a served apex, not an allowed client) are left to the caller's
// ordinary answer: REFUSED or NOTAUTH.

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/io/tcp_server.hpp"
#include "lib/xfr/transfer_out.hpp"
#include "lib/xfr/tsig.hpp"
#include "lib/zone/zone.hpp"

namespace dns::io {

/// "PREFIX[:KEY]": an address or network ("192.0.2.0/24", "2001:db8::/32",
/// "127.0.0.1") allowed to transfer, with the TSIG key it must sign with.
struct TransferRule {
    boost::asio::ip::address network;
    unsigned prefix = 0;  ///< bits of `network` that must match
    std::string key;      ///< TSIG key name ("" = none required)
    bool matches(const boost::asio::ip::address& a) const;
};
Result<TransferRule> parse_transfer_rule(const std::string& text);

/// Where the served zones come from.
class TransferSource {
  public:
    virtual ~TransferSource() = default;
    /// The zone with exactly this apex (lower-cased wire name), or null.
    virtual zone::ZonePtr zone(const uint8_t* lname, size_t len) const = 0;
    /// Differences that end at the zone's current serial (null when none are kept).
    virtual std::shared_ptr<const xfr::History> history(const zone::Zone& zone) const = 0;
};

class TransferServer {
  public:
    TransferServer(std::vector<TransferRule> rules, std::vector<xfr::TsigKey> keys,
                   const TransferSource& source);

    /// Cheap check before handle(): the message asks for AXFR or IXFR.
    static bool is_transfer(std::span<const uint8_t> message) noexcept;
    /// Takes the request when it is one of ours: returns true with the answer
    /// in out[0, len) (an error) or in `stream` (the transfer). False: answer
    /// it as any other query.
    bool handle(std::span<const uint8_t> message, const sockaddr* peer, uint8_t* out, size_t cap,
                size_t& len, std::unique_ptr<MessageStream>& stream,
                uint64_t now_unix) const noexcept;

  private:
    std::vector<TransferRule> rules_;
    std::vector<xfr::TsigKey> keys_;
    const TransferSource& source_;
};

}  // namespace dns::io
