#pragma once
// Derives a new zone snapshot from an old one and a set of record changes (an
// IXFR, later dynamic updates) in time proportional to the change.
//
// The new snapshot starts as a copy of the old one's chunk tables and shares
// every chunk (chunked.hpp); only the nodes whose records change are
// rewritten: their RRsets and RDATA are appended, the old ones become garbage.
// Names that appear are added to the index (their empty ancestors too); names
// that lose their last record, and empty non-terminals left without children,
// are marked removed. Zone cuts, wildcards, additional-section targets and the
// NSEC/NSEC3 chains are kept up to date.
//
// A few rare changes are not worth doing in place and rebuild the whole zone
// instead (the result is the same): a new zone cut or DNAME above existing
// names, a changed NSEC3PARAM, a name turning into or out of an NSEC3-only
// owner. So does collecting garbage, once it exceeds a quarter of the zone.

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/zone/zone.hpp"

namespace dns::zone {

namespace detail {
class NodeWriter;
}

class Updater {
  public:
    explicit Updater(ZonePtr base);

    /// Removes a record (owner compared case-insensitively, type and RDATA
    /// exactly, TTL ignored); an error when the zone does not hold it.
    Result<void> remove(const uint8_t* owner, uint16_t rrtype, std::span<const uint8_t> rdata);
    /// Adds a record; one the zone already holds changes nothing (RRsets are
    /// sets, RFC 2181 §5). Out-of-zone owners, meta types and malformed RDATA
    /// are errors.
    Result<void> add(const uint8_t* owner, uint16_t rrtype, uint32_t ttl,
                     std::span<const uint8_t> rdata);

    /// The new snapshot (the base itself when nothing was changed). The
    /// updater is spent afterwards.
    Result<ZonePtr> finish();

    /// After finish(): why the zone was rebuilt rather than updated in place
    /// (empty when it was updated in place).
    const std::string& rebuilt_because() const { return rebuilt_; }

  private:
    struct Rec {
        uint16_t type;
        uint32_t ttl;
        std::string rdata;
    };
    struct Edit {
        std::string owner;         // wire form, original case
        std::vector<Rec> recs;     // what the name will hold
        uint32_t base = kNone;     // its live node in the base zone
        bool base_nsec3 = false;   // that node is an NSEC3-only owner (not indexed)
        bool nsec3_owner = false;  // the name will be an NSEC3-only owner
        size_t base_records = 0;
        uint32_t id = kNone;  // its node in the new zone
    };

    Edit& edit_of(const uint8_t* owner, size_t len);
    Result<ZonePtr> rebuild(const Zone& from, bool apply_edits, std::string why);
    uint32_t ensure_live(Zone& z, detail::NodeWriter& w, const uint8_t* lname, size_t len,
                         const uint8_t* owner);
    uint32_t revive(Zone& z, uint32_t id);
    uint32_t new_node(Zone& z, detail::NodeWriter& w, const uint8_t* owner, size_t len,
                      uint32_t parent, bool indexed);
    void remove_node(Zone& z, uint32_t id);

    ZonePtr base_;
    std::unordered_map<std::string, Edit> edits_;  // by lower-cased owner
    bool nsec3param_changed_ = false;
    std::vector<uint32_t> born_;  // nodes created or revived by this update
    std::string rebuilt_;
};

}  // namespace dns::zone
