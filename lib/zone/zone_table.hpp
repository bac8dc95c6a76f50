#pragma once
// The set of zones a server answers for: an immutable table, looked up by the
// longest enclosing apex. A new table is published for every change; it is
// made of 256 immutable shards (by a hash of the apex), so a change to one
// zone rebuilds one shard and shares the others: publishing stays cheap with
// a hundred thousand zones.

#include <array>
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
    static constexpr unsigned kShards = 256;
    /// The shard of a zone: the top bits of the hash of its lower-cased apex.
    static unsigned shard_of(uint64_t apex_hash) { return static_cast<unsigned>(apex_hash >> 56); }

    /// Some of the zones (those of one shard), with an index by apex.
    class Shard {
      public:
        /// `expired[i]` marks zones[i] as past its SOA expire (answers SERVFAIL);
        /// `expiry[i]` is its expiry cell (null: never expires). Both may be empty.
        Shard(std::vector<ZonePtr> zones, std::vector<bool> expired,
              std::vector<ExpiryCell> expiry);
        uint32_t probe(const uint8_t* lname, size_t len, uint64_t hash) const noexcept;
        size_t size() const { return zones_.size(); }

      private:
        friend class ZoneTable;
        std::vector<ZonePtr> zones_;
        std::vector<bool> expired_;             // parallel to zones_ (empty: none expired)
        std::vector<ExpiryCell> expiry_;        // parallel to zones_ (empty: none expires)
        std::vector<const wire::Name*> lapex_;  // the zones' lower-cased apexes
        std::vector<uint32_t> index_;
        size_t mask_ = 0;
        uint8_t min_labels_ = 255, max_labels_ = 0;
    };
    using ShardPtr = std::shared_ptr<const Shard>;
    using Shards = std::array<ShardPtr, kShards>;

    ZoneTable();
    /// `expired[i]` marks zones[i] as past its SOA expire (answers SERVFAIL);
    /// `expiry[i]` is its expiry cell (null: never expires). Both may be empty.
    explicit ZoneTable(std::vector<ZonePtr> zones, std::vector<bool> expired = {},
                       std::vector<ExpiryCell> expiry = {});
    /// From shards (null: empty), each holding only zones of its shard_of().
    explicit ZoneTable(const Shards& shards);

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
    size_t size() const { return size_; }
    /// Zones answering SERVFAIL because they expired.
    size_t expired_count() const;
    /// Calls f(zone, expired) for every zone, in no particular order.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& s : shards_)
            for (size_t i = 0; i < s->zones_.size(); ++i)
                f(s->zones_[i], !s->expired_.empty() && s->expired_[i]);
    }
    /// A copy with `zone` added or replacing the zone with the same apex.
    std::shared_ptr<const ZoneTable> with(ZonePtr zone, bool expired = false) const;
    /// A copy without the zone of that apex.
    std::shared_ptr<const ZoneTable> without(const wire::Name& apex) const;

  private:
    Shards shards_;
    size_t size_ = 0;
    uint8_t min_labels_ = 255, max_labels_ = 0;
};

using ZoneTablePtr = std::shared_ptr<const ZoneTable>;

}  // namespace dns::zone
