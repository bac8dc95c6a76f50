#pragma once
// The recent differences of each zone, kept in memory for IXFR out: a bounded
// run of consecutive differences ending at the version served. Thread-safe:
// writers append, transfer threads take a shared, immutable copy.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "lib/xfr/transfer_out.hpp"

namespace dns::xfr {

class HistoryStore {
  public:
    struct Limits {
        size_t differences = 32;  ///< per zone
        size_t records = 20000;   ///< per zone, over all its differences
    };
    HistoryStore() = default;
    explicit HistoryStore(Limits limits) : limits_(limits) {}

    /// Adds differences to a zone's history (`key`: lower-cased apex text).
    /// Differences that do not follow on from what is kept replace it.
    void append(const std::string& key, const std::vector<Diff>& diffs);
    /// Forgets a zone's history (a full transfer, a removed zone).
    void reset(const std::string& key);
    /// The history ending at `serial` (the version served), or null.
    std::shared_ptr<const History> get(const std::string& key, uint32_t serial) const;

  private:
    Limits limits_{};
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<const History>> zones_;
};

}  // namespace dns::xfr
