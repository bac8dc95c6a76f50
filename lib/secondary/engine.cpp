#include "lib/secondary/engine.hpp"

#include <algorithm>
#include <functional>

#include "lib/base/serial.hpp"

namespace dns::secondary {

const char* to_string(Failure f) {
    switch (f) {
        case Failure::unreachable:
            return "unreachable";
        case Failure::timeout:
            return "timeout";
        case Failure::refused:
            return "refused";
        case Failure::bad_data:
            return "bad data";
        case Failure::lost:
            return "connection lost";
        case Failure::no_apply:
            return "does not apply";
    }
    return "?";
}

const char* to_string(Action::Kind k) {
    switch (k) {
        case Action::Kind::query_soa:
            return "query_soa";
        case Action::Kind::transfer:
            return "transfer";
        case Action::Kind::install:
            return "install";
        case Action::Kind::verified:
            return "verified";
        case Action::Kind::expired:
            return "expired";
        case Action::Kind::revived:
            return "revived";
        case Action::Kind::added:
            return "added";
        case Action::Kind::removed:
            return "removed";
    }
    return "?";
}

struct Engine::Zone {
    Zone(ZoneSpec s, std::string k, std::string cat, uint64_t seed, TimerBounds bounds)
        : spec(std::move(s)), key(std::move(k)), catalog(std::move(cat)), refresh(seed, bounds) {}

    ZoneSpec spec;
    std::string key;
    std::string catalog;  // the catalog it belongs to, "" if configured
    RefreshState refresh;
    size_t data_primary = SIZE_MAX;  // where the data came from
    std::optional<TimePoint> last_refresh;
    std::string last_error;
    bool busy = false, again = false, expired = false, queued = false;
    // The SOA round in progress.
    size_t pending = 0;
    std::vector<std::optional<uint32_t>> soa;
    std::vector<int64_t> soa_expire;
    std::vector<std::string> errors;
    std::vector<bool> asking;        // queries of this round not answered yet
    std::vector<size_t> candidates;  // primaries with a newer serial, best first, still to try
    bool confirmed = false;          // some primary confirmed the serial we hold
    int64_t upstream_expire = -1;
    // The transfer waiting for a slot.
    size_t queued_primary = 0;
    bool queued_ixfr = false;
    Agenda::iterator due_check, due_expiry, due_decide;
    bool has_check = false, has_expiry = false, has_decide = false;
    bool has_data() const { return refresh.has_data(); }
};

Engine::Engine(const dns::Clock& clock, EngineOptions options) : clock_(clock), options_(options) {}

Engine::~Engine() = default;

Engine::Zone* Engine::find(const std::string& key) {
    auto it = zones_.find(key);
    return it == zones_.end() ? nullptr : it->second.get();
}

void Engine::emit(Action::Kind kind, const Zone& z, size_t primary, bool ixfr) {
    actions_.push_back(Action{kind, z.key, primary, ixfr, z.refresh.serial()});
}

std::vector<Action> Engine::take_actions() {
    std::vector<Action> out;
    out.swap(actions_);
    return out;
}

// ---- zones ----

Engine::Zone& Engine::create(const ZoneSpec& spec, const std::string& catalog,
                             const std::optional<Saved>& saved) {
    std::string key = spec.name.lowercased().to_text();
    auto& slot = zones_[key];
    if (slot) return *slot;
    uint64_t seed = options_.seed ^ std::hash<std::string>{}(key);
    slot = std::make_unique<Zone>(spec, key, catalog, seed, options_.bounds);
    Zone& z = *slot;
    if (saved) {
        z.refresh.loaded(saved->serial, saved->timers, saved->verified, clock_.now());
        z.last_refresh = saved->verified;
        for (size_t i = 0; i < spec.primaries.size(); ++i)
            if (spec.primaries[i] == saved->primary) z.data_primary = i;
        z.expired = z.refresh.state(clock_.now()) == ZoneState::expired;
    }
    return z;
}

void Engine::add(const ZoneSpec& spec, const std::optional<Saved>& saved,
                 const std::string& catalog) {
    Zone& z = create(spec, catalog, saved);
    if (!started_) return;
    if (!z.has_data()) z.refresh.notify(clock_.now());
    schedule(z);
}

void Engine::drop(const std::string& key) {
    Zone* z = find(key);
    if (!z) return;
    unschedule(*z);
    cancel_decide(*z);
    const bool catalog = z->spec.catalog;
    emit(Action::Kind::removed, *z);
    zones_.erase(key);
    // A transfer in flight reports to a zone that is gone: ignored (see find()).
    if (catalog) {
        // Its members leave with it, or move to another catalog that lists them.
        std::vector<CatalogEntry> none;
        catalog_changed(key, none);
    }
}

void Engine::remove(const std::string& key) {
    claims_.erase(key);
    drop(key);
}

void Engine::update_spec(Zone& z, const ZoneSpec& spec) {
    if (z.spec == spec) return;
    // The IXFR history stays with the primary the data came from, if it is still listed.
    std::string from =
        z.data_primary < z.spec.primaries.size() ? z.spec.primaries[z.data_primary] : "";
    z.data_primary = SIZE_MAX;
    for (size_t i = 0; i < spec.primaries.size(); ++i)
        if (spec.primaries[i] == from) z.data_primary = i;
    const bool primaries_changed = z.spec.primaries != spec.primaries;
    z.spec = spec;
    if (primaries_changed && !z.busy && started_) {
        // New primaries: ask them at once.
        z.refresh.notify(clock_.now());
        schedule(z);
    }
}

size_t Engine::reconfigure(const std::vector<ZoneSpec>& specs) {
    size_t changed = 0;
    std::set<std::string> want;
    for (const auto& s : specs) want.insert(s.name.lowercased().to_text());
    std::vector<std::string> gone;
    for (const auto& [key, z] : zones_)
        if (z->catalog.empty() && !want.count(key)) gone.push_back(key);
    for (const auto& key : gone) {
        remove(key);
        ++changed;
    }
    for (const auto& s : specs) {
        std::string key = s.name.lowercased().to_text();
        Zone* z = find(key);
        if (!z) {
            add(s);
            ++changed;
            continue;
        }
        if (!z->catalog.empty()) {
            // A catalog member now configured on its own: the configuration wins.
            z->catalog.clear();
        }
        if (!(z->spec == s)) {
            update_spec(*z, s);
            ++changed;
        }
    }
    // Catalog members take their catalog's primaries and key.
    for (auto& [key, z] : zones_) {
        if (z->catalog.empty()) continue;
        const Zone* cat = find(z->catalog);
        if (!cat) continue;
        ZoneSpec s{z->spec.name, cat->spec.primaries, cat->spec.key, false};
        update_spec(*z, s);
    }
    return changed;
}

bool Engine::configure(const ZoneSpec& spec) {
    const std::string key = spec.name.lowercased().to_text();
    Zone* z = find(key);
    if (!z) {
        add(spec);
        return true;
    }
    z->catalog.clear();  // a catalog member now configured on its own: the configuration wins
    if (z->spec == spec) return false;
    update_spec(*z, spec);
    if (spec.catalog)  // its members take its primaries and key
        for (auto& [k, m] : zones_)
            if (m->catalog == key) update_spec(*m, {m->spec.name, spec.primaries, spec.key, false});
    return true;
}

void Engine::start() {
    started_ = true;
    const auto now = clock_.now();
    std::chrono::milliseconds window = options_.startup_spread;
    if (options_.startup_rate > 0) {
        // At the rate asked for, and never squeezed below 100 ms.
        auto need = std::chrono::milliseconds(zones_.size() * 1000 / options_.startup_rate);
        window = std::clamp(need, std::chrono::milliseconds(100),
                            std::max(std::chrono::milliseconds(100),
                                     std::chrono::milliseconds(options_.startup_spread)));
    }
    for (auto& [key, z] : zones_) {
        if (z->has_data() && z->refresh.state(now) != ZoneState::expired)
            z->refresh.spread_first_check(now, window,  // no storm at start-up
                                          options_.recheck_saved);
        else
            z->refresh.notify(now);  // nothing valid to serve: ask at once
        schedule(*z);
    }
}

// ---- the agenda ----

void Engine::unschedule(Zone& z) {
    if (z.has_check) agenda_.erase(z.due_check);
    if (z.has_expiry) agenda_.erase(z.due_expiry);
    z.has_check = z.has_expiry = false;
}

void Engine::cancel_decide(Zone& z) {
    if (z.has_decide) agenda_.erase(z.due_decide);
    z.has_decide = false;
}

void Engine::schedule(Zone& z) {
    unschedule(z);
    if (!started_) return;
    z.due_check = agenda_.emplace(z.refresh.next_check(), std::make_pair(z.key, Due::check));
    z.has_check = true;
    if (z.has_data() && !z.expired) {
        z.due_expiry = agenda_.emplace(z.refresh.expires(), std::make_pair(z.key, Due::expiry));
        z.has_expiry = true;
    }
}

std::optional<TimePoint> Engine::next_wakeup() const {
    if (agenda_.empty()) return std::nullopt;
    return agenda_.begin()->first;
}

void Engine::tick() {
    const auto now = clock_.now();
    // Bounded: each entry runs once; what it schedules is for later (or, for a
    // check due again at once, for the next tick).
    size_t budget = agenda_.size();
    while (budget-- > 0 && !agenda_.empty() && agenda_.begin()->first <= now) {
        auto it = agenda_.begin();
        auto [key, due] = it->second;
        Zone* z = find(key);
        if (!z) {
            agenda_.erase(it);
            continue;
        }
        if (due == Due::check) {
            agenda_.erase(it);
            z->has_check = false;
            check(*z);
        } else if (due == Due::decide) {
            // The grace is over: decide with the answers there are.
            agenda_.erase(it);
            z->has_decide = false;
            if (z->busy && z->pending > 0) {
                for (size_t i = 0; i < z->asking.size(); ++i)
                    if (z->asking[i])
                        z->errors[i] = z->spec.primaries[i] + ": no SOA answer within " +
                                       std::to_string(options_.soa_grace.count()) +
                                       " ms of another primary's";
                z->pending = 0;
                soa_done(*z);
            }
        } else {
            agenda_.erase(it);
            z->has_expiry = false;
            check_expiry(*z);
        }
    }
}

// ---- a check: SOA of every primary ----

std::string Engine::paused_why(const std::string& id) const {
    const auto now = clock_.now();
    return id + ": paused after " + std::to_string(backoff_.failures(id)) +
           " failures in a row (for any zone), " +
           std::to_string(
               std::chrono::duration_cast<std::chrono::seconds>(backoff_.paused_until(id) - now)
                   .count()) +
           " s left";
}

void Engine::check(Zone& z) {
    if (z.busy) {
        z.again = true;  // several NOTIFYs (or a NOTIFY during a check) make one more check
        return;
    }
    z.busy = true;
    const size_t n = z.spec.primaries.size();
    const auto now = clock_.now();
    if (n == 0) return refresh_failed(z, "no primaries");
    if (!z.has_data() && n == 1) {
        const std::string& p = z.spec.primaries[0];
        if (!backoff_.usable(p, now)) {
            ++counters_.soa_skipped;
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
    z.asking.assign(n, false);
    for (size_t i = 0; i < n; ++i) {
        const std::string& p = z.spec.primaries[i];
        if (!backoff_.usable(p, now)) {
            // Known dead for every zone: do not spend a timeout on it.
            z.errors[i] = paused_why(p);
            --z.pending;
            ++counters_.soa_skipped;
            continue;
        }
        z.asking[i] = true;
        emit(Action::Kind::query_soa, z, i);
    }
    if (z.pending == 0) soa_done(z);  // every primary paused
}

void Engine::primary_failed(const std::string& id) {
    backoff_.failed(id, clock_.now());
    counters_.primaries_paused = backoff_.paused(clock_.now());
}

void Engine::primary_answered(const std::string& id) {
    const bool was_failing = backoff_.failures(id) != 0;
    backoff_.succeeded(id, clock_.now());
    if (was_failing) counters_.primaries_paused = backoff_.paused(clock_.now());
}

void Engine::soa_answer(const std::string& key, size_t primary, uint32_t serial, int64_t expire) {
    Zone* z = find(key);
    if (z && primary < z->spec.primaries.size()) primary_answered(z->spec.primaries[primary]);
    ++counters_.soa_ok;
    if (!z || primary >= z->asking.size() || !z->asking[primary]) return;
    z->asking[primary] = false;
    if (!z->busy || z->pending == 0) return late_answer(*z, serial);
    z->soa[primary] = serial;
    z->soa_expire[primary] = expire;
    if (--z->pending == 0) return soa_done(*z);
    // Something newer: the other primaries get soa_grace, not a whole timeout.
    if (!z->has_decide && (!z->has_data() || serial_gt(serial, z->refresh.serial()))) {
        z->due_decide =
            agenda_.emplace(clock_.now() + options_.soa_grace, std::make_pair(z->key, Due::decide));
        z->has_decide = true;
    }
}

void Engine::late_answer(Zone& z, std::optional<uint32_t> serial) {
    if (!serial) return;
    // Newer than anything the round found: one more check after this one.
    uint32_t best = z.refresh.serial();
    bool any = z.has_data();
    for (const auto& s : z.soa)
        if (s && (!any || serial_gt(*s, best))) {
            best = *s;
            any = true;
        }
    if (any && !serial_gt(*serial, best)) return;
    if (z.busy)
        z.again = true;
    else
        check(z);
}

void Engine::soa_failed(const std::string& key, size_t primary, Failure why,
                        const std::string& detail) {
    Zone* z = find(key);
    ++counters_.soa_failed;
    if (z && primary < z->spec.primaries.size() &&
        (why == Failure::timeout || why == Failure::unreachable))
        primary_failed(z->spec.primaries[primary]);
    if (!z || primary >= z->asking.size() || !z->asking[primary]) return;
    z->asking[primary] = false;
    if (!z->busy || z->pending == 0) return;
    z->errors[primary] = z->spec.primaries[primary] + ": " + detail;
    if (--z->pending == 0) soa_done(*z);
}

void Engine::soa_done(Zone& z) {
    cancel_decide(z);
    // Candidates: primaries with a serial newer than ours, highest first; on a
    // tie the primary our data came from first (so IXFR stays possible).
    z.candidates.clear();
    z.confirmed = false;
    z.upstream_expire = -1;
    bool any = false;
    const uint32_t have = z.refresh.serial();
    for (size_t i = 0; i < z.soa.size(); ++i) {
        if (!z.soa[i]) continue;
        any = true;
        if (z.has_data() && !serial_gt(*z.soa[i], have)) {
            if (*z.soa[i] == have) {
                z.confirmed = true;
                z.upstream_expire = std::max(z.upstream_expire, z.soa_expire[i]);
            } else {
                // A primary that went backwards (or is behind): never a reason to move.
                z.errors[i] = z.spec.primaries[i] + ": serial " + std::to_string(*z.soa[i]) +
                              " is older than our " + std::to_string(have);
            }
            continue;
        }
        z.candidates.push_back(i);
    }
    std::stable_sort(z.candidates.begin(), z.candidates.end(), [&](size_t a, size_t b) {
        if (*z.soa[a] != *z.soa[b]) return serial_gt(*z.soa[a], *z.soa[b]);
        return a == z.data_primary && b != z.data_primary;
    });
    if (!any) {
        std::string why;
        for (const auto& e : z.errors)
            if (!e.empty()) why += (why.empty() ? "" : "; ") + e;
        return refresh_failed(z, "SOA check failed: " + why);
    }
    next_candidate(z, "");
}

// Transfers from the next candidate primary, or ends the round.
void Engine::next_candidate(Zone& z, const std::string& last_failure) {
    if (z.candidates.empty()) {
        if (z.confirmed || (z.has_data() && last_failure.empty())) return confirm(z);
        return refresh_failed(z, last_failure.empty() ? "no primary has the zone" : last_failure);
    }
    const size_t p = z.candidates.front();
    z.candidates.erase(z.candidates.begin());
    // IXFR only from the primary our data came from: histories are never mixed.
    const bool ixfr = z.has_data() && p == z.data_primary;
    enqueue(z, p, ixfr, z.refresh.notified());
}

void Engine::enqueue(Zone& z, size_t primary, bool ixfr, bool urgent) {
    z.queued_primary = primary;
    z.queued_ixfr = ixfr;
    if (!z.queued) {
        z.queued = true;
        (urgent ? urgent_ : routine_).push_back(z.key);
    }
    start_transfers();
}

void Engine::start_transfers() {
    while (running_ < options_.max_transfers && (!urgent_.empty() || !routine_.empty())) {
        auto& q = urgent_.empty() ? routine_ : urgent_;
        std::string key = std::move(q.front());
        q.pop_front();
        Zone* z = find(key);
        if (!z || !z->queued) continue;
        z->queued = false;
        ++running_;
        emit(Action::Kind::transfer, *z, z->queued_primary, z->queued_ixfr);
    }
}

// ---- outcomes ----

void Engine::transfer_failed(const std::string& key, size_t primary, bool ixfr, Failure why,
                             const std::string& detail) {
    if (running_) --running_;
    ++(ixfr ? counters_.ixfr_failed : counters_.axfr_failed);
    if (why == Failure::bad_data || why == Failure::no_apply) ++counters_.refused_transfers;
    Zone* z = find(key);
    if (z && primary < z->spec.primaries.size() && why == Failure::unreachable)
        primary_failed(z->spec.primaries[primary]);
    if (z && z->busy) {
        if (ixfr && primary < z->spec.primaries.size()) {
            // RFC 1995 §2: a secondary may fall back to AXFR.
            enqueue(*z, primary, false, true);
        } else {
            // Then the next primary with a newer serial, if any: one broken or
            // hostile primary must not take the zone down.
            std::string from =
                primary < z->spec.primaries.size() ? z->spec.primaries[primary] : "?";
            next_candidate(*z,
                           std::string(ixfr ? "IXFR" : "AXFR") + " from " + from + ": " + detail);
        }
    }
    start_transfers();
}

void Engine::transfer_done(const std::string& key, size_t primary, bool ixfr,
                           const Transferred& t) {
    if (running_) --running_;
    Zone* z = find(key);
    if (z && primary < z->spec.primaries.size()) primary_answered(z->spec.primaries[primary]);
    if (z && z->busy) {
        switch (t.outcome) {
            case Transferred::Outcome::full:
            case Transferred::Outcome::incremental:
                // Counted by what came: a full zone, even when asked for by IXFR.
                ++(t.outcome == Transferred::Outcome::full ? counters_.axfr_ok : counters_.ixfr_ok);
                if (z->has_data() && !serial_gt(t.serial, z->refresh.serial()) &&
                    t.serial != z->refresh.serial()) {
                    // Older than what we serve (the primary went back between the
                    // SOA answer and the transfer): keep ours.
                    next_candidate(*z, "the transfer from " + z->spec.primaries[primary] +
                                           " brought serial " + std::to_string(t.serial) +
                                           ", older than ours");
                } else {
                    z->upstream_expire = t.expire;
                    install(*z, primary, t);
                }
                break;
            case Transferred::Outcome::up_to_date:
            case Transferred::Outcome::none:
                if (z->has_data()) {
                    confirm(*z);
                } else {
                    next_candidate(*z,
                                   "the primary " + z->spec.primaries[primary] + " sent no zone");
                }
                break;
        }
    }
    (void)ixfr;
    start_transfers();
}

void Engine::confirm(Zone& z) {
    const auto now = clock_.now();
    SoaTimers timers = z.refresh.timers();
    timers.upstream_expire = z.upstream_expire;
    // The timers as published: RefreshState bounds them again.
    z.refresh.refreshed(z.refresh.serial(), timers, now);
    z.last_refresh = now;
    z.last_error.clear();
    ++counters_.up_to_date;
    emit(Action::Kind::verified, z);
    if (z.expired) {
        z.expired = false;
        emit(Action::Kind::revived, z);
    }
    finish_round(z);
}

void Engine::install(Zone& z, size_t primary, const Transferred& t) {
    const auto now = clock_.now();
    SoaTimers timers = t.timers;
    timers.upstream_expire = z.upstream_expire;
    z.refresh.refreshed(t.serial, timers, now);
    z.data_primary = primary;
    z.last_refresh = now;
    z.last_error.clear();
    z.expired = false;
    emit(Action::Kind::install, z, primary);
    finish_round(z);
}

void Engine::refresh_failed(Zone& z, const std::string& why) {
    z.last_error = why;
    z.refresh.failed(clock_.now());
    check_expiry(z);
    finish_round(z);
}

void Engine::finish_round(Zone& z) {
    z.busy = false;
    z.candidates.clear();
    schedule(z);
    if (z.again) {
        z.again = false;
        z.refresh.notify(clock_.now());
        check(z);
    }
}

void Engine::check_expiry(Zone& z) {
    if (!z.has_data() || z.expired) return;
    if (z.refresh.state(clock_.now()) != ZoneState::expired) {
        schedule(z);
        return;
    }
    z.expired = true;
    emit(Action::Kind::expired, z);
    if (!z.busy) schedule(z);
}

bool Engine::notify(const std::string& key, const std::string& from,
                    std::optional<uint32_t> serial) {
    Zone* z = find(key);
    if (!z) return false;
    ++counters_.notify_accepted;
    const bool current =
        serial && z->has_data() && !z->expired && !serial_gt(*serial, z->refresh.serial());
    if (current) ++counters_.notify_current;
    if (!from.empty())
        for (const auto& p : z->spec.primaries) {
            // "ADDR:PORT" or "[V6]:PORT": the address part.
            const bool v6 = !p.empty() && p.front() == '[';
            const size_t end = v6 ? p.find(']') : p.rfind(':');
            if (end == std::string::npos) continue;
            if (p.compare(v6 ? 1 : 0, end - (v6 ? 1 : 0), from) == 0) primary_answered(p);
        }
    if (current) return false;
    z->refresh.notify(clock_.now());
    if (z->busy) {
        z->again = true;  // several NOTIFYs while busy collapse into one more check
        // A NOTIFY'd zone waiting for a transfer slot moves ahead of routine ones.
        if (z->queued) {
            auto it = std::find(routine_.begin(), routine_.end(), key);
            if (it != routine_.end()) {
                routine_.erase(it);
                urgent_.push_back(key);
            }
        }
    } else if (started_) {
        schedule(*z);
        check(*z);
    }
    return true;
}

// ---- catalogs ----

void Engine::catalog_changed(const std::string& cat_key, const std::vector<CatalogEntry>& members) {
    const Zone* cat = find(cat_key);
    std::map<std::string, const CatalogEntry*> want;  // member key -> entry
    if (cat)
        for (const auto& m : members) want[m.zone.lowercased().to_text()] = &m;
    // Claims of this catalog that are gone.
    std::vector<std::string> gone;
    for (const auto& [member, list] : claims_)
        if (!want.count(member) && std::any_of(list.begin(), list.end(),
                                               [&](const auto& c) { return c.first == cat_key; }))
            gone.push_back(member);
    for (const auto& member : gone) unclaim(cat_key, member);
    if (!cat) return;
    for (const auto& [member, m] : want) claim(*cat, cat_key, member, m->zone, m->coo);
}

void Engine::catalog_update(const std::string& cat_key, const std::vector<CatalogEntry>& listed,
                            const std::vector<std::string>& unlisted) {
    const Zone* cat = find(cat_key);
    if (!cat) return;
    for (const auto& member : unlisted) unclaim(cat_key, member);
    for (const auto& m : listed) claim(*cat, cat_key, m.zone.lowercased().to_text(), m.zone, m.coo);
}

void Engine::unclaim(const std::string& cat_key, const std::string& member) {
    auto it = claims_.find(member);
    if (it == claims_.end()) return;
    auto& list = it->second;
    if (std::erase_if(list, [&](const auto& c) { return c.first == cat_key; }) == 0) return;
    Zone* z = find(member);
    if (list.empty()) {
        claims_.erase(it);
        if (z && z->catalog == cat_key) drop(member);
        return;
    }
    // Another catalog lists it: it moves there, with its data.
    if (z && z->catalog == cat_key) {
        z->catalog = list.front().first;
        if (const Zone* other = find(z->catalog))
            update_spec(*z, ZoneSpec{z->spec.name, other->spec.primaries, other->spec.key, false});
    }
}

void Engine::claim(const Zone& cat, const std::string& cat_key, const std::string& member,
                   const wire::Name& name, const std::string& coo) {
    // New claims, and ownership handed over by a coo property (RFC 9432 §5.6).
    auto& list = claims_[member];
    auto mine =
        std::find_if(list.begin(), list.end(), [&](const auto& c) { return c.first == cat_key; });
    // Ownership moves on a change (a new claim, a new coo), not at every
    // version that lists the member again: two catalogs naming each other
    // must not pass a zone back and forth.
    const bool changed = mine == list.end() || mine->second != coo;
    if (mine == list.end())
        list.emplace_back(cat_key, coo);
    else
        mine->second = coo;
    Zone* z = find(member);
    if (z && (z->catalog.empty() || !changed)) return;  // configured on its own: that wins
    if (!z) {
        Zone& nz =
            create(ZoneSpec{name, cat.spec.primaries, cat.spec.key, false}, cat_key, std::nullopt);
        emit(Action::Kind::added, nz);
        if (started_) {
            nz.refresh.notify(clock_.now());
            schedule(nz);
        }
        return;
    }
    if (z->catalog == cat_key) {
        // Its owner names another catalog that lists it too: it moves there
        // now, not at that catalog's next version.
        if (coo.empty() || coo == cat_key) return;
        const bool listed =
            std::any_of(list.begin(), list.end(), [&](const auto& c) { return c.first == coo; });
        const Zone* to = listed ? find(coo) : nullptr;
        if (!to) return;
        z->catalog = coo;
        update_spec(*z, ZoneSpec{z->spec.name, to->spec.primaries, to->spec.key, false});
        return;
    }
    // Listed by its owner with a coo naming this catalog: hand it over.
    auto owner = std::find_if(list.begin(), list.end(),
                              [&](const auto& c) { return c.first == z->catalog; });
    if (owner != list.end() && owner->second == cat_key) {
        z->catalog = cat_key;
        update_spec(*z, ZoneSpec{z->spec.name, cat.spec.primaries, cat.spec.key, false});
    }
}

// ---- views ----

const ZoneSpec* Engine::spec(const std::string& key) const {
    auto it = zones_.find(key);
    return it == zones_.end() ? nullptr : &it->second->spec;
}

std::string Engine::catalog_of(const std::string& key) const {
    auto it = zones_.find(key);
    return it == zones_.end() ? std::string() : it->second->catalog;
}

std::vector<std::string> Engine::keys() const {
    std::vector<std::string> out;
    out.reserve(zones_.size());
    for (const auto& [key, z] : zones_) out.push_back(key);
    std::sort(out.begin(), out.end());  // in name order, whatever the table's
    return out;
}

std::optional<ZoneStatus> Engine::status(const std::string& key) const {
    auto it = zones_.find(key);
    if (it == zones_.end()) return std::nullopt;
    const Zone& z = *it->second;
    ZoneStatus s;
    s.name = key;
    s.state = z.refresh.state(clock_.now());
    s.serial = z.has_data() ? z.refresh.serial() : 0;
    s.primary = z.data_primary < z.spec.primaries.size() ? z.spec.primaries[z.data_primary] : "";
    s.last_refresh = z.last_refresh;
    s.next_check = z.refresh.next_check();
    s.expires = z.refresh.expires();
    s.stale_at = z.refresh.verified() + std::chrono::seconds(z.refresh.timers().refresh) +
                 std::chrono::seconds(z.refresh.timers().retry);
    s.last_error = z.last_error;
    s.catalog = z.catalog;
    s.failures = z.refresh.failures();
    s.is_catalog = z.spec.catalog;
    return s;
}

std::vector<ZoneStatus> Engine::status() const {
    std::vector<ZoneStatus> out;
    out.reserve(zones_.size());
    for (const auto& [key, z] : zones_) out.push_back(*status(key));
    std::sort(out.begin(), out.end(),
              [](const ZoneStatus& a, const ZoneStatus& b) { return a.name < b.name; });
    return out;
}

EngineCounters Engine::counters() const {
    EngineCounters c = counters_;
    c.primaries_paused = backoff_.paused(clock_.now());
    return c;
}

}  // namespace dns::secondary
