#pragma once
// zonesync's store: one SQLite database (lib/db) holding the zones with
// their primaries, TSIG key names, owner address and state; each zone's
// current data (a snapshot, lib/xfr's format) and the journal of differences
// that serves IXFR to the POPs; the transfer history; the POPs and the serial
// each POP was last seen serving. Every change is one transaction. Secrets
// (TSIG secrets, the API token) are never stored here: only key names.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/db/sqlite.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/journal.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/zone/zone.hpp"

namespace zonesync {

enum class ZoneState { pending, active, failing, held, suspended };
/// The reason an operator's release leaves: the next version is served
/// without the guards (lost apex NS, shrinking).
inline constexpr const char* kReleased = "released by operator";
/// Why a standby refuses to add or remove zones.
inline constexpr const char* kStandbyRefusal =
    "this zonesync is a standby: zones are added and removed on the active instance "
    "(or run 'zonesync promote' here first)";
const char* state_name(ZoneState s);
std::optional<ZoneState> parse_state(std::string_view s);

struct ZoneEntry {
    std::string name;                    ///< lower-case, absolute ("example.com.")
    std::vector<std::string> primaries;  ///< "ADDR:PORT", "[V6]:PORT"
    std::string key;                     ///< TSIG key name ("" = none)
    std::string owner;                   ///< the owner's mail address ("" = none)
    ZoneState state = ZoneState::pending;
    std::string reason;  ///< why failing or held
    int64_t created = 0, updated = 0;
    // From the zone's data (0 when none is stored yet).
    bool has_data = false;
    uint32_t serial = 0;
    int64_t verified = 0;
};

/// The key of a zone: its lower-cased absolute name ("example.com."); the
/// final dot may be left out. bad_name when it is not a domain name.
dns::Result<std::string> zone_key(std::string_view name);

/// Checks and normalises what a user gives for a new zone: a domain name,
/// one or more primary addresses (the port defaults to 53), an optional key
/// name. Errors say which field is wrong and why.
dns::Result<ZoneEntry> make_zone(std::string_view name, std::string_view primaries,
                                 std::string_view key = {}, std::string_view owner = {});

struct PopEntry {
    std::string name;
    std::string address;  ///< "ADDR:PORT"
    int64_t added = 0;
};
dns::Result<PopEntry> make_pop(std::string_view name, std::string_view address);

struct TransferEntry {
    int64_t at = 0;
    std::string primary;
    std::string kind;  ///< "AXFR", "IXFR", "SOA"
    uint32_t serial = 0;
    bool ok = false;
    std::string error;
};

struct PopSerial {
    std::string pop, zone;
    uint32_t serial = 0;
    int64_t reached = 0;  ///< when the POP was first seen serving it (Unix ms)
};

/// A zone's data as stored: the snapshot with the journal applied.
struct StoredZone {
    dns::zone::ZonePtr zone;
    int64_t verified = 0;
    std::string primary;
    uint32_t journal_entries = 0;  ///< applied on top of the snapshot
    std::string note;              ///< why part of the journal was not used, if it was not
};

struct StoreLimits {
    size_t journal_entries = 64;  ///< differences kept per zone (IXFR from older serials: AXFR)
};

class Store {
  public:
    /// Opens or creates the database (schema migrations applied). Fails with
    /// Errc::refused when another process holds it.
    /// `writer` false: a reader beside a running server (listing, status);
    /// it must not write.
    static dns::Result<std::unique_ptr<Store>> open(const std::string& path,
                                                    StoreLimits limits = {}, bool writer = true);

    // ---- zones ----
    /// Fails (Errc::semantic) when the zone exists.
    dns::Result<void> add_zone(const ZoneEntry& z, int64_t now);
    /// Several zones in one transaction: all or none (the first error says which).
    dns::Result<void> add_zones(const std::vector<ZoneEntry>& zones, int64_t now);
    /// Removes the zone with its data, journal, history and POP serials; not_found when absent.
    dns::Result<void> remove_zone(std::string_view name);
    dns::Result<std::vector<ZoneEntry>> zones();
    dns::Result<ZoneEntry> zone(std::string_view name);
    struct Counts {
        size_t zones = 0, held = 0, failing = 0;
    };
    /// How many zones, and of them held and failing (without reading them all).
    dns::Result<Counts> counts();
    dns::Result<void> set_state(std::string_view name, ZoneState state, std::string_view reason,
                                int64_t now);
    dns::Result<void> set_primaries(std::string_view name,
                                    const std::vector<std::string>& primaries, std::string_view key,
                                    int64_t now);
    /// A standby takes the active instance's list (from its catalog): zones
    /// not in `zones` are removed, new ones added (pending), changed primaries
    /// or keys updated, in one transaction. Returns how many zones changed.
    dns::Result<size_t> follow(const std::vector<ZoneEntry>& zones, int64_t now);

    // ---- data ----
    /// A new version of the zone's data: with `diffs` (the difference from the
    /// stored version) they are journaled and the snapshot is rewritten only
    /// when the journal outgrows half of it; without, the snapshot replaces
    /// the data and the journal starts over. One transaction.
    dns::Result<void> save_version(const dns::zone::Zone& zone,
                                   const std::vector<dns::xfr::Diff>* diffs,
                                   const std::string& primary, int64_t verified);
    /// save_version(), the zone made active and the transfer recorded: one transaction.
    dns::Result<void> install(const dns::zone::Zone& zone, const std::vector<dns::xfr::Diff>* diffs,
                              const std::string& primary, int64_t verified,
                              const TransferEntry& transfer);
    /// Several install()s in one transaction (a burst of new versions pays
    /// one flush to disk): all or none.
    struct Install {
        const dns::zone::Zone* zone;
        const std::vector<dns::xfr::Diff>* diffs;  ///< null: a full version
        std::string primary;
        int64_t verified = 0;
        TransferEntry transfer;
    };
    dns::Result<void> install_many(std::span<const Install> versions);
    /// A refresh found the data current.
    dns::Result<void> touch(std::string_view name, int64_t verified);
    /// The zone's data, or not_found.
    dns::Result<StoredZone> load(const dns::wire::Name& name);
    /// The journaled differences, oldest first (for IXFR out).
    dns::Result<std::vector<dns::xfr::Diff>> journal(std::string_view name);

    // ---- the catalog zone ----
    /// A new version of the catalog (with `diffs` from the last one, or whole)
    /// and its serial, kept as a zone's data is: a restart serves the same
    /// catalog and answers IXFR from the serials the POPs have. One transaction.
    dns::Result<void> save_catalog(const dns::zone::Zone& catalog,
                                   const std::vector<dns::xfr::Diff>* diffs, int64_t now);
    /// The newest version kept, or not_found.
    dns::Result<StoredZone> load_catalog(const dns::wire::Name& name);
    /// Its journaled differences, oldest first.
    dns::Result<std::vector<dns::xfr::Diff>> catalog_journal(const dns::wire::Name& name);
    /// Forgets every catalog kept (a demoted instance serves the active one's).
    dns::Result<void> drop_catalogs();

    // ---- history ----
    dns::Result<void> record_transfer(std::string_view zone, const TransferEntry& t);
    /// The newest first, at most `limit`.
    dns::Result<std::vector<TransferEntry>> transfers(std::string_view zone, size_t limit);

    // ---- POPs ----
    /// Fails (Errc::semantic) when the POP exists.
    dns::Result<void> add_pop(const PopEntry& p, int64_t now);
    dns::Result<void> remove_pop(std::string_view name);
    dns::Result<std::vector<PopEntry>> pops();
    /// Records that `pop` serves `serial` of `zone`; `reached` is kept while the serial stays.
    dns::Result<void> set_pop_serial(std::string_view pop, std::string_view zone, uint32_t serial,
                                     int64_t reached);
    dns::Result<std::vector<PopSerial>> pop_serials(std::string_view zone);
    /// Several at once, in one transaction (those of POPs or zones gone are skipped).
    dns::Result<void> set_pop_serials(const std::vector<PopSerial>& serials);

    // ---- values kept across restarts ----
    /// "" when never set.
    dns::Result<std::string> setting(std::string_view key);
    dns::Result<void> set_setting(std::string_view key, std::string_view value);

    dns::db::Database& db() { return *db_; }

  private:
    /// Where a zone's versions live: zones' in zone_data and journal, the
    /// catalog's in catalog_data and catalog_journal (same columns).
    struct Tables {
        const char* data;
        const char* journal;
    };
    static constexpr Tables kZoneTables{"zone_data", "journal"};
    static constexpr Tables kCatalogTables{"catalog_data", "catalog_journal"};
    dns::Result<void> write_data(const Tables& t, const dns::zone::Zone& zone,
                                 const std::vector<dns::xfr::Diff>* diffs,
                                 const std::string& primary, int64_t verified);
    dns::Result<StoredZone> load_data(const Tables& t, const dns::wire::Name& name);
    Store() = default;
    dns::Result<void> write_version(const dns::zone::Zone& zone,
                                    const std::vector<dns::xfr::Diff>* diffs,
                                    const std::string& primary, int64_t verified);
    dns::Result<void> insert_transfer(const std::string& key, const TransferEntry& t);
    /// install() inside the caller's transaction.
    dns::Result<void> install_one(const Install& v);
    /// The entries of `key` after seq `after` (0: all), oldest first.
    dns::Result<std::vector<dns::xfr::Journal::Entry>> journal_entries(const Tables& t,
                                                                       const std::string& key,
                                                                       int64_t after = 0);
    dns::Result<void> exists_or_not_found(std::string_view key, std::string_view what);
    std::unique_ptr<dns::db::Database> db_;
    StoreLimits limits_{};
};

}  // namespace zonesync
