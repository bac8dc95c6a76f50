#pragma once
// Publication of the zone table to the workers. The zone sources (master files,
// secondaries) stage changes and commit them; each commit publishes one new
// immutable table. Each worker keeps its own reference and refreshes it when
// the generation moves, so the query path costs one atomic load, no lock and
// no shared reference count.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "lib/zone/zone_table.hpp"

namespace dnsd {

class ZoneStore {
public:
    enum class Source { file, secondary };

    ZoneStore() : table_(std::make_shared<const dns::zone::ZoneTable>()) {}

    /// Stages a zone (replacing one of the same apex from the same source).
    void set(Source source, dns::zone::ZonePtr zone, bool expired = false) {
        std::lock_guard lock(mu_);
        std::string key = zone->lapex().to_text();
        entries_[key][static_cast<int>(source)] = Entry{std::move(zone), expired};
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
        std::vector<dns::zone::ZonePtr> zones;
        std::vector<bool> expired;
        zones.reserve(entries_.size());
        expired.reserve(entries_.size());
        for (const auto& [key, pair] : entries_) {
            const Entry& e = pair[0].zone ? pair[0] : pair[1];
            zones.push_back(e.zone);
            expired.push_back(e.expired);
        }
        table_ = std::make_shared<const dns::zone::ZoneTable>(std::move(zones), std::move(expired));
        generation_.fetch_add(1, std::memory_order_release);
    }

    dns::zone::ZoneTablePtr get() const {
        std::lock_guard lock(mu_);
        return table_;
    }
    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
    struct Entry {
        dns::zone::ZonePtr zone;
        bool expired = false;
    };
    mutable std::mutex mu_;
    std::map<std::string, std::array<Entry, 2>> entries_;
    dns::zone::ZoneTablePtr table_;
    std::atomic<uint64_t> generation_{1};
};

/// A worker's cached view of the store.
class ZoneView {
public:
    explicit ZoneView(const ZoneStore& store) : store_(store) { refresh(); }
    /// Picks up a newer table if one was published; cheap when none was.
    const dns::zone::ZoneTable& current() {
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
    dns::zone::ZoneTablePtr table_;
};

}  // namespace dnsd
