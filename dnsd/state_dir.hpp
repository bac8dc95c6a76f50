#pragma once
// The state directory: every secondary zone is written there after each
// successful transfer (to a temporary file, fsync'd, then renamed over the old
// one), with the time it was last verified current, so a restarted POP serves
// at once and only re-transfers what changed.

#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zone/zone.hpp"

namespace dnsd {

struct SavedZone {
    dns::zone::ZonePtr zone;
    int64_t verified_unix = 0;   ///< wall-clock time the data was last known current
    std::string primary;         ///< the primary the data came from ("" = unknown)
};

class StateDir {
public:
    explicit StateDir(std::string dir) : dir_(std::move(dir)) {}
    bool enabled() const { return !dir_.empty(); }

    /// Creates the directory if needed; fails if it is not writable.
    dns::Result<void> prepare() const;
    /// Writes a zone snapshot atomically.
    dns::Result<void> save(const dns::zone::Zone& zone, int64_t verified_unix,
                           const std::string& primary = {}) const;
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

/// Writes to a StateDir on a thread of its own, so fsync never delays the
/// control thread; several pending writes of one zone collapse into the last.
class StateWriter {
public:
    explicit StateWriter(const StateDir& dir);
    ~StateWriter();
    void save(dns::zone::ZonePtr zone, int64_t verified_unix, std::string primary);
    void touch(const dns::wire::Name& zone, int64_t verified_unix);
    void remove(const dns::wire::Name& zone);
    /// Waits until everything queued so far is written (for shutdown and tests).
    void flush();

private:
    struct Job {
        enum Kind { save, touch, remove } kind;
        dns::zone::ZonePtr zone;
        dns::wire::Name name;
        int64_t verified = 0;
        std::string primary;
    };
    void run();

    const StateDir& dir_;
    std::mutex mu_;
    std::condition_variable cv_, idle_;
    std::map<std::string, Job> jobs_;
    bool busy_ = false, stop_ = false;
    std::thread thread_;
};

}  // namespace dnsd
