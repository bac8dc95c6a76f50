#pragma once
// The state directory: every secondary zone is written there after each
// successful transfer (to a temporary file, fsync'd, then renamed over the old
// one), with the time it was last verified current, so a restarted POP serves
// at once and only re-transfers what changed. An IXFR appends its differences
// to the zone's journal instead (lib/xfr/journal), so a small change to a
// large zone costs a small write; the snapshot is rewritten when the journal
// outgrows half of it. The formats are lib/xfr's (snapshot, journal); the
// files go through a Storage (lib/io/storage).

#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_set>

#include "lib/base/result.hpp"
#include "lib/io/storage.hpp"
#include "lib/io/zone_pack.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/journal.hpp"
#include "lib/xfr/snapshot.hpp"
#include "lib/zone/zone.hpp"

namespace dns::io {

struct SavedZone {
    dns::zone::ZonePtr zone;
    int64_t verified_unix = 0;     ///< wall-clock time the data was last known current
    std::string primary;           ///< the primary the data came from ("" = unknown)
    uint32_t journal_entries = 0;  ///< journal entries applied on top of the snapshot
    std::string journal_note;      ///< why (part of) the journal was not used, if it was not
};

class StateDir {
  public:
    /// `dir` empty: disabled. `storage` must outlive the StateDir (default: the
    /// file system). `pack_limit` > 0: snapshots up to that many bytes go to
    /// the zone pack (which does not go through `storage`).
    explicit StateDir(std::string dir, Storage* storage = nullptr, size_t pack_limit = 0);
    bool enabled() const { return !dir_.empty(); }

    /// Creates the directory if needed (and opens the pack); fails if it is not writable.
    dns::Result<void> prepare() const;
    /// Whether the zone's saved copy is in the pack (an IXFR rewrites it whole).
    bool packed(const dns::wire::Name& zone) const;
    /// Writes a zone snapshot atomically.
    dns::Result<void> save(const dns::zone::Zone& zone, int64_t verified_unix,
                           const std::string& primary = {}) const;
    /// Several snapshots, sharing one flush to disk (Storage::write_atomically_many).
    struct SaveRequest {
        const dns::zone::Zone* zone;
        int64_t verified_unix;
        const std::string* primary;
    };
    std::vector<dns::Result<void>> save_many(std::span<const SaveRequest> zones) const;
    /// Appends IXFR differences to the zone's journal (the snapshot stays).
    dns::Result<void> append(const dns::wire::Name& zone, std::span<const dns::xfr::Diff> diffs,
                             int64_t verified_unix) const;
    /// Bytes of the zone's snapshot and of its journal (0 when absent).
    std::pair<size_t, size_t> sizes(const dns::wire::Name& zone) const;
    /// Updates only the verification time (a refresh that found no change).
    dns::Result<void> touch(const dns::wire::Name& zone, int64_t verified_unix) const;
    /// Reads a zone saved earlier; not_found when there is none.
    dns::Result<SavedZone> load(const dns::wire::Name& zone) const;
    /// Deletes the saved copy of a zone (a member left its catalog).
    void remove(const dns::wire::Name& zone) const;

    std::string path_of(const dns::wire::Name& zone) const;
    dns::xfr::Journal journal_of(const dns::wire::Name& zone) const {
        return dns::xfr::Journal(path_of(zone) + ".journal");
    }

  private:
    void apply_journal(const dns::wire::Name& zone, SavedZone& out) const;
    dns::Result<SavedZone> load_file(const dns::wire::Name& zone) const;
    /// After a zone went into the pack: its file and journal go (once).
    void drop_file(const dns::wire::Name& zone) const;

    std::string dir_;
    Storage* storage_;
    std::unique_ptr<FileStorage> own_;
    size_t pack_limit_;
    std::unique_ptr<ZonePack> pack_;  // null without a pack limit
    bool had_file(const std::string& path) const;
    mutable std::mutex files_mu_;
    mutable std::unordered_set<std::string> files_at_start_;  // listed by prepare()
    mutable bool files_listed_ = false;
};

/// Writes to a StateDir on a thread of its own, so fsync never delays the
/// control thread; several pending writes of one zone collapse into the last.
class StateWriter {
  public:
    explicit StateWriter(const StateDir& dir);
    ~StateWriter();
    void save(dns::zone::ZonePtr zone, int64_t verified_unix, std::string primary);
    /// `zone` is the result of applying `diffs` (an IXFR) to what was saved
    /// or queued before: the differences go to the journal, or the whole zone
    /// when the journal has grown too large.
    void append(dns::zone::ZonePtr zone, std::vector<dns::xfr::Diff> diffs, int64_t verified_unix,
                std::string primary);
    void touch(const dns::wire::Name& zone, int64_t verified_unix);
    void remove(const dns::wire::Name& zone);
    /// Waits until everything queued so far is written (for shutdown and tests).
    void flush();

  private:
    struct Job {
        enum Kind { save, append, touch, remove } kind;
        dns::zone::ZonePtr zone;
        dns::wire::Name name;
        int64_t verified = 0;
        std::string primary;
        std::vector<dns::xfr::Diff> diffs;  // for append
    };
    void run();

    const StateDir& dir_;
    std::mutex mu_;
    std::condition_variable cv_, idle_;
    std::map<std::string, Job> jobs_;
    bool busy_ = false, stop_ = false;
    std::thread thread_;
};

}  // namespace dns::io
