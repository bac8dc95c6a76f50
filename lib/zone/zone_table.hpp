#pragma once
// The set of zones a server answers for: an immutable table, looked up by the
// longest enclosing apex. A new table is built and published for every change.

#include <cstdint>
#include <memory>
#include <vector>

#include "lib/zone/zone.hpp"

namespace dns::zone {

class ZoneTable {
public:
    ZoneTable() = default;
    /// `expired[i]` marks zones[i] as past its SOA expire (answers SERVFAIL); may be empty.
    explicit ZoneTable(std::vector<ZonePtr> zones, std::vector<bool> expired = {});

    /// The zone whose apex is the longest suffix of `lname` (lower-cased wire
    /// name of `len` bytes), or nullptr. Never scans: one hash probe per label count.
    const Zone* find(const uint8_t* lname, size_t len, bool* expired = nullptr) const noexcept;
    /// The zone with exactly this apex, or nullptr.
    const Zone* find_exact(const uint8_t* lname, size_t len) const noexcept;

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
    std::vector<bool> expired_;         // parallel to zones_ (empty: none expired)
    std::vector<const wire::Name*> lapex_;  // the zones' lower-cased apexes, parallel to zones_
    std::vector<uint32_t> index_;
    size_t mask_ = 0;
    uint8_t min_labels_ = 255, max_labels_ = 0;
};

using ZoneTablePtr = std::shared_ptr<const ZoneTable>;

}  // namespace dns::zone
