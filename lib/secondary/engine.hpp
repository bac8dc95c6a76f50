#pragma once
// The secondary engine: every decision that keeps zones in step with their
// primaries, as a state machine without I/O. Events go in (a timer fired, an
// SOA answer or failure, a transfer's outcome, a NOTIFY, a catalog's member
// list), actions come out (ask for an SOA, transfer, install what came, mark
// expired, add or remove a zone). Time comes from the caller's Clock, so unit
// tests drive it by hand; lib/io's SecondaryRunner carries the actions out.
//
// What it decides:
//  * when to check each zone: refresh, retry and expire with jitter
//    (RefreshState, RFC 1035 §4.3.5), at once on NOTIFY (RFC 1996), several
//    NOTIFYs collapsing into one check;
//  * whom to ask: every primary's SOA; the highest serial wins (RFC 1982),
//    a tie goes to the primary the data came from;
//  * how: IXFR only from the primary the data came from (histories are never
//    mixed), AXFR otherwise and after a failed IXFR (RFC 1995 §2); the next
//    primary with a newer serial when a transfer fails; NOTIFY'd zones go
//    before routine checks when transfers have to wait for a slot;
//  * back-off: per zone (retry, doubling while failures go on) and per
//    primary across zones (a primary that does not answer is paused);
//  * expiry, and catalog membership (RFC 9432): members come and go, and a
//    member listed by two catalogs belongs to the first until it leaves it or
//    the first names the second as its new owner (coo, §5.6).

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/base/clock.hpp"
#include "lib/secondary/backoff.hpp"
#include "lib/secondary/refresh.hpp"
#include "lib/wire/name.hpp"

namespace dns::secondary {

/// Why a query or transfer to a primary failed.
enum class Failure : uint8_t {
    unreachable,  ///< no connection (refused, unreachable): counts towards the primary's pause
    timeout,      ///< no answer in time: counts towards the pause
    refused,      ///< the primary answered but will not give the zone (REFUSED, NOTAUTH, ...)
    bad_data,     ///< malformed, out of zone, wrong SOA, TSIG, over a limit: broken or hostile
    lost,         ///< the connection broke in the middle of a transfer
    no_apply,     ///< an IXFR that does not apply to the data held
};
const char* to_string(Failure f);

struct ZoneSpec {
    wire::Name name;
    std::vector<std::string> primaries;  ///< opaque ids ("ADDR:PORT"); the runner resolves them
    std::string key;                     ///< TSIG key name, "" = none
    bool catalog = false;                ///< a catalog zone: its members become zones of their own
    friend bool operator==(const ZoneSpec&, const ZoneSpec&) = default;
};

/// Data a zone starts with (read back from disk, say).
struct Saved {
    uint32_t serial = 0;
    SoaTimers timers;
    TimePoint verified;   ///< when the data was last known current
    std::string primary;  ///< id of the primary it came from ("" = unknown)
};

/// A member as a catalog lists it.
struct CatalogEntry {
    wire::Name zone;
    std::string coo;  ///< lower-cased text of the catalog named by a "coo" property, "" = none
};

struct Action {
    enum class Kind : uint8_t {
        query_soa,  ///< ask `primary` for the SOA; then soa_answer() or soa_failed()
        transfer,   ///< IXFR (`ixfr`, from `serial`) or AXFR from `primary`; then
                    ///< transfer_done/failed()
        install,    ///< serve what the transfer just reported brought (it came from `primary`)
        verified,   ///< the data held was confirmed current now
        expired,    ///< the zone passed its expire: answer SERVFAIL
        revived,    ///< an expired zone was confirmed current again
        added,      ///< a catalog brought a new zone
        removed,    ///< the zone is no longer served (left its catalog, or the configuration)
    };
    Kind kind;
    std::string zone;  ///< lower-cased name text (the key)
    size_t primary = 0;
    bool ixfr = false;
    uint32_t serial = 0;
};
const char* to_string(Action::Kind k);

/// What a transfer brought.
struct Transferred {
    enum class Outcome : uint8_t { full, incremental, up_to_date, none };
    Outcome outcome = Outcome::none;
    uint32_t serial = 0;
    SoaTimers timers;     ///< of the new data (full, incremental)
    int64_t expire = -1;  ///< EDNS EXPIRE of the answer (RFC 7314), -1 if none
};

struct ZoneStatus {
    std::string name;
    ZoneState state = ZoneState::empty;
    uint32_t serial = 0;
    std::string primary;  ///< the primary the data came from
    std::optional<TimePoint> last_refresh;
    TimePoint next_check{};
    TimePoint expires{};
    TimePoint
        stale_at{};  ///< when the data turns stale unless refreshed (verified + refresh + retry)
    std::string last_error;
    std::string catalog;  ///< the catalog it belongs to, if any
    unsigned failures = 0;
    bool is_catalog = false;
};

struct EngineCounters {
    uint64_t soa_ok = 0, soa_failed = 0, soa_skipped = 0, up_to_date = 0;
    uint64_t axfr_ok = 0, axfr_failed = 0, ixfr_ok = 0, ixfr_failed = 0;
    uint64_t refused_transfers = 0;  ///< transfers rejected as malformed or hostile
    uint64_t notify_accepted = 0;
    uint64_t notify_current = 0;  ///< of them, with a serial not newer than ours: no check
    size_t primaries_paused = 0;
};

struct EngineOptions {
    TimerBounds bounds{};
    unsigned max_transfers = 16;              ///< transfers at once
    std::chrono::seconds startup_spread{30};  ///< spread the first checks of saved zones
    /// Check every saved zone within startup_spread, even one whose refresh is
    /// not due (zonesync: a change made while it was down must not wait for
    /// the zone's refresh timer).
    bool recheck_saved = false;
    /// When set, the start-up window shrinks to the time needed to check the
    /// saved zones at this many a second (at least 100 ms, at most
    /// startup_spread): a restarted POP with few zones is current within a
    /// tenth of a second, not after up to startup_spread.
    unsigned startup_rate = 0;
    /// Once one primary answers the SOA check with a serial newer than ours,
    /// the others get this long to answer too (the highest serial wins); a
    /// dead or slow one then no longer holds up the transfer for a whole
    /// query timeout. An answer that comes later with a still higher serial
    /// makes one more check.
    std::chrono::milliseconds soa_grace{200};
    uint64_t seed = 0;  ///< varies the timer jitter
};

class Engine {
  public:
    Engine(const dns::Clock& clock, EngineOptions options = {});
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // ---- zones
    /// Adds a zone, with the data the caller already serves (if any); a
    /// catalog member names its `catalog`. A zone added after start() is
    /// checked at once when it has no data.
    void add(const ZoneSpec& spec, const std::optional<Saved>& saved = std::nullopt,
             const std::string& catalog = {});
    /// Stops serving a zone (and, for a catalog, its members).
    void remove(const std::string& key);
    /// Applies a new list of configured zones: adds, removes and updates
    /// (primaries, key); catalog members follow their catalog. Returns how many
    /// zones changed.
    size_t reconfigure(const std::vector<ZoneSpec>& specs);
    /// Adds or updates one configured zone and leaves every other as it is:
    /// reconfigure() at the cost of one zone (a zone added through an API to
    /// 100,000 others). Returns whether anything changed.
    bool configure(const ZoneSpec& spec);
    /// Schedules the first checks (zones with valid data spread over
    /// startup_spread, the others at once).
    void start();

    // ---- events
    /// Runs what is due: checks and expiries.
    void tick();
    /// A NOTIFY the caller accepted (the sender is a primary). `from` (the
    /// sender's address, "192.0.2.1" or "2001:db8::1"): that primary is
    /// alive, so a back-off pause of it ends. `serial`: the one its answer
    /// section carried, if any; one not newer than the serial we serve
    /// (RFC 1996 §3.11 makes it a hint; NSD ignores such NOTIFYs too) starts
    /// no check: a primary that restarts, or loads thousands of zones, NOTIFYs
    /// them all. False: no such zone, or nothing to do.
    bool notify(const std::string& key, const std::string& from = {},
                std::optional<uint32_t> serial = {});
    void soa_answer(const std::string& key, size_t primary, uint32_t serial, int64_t expire = -1);
    void soa_failed(const std::string& key, size_t primary, Failure why, const std::string& detail);
    void transfer_done(const std::string& key, size_t primary, bool ixfr, const Transferred& t);
    void transfer_failed(const std::string& key, size_t primary, bool ixfr, Failure why,
                         const std::string& detail);
    /// The member list of catalog `key` after an install of it.
    void catalog_changed(const std::string& key, const std::vector<CatalogEntry>& members);
    /// The same, from what an IXFR of the catalog changed: `listed` are
    /// listed now (new, or with a new coo), `unlisted` (member keys) no more.
    void catalog_update(const std::string& key, const std::vector<CatalogEntry>& listed,
                        const std::vector<std::string>& unlisted);

    // ---- outputs
    /// The actions decided since the last call, in order.
    std::vector<Action> take_actions();
    /// When tick() has something to do next, if ever.
    std::optional<TimePoint> next_wakeup() const;

    // ---- views
    const ZoneSpec* spec(const std::string& key) const;
    /// The zone a catalog member belongs to ("" for configured zones and unknown keys).
    std::string catalog_of(const std::string& key) const;
    std::vector<std::string> keys() const;
    std::vector<ZoneStatus> status() const;
    std::optional<ZoneStatus> status(const std::string& key) const;
    EngineCounters counters() const;
    size_t size() const { return zones_.size(); }
    /// Transfers asked for and not yet reported.
    unsigned transfers_running() const { return running_; }
    /// The per-primary back-off (to report pauses).
    const PrimaryBackoff& backoff() const { return backoff_; }

  private:
    struct Zone;
    enum class Due : uint8_t { check, expiry, decide };
    using Agenda = std::multimap<TimePoint, std::pair<std::string, Due>>;

    Zone& create(const ZoneSpec& spec, const std::string& catalog,
                 const std::optional<Saved>& saved);
    void drop(const std::string& key);
    void schedule(Zone& z);
    void unschedule(Zone& z);
    void cancel_decide(Zone& z);
    void check(Zone& z);
    void soa_done(Zone& z);
    /// An answer to a SOA query of a round already decided (see soa_grace).
    void late_answer(Zone& z, std::optional<uint32_t> serial);
    void next_candidate(Zone& z, const std::string& last_failure);
    void enqueue(Zone& z, size_t primary, bool ixfr, bool urgent);
    void start_transfers();
    void confirm(Zone& z);
    void install(Zone& z, size_t primary, const Transferred& t);
    void refresh_failed(Zone& z, const std::string& why);
    void finish_round(Zone& z);
    void check_expiry(Zone& z);
    void primary_failed(const std::string& id);
    void primary_answered(const std::string& id);
    void emit(Action::Kind kind, const Zone& z, size_t primary = 0, bool ixfr = false);
    void update_spec(Zone& z, const ZoneSpec& spec);
    /// Catalog `cat_key` lists `member` (with that coo) / no longer does.
    void claim(const Zone& cat, const std::string& cat_key, const std::string& member,
               const wire::Name& name, const std::string& coo);
    void unclaim(const std::string& cat_key, const std::string& member);
    Zone* find(const std::string& key);
    std::string paused_why(const std::string& id) const;

    const dns::Clock& clock_;
    EngineOptions options_;
    std::unordered_map<std::string, std::unique_ptr<Zone>> zones_;
    Agenda agenda_;
    std::deque<std::string> urgent_, routine_;  // zones waiting for a transfer slot
    unsigned running_ = 0;
    bool started_ = false;
    PrimaryBackoff backoff_;
    EngineCounters counters_;
    std::vector<Action> actions_;
    // Catalog claims: member key -> the catalogs that list it, in the order they did.
    std::map<std::string, std::vector<std::pair<std::string, std::string>>>
        claims_;  // (catalog, coo)
};

}  // namespace dns::secondary
