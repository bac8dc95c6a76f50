#pragma once
// Builds an immutable Zone from records: validates them (in zone, class IN,
// well-formed RDATA, one SOA at the apex, limits), groups them into RRsets,
// creates empty non-terminals and precomputes what the answer path reads.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zone/zone.hpp"

namespace dns::zone {

struct Limits {
    size_t max_records = 0;  ///< 0: unlimited
    size_t max_bytes = 0;    ///< owner + RDATA bytes; 0: unlimited
};

class Builder {
  public:
    explicit Builder(wire::Name apex, Limits limits = {});

    /// Adds one record. A record outside the zone is dropped and counted, not an
    /// error (the caller decides whether to refuse the whole zone). Malformed
    /// RDATA, another class than IN, or an exceeded limit is an error.
    Result<void> add(const wire::Name& owner, uint16_t rrtype, uint16_t rrclass, uint32_t ttl,
                     std::span<const uint8_t> rdata) {
        return add(owner.data(), rrtype, rrclass, ttl, rdata);
    }
    /// The same with the owner as a valid uncompressed wire name.
    Result<void> add(const uint8_t* owner, uint16_t rrtype, uint16_t rrclass, uint32_t ttl,
                     std::span<const uint8_t> rdata);

    size_t out_of_zone() const { return out_of_zone_; }
    size_t records() const { return recs_.size(); }
    const wire::Name& apex() const { return apex_; }

    /// Builds the snapshot. The builder is left empty.
    Result<ZonePtr> build();

  private:
    struct Rec {
        uint32_t owner;  // offset in owners_
        uint32_t key;    // offset in keys_ (canonical sort key)
        uint32_t rdata;  // offset in rdata_
        uint32_t ttl;
        uint64_t prefix;  // first 8 bytes of the key, big-endian
        uint16_t rdata_len;
        uint16_t type;
        uint16_t key_len;
        uint8_t owner_len;
    };

    wire::Name apex_;
    Limits limits_;
    size_t out_of_zone_ = 0;
    size_t bytes_ = 0;
    std::vector<Rec> recs_;
    std::vector<uint8_t> owners_, keys_, rdata_;
};

/// Decodes base32hex (RFC 4648 §7, case-insensitive, no padding); returns bytes written or 0.
size_t base32hex_decode(const uint8_t* in, size_t len, uint8_t* out, size_t cap) noexcept;

}  // namespace dns::zone
