#pragma once
// Publication of the zone table to query threads. The zone sources (master
// files, secondaries) stage changes and commit them; each commit publishes one
// new immutable table. Each reader keeps its own reference (ZoneView) and
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
        std::string key = zone->lapex().to_text();
        auto& e = entries_[key][static_cast<int>(source)];
        if (!e.expiry) e.expiry = std::make_shared<std::atomic<int64_t>>(0);
        e.zone = std::move(zone);
        e.expired = expired;
    }
    /// When the zone of that source expires (Unix time, 0: never); seen by
    /// queries at once (EDNS EXPIRE), without a commit.
    void set_expires_at(Source source, const std::string& key, int64_t unix_time) {
        std::lock_guard lock(mu_);
        auto it = entries_.find(key);
        if (it != entries_.end() && it->second[static_cast<int>(source)].expiry)
            it->second[static_cast<int>(source)].expiry->store(unix_time,
                                                               std::memory_order_relaxed);
    }
    /// Stages a change of the expired mark of a staged zone.
    void set_expired(Source source, const std::string& key, bool expired) {
        std::lock_guard lock(mu_);
        auto it = entries_.find(key);
        if (it != entries_.end() && it->second[static_cast<int>(source)].zone)
            it->second[static_cast<int>(source)].expired = expired;
    }
    /// Stages the removal of a zone of that source (key: lower-cased apex text).
    void remove(Source source, const std::string& key) {
        std::lock_guard lock(mu_);
        auto it = entries_.find(key);
        if (it == entries_.end()) return;
        it->second[static_cast<int>(source)] = {};
        if (!it->second[0].zone && !it->second[1].zone) entries_.erase(it);
    }
    /// Publishes everything staged as one new table. A zone given by both
    /// sources is served from its master file.
    void commit() {
        std::lock_guard lock(mu_);
        std::vector<ZonePtr> zones;
        std::vector<bool> expired;
        std::vector<ExpiryCell> expiry;
        zones.reserve(entries_.size());
        expired.reserve(entries_.size());
        expiry.reserve(entries_.size());
        for (const auto& [key, pair] : entries_) {
            const Entry& e = pair[0].zone ? pair[0] : pair[1];
            zones.push_back(e.zone);
            expired.push_back(e.expired);
            expiry.push_back(e.expiry);
        }
        table_ = std::make_shared<const ZoneTable>(std::move(zones), std::move(expired),
                                                   std::move(expiry));
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
    mutable std::mutex mu_;
    std::map<std::string, std::array<Entry, 2>> entries_;
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
