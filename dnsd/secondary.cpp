#include "dnsd/secondary.hpp"

#include <netinet/in.h>
#include <malloc.h>
#include <sys/socket.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <ctime>
#include <future>
#include <optional>

#include "lib/base/log.hpp"
#include "lib/base/serial.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/xfr/catalog.hpp"

namespace dnsd {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;
using dns::secondary::ZoneState;

namespace {

// The TSIG state of the NOTIFY being answered on this worker thread, between
// on_notify() and sign_notify_response() (both inside one Responder::respond()).
struct NotifyTsig {
    std::optional<dns::xfr::TsigSession> session;
    uint16_t error = 0;
    const dns::xfr::TsigKey* key = nullptr;
};
thread_local NotifyTsig t_notify_tsig;

int64_t unix_now() { return static_cast<int64_t>(std::time(nullptr)); }

int64_t to_unix(SteadyClock::time_point t) {
    return unix_now() + std::chrono::duration_cast<std::chrono::seconds>(t - SteadyClock::now()).count();
}

SteadyClock::time_point from_unix(int64_t u) {
    return SteadyClock::now() - std::chrono::seconds(unix_now() - u);
}

dns::secondary::SoaTimers timers_of(const dns::zone::Zone& z) {
    const auto& soa = z.soa();
    return dns::secondary::timers_from_soa(z.rdata_bytes(soa.first), z.rdata(soa.first).length);
}

const char* kind_name(dns::xfr::Kind k) { return k == dns::xfr::Kind::axfr ? "AXFR" : "IXFR"; }

}  // namespace

struct Secondaries::Zone {
    Zone(asio::io_context& io, SecondarySpec s, std::string k, std::string cat, uint64_t seed,
         dns::secondary::TimerBounds bounds)
        : spec(std::move(s)), key(std::move(k)), catalog(std::move(cat)), refresh(seed, bounds), timer(io),
          expiry(io) {}

    SecondarySpec spec;
    std::string key;      // lower-cased name text
    std::string catalog;  // key of the catalog it came from, or ""
    dns::secondary::RefreshState refresh;
    dns::zone::ZonePtr data;
    size_t data_primary = SIZE_MAX;
    asio::steady_timer timer, expiry;
    bool busy = false, again = false, expired_published = false, removed = false;
    size_t pending = 0;
    std::vector<std::optional<uint32_t>> soa;
    std::vector<int64_t> soa_expire;  // each primary's EDNS EXPIRE (RFC 7314), -1 if none
    int64_t upstream_expire = -1;     // the EXPIRE that vouched for the data last, -1 if none
    std::vector<std::string> errors;
    std::string last_error;
    int64_t last_refresh = 0;
    // Primaries with a newer serial, best first, still to try this round; and
    // whether some primary confirmed the serial we hold.
    std::vector<size_t> candidates;
    bool confirmed = false;
    size_t queued_primary = 0;
    dns::xfr::Kind queued_kind = dns::xfr::Kind::axfr;
};

namespace {

// The SOA timers and the EDNS EXPIRE (RFC 7314) the primary sent, if any.
dns::secondary::SoaTimers timers_for(const dns::zone::Zone& data, int64_t upstream_expire) {
    auto t = timers_of(data);
    t.upstream_expire = upstream_expire;
    return t;
}

}  // namespace

Secondaries::Secondaries(std::vector<SecondarySpec> specs, std::vector<dns::xfr::TsigKey> keys,
                         SecondaryOptions options, ZoneStore& store, const StateDir& state)
    : specs_(std::move(specs)), keys_(std::move(keys)), options_(options), store_(store), state_(state) {
    if (state_.enabled()) writer_ = std::make_unique<StateWriter>(state_);
}

Secondaries::~Secondaries() { stop(); }

const dns::xfr::TsigKey* Secondaries::key_for(const std::string& name) const {
    if (name.empty()) return nullptr;
    auto n = dns::wire::Name::from_text(name.back() == '.' ? name : name + ".");
    if (!n) return nullptr;
    for (const auto& k : keys_)
        if (k.name == *n) return &k;
    return nullptr;
}

Secondaries::Zone& Secondaries::add_zone(const SecondarySpec& spec, const std::string& catalog) {
    std::string key = spec.name.lowercased().to_text();
    auto& slot = zones_[key];
    if (slot) return *slot;
    slot = std::make_unique<Zone>(io_, spec, key, catalog, std::hash<std::string>{}(key), options_.bounds);
    Zone& z = *slot;
    if (state_.enabled()) {
        auto saved = state_.load(spec.name);
        if (saved) {
            z.data = saved->zone;
            // The primary the data came from, so the next change can come by IXFR.
            z.data_primary = SIZE_MAX;
            for (size_t i = 0; i < spec.primaries.size(); ++i)
                if (spec.primaries[i].to_string() == saved->primary) z.data_primary = i;
            z.refresh.loaded(z.data->serial(), timers_of(*z.data), from_unix(saved->verified_unix),
                             SteadyClock::now());
            z.last_refresh = saved->verified_unix;
            z.data->set_expires_at(z.last_refresh + z.refresh.timers().expire);
            bool expired = z.refresh.state(SteadyClock::now()) == ZoneState::expired;
            z.expired_published = expired;
            store_.set(ZoneStore::Source::secondary, z.data, expired);
            if (!saved->journal_note.empty()) LOG_WARN("zone %s: %s", key.c_str(), saved->journal_note.c_str());
            LOG_INFO("zone %s: serving serial %u from the state directory (%u journal entries)%s", key.c_str(),
                     z.data->serial(), saved->journal_entries, expired ? " (expired: SERVFAIL until refreshed)" : "");
        } else if (saved.error().code != dns::Errc::not_found) {
            LOG_WARN("zone %s: ignoring saved copy: %s", key.c_str(), saved.error().message.c_str());
        }
    }
    if (spec.catalog && z.data) sync_catalog(z);
    return z;
}

void Secondaries::remove_zone(const std::string& key) {
    auto it = zones_.find(key);
    if (it == zones_.end()) return;
    Zone& z = *it->second;
    z.removed = true;
    z.timer.cancel();
    z.expiry.cancel();
    store_.remove(ZoneStore::Source::secondary, key);
    if (writer_) writer_->remove(z.spec.name);
    LOG_INFO("zone %s: removed (left catalog %s)", key.c_str(), z.catalog.c_str());
    // Callbacks in flight hold no pointer once the zone is gone from the map:
    // they look it up by key (see check()).
    zones_.erase(it);
    publish_later();
}

void Secondaries::load_persisted() {
    for (const auto& spec : specs_) add_zone(spec, "");
    update_notify_map();
}

void Secondaries::start() {
    auto now = SteadyClock::now();
    for (auto& [key, z] : zones_) {
        if (z->data && z->refresh.state(now) != ZoneState::expired) {
            // Due checks of zones still valid are spread out; expired ones go first.
            z->refresh.spread_first_check(now, options_.startup_spread);
        } else {
            z->refresh.notify(now);  // nothing to serve yet: ask at once
        }
        schedule(*z);
    }
    trim_memory();
    thread_ = std::thread([this] {
        auto guard = asio::make_work_guard(io_);
        io_.run();
    });
}

void Secondaries::stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
    if (writer_) writer_->flush();
}

// Transfers free large buffers on this thread; hand them back to the system
// now and then so resident memory follows live memory.
void Secondaries::trim_memory() {
    trim_timer_.expires_after(std::chrono::seconds(2));
    trim_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        if (installs_since_trim_) {
            installs_since_trim_ = false;
            malloc_trim(0);
        }
        trim_memory();
    });
}

void Secondaries::schedule(Zone& z) {
    z.timer.expires_at(z.refresh.next_check());
    std::string key = z.key;
    z.timer.async_wait([this, key](boost::system::error_code ec) {
        if (ec) return;
        auto it = zones_.find(key);
        if (it != zones_.end()) check(*it->second);
    });
    if (z.data) {
        z.expiry.expires_at(z.refresh.expires());
        z.expiry.async_wait([this, key](boost::system::error_code ec) {
            if (ec) return;
            auto it = zones_.find(key);
            if (it != zones_.end()) check_expiry(*it->second);
        });
    }
}

void Secondaries::check(Zone& z) {
    if (z.busy) {
        z.again = true;
        return;
    }
    z.busy = true;
    const size_t n = z.spec.primaries.size();
    const auto now = SteadyClock::now();
    auto paused_why = [&](const std::string& p) {
        return p + ": paused after " + std::to_string(backoff_.failures(p)) +
               " failures in a row (for any zone), " +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(backoff_.paused_until(p) - now).count()) +
               " s left";
    };
    if (!z.data && n == 1) {
        const std::string p = z.spec.primaries[0].to_string();
        if (!backoff_.usable(p, now)) {
            {
                std::lock_guard lock(status_mu_);
                ++counters_.soa_skipped;
            }
            return refresh_failed(z, paused_why(p));
        }
        // Nothing to compare with and one primary to ask: transfer at once
        // (a new catalog member saves a round trip).
        z.candidates = {0};
        z.confirmed = false;
        return next_candidate(z, "");
    }
    z.pending = n;
    z.soa.assign(n, std::nullopt);
    z.soa_expire.assign(n, -1);
    z.errors.assign(n, {});
    dns::io::QueryOptions qo;
    qo.key = key_for(z.spec.key);
    std::string key = z.key;
    for (size_t i = 0; i < n; ++i) {
        const std::string p = z.spec.primaries[i].to_string();
        if (!backoff_.usable(p, now)) {
            // Known dead for every zone: do not spend a timeout on it.
            z.errors[i] = paused_why(p);
            --z.pending;
            std::lock_guard lock(status_mu_);
            ++counters_.soa_skipped;
            continue;
        }
        dns::io::query_soa(io_, z.spec.primaries[i], z.spec.name, qo,
                           [this, key, i, p](dns::Result<dns::io::SoaAnswer> r) {
                               if (r) {
                                   if (backoff_.failures(p)) {
                                       backoff_.succeeded(p);
                                       std::lock_guard lock(status_mu_);
                                       counters_.primaries_paused = backoff_.paused(SteadyClock::now());
                                   }
                               } else if (r.error().code == dns::Errc::timeout || r.error().code == dns::Errc::io) {
                                   primary_failed(p);
                               }
                               auto it = zones_.find(key);
                               if (it == zones_.end()) return;
                               Zone& zz = *it->second;
                               {
                                   std::lock_guard lock(status_mu_);
                                   ++(r ? counters_.soa_ok : counters_.soa_failed);
                               }
                               if (r) {
                                   zz.soa[i] = r->serial;
                                   zz.soa_expire[i] = r->expire;
                               } else
                                   zz.errors[i] = p + ": " + r.error().message;
                               if (--zz.pending == 0) soa_done(zz);
                           });
    }
    if (z.pending == 0) soa_done(z);  // every primary paused
}

void Secondaries::primary_failed(const std::string& p) {
    const auto now = SteadyClock::now();
    if (backoff_.failed(p, now))
        LOG_WARN("primary %s: %u failures in a row (for any zone): not asked again for %lld s", p.c_str(),
                 backoff_.failures(p),
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(backoff_.paused_until(p) - now).count()));
    std::lock_guard lock(status_mu_);
    counters_.primaries_paused = backoff_.paused(now);
}

void Secondaries::soa_done(Zone& z) {
    // Candidates: primaries with a serial newer than ours, highest first; on a
    // tie the primary our data came from first (so IXFR stays possible).
    z.candidates.clear();
    z.confirmed = false;
    z.upstream_expire = -1;
    bool any = false;
    for (size_t i = 0; i < z.soa.size(); ++i) {
        if (!z.soa[i]) continue;
        any = true;
        if (z.data && !dns::serial_gt(*z.soa[i], z.data->serial())) {
            if (*z.soa[i] == z.data->serial()) {
                z.confirmed = true;
                z.upstream_expire = std::max(z.upstream_expire, z.soa_expire[i]);
            } else
                LOG_WARN("zone %s: primary %s has serial %u, older than our %u", z.key.c_str(),
                         z.spec.primaries[i].to_string().c_str(), *z.soa[i], z.data->serial());
            continue;
        }
        z.candidates.push_back(i);
    }
    std::stable_sort(z.candidates.begin(), z.candidates.end(), [&](size_t a, size_t b) {
        if (*z.soa[a] != *z.soa[b]) return dns::serial_gt(*z.soa[a], *z.soa[b]);
        return a == z.data_primary && b != z.data_primary;
    });
    if (!any) {
        std::string why;
        for (const auto& e : z.errors) why += (why.empty() ? "" : "; ") + e;
        return refresh_failed(z, "SOA check failed: " + why);
    }
    for (size_t i = 0; i < z.soa.size(); ++i)
        if (z.soa[i]) LOG_DEBUG("zone %s: %s has serial %u", z.key.c_str(), z.spec.primaries[i].to_string().c_str(), *z.soa[i]);
    next_candidate(z, "");
}

// Transfers from the next candidate primary, or ends the round.
void Secondaries::next_candidate(Zone& z, const std::string& last_failure) {
    if (z.candidates.empty()) {
        if (z.confirmed || (z.data && last_failure.empty())) return confirm(z);
        return refresh_failed(z, last_failure.empty() ? "no primary has the zone" : last_failure);
    }
    const size_t p = z.candidates.front();
    z.candidates.erase(z.candidates.begin());
    // IXFR only from the primary our data came from: histories are never mixed.
    z.queued_primary = p;
    z.queued_kind = (z.data && p == z.data_primary) ? dns::xfr::Kind::ixfr : dns::xfr::Kind::axfr;
    transfer_queue_.push_back(z.key);
    start_next_transfer();
}

// A primary confirmed the serial we hold: the zone is current.
void Secondaries::confirm(Zone& z) {
    auto now = SteadyClock::now();
    z.refresh.refreshed(z.data->serial(), timers_for(*z.data, z.upstream_expire), now);
    z.last_refresh = unix_now();
    z.data->set_expires_at(z.last_refresh + z.refresh.timers().expire);
    z.last_error.clear();
    if (writer_) writer_->touch(z.spec.name, z.last_refresh);
    {
        std::lock_guard lock(status_mu_);
        ++counters_.up_to_date;
        counters_.last_success = z.last_refresh;
    }
    if (z.expired_published) {
        z.expired_published = false;
        store_.set_expired(ZoneStore::Source::secondary, z.key, false);
        publish_later();
        LOG_INFO("zone %s: serial %u confirmed, no longer expired", z.key.c_str(), z.data->serial());
    }
    finish_round(z);
}

void Secondaries::finish_round(Zone& z) {
    z.busy = false;
    schedule(z);
    if (z.again) {
        z.again = false;
        check(z);
    }
}

void Secondaries::start_next_transfer() {
    while (transfers_running_ < options_.max_concurrent_transfers && !transfer_queue_.empty()) {
        std::string key = std::move(transfer_queue_.front());
        transfer_queue_.pop_front();
        auto it = zones_.find(key);
        if (it == zones_.end()) continue;
        transfer(*it->second, it->second->queued_primary, it->second->queued_kind);
    }
}

void Secondaries::transfer(Zone& z, size_t p, dns::xfr::Kind kind) {
    ++transfers_running_;
    auto t = std::make_shared<dns::xfr::TransferIn>(z.spec.name, kind, z.data ? z.data->serial() : 0,
                                                    options_.limits);
    dns::io::TransferOptions to;
    to.idle_timeout = options_.idle_timeout;
    to.max_duration = options_.max_duration;
    to.key = key_for(z.spec.key);
    std::string key = z.key;
    auto started = SteadyClock::now();
    const std::string primary = z.spec.primaries[p].to_string();
    dns::io::run_transfer(io_, z.spec.primaries[p], t, to, [this, key, p, t, started, primary](dns::Result<void> r) {
        --transfers_running_;
        if (!r && r.error().code == dns::Errc::io && r.error().message.rfind("connect:", 0) == 0)
            primary_failed(primary);
        auto it = zones_.find(key);
        if (it != zones_.end()) transfer_done(*it->second, p, t, std::move(r), started);
        start_next_transfer();
    });
}

void Secondaries::transfer_done(Zone& z, size_t p, std::shared_ptr<dns::xfr::TransferIn> t,
                                dns::Result<void> r, SteadyClock::time_point started) {
    const auto kind = t->kind();
    const std::string from = z.spec.primaries[p].to_string();
    auto fail_count = [&] {
        std::lock_guard lock(status_mu_);
        ++(kind == dns::xfr::Kind::axfr ? counters_.axfr_failed : counters_.ixfr_failed);
        if (r.has_value() || r.error().code == dns::Errc::semantic || r.error().code == dns::Errc::malformed)
            ++counters_.refused_transfers;
    };
    if (!r) {
        fail_count();
        LOG_WARN("zone %s: %s from %s failed: %s", z.key.c_str(), kind_name(kind), from.c_str(),
                 r.error().message.c_str());
        if (kind == dns::xfr::Kind::ixfr) {
            // RFC 1995 §2: a secondary may fall back to AXFR.
            return transfer(z, p, dns::xfr::Kind::axfr);
        }
        // Then the next primary with a newer serial, if any: one broken or
        // hostile primary must not take the zone down.
        return next_candidate(z, std::string(kind_name(kind)) + " from " + from + ": " + r.error().message);
    }
    double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
    switch (t->outcome()) {
        case dns::xfr::TransferIn::Outcome::full_zone:
            LOG_INFO("zone %s: serial %u from %s by %s, %zu records, %zu messages, %.1f ms", z.key.c_str(),
                     t->zone()->serial(), from.c_str(), kind_name(kind), t->zone()->record_count(),
                     t->messages(), ms);
            {
                // Counted by what came: a full zone, even when asked for by IXFR.
                std::lock_guard lock(status_mu_);
                ++counters_.axfr_ok;
            }
            z.upstream_expire = t->expire();
            return install(z, t->zone(), p);
        case dns::xfr::TransferIn::Outcome::incremental: {
            std::string rebuilt;
            auto applied = dns::xfr::apply(z.data, t->diffs(), &rebuilt);
            if (!applied) {
                fail_count();
                LOG_WARN("zone %s: IXFR from %s does not apply (%s); trying AXFR", z.key.c_str(), from.c_str(),
                         applied.error().message.c_str());
                return transfer(z, p, dns::xfr::Kind::axfr);
            }
            double apply_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count() - ms;
            LOG_INFO("zone %s: serial %u from %s by IXFR, %zu differences, %zu records, %.1f ms + %.1f ms to apply%s%s",
                     z.key.c_str(), (*applied)->serial(), from.c_str(), t->diffs().size(), t->records(), ms,
                     apply_ms, rebuilt.empty() ? "" : ", zone rebuilt: ", rebuilt.c_str());
            {
                std::lock_guard lock(status_mu_);
                ++counters_.ixfr_ok;
            }
            z.upstream_expire = t->expire();
            return install(z, *applied, p, &t->diffs());
        }
        case dns::xfr::TransferIn::Outcome::up_to_date:
        case dns::xfr::TransferIn::Outcome::none:
            if (z.data) return confirm(z);
            return next_candidate(z, "the primary " + from + " sent no zone");
    }
}

void Secondaries::install(Zone& z, dns::zone::ZonePtr zone, size_t p, const std::vector<dns::xfr::Diff>* diffs) {
    const bool changed = zone != z.data;
    z.data = std::move(zone);
    z.data_primary = p;
    z.last_refresh = unix_now();
    z.last_error.clear();
    z.refresh.refreshed(z.data->serial(), timers_for(*z.data, z.upstream_expire), SteadyClock::now());
    z.data->set_expires_at(z.last_refresh + z.refresh.timers().expire);
    z.expired_published = false;
    store_.set(ZoneStore::Source::secondary, z.data, false);
    publish_later();
    {
        std::lock_guard lock(status_mu_);
        counters_.last_success = z.last_refresh;
        if (z.spec.catalog) counters_.last_catalog_refresh = z.last_refresh;
    }
    if (writer_ && changed) {
        if (diffs)
            writer_->append(z.data, *diffs, z.last_refresh, z.spec.primaries[p].to_string());
        else
            writer_->save(z.data, z.last_refresh, z.spec.primaries[p].to_string());
    }
    installs_since_trim_ = true;
    if (z.spec.catalog) sync_catalog(z);
    finish_round(z);
}

void Secondaries::refresh_failed(Zone& z, const std::string& why) {
    z.last_error = why;
    z.refresh.failed(SteadyClock::now());
    LOG_WARN("zone %s: refresh failed (%u in a row), next try in %lld s: %s", z.key.c_str(),
             z.refresh.failures(),
             static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                        z.refresh.next_check() - SteadyClock::now())
                                        .count()),
             why.c_str());
    check_expiry(z);
    finish_round(z);
}

void Secondaries::check_expiry(Zone& z) {
    if (!z.data || z.expired_published) return;
    if (z.refresh.state(SteadyClock::now()) != ZoneState::expired) return;
    z.expired_published = true;
    store_.set_expired(ZoneStore::Source::secondary, z.key, true);
    publish_later();
    LOG_ERROR("zone %s: expired (not refreshed within the SOA expire of %u s): answering SERVFAIL",
              z.key.c_str(), z.refresh.timers().expire);
}

void Secondaries::sync_catalog(Zone& cat) {
    auto members = dns::xfr::catalog_members(*cat.data);
    if (!members) {
        LOG_ERROR("catalog %s: %s; members unchanged", cat.key.c_str(), members.error().message.c_str());
        return;
    }
    std::map<std::string, const dns::xfr::CatalogMember*> want;
    for (const auto& m : *members) want[m.zone.lowercased().to_text()] = &m;
    std::vector<std::string> drop;
    for (const auto& [key, z] : zones_)
        if (z->catalog == cat.key && !want.count(key)) drop.push_back(key);
    for (const auto& key : drop) remove_zone(key);
    bool started = thread_.joinable();
    size_t added = 0;
    for (const auto& [key, m] : want) {
        if (zones_.count(key)) continue;
        SecondarySpec spec{m->zone, cat.spec.primaries, cat.spec.key, false};
        Zone& z = add_zone(spec, cat.key);
        ++added;
        if (started) {
            if (!z.data) z.refresh.notify(SteadyClock::now());
            schedule(z);
        }
    }
    if (added || !drop.empty())
        LOG_INFO("catalog %s: %zu members (%zu added, %zu removed)", cat.key.c_str(), want.size(), added,
                 drop.size());
    update_notify_map();
}

void Secondaries::publish_later() {
    if (publish_posted_) return;
    publish_posted_ = true;
    // One table per burst of changes, and at most one every kMinPublishGap: a
    // catalog of thousands of new zones must not rebuild the table thousands of times.
    // The gap grows with what a table costs to build (4x its last build time).
    auto gap = std::max<SteadyClock::duration>(std::chrono::milliseconds(2), 4 * last_publish_cost_);
    auto at = std::max(SteadyClock::now(), last_publish_ + gap);
    publish_timer_.expires_at(at);
    publish_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        publish_posted_ = false;
        last_publish_ = SteadyClock::now();
        store_.commit();
        last_publish_cost_ = SteadyClock::now() - last_publish_;
    });
}

void Secondaries::update_notify_map() {
    std::map<std::string, NotifyEntry> m;
    for (const auto& [key, z] : zones_) {
        NotifyEntry e{{}, key_for(z->spec.key)};
        for (const auto& p : z->spec.primaries) e.primaries.push_back(p.address);
        m.emplace(key, std::move(e));
    }
    std::lock_guard lock(notify_mu_);
    notify_map_ = std::move(m);
}

uint16_t Secondaries::on_notify(const dns::wire::Query& q, std::span<const uint8_t> message,
                                const void* peer) noexcept {
    std::string key = dns::wire::to_text(q.lname);
    boost::asio::ip::address from;
    if (peer) {
        auto* sa = static_cast<const sockaddr*>(peer);
        if (sa->sa_family == AF_INET) {
            auto* s4 = static_cast<const sockaddr_in*>(peer);
            boost::asio::ip::address_v4::bytes_type b;
            std::memcpy(b.data(), &s4->sin_addr, 4);
            from = boost::asio::ip::address_v4(b);
        } else if (sa->sa_family == AF_INET6) {
            auto* s6 = static_cast<const sockaddr_in6*>(peer);
            boost::asio::ip::address_v6::bytes_type b;
            std::memcpy(b.data(), &s6->sin6_addr, 16);
            from = boost::asio::ip::address_v6(b);
            if (from.to_v6().is_v4_mapped())
                from = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, from.to_v6());
        }
    }
    auto refuse = [&](uint16_t rcode, const char* why) {
        std::lock_guard lock(status_mu_);
        ++counters_.notify_refused;
        LOG_INFO("NOTIFY for %s from %s refused: %s", key.c_str(), from.to_string().c_str(), why);
        return rcode;
    };
    const dns::xfr::TsigKey* tsig = nullptr;
    t_notify_tsig = {};
    {
        std::lock_guard lock(notify_mu_);
        auto it = notify_map_.find(key);
        if (it == notify_map_.end()) return refuse(dns::wire::rcode::NOTAUTH, "not a secondary zone here");
        bool known = false;
        for (const auto& a : it->second.primaries) known = known || a == from;
        if (!known) return refuse(dns::wire::rcode::NOTAUTH, "not one of the zone's primaries");
        tsig = it->second.key;
    }
    if (tsig) {
        uint16_t err = 0;
        auto v = dns::xfr::TsigSession::verify_request(message, {*tsig}, static_cast<uint64_t>(unix_now()), err);
        if (!v) {
            // RFC 8945 §5.2: answer NOTAUTH with a TSIG carrying the error.
            t_notify_tsig.error = err;
            t_notify_tsig.key = tsig;
            return refuse(dns::wire::rcode::NOTAUTH, "TSIG verification failed");
        }
        t_notify_tsig.session.emplace(std::move(*v));
    }
    asio::post(io_, [this, key] {
        auto it = zones_.find(key);
        if (it == zones_.end()) return;
        Zone& z = *it->second;
        {
            std::lock_guard lock(status_mu_);
            ++counters_.notify_accepted;
        }
        z.refresh.notify(SteadyClock::now());
        if (z.busy) {
            z.again = true;  // several NOTIFYs while busy collapse into one more check
        } else {
            z.timer.cancel();
            check(z);
        }
    });
    return dns::wire::rcode::NOERROR;
}

size_t Secondaries::sign_notify_response(std::span<const uint8_t> request, uint8_t* out, size_t len,
                                         size_t cap) noexcept {
    NotifyTsig st = std::move(t_notify_tsig);
    t_notify_tsig = {};
    const uint64_t now = static_cast<uint64_t>(unix_now());
    if (st.session) {
        auto r = st.session->sign_response(out, len, cap, now);
        return r ? *r : len;
    }
    if (st.key && (st.error == dns::xfr::tsig_error::BADSIG || st.error == dns::xfr::tsig_error::BADKEY ||
                   st.error == dns::xfr::tsig_error::BADTIME)) {
        auto r = dns::xfr::TsigSession::sign_error_response(request, {*st.key}, st.error, out, len, cap, now);
        return r ? *r : len;
    }
    return len;
}

std::vector<ZoneStatus> Secondaries::collect_status() const {
    std::vector<ZoneStatus> out;
    out.reserve(zones_.size());
    auto now = SteadyClock::now();
    for (const auto& [key, z] : zones_) {
        ZoneStatus s;
        s.name = key;
        s.state = dns::secondary::to_string(z->refresh.state(now));
        s.serial = z->data ? z->data->serial() : 0;
        s.primary = z->data_primary < z->spec.primaries.size() ? z->spec.primaries[z->data_primary].to_string() : "";
        s.last_refresh = z->last_refresh;
        s.next_refresh = to_unix(z->refresh.next_check());
        s.last_error = z->last_error;
        s.catalog = z->catalog;
        s.records = z->data ? z->data->record_count() : 0;
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<ZoneStatus> Secondaries::status() const {
    if (!thread_.joinable()) return collect_status();
    // zones_ belongs to the control thread: ask it, and wait a bounded time.
    auto promise = std::make_shared<std::promise<std::vector<ZoneStatus>>>();
    auto future = promise->get_future();
    asio::post(const_cast<asio::io_context&>(io_), [this, promise] { promise->set_value(collect_status()); });
    if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return {};
    return future.get();
}

SecondaryCounters Secondaries::counters() const {
    std::lock_guard lock(status_mu_);
    return counters_;
}

size_t Secondaries::zone_count() const { return status().size(); }

}  // namespace dnsd
