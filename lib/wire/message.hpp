#pragma once
// DNS message structure: header fields, a full parser for control-plane use
// (transfers, tests, tools) and a fast, allocation-free query parser for the
// query path. Both reject any message that is not entirely well formed.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/wire/writer.hpp"

namespace dns::wire {

inline constexpr size_t kHeaderLen = 12;

namespace flag {
inline constexpr uint16_t QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, RA = 0x0080,
                          AD = 0x0020, CD = 0x0010;
}
namespace opcode {
inline constexpr uint8_t QUERY = 0, IQUERY = 1, STATUS = 2, NOTIFY = 4, UPDATE = 5;
}
namespace rcode {
inline constexpr uint16_t NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4,
                          REFUSED = 5, NOTAUTH = 9, BADVERS = 16, BADSIG = 16, BADKEY = 17,
                          BADTIME = 18, BADCOOKIE = 23;
}
namespace edns_opt {
inline constexpr uint16_t NSID = 3, EXPIRE = 9, COOKIE = 10, TCP_KEEPALIVE = 11, PADDING = 12,
                          EDE = 15, ZONEVERSION = 19;
}
/// Extended DNS Error codes (RFC 8914 §4).
namespace ede {
inline constexpr uint16_t OTHER = 0, STALE_ANSWER = 3, PROHIBITED = 18, NOT_AUTHORITATIVE = 20,
                          NOT_SUPPORTED = 21, NOT_READY = 14, INVALID_DATA = 24;
}

inline uint16_t get16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t* p) noexcept {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline void put16(uint8_t* p, uint16_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

struct Header {
    uint16_t id = 0;
    uint16_t flags = 0;  ///< QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE as on the wire
    uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

    uint8_t opcode() const { return (flags >> 11) & 0xF; }
    uint8_t rcode() const { return flags & 0xF; }
};

struct EdnsOption {
    uint16_t code;
    std::string data;
};

struct Edns {
    bool present = false;
    uint16_t udp_size = 0;
    uint8_t ext_rcode = 0;  ///< upper 8 bits of the 12-bit RCODE
    uint8_t version = 0;
    bool do_bit = false;
    std::vector<EdnsOption> options;
};

/// A resource record with its RDATA uncompressed (names expanded in place).
struct RR {
    Name owner;
    uint16_t type = 0;
    uint16_t rrclass = 0;
    uint32_t ttl = 0;
    std::string rdata;
};

struct Question {
    Name name;
    uint16_t type = 0;
    uint16_t qclass = 0;
};

struct Message {
    Header header;
    std::vector<Question> question;
    std::vector<RR> answer, authority, additional;  ///< OPT is moved to `edns`
    Edns edns;
    bool has_tsig = false;   ///< the last additional RR is a TSIG (kept in `additional`)
    size_t tsig_offset = 0;  ///< where the TSIG RR starts in the original bytes

    uint16_t rcode() const { return static_cast<uint16_t>(edns.ext_rcode << 4 | header.rcode()); }
};

/// Parses a whole message. Names in RDATA of types known to contain them are
/// decompressed; anything malformed (including trailing bytes) is an error.
Result<Message> parse_message(std::span<const uint8_t> bytes);

/// Expands the RDATA at [pos, pos+rdlen) of msg into uncompressed form.
Result<std::string> decompress_rdata(std::span<const uint8_t> msg, size_t pos, uint16_t rdlen,
                                     uint16_t type);
/// The same into a caller's buffer of kMaxRdata bytes; returns the length, or -1 if malformed.
inline constexpr size_t kMaxRdata = 65535 + 2 * 255;
long decompress_rdata_into(std::span<const uint8_t> msg, size_t pos, uint16_t rdlen, uint16_t type,
                           uint8_t* out) noexcept;

/// One record of a message, decoded without allocation (owner and RDATA uncompressed).
struct RecordView {
    uint8_t owner[kMaxNameLen];
    size_t owner_len;
    uint16_t type, rrclass;
    uint32_t ttl;
    const uint8_t* rdata;  ///< points into the caller's buffer given to next_record
    size_t rdata_len;
};

/// The EDNS EXPIRE value (RFC 7314) in the RDATA of an OPT record, or -1.
int64_t edns_expire(const uint8_t* opt_rdata, size_t len) noexcept;
/// Appends an EDNS option to a query whose last record is its OPT record (as
/// make_query() builds it), fixing the OPT RDATA length.
void append_edns_option(std::vector<uint8_t>& query, uint16_t code, std::span<const uint8_t> data);

/// Walks the records of a message section by section.
class RecordReader {
  public:
    /// Fails (ok() false) if the header or question section is malformed.
    explicit RecordReader(std::span<const uint8_t> msg) noexcept;
    bool ok() const noexcept { return ok_; }
    const Header& header() const noexcept { return h_; }
    /// The question (first one), if any.
    const uint8_t* qname() const noexcept { return qd_ ? qname_ : nullptr; }
    uint16_t qtype() const noexcept { return qtype_; }
    /// Reads the next record into `rr`, decompressing RDATA into `buf` (kMaxRdata bytes).
    /// Returns 0 at the end, -1 on malformed data, else the section (1 answer, 2 authority, 3
    /// additional).
    int next(RecordView& rr, uint8_t* buf) noexcept;

  private:
    std::span<const uint8_t> msg_;
    size_t pos_ = kHeaderLen;
    Header h_{};
    bool ok_ = false;
    uint16_t qd_ = 0, qtype_ = 0;
    uint8_t qname_[kMaxNameLen];
    uint32_t index_ = 0;  // records read so far
};

/// Serialises a message (for clients, tests and transfers; compresses names in the
/// RFC 1035 types). Returns false when it does not fit into the writer.
bool write_message(const Message& m, Writer& w);
bool write_rr(Writer& w, const uint8_t* owner, uint16_t type, uint16_t rrclass, uint32_t ttl,
              const uint8_t* rdata, uint16_t rdlen);
/// Writes RDATA, compressing embedded names where the type allows it.
bool write_rdata(Writer& w, uint16_t type, const uint8_t* rdata, uint16_t rdlen);

/// Builds a simple query in wire form (for tools, tests and the secondary's SOA checks).
std::vector<uint8_t> make_query(const Name& qname, uint16_t qtype, uint16_t id, bool edns = true,
                                bool do_bit = false, uint16_t qclass = 1);

// ---- the query path ----

/// What the query path needs of a query, parsed without allocation.
struct Query {
    uint16_t id;
    uint16_t flags;
    uint16_t qtype;
    uint16_t qclass;
    uint8_t qname_len;
    uint8_t qname[kMaxNameLen];  ///< as received (original case), uncompressed
    uint8_t lname[kMaxNameLen];  ///< lower-cased
    uint16_t question_end;       ///< offset just past the question in the query bytes
    bool has_edns;
    bool do_bit;
    bool nsid;         ///< the query carries an NSID option
    bool zoneversion;  ///< the query carries a ZONEVERSION option
    bool expire;       ///< the query carries an EXPIRE option (RFC 7314)
    bool has_tsig;
    uint8_t edns_version;
    uint16_t udp_size;
    uint8_t opcode() const { return (flags >> 11) & 0xF; }
};

enum class QueryStatus {
    ok,
    drop,     ///< not worth an answer (no header, or a response)
    formerr,  ///< answer FORMERR; `question_end` > 0 when the question can be echoed
    notimp,   ///< unknown opcode
};

/// Parses a query. Never reads out of bounds; never allocates.
QueryStatus parse_query(std::span<const uint8_t> bytes, Query& q) noexcept;

}  // namespace dns::wire

namespace dns::wire {
/// True when RDATA is well formed for its type: names uncompressed and valid,
/// fixed fields complete, fixed-size types of the right size (A, AAAA).
bool rdata_well_formed(uint16_t rrtype, const uint8_t* rdata, size_t len) noexcept;
}  // namespace dns::wire
