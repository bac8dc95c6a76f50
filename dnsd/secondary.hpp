#pragma once
// dnsd as a secondary: one control thread keeps every secondary zone in step
// with its primaries (SOA checks on refresh/retry/expire timers, NOTIFY, IXFR
// with fallback to AXFR, several primaries with the highest serial winning),
// follows catalog zones, persists zones to the state directory and publishes
// each new snapshot to the workers. Nothing here runs on a query thread except
// on_notify(), which only looks and posts.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/state_dir.hpp"
#include "dnsd/zone_store.hpp"
#include "lib/answer/answer.hpp"
#include "lib/io/client.hpp"
#include "lib/secondary/backoff.hpp"
#include "lib/secondary/refresh.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/xfr/tsig.hpp"

namespace dnsd {

struct SecondarySpec {
    dns::wire::Name name;
    std::vector<dns::io::Endpoint> primaries;
    std::string key;       ///< TSIG key name ("" = none)
    bool catalog = false;  ///< a catalog zone: its members become secondaries of the same primaries
};

struct SecondaryOptions {
    dns::xfr::Limits limits{};                         ///< per transfer
    std::chrono::milliseconds idle_timeout{10000};
    std::chrono::milliseconds max_duration{600000};
    unsigned max_concurrent_transfers = 16;
    std::chrono::seconds startup_spread{30};           ///< spread first checks of persisted zones
    dns::secondary::TimerBounds bounds{};
};

/// What an operator sees of one zone (/zones).
struct ZoneStatus {
    std::string name;
    std::string state;       ///< empty, fresh, stale, expired
    uint32_t serial = 0;
    std::string primary;     ///< where the data came from
    int64_t last_refresh = 0;  ///< unix time of the last successful check or transfer, 0 = never
    int64_t next_refresh = 0;  ///< unix time of the next check
    std::string last_error;
    std::string catalog;     ///< the catalog it belongs to, if any
    size_t records = 0;
};

/// Counters for /metrics.
struct SecondaryCounters {
    uint64_t axfr_ok = 0, axfr_failed = 0, ixfr_ok = 0, ixfr_failed = 0, up_to_date = 0;
    uint64_t soa_ok = 0, soa_failed = 0;
    uint64_t soa_skipped = 0;        ///< SOA queries not sent: the primary was paused
    uint64_t primaries_paused = 0;   ///< primaries paused after failing for every zone
    uint64_t notify_accepted = 0, notify_refused = 0;
    uint64_t refused_transfers = 0;  ///< transfers rejected as malformed or hostile
    int64_t last_success = 0;        ///< unix time of the last successful refresh of any zone
    int64_t last_catalog_refresh = 0;
};

class Secondaries : public dns::answer::NotifyHandler {
public:
    Secondaries(std::vector<SecondarySpec> specs, std::vector<dns::xfr::TsigKey> keys,
                SecondaryOptions options, ZoneStore& store, const StateDir& state);
    ~Secondaries() override;

    /// Loads what the state directory holds for every zone (and catalog member)
    /// and stages it in the store; the caller commits before the workers start.
    void load_persisted();
    /// Starts the control thread: checks begin.
    void start();
    void stop();

    uint16_t on_notify(const dns::wire::Query& q, std::span<const uint8_t> message,
                       const void* peer) noexcept override;
    size_t sign_notify_response(std::span<const uint8_t> request, uint8_t* out, size_t len,
                                size_t cap) noexcept override;

    std::vector<ZoneStatus> status() const;
    SecondaryCounters counters() const;
    size_t zone_count() const;

private:
    struct Zone;
    struct Primary;

    Zone& add_zone(const SecondarySpec& spec, const std::string& catalog);
    void remove_zone(const std::string& key);
    void schedule(Zone& z);
    void check(Zone& z);
    void soa_done(Zone& z);
    void next_candidate(Zone& z, const std::string& last_failure);
    void confirm(Zone& z);
    void finish_round(Zone& z);
    void transfer(Zone& z, size_t primary, dns::xfr::Kind kind);
    void transfer_done(Zone& z, size_t primary, std::shared_ptr<dns::xfr::TransferIn> t,
                       dns::Result<void> r, std::chrono::steady_clock::time_point started);
    /// `diffs`: the IXFR differences that made `zone` from the zone held (journaled
    /// in the state dir instead of a full write).
    void install(Zone& z, dns::zone::ZonePtr zone, size_t primary,
                 const std::vector<dns::xfr::Diff>* diffs = nullptr);
    void refresh_failed(Zone& z, const std::string& why);
    void check_expiry(Zone& z);
    void sync_catalog(Zone& cat);
    void publish_later();
    void update_notify_map();
    const dns::xfr::TsigKey* key_for(const std::string& name) const;
    void start_next_transfer();

    std::vector<SecondarySpec> specs_;
    std::vector<dns::xfr::TsigKey> keys_;
    SecondaryOptions options_;
    ZoneStore& store_;
    const StateDir& state_;

    boost::asio::io_context io_{1};
    std::thread thread_;
    std::map<std::string, std::unique_ptr<Zone>> zones_;  // control thread only
    bool publish_posted_ = false;
    boost::asio::steady_timer publish_timer_{io_};
    std::chrono::steady_clock::time_point last_publish_{};
    unsigned transfers_running_ = 0;
    std::deque<std::string> transfer_queue_;
    std::unique_ptr<StateWriter> writer_;
    boost::asio::steady_timer trim_timer_{io_};
    bool installs_since_trim_ = false;
    std::chrono::steady_clock::duration last_publish_cost_{};
    void trim_memory();

    // For on_notify(), read from worker threads.
    struct NotifyEntry {
        std::vector<boost::asio::ip::address> primaries;
        const dns::xfr::TsigKey* key;
    };
    mutable std::mutex notify_mu_;
    std::map<std::string, NotifyEntry> notify_map_;

    mutable std::mutex status_mu_;
    SecondaryCounters counters_;
    dns::secondary::PrimaryBackoff backoff_;  // control thread only
    // A primary did not answer (network failure, any zone): counts towards its pause.
    void primary_failed(const std::string& primary);
    std::vector<ZoneStatus> collect_status() const;  // control thread
};

}  // namespace dnsd
