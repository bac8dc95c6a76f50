#pragma once
// The zonesync server: pulls every zone of the store from its primaries with
// lib/'s secondary engine (upstream), and is the hidden primary of the POPs
// (downstream): SOA, AXFR and IXFR for every zone with data, a catalog zone
// (RFC 9432 v2) listing them, NOTIFY to every POP on each change.
//
// Threads: the secondary runner's (its control thread calls the ZoneSink
// methods here), one DNS thread (UDP, TCP with transfers, NOTIFY out), and
// the caller's. The store is used under store_mu_.
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/answer/answer.hpp"
#include "lib/io/notify_sender.hpp"
#include "lib/io/secondary_runner.hpp"
#include "lib/io/soa_prober.hpp"
#include "lib/io/tcp_server.hpp"
#include "lib/io/transfer_server.hpp"
#include "lib/xfr/catalog.hpp"
#include "lib/xfr/history.hpp"
#include "lib/zone/zone_store.hpp"
#include "zonesync/store.hpp"

namespace zonesync {

struct ServiceConfig {
    dns::io::Endpoint listen;  ///< DNS: NOTIFY from primaries; SOA/AXFR/IXFR for the POPs
    dns::wire::Name catalog;   ///< the catalog zone's name
    std::vector<dns::xfr::TsigKey> keys;
    std::string pop_key;      ///< TSIG key the POPs must sign with ("" = none)
    double max_shrink = 0.5;  ///< hold a version that loses more than this share of records
    /// The other zonesync of the pair: may transfer the catalog and is sent
    /// its NOTIFYs; a standby follows this instance's catalog.
    std::optional<dns::io::Endpoint> peer;
    bool standby = false;  ///< the role at start (kept in the store)
    /// Every this often, every POP is asked for every zone's SOA (besides
    /// after each change), at most `pop_check_rate` queries a second; 0: never.
    std::chrono::seconds pop_check{60};
    unsigned pop_check_rate = 2000;
    dns::io::RunnerOptions runner{};
};

class Service final : public dns::io::ZoneSink,
                      public dns::io::TransferSource,
                      public dns::io::TcpHandler {
  public:
    Service(Store& store, ServiceConfig config);
    ~Service() override;
    /// Loads every zone's data from the store and serves it at once, then
    /// starts pulling and serving. Fails when the address cannot be bound.
    dns::Result<void> start();
    void stop();
    uint16_t port() const { return port_; }

    /// Re-reads zones from the store (after an API or CLI change): new zones
    /// are pulled, removed ones leave the catalog.
    void resync();
    /// After an API change of these zones alone (`zones` added or changed,
    /// `removed` gone, as keys): the runner and the catalog look at them and
    /// no other (resync() reads every zone of the store).
    void zones_changed(const std::vector<ZoneEntry>& zones,
                       const std::vector<std::string>& removed);
    /// Re-reads the POPs from the store: who may transfer, whom to NOTIFY and
    /// watch. A new POP is sent a NOTIFY of the catalog at once.
    void resync_pops();

    // ---- dns::io::ZoneSink (the runner's control thread) ----
    std::optional<dns::io::Stored> stored(const dns::wire::Name& zone) override;
    void installed(const dns::io::Installed& v) override;
    void verified(const dns::wire::Name& zone, int64_t verified_unix,
                  int64_t expires_unix) override;
    void expired(const dns::wire::Name& zone, bool expired) override;
    void removed(const dns::wire::Name& zone) override;
    /// After a burst of installs: one commit for all of them, then their NOTIFYs.
    void flush() override;

    // ---- dns::io::TransferSource ----
    dns::zone::ZonePtr zone(const uint8_t* lname, size_t len) const override;
    std::shared_ptr<const dns::xfr::History> history(const dns::zone::Zone& zone) const override;

    // ---- dns::io::TcpHandler (the DNS thread) ----
    size_t answer(std::span<const uint8_t> message, const sockaddr* peer, uint8_t* out, size_t cap,
                  std::unique_ptr<dns::io::MessageStream>& stream) noexcept override;

    /// Runs f(store) under the store's lock (the API's and the runner's
    /// changes never interleave).
    template <class F>
    auto with_store(F f) {
        std::lock_guard lock(store_mu_);
        return f(store_);
    }
    /// The serial served to the POPs (key: lower-cased apex text), if any.
    std::optional<uint32_t> served_serial(const std::string& key) const {
        std::lock_guard lock(served_mu_);
        auto it = served_.find(key);
        if (it == served_.end()) return std::nullopt;
        return it->second->serial();
    }
    /// The last change every POP converged on (section 4 of the design:
    /// "serial N on 12 of 12 POPs, 0.04 s after the primary's NOTIFY").
    struct Convergence {
        uint32_t serial = 0;
        size_t pops = 0;
        double after_zonesync_ms = 0;  ///< from zonesync installing it
        double after_notify_ms = -1;   ///< from the primary's NOTIFY (-1: none came)
    };
    std::optional<Convergence> convergence(const std::string& key) const {
        std::lock_guard lock(served_mu_);
        auto it = converged_.find(key);
        if (it == converged_.end()) return std::nullopt;
        return it->second;
    }
    size_t served_count() const {
        std::lock_guard lock(served_mu_);
        return served_.size();
    }

    /// A standby follows the peer's catalog (zones added and removed there),
    /// pulls every zone from its primaries itself and serves the POPs; the
    /// catalog it serves is the active instance's copy. Switching to active
    /// (promote) keeps that catalog and its history: the next change is an
    /// IXFR from the last serial the POPs have. The role is stored.
    dns::Result<void> set_role(bool standby);
    bool standby() const { return standby_; }
    /// The TSIG key of that name from the configuration (fixed for the
    /// service's life), or null.
    const dns::xfr::TsigKey* key_named(std::string_view name) const;
    const std::optional<dns::io::Endpoint>& peer() const { return config_.peer; }

    /// SIGHUP: the settings that change without a restart.
    void set_tunables(double max_shrink, std::chrono::seconds pop_check) {
        max_shrink_ = max_shrink;
        pop_check_s_ = pop_check.count();
    }

    dns::io::SecondaryRunner& runner() { return *runner_; }
    dns::io::NotifySender::Counters notify_counters() const { return notifier_->counters(); }

  private:
    size_t answer_any(std::span<const uint8_t> message, const sockaddr* peer, uint8_t* out,
                      size_t cap, dns::answer::Transport transport,
                      std::unique_ptr<dns::io::MessageStream>* stream) noexcept;
    bool from_pop(const sockaddr* peer) const;
    std::shared_ptr<dns::io::TransferServer> make_transfers() const;
    std::vector<dns::io::SecondaryZone> upstream_zones();
    void publish(const dns::zone::ZonePtr& z, const std::vector<dns::xfr::Diff>* diffs,
                 bool reset_history);
    /// Stores the staged versions in one transaction, then publishes them
    /// (not yet committed to the POPs' table) and queues their announcements.
    void commit_staged();
    /// Stages a new catalog when the member list changed (NOTIFY pending).
    void rebuild_catalog();
    /// At start: the catalog kept in the store, with its history.
    void load_catalog();
    /// rebuild_catalog() and commit_and_notify() a few milliseconds later, on
    /// the DNS thread, once for a burst of calls.
    void schedule_catalog();
    /// The next catalog version looks at this zone (new, removed).
    void mark_catalog(const std::string& key);
    /// Publishes what is staged, then NOTIFYs the POPs of a new catalog.
    void commit_and_notify();
    void notify_pops(const dns::wire::Name& zone, uint32_t serial);
    std::shared_ptr<const dns::xfr::TsigKey> pop_tsig() const;
    void receive_udp();
    /// The POP watcher: asks every POP for the zone's SOA until it serves
    /// `serial` (bounded), records when each got there, and logs when all did.
    /// `first`: the wait before the first query (a new zone reaches the POPs
    /// through the catalog first).
    void watch(const dns::wire::Name& zone, uint32_t serial,
               std::optional<std::chrono::steady_clock::time_point> notified,
               std::chrono::milliseconds first);
    void watch_one(std::shared_ptr<struct Watch> w, size_t pop, int tries);
    /// Every few seconds: zones whose refreshes keep failing become "failing"
    /// (with the reason), and "active" again once one succeeds.
    void review_states();
    /// Hands a POP's serial to the background thread (any thread, no I/O).
    void record_pop_serial(PopSerial s);
    /// The periodic check of every zone at every POP: a slice of it every
    /// 100 ms (DNS thread).
    void pop_check_tick();
    /// The background thread: POP serials and zone states into the store.
    void background();
    /// A standby's copy of the active instance's catalog arrived: served as
    /// it is, and its members (with their primaries and keys from the ext
    /// properties) become this instance's zones.
    void follow_catalog(const dns::io::Installed& v);
    bool is_catalog(const std::string& key) const { return key == catalog_key_; }
    std::string hold_reason(const dns::zone::Zone& before, const dns::zone::Zone& after) const;

    Store& store_;
    ServiceConfig config_;
    mutable std::mutex store_mu_;

    dns::zone::ZoneStore zones_;  // what the POPs get
    dns::xfr::HistoryStore history_;
    std::unique_ptr<dns::io::SecondaryRunner> runner_;

    // Catalog state (under catalog_mu_).
    std::mutex catalog_mu_;
    dns::zone::ZonePtr catalog_;
    std::map<std::string, dns::xfr::CatalogMember> members_;  // key -> as listed
    std::set<std::string> catalog_todo_;  // zones to look at for the next version
    bool catalog_all_ = true;             // ... or all of them
    bool catalog_dirty_ = false;          // staged, not yet notified
    std::atomic<bool> catalog_scheduled_{false};
    std::chrono::steady_clock::time_point last_catalog_{};  // DNS thread only

    // Zones published (under served_mu_): key -> the version the POPs get;
    // every zone of the store (not suspended) -> its primaries and key, for
    // the catalog's ext properties.
    mutable std::mutex served_mu_;
    std::map<std::string, dns::zone::ZonePtr> served_;
    struct Upstream {
        std::vector<std::string> primaries;
        std::string key;
    };
    std::map<std::string, Upstream> upstream_;
    std::map<std::string, Convergence> converged_;
    // When a primary's NOTIFY for a zone was accepted (a zone's entry is
    // taken by the install that follows).
    std::mutex notified_mu_;
    std::map<std::string, std::chrono::steady_clock::time_point> notified_;
    // Versions installed since the last flush (runner thread): announced to
    // the POPs once they answer, after the one commit of the burst.
    struct Announce {
        dns::wire::Name zone;
        uint32_t serial;
        bool new_member;
        std::optional<std::chrono::steady_clock::time_point> notified;
    };
    std::vector<Announce> announce_;
    // Versions taken since the last flush (runner thread), stored in one
    // transaction and published by commit_staged().
    struct Staged {
        dns::zone::ZonePtr zone;
        bool incremental = false;           // diffs from the version served
        std::vector<dns::xfr::Diff> diffs;  // for the journal and the POPs' IXFR
        std::string primary;
        int64_t verified = 0;
        TransferEntry transfer;
        bool new_member = false;
        std::optional<std::chrono::steady_clock::time_point> notified;
    };
    std::vector<Staged> staged_;
    std::set<std::string> staged_keys_;
    std::string catalog_key_;
    std::atomic<bool> standby_{false};
    std::atomic<double> max_shrink_{0.5};
    std::atomic<int64_t> pop_check_s_{60};

    // The POPs (under pops_mu_), for access, NOTIFY and the watcher.
    struct Pop {
        std::string name;
        dns::io::Endpoint address;
    };
    mutable std::mutex pops_mu_;
    std::vector<Pop> pops_;

    boost::asio::io_context io_{1};
    std::shared_ptr<dns::io::TransferServer> transfers_;  // replaced on the DNS thread
    std::unique_ptr<dns::io::TcpListener> tcp_;
    std::unique_ptr<boost::asio::ip::udp::socket> udp_;
    std::unique_ptr<dns::io::NotifySender> notifier_;
    std::unique_ptr<dns::io::SoaProber> prober_;  // the POP watcher's queries
    // The periodic check (DNS thread only): the zones of this round and where it is.
    std::unique_ptr<boost::asio::steady_timer> pop_check_timer_;
    std::vector<std::pair<dns::wire::Name, uint32_t>> pop_check_zones_;
    size_t pop_check_next_ = 0;  // index into zones x POPs
    std::chrono::steady_clock::time_point pop_check_round_{};
    uint64_t pop_check_lagging_ = 0;          // POP-zone pairs behind in the last round
    const dns::answer::Identity identity_{};  // the Responder keeps a reference
    dns::answer::Responder responder_{identity_};
    std::thread thread_;
    std::thread background_;
    std::mutex background_mu_;
    std::condition_variable background_cv_;
    bool background_stop_ = false;
    std::vector<PopSerial> pop_serials_;  // for the background thread
    uint16_t port_ = 0;
    // UDP receive state (DNS thread only).
    boost::asio::ip::udp::endpoint udp_peer_;
    std::array<uint8_t, 65535> udp_in_{};
    std::array<uint8_t, 65535> udp_out_{};
};

}  // namespace zonesync
