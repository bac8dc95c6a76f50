#pragma once
// The set of zones a server answers for: an immutable table, looked up by the
// longest enclosing apex. A new table is built and published for every change.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "lib/zone/zone.hpp"

namespace dns::zone {

/// When a secondary's copy of a zone expires (Unix time; 0: never, e.g. a zone
/// read from a file). It moves on every successful refresh, so it lives beside
/// the zone rather than in its immutable snapshot, shared by every table that
/// holds the zone: a refresh changes it without publishing a new table.
using ExpiryCell = std::shared_ptr<std::atomic<int64_t>>;

class ZoneTable {
  public:
    ZoneTable() = default;
    /// `expired[i]` marks zones[i] as past its SOA expire (answers SERVFAIL);
    /// `expiry[i]` is its expiry cell (null: never expires). Both may be empty.
    explicit ZoneTable(std::vector<ZonePtr> zones, std::vector<bool> expired = {},
                       std::vector<ExpiryCell> expiry = {});

    /// The zone whose apex is the longest suffix of `lname` (lower-cased wire
    /// name of `len` bytes), or nullptr. Never scans: one hash probe per label
    /// count. `index` receives the zone's position (for expire_remaining()).
    const Zone* find(const uint8_t* lname, size_t len, bool* expired = nullptr,
                     uint32_t* index = nullptr) const noexcept;
    /// For the EDNS EXPIRE option (RFC 7314): seconds until the copy of zone
    /// `index` expires (0 once it has), or its SOA expire field where it cannot.
    uint32_t expire_remaining(uint32_t index, int64_t now_unix) const noexcept;
    /// The zone with exactly this apex, or nullptr.
    const Zone* find_exact(const uint8_t* lname, size_t len) const noexcept;
    /// The same, shared (to keep it beyond the table, e.g. for a transfer).
    ZonePtr get_exact(const uint8_t* lname, size_t len) const noexcept;

    const std::vector<ZonePtr>& zones() const { return zones_; }
    size_t size() const { return zones_.size(); }

    /// A copy with `zone` added or replacing the zone with the same apex.
    std::shared_ptr<const ZoneTable> with(ZonePtr zone, bool expired = false) const;
    bool expired(size_t i) const { return !expired_.empty() && expired_[i]; }
    /// A copy without the zone of that apex.
    std::shared_ptr<const ZoneTable> without(const wire::Name& apex) const;

  private:
    uint32_t probe(const uint8_t* lname, size_t len) const noexcept;

    std::vector<ZonePtr> zones_;
    std::vector<bool> expired_;             // parallel to zones_ (empty: none expired)
    std::vector<ExpiryCell> expiry_;        // parallel to zones_ (empty: none expires)
    std::vector<const wire::Name*> lapex_;  // the zones' lower-cased apexes, parallel to zones_
    std::vector<uint32_t> index_;
    size_t mask_ = 0;
    uint8_t min_labels_ = 255, max_labels_ = 0;
};

using ZoneTablePtr = std::shared_ptr<const ZoneTable>;

}  // namespace dns::zone
