#pragma once
// The state directory: every secondary zone is written there after each
// successful transfer (to a temporary file, fsync'd, then renamed over the old
// one), with the time it was last verified current, so a restarted POP serves
// at once and only re-transfers what changed.

#include <cstdint>
#include <ctime>
#include <string>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zone/zone.hpp"

namespace dnsd {

struct SavedZone {
    dns::zone::ZonePtr zone;
    int64_t verified_unix = 0;   ///< wall-clock time the data was last known current
};

class StateDir {
public:
    explicit StateDir(std::string dir) : dir_(std::move(dir)) {}
    bool enabled() const { return !dir_.empty(); }

    /// Creates the directory if needed; fails if it is not writable.
    dns::Result<void> prepare() const;
    /// Writes a zone snapshot atomically.
    dns::Result<void> save(const dns::zone::Zone& zone, int64_t verified_unix) const;
    /// Updates only the verification time (a refresh that found no change).
    dns::Result<void> touch(const dns::wire::Name& zone, int64_t verified_unix) const;
    /// Reads a zone saved earlier; not_found when there is none.
    dns::Result<SavedZone> load(const dns::wire::Name& zone) const;
    /// Deletes the saved copy of a zone (a member left its catalog).
    void remove(const dns::wire::Name& zone) const;

    std::string path_of(const dns::wire::Name& zone) const;

private:
    std::string dir_;
};

}  // namespace dnsd
