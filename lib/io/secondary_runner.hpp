#pragma once
// The secondary engine (lib/secondary/engine) carried out with Boost.Asio.
// One control thread runs the engine, its timers and the SOA queries; a
// transfer thread runs zone transfers and builds (or patches) the new
// snapshots, so a large zone being built never holds up the SOA checks and
// NOTIFYs of the others. What becomes of each new version is the program's:
// it hands in a ZoneSink (dnsd: publish to the query threads and the state
// directory; zonesync: its store, journal and catalog).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lib/base/clock.hpp"
#include "lib/io/client.hpp"
#include "lib/io/notify_gate.hpp"
#include "lib/io/soa_prober.hpp"
#include "lib/secondary/engine.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/xfr/tsig.hpp"
#include "lib/zone/zone.hpp"

namespace dns::io {

/// A zone to keep in step with its primaries.
struct SecondaryZone {
    wire::Name name;
    std::vector<Endpoint> primaries;
    std::string key;  ///< TSIG key name ("" = none)
    bool catalog =
        false;  ///< a catalog zone (RFC 9432): its members are kept too, from the same primaries
};

/// What a program already holds of a zone (read back from its storage).
struct Stored {
    zone::ZonePtr zone;
    int64_t verified_unix = 0;  ///< when the data was last known current
    std::string primary;        ///< "ADDR:PORT" it came from ("" = unknown)
};

/// A new version of a zone to serve.
struct Installed {
    zone::ZonePtr zone;
    const std::vector<xfr::Diff>* diffs =
        nullptr;          ///< the IXFR that made it from the last version; null: full
    std::string primary;  ///< "ADDR:PORT" it came from
    int64_t verified_unix = 0;
    int64_t expires_unix = 0;  ///< when it expires unless refreshed
    bool restored = false;     ///< read back from the sink's own storage (nothing new to write)
    bool expired = false;      ///< (restored) already past its expire: answer SERVFAIL
};

/// Receives what happens to each zone, on the runner's control thread.
class ZoneSink {
  public:
    virtual ~ZoneSink() = default;
    /// What the program holds of `zone` when it is added (configured, or a
    /// catalog member), or nullopt.
    virtual std::optional<Stored> stored(const wire::Name& zone) = 0;
    virtual void installed(const Installed& v) = 0;
    /// The data served was confirmed current.
    virtual void verified(const wire::Name& zone, int64_t verified_unix, int64_t expires_unix) = 0;
    /// The zone passed its expire (true), or was refreshed after it (false).
    virtual void expired(const wire::Name& zone, bool expired) = 0;
    virtual void removed(const wire::Name& zone) = 0;
    /// After a burst of changes (at most one call every few milliseconds): make them visible.
    virtual void flush() {}
};

struct RunnerOptions {
    secondary::EngineOptions engine{};
    xfr::Limits limits{};                            ///< per transfer
    std::chrono::milliseconds idle_timeout{10000};   ///< a silent primary fails the transfer
    std::chrono::milliseconds max_duration{600000};  ///< the longest transfer
    std::chrono::milliseconds soa_timeout{2000};
};

/// What an operator sees of one zone (for /zones and /healthz). Times are Unix.
struct ZoneReport {
    std::string name;
    std::string state;  ///< empty, fresh, stale, expired (as of the call)
    uint32_t serial = 0;
    std::string primary;
    int64_t last_refresh = 0, next_refresh = 0, expires = 0;
    std::string last_error;
    std::string catalog;
    bool is_catalog = false;
    size_t records = 0;
    unsigned failures = 0;  ///< refreshes failed in a row
    int64_t stale_at = 0;   ///< when the data turns stale unless refreshed
};

struct RunnerCounters : secondary::EngineCounters {
    uint64_t notify_refused = 0;
    int64_t last_success = 0;          ///< Unix time of the last successful refresh of any zone
    int64_t last_catalog_refresh = 0;  ///< of any catalog
};

class SecondaryRunner {
  public:
    SecondaryRunner(RunnerOptions options, std::vector<xfr::TsigKey> keys, ZoneSink& sink);
    ~SecondaryRunner();
    SecondaryRunner(const SecondaryRunner&) = delete;
    SecondaryRunner& operator=(const SecondaryRunner&) = delete;

    /// Before start(): a zone to keep. What the sink has stored of it (and of
    /// a catalog's members) is installed at once, marked restored.
    void add(const SecondaryZone& zone);
    /// Starts the threads: checks begin.
    void start();
    /// Stops the threads; transfers in flight are dropped.
    void stop();
    /// Any thread: a new list of zones and keys (SIGHUP). Zones are added,
    /// removed or given their new primaries; catalog members follow.
    void reconfigure(std::vector<SecondaryZone> zones, std::vector<xfr::TsigKey> keys);
    /// Any thread: adds or updates `zones` and removes `removed` (lower-cased
    /// apex text; catalog members are left to their catalog), leaving every
    /// other zone alone: reconfigure() at the cost of the zones named.
    void update(std::vector<SecondaryZone> zones, std::vector<std::string> removed);

    /// Any thread: check `zone` (lower-cased apex text) now, as an accepted
    /// NOTIFY would make it (an operator's "refresh").
    /// `from`: the address of the primary that sent the NOTIFY, if any;
    /// `serial`: the serial it announced, if any (see Engine::notify).
    void refresh(const std::string& zone, const std::string& from = {},
                 std::optional<uint32_t> serial = {});
    /// Where query threads hand NOTIFYs (RFC 1996).
    NotifyGate& notify_gate() { return gate_; }

    /// Any thread, never waiting for the control thread.
    std::vector<ZoneReport> zones() const;
    /// Any thread: the reports of the zones whose count of failed refreshes
    /// changed since the last call (the first call: every zone), for a
    /// program that tracks failing zones without reading all of them.
    std::vector<ZoneReport> failures_changed();
    RunnerCounters counters() const;
    size_t zone_count() const;

  private:
    struct Data;
    void add_now(const SecondaryZone& zone, const std::string& catalog);
    void restore(const wire::Name& name, const std::string& catalog,
                 const secondary::ZoneSpec& spec);
    void process(const std::string& touched = {});
    void run(const secondary::Action& a);
    void query_soa(const secondary::Action& a);
    void transfer(const secondary::Action& a);
    void transfer_result(const std::string& key, size_t primary, bool ixfr,
                         std::shared_ptr<xfr::TransferIn> t, Result<void> r, zone::ZonePtr applied,
                         std::string rebuilt, std::string apply_error,
                         std::chrono::steady_clock::time_point started);
    void install(const secondary::Action& a);
    /// The engine's member list of a catalog just installed; `diffs`: the
    /// IXFR that brought it, if it came so.
    void sync_catalog(const std::string& key, const std::vector<xfr::Diff>* diffs);
    void rearm();
    void flush_later();
    void publish_acl();
    void update_report(const std::string& key);
    /// The reports of `only` (every zone when empty).
    std::vector<ZoneReport> zones(const std::set<std::string>& only) const;
    const xfr::TsigKey* key_for(const std::string& name) const;
    int64_t to_unix(std::chrono::steady_clock::time_point t) const;
    secondary::ZoneSpec spec_of(const SecondaryZone& z) const;

    RunnerOptions options_;
    std::vector<xfr::TsigKey> keys_;
    ZoneSink& sink_;
    SteadyClock clock_;
    secondary::Engine engine_;
    NotifyGate gate_;

    boost::asio::io_context io_{1};      // control: engine, timers, SOA queries
    boost::asio::io_context xfr_io_{1};  // transfers and builds
    std::thread thread_, xfr_thread_;
    SoaProber prober_{io_, 1024};  // the SOA checks (control thread)
    boost::asio::steady_timer wakeup_{io_};
    boost::asio::steady_timer flush_timer_{io_};
    boost::asio::steady_timer trim_timer_{io_};
    bool flush_posted_ = false, trim_posted_ = false;
    std::chrono::steady_clock::time_point last_flush_{};
    std::chrono::steady_clock::duration last_flush_cost_{};

    // Control thread only.
    std::unordered_map<std::string, std::unique_ptr<Data>> data_;  // what each zone serves
    std::set<std::string> unlisted_;  // members a catalog IXFR removed, until their removal runs
    // Zones a NOTIFY came for, until when their checks go first.
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> urgent_;
    std::map<std::string, Endpoint> endpoints_;  // primary id -> address

    // For readers on other threads.
    mutable std::mutex report_mu_;
    std::unordered_map<std::string, ZoneReport> reports_;  // zones() sorts them by name
    bool track_failures_ = false;                          // failures_changed() was called
    std::set<std::string> failures_changed_;               // since its last call
    RunnerCounters counters_;
};

}  // namespace dns::io
