#pragma once
// Publication of the zone table to the workers. Writers publish a new immutable
// table; each worker keeps its own reference and refreshes it when the
// generation moves, so the query path costs one relaxed atomic load, no lock
// and no shared reference count.

#include <atomic>
#include <cstdint>
#include <mutex>

#include "lib/zone/zone_table.hpp"

namespace dnsd {

class ZoneStore {
public:
    ZoneStore() : table_(std::make_shared<const dns::zone::ZoneTable>()) {}

    void publish(dns::zone::ZoneTablePtr table) {
        {
            std::lock_guard lock(mu_);
            table_ = std::move(table);
        }
        generation_.fetch_add(1, std::memory_order_release);
    }
    dns::zone::ZoneTablePtr get() const {
        std::lock_guard lock(mu_);
        return table_;
    }
    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
    mutable std::mutex mu_;
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
