#pragma once
// Publication of the zone table to query threads. The zone sources (master
// files, secondaries) stage changes and commit them; each commit publishes one
// new immutable table, rebuilding only the shards (lib/zone/zone_table) that
// changed. Each reader keeps its own reference (ZoneView) and
// refreshes it when the generation moves, so the query path costs one atomic
// load, no lock and no shared reference count. A zone's expiry time sits in a
// cell beside it that outlives tables: a refresh moves it without a commit.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "lib/zone/zone_table.hpp"

namespace dns::zone {

class ZoneStore {
  public:
    enum class Source { file, secondary };

    ZoneStore() : table_(std::make_shared<const ZoneTable>()) {}

    /// Stages a zone (replacing one of the same apex from the same source).
    void set(Source source, ZonePtr zone, bool expired = false) {
        std::lock_guard lock(mu_);
        const unsigned s = shard_of(zone->lapex());
        std::string key = zone->lapex().to_text();
        auto& e = entries_[s][key][static_cast<int>(source)];
        if (!e.expiry) e.expiry = std::make_shared<std::atomic<int64_t>>(0);
        e.zone = std::move(zone);
        e.expired = expired;
        dirty_[s] = true;
    }
    /// When the zone of that source expires (Unix time, 0: never); seen by
    /// queries at once (EDNS EXPIRE), without a commit.
    void set_expires_at(Source source, const std::string& key, int64_t unix_time) {
        std::lock_guard lock(mu_);
        if (Entry* e = entry(source, key); e && e->expiry)
            e->expiry->store(unix_time, std::memory_order_relaxed);
    }
    /// Stages a change of the expired mark of a staged zone.
    void set_expired(Source source, const std::string& key, bool expired) {
        std::lock_guard lock(mu_);
        if (Entry* e = entry(source, key); e && e->zone) {
            e->expired = expired;
            dirty_[shard_of(key)] = true;
        }
    }
    /// Stages the removal of a zone of that source (key: lower-cased apex text).
    void remove(Source source, const std::string& key) {
        std::lock_guard lock(mu_);
        const unsigned s = shard_of(key);
        auto it = entries_[s].find(key);
        if (it == entries_[s].end()) return;
        it->second[static_cast<int>(source)] = {};
        if (!it->second[0].zone && !it->second[1].zone) entries_[s].erase(it);
        dirty_[s] = true;
    }
    /// Publishes everything staged as one new table: the shards with a
    /// change are rebuilt, the others shared. A zone given by both sources is
    /// served from its master file.
    void commit() {
        std::lock_guard lock(mu_);
        for (unsigned s = 0; s < ZoneTable::kShards; ++s) {
            if (!dirty_[s]) continue;
            dirty_[s] = false;
            std::vector<ZonePtr> zones;
            std::vector<bool> expired;
            std::vector<ExpiryCell> expiry;
            zones.reserve(entries_[s].size());
            expired.reserve(entries_[s].size());
            expiry.reserve(entries_[s].size());
            for (const auto& [key, pair] : entries_[s]) {
                const Entry& e = pair[0].zone ? pair[0] : pair[1];
                zones.push_back(e.zone);
                expired.push_back(e.expired);
                expiry.push_back(e.expiry);
            }
            shards_[s] = zones.empty()
                             ? nullptr
                             : std::make_shared<const ZoneTable::Shard>(
                                   std::move(zones), std::move(expired), std::move(expiry));
        }
        table_ = std::make_shared<const ZoneTable>(shards_);
        generation_.fetch_add(1, std::memory_order_release);
    }

    ZoneTablePtr get() const {
        std::lock_guard lock(mu_);
        return table_;
    }
    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  private:
    struct Entry {
        ZonePtr zone;
        bool expired = false;
        ExpiryCell expiry;  // made with the entry, kept across commits
    };
    static unsigned shard_of(const wire::Name& lapex) {
        return ZoneTable::shard_of(wire::name_hash(lapex.data(), lapex.size()));
    }
    static unsigned shard_of(const std::string& key) {
        auto n = wire::Name::from_text(key);
        return n ? shard_of(*n) : 0;
    }
    Entry* entry(Source source, const std::string& key) {
        auto& m = entries_[shard_of(key)];
        auto it = m.find(key);
        return it == m.end() ? nullptr : &it->second[static_cast<int>(source)];
    }
    mutable std::mutex mu_;
    // Staged zones by shard, then by key.
    std::array<std::map<std::string, std::array<Entry, 2>>, ZoneTable::kShards> entries_;
    std::array<bool, ZoneTable::kShards> dirty_{};
    ZoneTable::Shards shards_;  // the last published
    ZoneTablePtr table_;
    std::atomic<uint64_t> generation_{1};
};

/// A worker's cached view of the store.
class ZoneView {
  public:
    explicit ZoneView(const ZoneStore& store) : store_(store) { refresh(); }
    /// Picks up a newer table if one was published; cheap when none was.
    const ZoneTable& current() {
        if (store_.generation() != generation_) refresh();
        return *table_;
    }

  private:
    void refresh() {
        generation_ = store_.generation();
        table_ = store_.get();
    }
    const ZoneStore& store_;
    uint64_t generation_ = 0;
    ZoneTablePtr table_;
};

}  // namespace dns::zone
