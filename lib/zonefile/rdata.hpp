#pragma once
// Presentation-format RDATA encoders for the types whose master-file forms
// ldns reads differently from Knot DNS and NSD (or not at all): SVCB and
// HTTPS (RFC 9460), CAA (RFC 8659), URI (RFC 7553), CSYNC (RFC 7477),
// IPSECKEY (RFC 4025), CERT (RFC 4398), and the digest types DS, CDS, DLV,
// SSHFP, TLSA, SMIMEA and ZONEMD (ldns pads an odd number of hex digits).
// The scanner calls encode_rdata() for every record it does not encode
// itself; other types go to ldns.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lib/wire/name.hpp"

namespace dns::zonefile {

/// One field of a master-file entry, as the scanner split it.
struct Token {
    std::string_view text;  ///< raw bytes (quotes removed for quoted tokens; escapes kept)
    bool quoted = false;
    bool glued = false;  ///< no blank, newline or parenthesis between it and the previous token
};

/// Appends a 16- or 32-bit integer in network order.
void put16(std::string& out, uint16_t v);
void put32(std::string& out, uint32_t v);
/// A decimal number of at most `max`, digits only.
std::optional<uint32_t> parse_number(std::string_view s, uint32_t max);

/// Decodes the \X and \DDD escapes of a <character-string> (RFC 1035 §5.1)
/// and appends the octets to `out`; false on a \DDD above 255.
bool decode_escapes(std::string_view text, std::string& out);

/// Encodes the RDATA of `rrtype` from its tokens, relative names completed
/// with `origin`. Returns false when the type is not one of this module's
/// (the caller hands it to ldns); otherwise true, with `out` holding the wire
/// RDATA, or `error` saying what is wrong.
bool encode_rdata(uint16_t rrtype, std::span<const Token> tokens, const wire::Name& origin,
                  std::string& out, std::string& error);

}  // namespace dns::zonefile
