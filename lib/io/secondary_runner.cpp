#include "lib/io/secondary_runner.hpp"

#include <malloc.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <ctime>
#include <set>

#include "lib/base/log.hpp"
#include "lib/xfr/catalog.hpp"

namespace dns::io {

namespace asio = boost::asio;
using secondary::Action;
using secondary::Failure;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

int64_t unix_now() { return static_cast<int64_t>(std::time(nullptr)); }

secondary::SoaTimers timers_of(const zone::Zone& z) {
    const auto& soa = z.soa();
    return secondary::timers_from_soa(z.rdata_bytes(soa.first), z.rdata(soa.first).length);
}

// How a failed SOA query or transfer counts (see secondary::Failure).
Failure failure_of(Errc code, bool transfer) {
    switch (code) {
        case Errc::timeout:
            return Failure::timeout;
        case Errc::unreachable:
            return Failure::unreachable;
        case Errc::io:
            return transfer ? Failure::lost : Failure::unreachable;
        case Errc::refused:
            return transfer ? Failure::bad_data : Failure::refused;
        default:
            return Failure::bad_data;
    }
}

}  // namespace

// What the runner holds of one zone (control thread).
struct SecondaryRunner::Data {
    zone::ZonePtr zone;
    std::string primary;
    // A transfer's result waiting for the engine's install.
    zone::ZonePtr pending;
    std::vector<xfr::Diff> pending_diffs;
    bool pending_incremental = false;
    // (A catalog) the serial whose member list the engine has.
    std::optional<uint32_t> members_of;
};

SecondaryRunner::SecondaryRunner(RunnerOptions options, std::vector<xfr::TsigKey> keys,
                                 ZoneSink& sink)
    : options_(options), keys_(std::move(keys)), sink_(sink), engine_(clock_, options.engine) {
    gate_.on_accept([this](const std::string& zone, const std::string& from,
                           std::optional<uint32_t> serial) { refresh(zone, from, serial); });
}

void SecondaryRunner::refresh(const std::string& zone, const std::string& from,
                              std::optional<uint32_t> serial) {
    asio::post(io_, [this, zone, from, serial] {
        // The checks a NOTIFY makes go ahead of routine ones queued for the
        // same primary (a restart's thousands of checks).
        LOG_DEBUG("zone %s: NOTIFY from %s taken", zone.c_str(), from.c_str());
        if (engine_.notify(zone, from, serial)) {
            // Its checks for the next few seconds (a routine one in flight
            // makes the engine check again after it) go first too.
            urgent_[zone] = clock_.now() + std::chrono::seconds(5);
            if (auto name = wire::Name::from_text(zone)) prober_.promote(*name);
        }
        process(zone);
    });
}

SecondaryRunner::~SecondaryRunner() { stop(); }

int64_t SecondaryRunner::to_unix(SteadyTime t) const {
    return unix_now() + std::chrono::duration_cast<std::chrono::seconds>(t - clock_.now()).count();
}

const xfr::TsigKey* SecondaryRunner::key_for(const std::string& name) const {
    return xfr::find_key(keys_, name);
}

secondary::ZoneSpec SecondaryRunner::spec_of(const SecondaryZone& z) const {
    secondary::ZoneSpec s{z.name, {}, z.key, z.catalog};
    for (const auto& p : z.primaries) s.primaries.push_back(p.to_string());
    return s;
}

// ---- zones ----

void SecondaryRunner::restore(const wire::Name& name, const std::string& catalog,
                              const secondary::ZoneSpec& spec) {
    const std::string key = name.lowercased().to_text();
    auto stored = sink_.stored(name);
    if (!stored || !stored->zone) {
        engine_.add(spec, std::nullopt, catalog);
        return;
    }
    const auto& z = *stored->zone;
    secondary::Saved saved{z.serial(), timers_of(z),
                           clock_.now() - std::chrono::seconds(unix_now() - stored->verified_unix),
                           stored->primary};
    engine_.add(spec, saved, catalog);
    auto& d = data_[key];
    if (!d) d = std::make_unique<Data>();
    d->zone = stored->zone;
    d->primary = stored->primary;
    auto st = engine_.status(key);
    Installed v;
    v.zone = stored->zone;
    v.primary = stored->primary;
    v.verified_unix = stored->verified_unix;
    v.expires_unix = st ? to_unix(st->expires) : 0;
    v.restored = true;
    v.expired = st && st->state == secondary::ZoneState::expired;
    sink_.installed(v);
    if (spec.catalog) sync_catalog(key, nullptr);
}

void SecondaryRunner::add_now(const SecondaryZone& zone, const std::string& catalog) {
    for (const auto& p : zone.primaries) endpoints_[p.to_string()] = p;
    restore(zone.name, catalog, spec_of(zone));
}

void SecondaryRunner::add(const SecondaryZone& zone) {
    add_now(zone, "");
    engine_.take_actions();  // before start(): nothing to carry out yet
}

void SecondaryRunner::start() {
    if (thread_.joinable()) return;
    // Reports and the NOTIFY access list once for every zone added (once per
    // add() made a start with 100,000 zones quadratic).
    for (const auto& key : engine_.keys()) update_report(key);
    publish_acl();
    engine_.start();
    asio::post(io_, [this] { process(); });
    thread_ = std::thread([this] {
        auto guard = asio::make_work_guard(io_);
        io_.run();
    });
    xfr_thread_ = std::thread([this] {
        auto guard = asio::make_work_guard(xfr_io_);
        xfr_io_.run();
    });
}

void SecondaryRunner::stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    xfr_io_.stop();
    thread_.join();
    xfr_thread_.join();
}

void SecondaryRunner::reconfigure(std::vector<SecondaryZone> zones,
                                  std::vector<xfr::TsigKey> keys) {
    asio::post(io_, [this, zones = std::move(zones), keys = std::move(keys)]() mutable {
        keys_ = std::move(keys);
        // The engine's claims may change below: each catalog's next version is read whole.
        for (auto& [key, d] : data_) d->members_of.reset();
        std::vector<secondary::ZoneSpec> specs;
        for (const auto& z : zones) {
            for (const auto& p : z.primaries) endpoints_[p.to_string()] = p;
            specs.push_back(spec_of(z));
            // A zone new to the configuration starts from what the sink holds of it.
            const std::string key = z.name.lowercased().to_text();
            if (!engine_.spec(key)) restore(z.name, "", specs.back());
        }
        size_t changed = engine_.reconfigure(specs);
        LOG_INFO("secondary zones reconfigured: %zu changed, %zu zones", changed, engine_.size());
        process();
        publish_acl();
    });
}

void SecondaryRunner::update(std::vector<SecondaryZone> zones, std::vector<std::string> removed) {
    asio::post(io_, [this, zones = std::move(zones), removed = std::move(removed)] {
        size_t changed = 0;
        for (const auto& z : zones) {
            for (const auto& p : z.primaries) endpoints_[p.to_string()] = p;
            auto spec = spec_of(z);
            const std::string key = z.name.lowercased().to_text();
            if (!engine_.spec(key)) {
                restore(z.name, "", spec);  // starts from what the sink holds of it
                ++changed;
            }
            changed += engine_.configure(spec) ? 1 : 0;
            if (spec.catalog) {
                if (auto it = data_.find(key); it != data_.end()) it->second->members_of.reset();
            }
        }
        for (const auto& key : removed)
            if (engine_.spec(key) && engine_.catalog_of(key).empty()) {
                engine_.remove(key);
                ++changed;
            }
        LOG_DEBUG("secondary zones updated: %zu changed, %zu zones", changed, engine_.size());
        process();
        publish_acl();
    });
}

// ---- carrying out the engine's actions ----

void SecondaryRunner::process(const std::string& touched) {
    std::set<std::string> keys;
    if (!touched.empty()) keys.insert(touched);
    bool zones_changed = false;
    // Actions may lead to more (an install of a catalog adds members): run until none.
    for (int round = 0; round < 1000; ++round) {
        auto actions = engine_.take_actions();
        if (actions.empty()) break;
        for (const auto& a : actions) {
            keys.insert(a.zone);
            // Catalog members get their NOTIFY access through their catalog's
            // entry (sync_catalog() keeps the gate's member list): only a
            // configured zone coming or going rebuilds the access list.
            if (a.kind == Action::Kind::added)
                zones_changed = zones_changed || engine_.catalog_of(a.zone).empty();
            else if (a.kind == Action::Kind::removed)
                zones_changed = zones_changed || unlisted_.erase(a.zone) == 0;
            run(a);
        }
    }
    for (const auto& k : keys) update_report(k);
    if (zones_changed) publish_acl();
    rearm();
}

void SecondaryRunner::run(const Action& a) {
    const secondary::ZoneSpec* spec = engine_.spec(a.zone);
    switch (a.kind) {
        case Action::Kind::query_soa:
            return query_soa(a);
        case Action::Kind::transfer:
            return transfer(a);
        case Action::Kind::install:
            return install(a);
        case Action::Kind::verified: {
            if (!spec) return;
            auto st = engine_.status(a.zone);
            const int64_t now = unix_now();
            sink_.verified(spec->name, now, st ? to_unix(st->expires) : 0);
            std::lock_guard lock(report_mu_);
            counters_.last_success = now;
            return;
        }
        case Action::Kind::expired:
            if (!spec) return;
            LOG_ERROR("zone %s: expired (not refreshed within its SOA expire): answering SERVFAIL",
                      a.zone.c_str());
            sink_.expired(spec->name, true);
            return flush_later();
        case Action::Kind::revived:
            if (!spec) return;
            LOG_INFO("zone %s: serial %u confirmed, no longer expired", a.zone.c_str(), a.serial);
            sink_.expired(spec->name, false);
            return flush_later();
        case Action::Kind::added:
            return;
        case Action::Kind::removed: {
            auto n = wire::Name::from_text(a.zone);
            data_.erase(a.zone);
            {
                std::lock_guard lock(report_mu_);
                reports_.erase(a.zone);
            }
            LOG_INFO("zone %s: removed", a.zone.c_str());
            if (n) sink_.removed(*n);
            return flush_later();
        }
    }
}

void SecondaryRunner::query_soa(const Action& a) {
    const secondary::ZoneSpec* spec = engine_.spec(a.zone);
    if (!spec || a.primary >= spec->primaries.size()) return;
    const std::string id = spec->primaries[a.primary];
    SoaProber::Options qo;
    qo.timeout = options_.soa_timeout;
    qo.attempts = 2;
    qo.expire = true;
    if (auto u = urgent_.find(a.zone); u != urgent_.end()) {
        qo.urgent = clock_.now() < u->second;
        if (!qo.urgent) urgent_.erase(u);
    }
    // The key is copied: a reconfiguration may replace keys_ while the query runs.
    if (const xfr::TsigKey* k = key_for(spec->key)) qo.key = std::make_shared<xfr::TsigKey>(*k);
    const std::string zone = a.zone;
    const size_t p = a.primary;
    const auto paused_before = engine_.backoff().paused_until(id);
    // All checks share the prober's socket: at most a thousand in flight,
    // whatever the number of zones and however dead the primary.
    prober_.probe(
        endpoints_[id], spec->name, qo, [this, zone, p, id, paused_before](Result<SoaAnswer> r) {
            if (r) {
                LOG_DEBUG("zone %s: %s has serial %u", zone.c_str(), id.c_str(), r->serial);
                engine_.soa_answer(zone, p, r->serial, r->expire);
            } else {
                engine_.soa_failed(zone, p, failure_of(r.error().code, false), r.error().message);
                const auto until = engine_.backoff().paused_until(id);
                if (until > paused_before && until > clock_.now())
                    LOG_WARN(
                        "primary %s: %u failures in a row (for any zone): not asked again for %lld "
                        "s",
                        id.c_str(), engine_.backoff().failures(id),
                        static_cast<long long>(
                            std::chrono::duration_cast<std::chrono::seconds>(until - clock_.now())
                                .count()));
            }
            process(zone);
        });
}

void SecondaryRunner::transfer(const Action& a) {
    const secondary::ZoneSpec* spec = engine_.spec(a.zone);
    if (!spec || a.primary >= spec->primaries.size()) return;
    const std::string id = spec->primaries[a.primary];
    auto kind = a.ixfr ? xfr::Kind::ixfr : xfr::Kind::axfr;
    auto t = std::make_shared<xfr::TransferIn>(spec->name, kind, a.serial, options_.limits);
    TransferOptions to;
    to.idle_timeout = options_.idle_timeout;
    to.max_duration = options_.max_duration;
    std::shared_ptr<xfr::TsigKey> key;
    if (const xfr::TsigKey* k = key_for(spec->key)) key = std::make_shared<xfr::TsigKey>(*k);
    to.key = key.get();
    zone::ZonePtr base;
    if (auto it = data_.find(a.zone); it != data_.end()) base = it->second->zone;
    const Endpoint ep = endpoints_[id];
    const std::string zone = a.zone;
    const size_t p = a.primary;
    const bool ixfr = a.ixfr;
    const auto started = clock_.now();
    // The transfer, and the build or patch of the new snapshot, run on the
    // transfer thread; the result comes back here.
    asio::post(xfr_io_, [this, ep, t, to, key, base, zone, p, ixfr, started] {
        run_transfer(
            xfr_io_, ep, t, to, [this, t, key, base, zone, p, ixfr, started](Result<void> r) {
                zone::ZonePtr applied;
                std::string rebuilt, apply_error;
                if (r && t->outcome() == xfr::TransferIn::Outcome::incremental) {
                    if (!base) {
                        apply_error = "no data to apply differences to";
                    } else if (auto ap = xfr::apply(base, t->diffs(), &rebuilt)) {
                        applied = *ap;
                    } else {
                        apply_error = ap.error().message;
                    }
                }
                asio::post(io_, [this, zone, p, ixfr, t, r, applied, rebuilt, apply_error,
                                 started] {
                    transfer_result(zone, p, ixfr, t, r, applied, rebuilt, apply_error, started);
                });
            });
    });
}

void SecondaryRunner::transfer_result(const std::string& key, size_t p, bool ixfr,
                                      std::shared_ptr<xfr::TransferIn> t, Result<void> r,
                                      zone::ZonePtr applied, std::string rebuilt,
                                      std::string apply_error, SteadyTime started) {
    const secondary::ZoneSpec* spec = engine_.spec(key);
    const std::string from = spec && p < spec->primaries.size() ? spec->primaries[p] : "?";
    const char* kind = ixfr ? "IXFR" : "AXFR";
    const double ms = std::chrono::duration<double, std::milli>(clock_.now() - started).count();
    if (!r) {
        LOG_WARN("zone %s: %s from %s failed: %s", key.c_str(), kind, from.c_str(),
                 r.error().message.c_str());
        engine_.transfer_failed(key, p, ixfr, failure_of(r.error().code, true), r.error().message);
        return process(key);
    }
    auto& slot = data_[key];
    if (!slot) slot = std::make_unique<Data>();
    Data& d = *slot;
    secondary::Transferred out;
    out.expire = t->expire();
    switch (t->outcome()) {
        case xfr::TransferIn::Outcome::full_zone:
            LOG_INFO("zone %s: serial %u from %s by %s, %zu records, %zu messages, %.1f ms",
                     key.c_str(), t->zone()->serial(), from.c_str(), kind,
                     t->zone()->record_count(), t->messages(), ms);
            d.pending = t->zone();
            d.pending_diffs.clear();
            d.pending_incremental = false;
            out.outcome = secondary::Transferred::Outcome::full;
            out.serial = t->zone()->serial();
            out.timers = timers_of(*t->zone());
            break;
        case xfr::TransferIn::Outcome::incremental:
            if (!applied) {
                LOG_WARN("zone %s: IXFR from %s does not apply (%s); trying AXFR", key.c_str(),
                         from.c_str(), apply_error.c_str());
                engine_.transfer_failed(key, p, ixfr, Failure::no_apply, apply_error);
                return process(key);
            }
            LOG_INFO(
                "zone %s: serial %u from %s by IXFR, %zu differences, %zu records, %.1f ms%s%s",
                key.c_str(), applied->serial(), from.c_str(), t->diffs().size(), t->records(), ms,
                rebuilt.empty() ? "" : ", zone rebuilt: ", rebuilt.c_str());
            d.pending = applied;
            d.pending_diffs = t->diffs();
            d.pending_incremental = true;
            out.outcome = secondary::Transferred::Outcome::incremental;
            out.serial = applied->serial();
            out.timers = timers_of(*applied);
            break;
        case xfr::TransferIn::Outcome::up_to_date:
            out.outcome = secondary::Transferred::Outcome::up_to_date;
            break;
        case xfr::TransferIn::Outcome::none:
            out.outcome = secondary::Transferred::Outcome::none;
            break;
    }
    engine_.transfer_done(key, p, ixfr, out);
    process(key);
    d.pending.reset();  // not installed (older than ours, or the zone left): dropped
    d.pending_diffs.clear();
}

void SecondaryRunner::install(const Action& a) {
    const secondary::ZoneSpec* spec = engine_.spec(a.zone);
    auto it = data_.find(a.zone);
    if (!spec || it == data_.end() || !it->second->pending) return;
    Data& d = *it->second;
    d.zone = std::move(d.pending);
    d.primary = a.primary < spec->primaries.size() ? spec->primaries[a.primary] : "";
    auto st = engine_.status(a.zone);
    Installed v;
    v.zone = d.zone;
    v.diffs = d.pending_incremental ? &d.pending_diffs : nullptr;
    v.primary = d.primary;
    v.verified_unix = unix_now();
    v.expires_unix = st ? to_unix(st->expires) : 0;
    sink_.installed(v);
    if (spec->catalog) sync_catalog(a.zone, v.diffs);
    d.pending_diffs.clear();
    d.pending_incremental = false;
    {
        std::lock_guard lock(report_mu_);
        counters_.last_success = v.verified_unix;
        if (spec->catalog) counters_.last_catalog_refresh = v.verified_unix;
    }
    if (!trim_posted_) {
        // Transfers free large buffers: hand them back to the system now and then.
        trim_posted_ = true;
        trim_timer_.expires_after(std::chrono::seconds(2));
        trim_timer_.async_wait([this](boost::system::error_code ec) {
            trim_posted_ = false;
            if (!ec)
                asio::post(xfr_io_, [] {
                    const auto t0 = std::chrono::steady_clock::now();
                    malloc_trim(0);
                    const auto ms = std::chrono::duration<double, std::milli>(
                                        std::chrono::steady_clock::now() - t0)
                                        .count();
                    LOG_DEBUG("malloc_trim: %.1f ms", ms);
                });
        });
    }
    flush_later();
}

void SecondaryRunner::sync_catalog(const std::string& key, const std::vector<xfr::Diff>* diffs) {
    auto it = data_.find(key);
    const secondary::ZoneSpec* cat = engine_.spec(key);
    if (it == data_.end() || !it->second->zone || !cat) return;
    Data& d = *it->second;
    const zone::Zone& z = *d.zone;
    // An IXFR from the version the engine has: only the entries it changed
    // are read (a version of a catalog of 100,000 zones that adds one).
    if (diffs && !diffs->empty() && d.members_of && diffs->front().from == *d.members_of)
        if (auto delta = xfr::catalog_delta(z, *diffs)) {
            std::vector<secondary::CatalogEntry> listed;
            std::vector<std::string> unlisted;
            size_t added = 0;
            std::vector<std::string> touched;
            for (const auto& m : delta->listed) {
                touched.push_back(m.zone.lowercased().to_text());
                listed.push_back({m.zone, m.coo ? m.coo->lowercased().to_text() : std::string()});
                if (engine_.spec(touched.back())) continue;
                restore(m.zone, key, secondary::ZoneSpec{m.zone, cat->primaries, cat->key, false});
                ++added;
            }
            for (const auto& n : delta->unlisted) {
                unlisted.push_back(n.lowercased().to_text());
                unlisted_.insert(unlisted.back());  // its removal needs no new access list
            }
            const size_t before = engine_.size();
            engine_.catalog_update(key, listed, unlisted);
            d.members_of = z.serial();
            // The zones configured on their own (publish_acl) are as they were.
            for (const auto* keys : {&unlisted, &touched})
                for (const auto& k : *keys) gate_.set_member(k, engine_.catalog_of(k));
            const size_t removed = before > engine_.size() ? before - engine_.size() : 0;
            if (added || removed)
                LOG_INFO("catalog %s: serial %u, %zu added, %zu removed", key.c_str(), z.serial(),
                         added, removed);
            return;
        }
    auto members = xfr::catalog_members(z);
    if (!members) {
        LOG_ERROR("catalog %s: %s; members unchanged", key.c_str(),
                  members.error().message.c_str());
        return;
    }
    std::vector<secondary::CatalogEntry> entries;
    size_t added = 0;
    for (const auto& m : *members) {
        std::string mkey = m.zone.lowercased().to_text();
        entries.push_back({m.zone, m.coo ? m.coo->lowercased().to_text() : std::string()});
        if (engine_.spec(mkey)) continue;
        // A new member starts from what the sink holds of it.
        restore(m.zone, key, secondary::ZoneSpec{m.zone, cat->primaries, cat->key, false});
        ++added;
    }
    const size_t before = engine_.size();
    engine_.catalog_changed(key, entries);
    d.members_of = z.serial();
    const size_t removed = before > engine_.size() ? before - engine_.size() : 0;
    if (added || removed)
        LOG_INFO("catalog %s: %zu members (%zu added, %zu removed)", key.c_str(), members->size(),
                 added, removed);
    publish_acl();
}

// ---- timers, publication, reports ----

void SecondaryRunner::rearm() {
    auto next = engine_.next_wakeup();
    if (!next) return;
    wakeup_.expires_at(*next);
    wakeup_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        engine_.tick();
        process();
    });
}

void SecondaryRunner::flush_later() {
    if (flush_posted_) return;
    flush_posted_ = true;
    // One flush per burst of changes, at most one every 2 ms and no more often
    // than 4 times what the last one cost: a catalog of thousands of new zones
    // must not publish thousands of tables.
    auto gap = std::max<std::chrono::steady_clock::duration>(std::chrono::milliseconds(2),
                                                             4 * last_flush_cost_);
    flush_timer_.expires_at(std::max(clock_.now(), last_flush_ + gap));
    flush_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        flush_posted_ = false;
        last_flush_ = clock_.now();
        sink_.flush();
        last_flush_cost_ = clock_.now() - last_flush_;
    });
}

void SecondaryRunner::publish_acl() {
    auto acl = std::make_shared<NotifyAcl>();
    std::unordered_map<std::string, std::string> members;
    for (const auto& key : engine_.keys()) {
        if (std::string cat = engine_.catalog_of(key); !cat.empty()) {
            members.emplace(key, std::move(cat));  // who may NOTIFY the catalog
            continue;
        }
        const secondary::ZoneSpec* spec = engine_.spec(key);
        NotifySource src;
        for (const auto& p : spec->primaries) {
            auto it = endpoints_.find(p);
            if (it != endpoints_.end()) src.primaries.push_back(it->second.address);
        }
        if (const xfr::TsigKey* k = key_for(spec->key)) src.key = *k;
        acl->emplace(key, std::move(src));
    }
    gate_.set(std::move(acl));
    gate_.set_members(std::move(members));
}

void SecondaryRunner::update_report(const std::string& key) {
    auto st = engine_.status(key);
    if (!st) return;
    ZoneReport r;
    r.name = key;
    r.serial = st->serial;
    r.primary = st->primary;
    r.last_refresh = st->last_refresh ? to_unix(*st->last_refresh) : 0;
    r.next_refresh = to_unix(st->next_check);
    r.expires = st->state == secondary::ZoneState::empty ? 0 : to_unix(st->expires);
    r.last_error = st->last_error;
    r.catalog = st->catalog;
    r.is_catalog = st->is_catalog;
    auto it = data_.find(key);
    r.records = it != data_.end() && it->second->zone ? it->second->zone->record_count() : 0;
    r.failures = st->failures;
    // Stale and expired are worked out when asked: time passes without events.
    r.state = st->state == secondary::ZoneState::empty ? "empty" : "";
    r.stale_at = to_unix(st->stale_at);
    std::lock_guard lock(report_mu_);
    auto old = reports_.find(key);
    const unsigned before = old == reports_.end() ? 0 : old->second.failures;
    if (r.failures > before)
        LOG_WARN("zone %s: refresh failed (%u in a row), next try in %lld s: %s", key.c_str(),
                 r.failures, static_cast<long long>(r.next_refresh - unix_now()),
                 r.last_error.c_str());
    if (track_failures_ && (old == reports_.end() || r.failures != before))
        failures_changed_.insert(key);
    reports_[key] = std::move(r);
    const auto c = engine_.counters();
    static_cast<secondary::EngineCounters&>(counters_) = c;
}

std::vector<ZoneReport> SecondaryRunner::failures_changed() {
    std::set<std::string> keys;
    {
        std::lock_guard lock(report_mu_);
        if (!track_failures_) {
            track_failures_ = true;
            failures_changed_.clear();
        } else {
            keys.swap(failures_changed_);
            if (keys.empty()) return {};
        }
    }
    if (keys.empty()) return zones();  // the first call
    return zones(keys);
}

std::vector<ZoneReport> SecondaryRunner::zones() const { return zones({}); }

std::vector<ZoneReport> SecondaryRunner::zones(const std::set<std::string>& only) const {
    std::vector<ZoneReport> out;
    const int64_t now = unix_now();
    auto take = [&](const ZoneReport& r) {
        ZoneReport z = r;
        if (r.state != "empty")
            z.state = now >= r.expires ? "expired" : now >= r.stale_at ? "stale" : "fresh";
        out.push_back(std::move(z));
    };
    std::lock_guard lock(report_mu_);
    if (!only.empty()) {
        for (const auto& key : only)
            if (auto it = reports_.find(key); it != reports_.end()) take(it->second);
        return out;
    }
    out.reserve(reports_.size());
    for (const auto& [key, r] : reports_) take(r);
    std::sort(out.begin(), out.end(),
              [](const ZoneReport& a, const ZoneReport& b) { return a.name < b.name; });
    return out;
}

RunnerCounters SecondaryRunner::counters() const {
    std::lock_guard lock(report_mu_);
    RunnerCounters c = counters_;
    c.notify_refused = gate_.refused();
    return c;
}

size_t SecondaryRunner::zone_count() const {
    std::lock_guard lock(report_mu_);
    return reports_.size();
}

}  // namespace dns::io
