#pragma once
// Internal to lib/zone: writes one node's records into a zone under
// construction. Shared by the Builder (whole zones) and the Updater (the nodes
// an update touches), so both lay out RRsets, RRSIGs and flags the same way.

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/zone/zone.hpp"

namespace dns::zone::detail {

struct RecView {
    uint16_t type;
    uint32_t ttl;
    const uint8_t* rdata;
    uint16_t len;
};

class NodeWriter {
  public:
    explicit NodeWriter(Zone& z) : z_(z) {}

    /// Writes the RRsets of node `id` from its records, sorted by type (stably:
    /// an RRset keeps the order of its records, and the lowest of their TTLs,
    /// RFC 2181 §5.2). Duplicate
    /// RDATA is dropped; RRSIGs that cover no RRset of the node are kept in an
    /// RRset of type RRSIG. Sets the node's RRsets and flags; returns the
    /// number of records kept.
    Result<size_t> write(uint32_t id, std::span<const RecView> recs);

    /// The node an NS, MX or SRV RDATA points at; a target inside the zone
    /// without a node yet is noted in `unresolved`.
    void resolve_target(uint32_t rdata, uint16_t rrtype,
                        std::vector<std::pair<uint32_t, uint16_t>>& unresolved);

    /// Serial, negative TTL and the SOA RRset, from the apex.
    Result<void> read_soa();

    /// Appends an owner name (original case, then lower case) to the name
    /// arena in one run; returns the offset of the original.
    uint32_t append_name(const uint8_t* owner, size_t len);
    /// A new node without records below `parent` (kNone for the apex), counted
    /// as its child and, when `indexed`, added to the index.
    uint32_t add_node(uint32_t name, uint32_t lname, uint8_t len, uint32_t parent, bool indexed);

    /// Whether node `id` belongs in the zone's NSEC3 list (an NSEC3 RRset one
    /// label below the apex), and its entry (false if the label is no hash).
    static bool in_nsec3_chain(const Zone& z, uint32_t id);
    static bool nsec3_entry(const Zone& z, uint32_t id, Zone::Nsec3Entry& out);

    /// Index of the zone's RDATA added since construction of this writer that
    /// need target resolution (NS, MX, SRV).
    const std::vector<std::pair<uint32_t, uint16_t>>& new_targets() const { return new_targets_; }

    /// Marks the target slots of a node's NS, MX and SRV RDATA as garbage
    /// (the node is being rewritten or removed).
    void retire_targets(const Node& old);

  private:
    uint32_t push_rdata(const RecView& r);

    Zone& z_;
    std::vector<std::pair<uint32_t, uint16_t>> new_targets_;
    std::vector<uint32_t> sigs_;
    std::vector<RecView> orphans_;
};

/// The NSEC3 parameters of the zone (from NSEC3PARAM at the apex; flags 0 preferred).
void read_nsec3_params(const Zone& z, Nsec3Params& out);

/// The name an NS, MX or SRV RDATA points at, or nullptr for other types.
const uint8_t* rdata_target(uint16_t rrtype, const uint8_t* rdata) noexcept;

}  // namespace dns::zone::detail
