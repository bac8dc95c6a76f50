#pragma once
// The zones dnsd serves from master files: loads them, reloads the ones that
// changed, and publishes each new table. A zone that fails to load keeps the
// copy it had, and the reason is logged.

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "dnsd/config.hpp"
#include "lib/xfr/history.hpp"
#include "lib/zone/zone.hpp"
#include "lib/zone/zone_store.hpp"

namespace dnsd {

class ZoneFiles {
  public:
    /// `history` (may be null) receives the difference a reload made, so a
    /// client allowed to transfer gets IXFR.
    explicit ZoneFiles(dns::zone::ZoneStore& store, dns::xfr::HistoryStore* history = nullptr)
        : store_(store), history_(history) {}

    /// Loads every configured zone that is new or whose file changed, drops zones
    /// no longer configured, and publishes the result. Returns the number of
    /// zones that failed to load.
    size_t sync(const std::vector<ZoneConfig>& zones, bool allow_include);

  private:
    struct Loaded {
        std::string file;
        timespec mtime{};
        off_t size = 0;
        dns::zone::ZonePtr zone;
    };
    dns::zone::ZoneStore& store_;
    dns::xfr::HistoryStore* history_;
    std::map<std::string, Loaded> loaded_;  // by lower-cased apex text
};

}  // namespace dnsd
