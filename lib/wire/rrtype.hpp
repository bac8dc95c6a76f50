#pragma once
// The RR type table: codes, mnemonics and the RDATA layouts the codec needs
// (where names sit inside RDATA, and whether they may be compressed).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dns::wire {

namespace type {
inline constexpr uint16_t A = 1, NS = 2, MD = 3, MF = 4, CNAME = 5, SOA = 6, MB = 7, MG = 8, MR = 9,
                          NULL_ = 10, WKS = 11, PTR = 12, HINFO = 13, MINFO = 14, MX = 15, TXT = 16,
                          RP = 17, AFSDB = 18, X25 = 19, ISDN = 20, RT = 21, NSAP = 22, SIG = 24,
                          KEY = 25, PX = 26, GPOS = 27, AAAA = 28, LOC = 29, NXT = 30, SRV = 33,
                          NAPTR = 35, KX = 36, CERT = 37, DNAME = 39, OPT = 41, APL = 42, DS = 43,
                          SSHFP = 44, IPSECKEY = 45, RRSIG = 46, NSEC = 47, DNSKEY = 48, DHCID = 49,
                          NSEC3 = 50, NSEC3PARAM = 51, TLSA = 52, SMIMEA = 53, HIP = 55, CDS = 59,
                          CDNSKEY = 60, OPENPGPKEY = 61, CSYNC = 62, ZONEMD = 63, SVCB = 64,
                          HTTPS = 65, SPF = 99, NID = 104, L32 = 105, L64 = 106, LP = 107,
                          EUI48 = 108, EUI64 = 109, TKEY = 249, TSIG = 250, IXFR = 251, AXFR = 252,
                          MAILB = 253, MAILA = 254, ANY = 255, URI = 256, CAA = 257, AVC = 258,
                          DLV = 32769;
}  // namespace type

namespace rrclass {
inline constexpr uint16_t IN = 1, CH = 3, HS = 4, NONE = 254, ANY = 255;
}

/// One field of an RDATA layout.
enum class Field : uint8_t {
    end,    ///< end of the layout
    cname,  ///< a domain name, compressible on output (RFC 1035 types only)
    name,   ///< a domain name, never compressed on output (decompressed on input, RFC 3597 §4)
    fixed1,
    fixed2,
    fixed4,
    fixed16,
    fixed18,
    fixed20,  ///< fixed-width octets
    charstr,  ///< <character-string>
    rest,     ///< the remaining octets, opaque
};

/// Layout of a type's RDATA; unknown types are one `rest` field.
const Field* rdata_layout(uint16_t rrtype) noexcept;

/// True when RDATA of this type may contain compressed names on the wire
/// (RFC 3597 §4: the RFC 1035 types plus those listed for decompression).
bool rdata_has_names(uint16_t rrtype) noexcept;

/// "A", "AAAA", "TYPE65280" ...
std::string type_to_text(uint16_t rrtype);
/// Accepts mnemonics (any case) and TYPEnnn.
std::optional<uint16_t> type_from_text(std::string_view text);
std::string class_to_text(uint16_t rrclass);

/// Types that only make sense in questions or as meta-records (RFC 6895 §3.1).
inline bool is_meta_type(uint16_t t) noexcept { return t == type::OPT || (t >= 128 && t <= 255); }

}  // namespace dns::wire
