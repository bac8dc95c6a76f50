#include "zonesync/service.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <set>

#include "lib/base/log.hpp"
#include "lib/base/serial.hpp"
#include "lib/io/notify_gate.hpp"
#include "lib/secondary/refresh.hpp"
#include "lib/xfr/transfer_out.hpp"
#include "lib/xfr/tsig.hpp"

namespace zonesync {

using dns::Errc;
using dns::make_error;
using dns::Result;
using Source = dns::zone::ZoneStore::Source;

namespace {

int64_t now_unix() { return static_cast<int64_t>(std::time(nullptr)); }

std::string key_of(const dns::wire::Name& n) { return n.lowercased().to_text(); }

bool same_address(const boost::asio::ip::address& a, const sockaddr* peer) {
    if (peer->sa_family == AF_INET) {
        const auto* s = reinterpret_cast<const sockaddr_in*>(peer);
        boost::asio::ip::address_v4 v4(ntohl(s->sin_addr.s_addr));
        return a.is_v4() && a.to_v4() == v4;
    }
    if (peer->sa_family == AF_INET6) {
        const auto* s = reinterpret_cast<const sockaddr_in6*>(peer);
        boost::asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &s->sin6_addr, 16);
        boost::asio::ip::address_v6 v6(b);
        if (a.is_v6()) return a.to_v6() == v6;
        return v6.is_v4_mapped() &&
               a.to_v4() == boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6);
    }
    return false;
}

}  // namespace

Service::Service(Store& store, ServiceConfig config) : store_(store), config_(std::move(config)) {
    catalog_key_ = key_of(config_.catalog);
    set_tunables(config_.max_shrink, config_.pop_check);
    standby_ = config_.standby && config_.peer;
    runner_ = std::make_unique<dns::io::SecondaryRunner>(config_.runner, config_.keys, *this);
    notifier_ = std::make_unique<dns::io::NotifySender>(io_);
    prober_ = std::make_unique<dns::io::SoaProber>(io_, 256);
}

Service::~Service() { stop(); }

namespace {
/// What the runner keeps of a zone of the store (nullopt: nothing to pull).
std::optional<dns::io::SecondaryZone> upstream_of(const ZoneEntry& z) {
    if (z.state == ZoneState::suspended) return std::nullopt;
    auto name = dns::wire::Name::from_text(z.name);
    if (!name) return std::nullopt;
    dns::io::SecondaryZone sz{*name, {}, z.key, false};
    for (const auto& p : z.primaries)
        if (auto e = dns::io::parse_endpoint(p)) sz.primaries.push_back(*e);
    if (sz.primaries.empty()) return std::nullopt;
    return sz;
}
}  // namespace

void Service::zones_changed(const std::vector<ZoneEntry>& zones,
                            const std::vector<std::string>& removed) {
    std::vector<dns::io::SecondaryZone> up;
    std::vector<std::string> gone = removed;
    {
        std::lock_guard lock(served_mu_);
        for (const auto& z : zones) {
            if (auto sz = upstream_of(z)) {
                up.push_back(std::move(*sz));
                upstream_[z.name] = {z.primaries, z.key};
            } else {
                gone.push_back(z.name);
            }
        }
        for (const auto& key : gone) upstream_.erase(key);
    }
    for (const auto& z : zones) mark_catalog(z.name);
    for (const auto& key : gone) mark_catalog(key);
    runner_->update(std::move(up), std::move(gone));
    schedule_catalog();  // changed primaries change the catalog's ext properties
}

const dns::xfr::TsigKey* Service::key_named(std::string_view name) const {
    return dns::xfr::find_key(config_.keys, name);
}

std::vector<dns::io::SecondaryZone> Service::upstream_zones() {
    std::vector<dns::io::SecondaryZone> out;
    std::vector<ZoneEntry> zs;
    {
        std::lock_guard lock(store_mu_);
        auto r = store_.zones();
        if (!r) {
            LOG_ERROR("store: %s", r.error().message.c_str());
            return out;
        }
        zs = std::move(*r);
    }
    std::map<std::string, Upstream> upstream;
    for (const auto& z : zs) {
        auto sz = upstream_of(z);
        if (!sz) continue;
        out.push_back(std::move(*sz));
        upstream[z.name] = {z.primaries, z.key};
    }
    // A standby also follows the active instance's catalog (plain DNS: SOA
    // checks, NOTIFY from the active, IXFR), signed with the POPs' key.
    if (standby_ && config_.peer)
        out.push_back({config_.catalog, {*config_.peer}, config_.pop_key, false});
    {
        std::lock_guard lock(served_mu_);
        upstream_ = std::move(upstream);
    }
    std::lock_guard lock(catalog_mu_);
    catalog_all_ = true;  // any zone's primaries may have changed
    return out;
}

Result<void> Service::start() {
    // POPs: who may transfer, and whom to notify.
    {
        std::lock_guard lock(store_mu_);
        auto ps = store_.pops();
        if (!ps) return ps.error();
        std::lock_guard l2(pops_mu_);
        for (const auto& p : *ps)
            if (auto e = dns::io::parse_endpoint(p.address)) pops_.push_back({p.name, *e});
    }
    transfers_ = make_transfers();

    // Upstream: every zone, with what the store holds of it served at once.
    for (const auto& z : upstream_zones()) runner_->add(z);
    if (!standby_) load_catalog();
    rebuild_catalog();
    zones_.commit();  // the NOTIFY of the catalog goes out once the DNS thread runs

    // Downstream: UDP and TCP on one address.
    tcp_ = std::make_unique<dns::io::TcpListener>(io_, *this, dns::io::TcpOptions{});
    if (auto r = tcp_->open(config_.listen.address, config_.listen.port, false); !r)
        return make_error(r.error().code,
                          "--listen " + config_.listen.to_string() + ": " + r.error().message);
    port_ = tcp_->port();
    udp_ = std::make_unique<boost::asio::ip::udp::socket>(io_);
    boost::system::error_code ec;
    boost::asio::ip::udp::endpoint ep(config_.listen.address, port_);
    udp_->open(ep.protocol(), ec);
    if (!ec) {
        // Bursts (every POP checking every zone after a restart) must queue,
        // not be dropped: a lost SOA check costs the POP a retry interval.
        udp_->set_option(boost::asio::socket_base::receive_buffer_size(8 << 20), ec);
        ec.clear();
        udp_->bind(ep, ec);
    }
    if (ec)
        return make_error(Errc::io,
                          "--listen " + config_.listen.to_string() + " (UDP): " + ec.message());
    tcp_->start();
    receive_udp();
    background_ = std::thread([this] { background(); });
    pop_check_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
    boost::asio::post(io_, [this] { pop_check_tick(); });
    thread_ = std::thread([this] { io_.run(); });
    commit_and_notify();
    runner_->start();
    LOG_INFO("zonesync: %s, serving %zu zones to %zu POPs on port %u",
             standby_ ? ("standby of " + config_.peer->to_string()).c_str()
                      : (config_.peer ? "active, standby " + config_.peer->to_string()
                                      : std::string("active"))
                            .c_str(),
             served_.size(), pops_.size(), port_);
    return {};
}

void Service::stop() {
    {
        std::lock_guard lock(background_mu_);
        background_stop_ = true;
    }
    background_cv_.notify_all();
    if (background_.joinable()) background_.join();
    if (runner_) runner_->stop();
    io_.stop();
    if (thread_.joinable()) thread_.join();
}

std::shared_ptr<dns::io::TransferServer> Service::make_transfers() const {
    std::vector<dns::io::TransferRule> rules;
    std::lock_guard lock(pops_mu_);
    for (const auto& p : pops_)
        rules.push_back(
            {p.address.address, p.address.address.is_v4() ? 32u : 128u, config_.pop_key});
    if (config_.peer)  // the other zonesync transfers the catalog like a POP
        rules.push_back(
            {config_.peer->address, config_.peer->address.is_v4() ? 32u : 128u, config_.pop_key});
    return std::make_shared<dns::io::TransferServer>(rules, config_.keys, *this);
}

void Service::resync_pops() {
    std::vector<Pop> fresh;
    {
        std::lock_guard lock(store_mu_);
        auto ps = store_.pops();
        if (!ps) {
            LOG_ERROR("store: %s", ps.error().message.c_str());
            return;
        }
        for (const auto& p : *ps)
            if (auto e = dns::io::parse_endpoint(p.address)) fresh.push_back({p.name, *e});
    }
    std::vector<Pop> added;
    {
        std::lock_guard lock(pops_mu_);
        for (const auto& p : fresh) {
            bool known = false;
            for (const auto& q : pops_) known |= q.name == p.name && q.address == p.address;
            if (!known) added.push_back(p);
        }
        pops_ = fresh;
    }
    // The transfer server is used on the DNS thread: it is replaced there.
    auto next = make_transfers();
    boost::asio::post(io_, [this, next] { transfers_ = next; });
    dns::zone::ZonePtr cat;
    {
        std::lock_guard lock(catalog_mu_);
        cat = catalog_;
    }
    LOG_INFO("POPs: %zu (%zu new)", fresh.size(), added.size());
    if (cat)
        for (const auto& p : added) notifier_->notify(cat->apex(), cat->serial(), p.address);
}

void Service::resync() {
    runner_->reconfigure(upstream_zones(), config_.keys);
    rebuild_catalog();
    commit_and_notify();
}

// ---- upstream: what the runner reports ----

std::optional<dns::io::Stored> Service::stored(const dns::wire::Name& zone) {
    if (is_catalog(key_of(zone))) return std::nullopt;  // a standby's copy: pulled afresh
    std::lock_guard lock(store_mu_);
    auto s = store_.load(zone);
    if (!s) {
        if (s.error().code != Errc::not_found)
            LOG_WARN("zone %s: stored data not used: %s", key_of(zone).c_str(),
                     s.error().message.c_str());
        return std::nullopt;
    }
    if (!s->note.empty()) LOG_WARN("zone %s: %s", key_of(zone).c_str(), s->note.c_str());
    // The journal serves IXFR to the POPs right after a restart.
    if (auto j = store_.journal(key_of(zone)); j && !j->empty()) history_.append(key_of(zone), *j);
    return dns::io::Stored{s->zone, s->verified, s->primary};
}

std::string Service::hold_reason(const dns::zone::Zone& before,
                                 const dns::zone::Zone& after) const {
    const auto& apex = after.node(dns::zone::Zone::apex_id());
    if (!after.rrset(apex, 2)) return "the new version has no NS records at the apex";
    const double max_shrink = max_shrink_;
    if (max_shrink > 0 && before.record_count() > 10 &&
        static_cast<double>(after.record_count()) <
            static_cast<double>(before.record_count()) * (1.0 - max_shrink))
        return "the new version has " + std::to_string(after.record_count()) + " records, " +
               std::to_string(before.record_count()) + " before (more than " +
               std::to_string(static_cast<int>(max_shrink * 100 + 0.5)) + "% fewer)";
    if (after.is_signed()) {
        // Signatures that run out before the next refresh would make the zone
        // bogus on every POP before a fixed version can arrive.
        const auto& soa = after.soa();
        const uint32_t refresh = dns::secondary::timers_from_soa(after.rdata_bytes(soa.first),
                                                                 after.rdata(soa.first).length)
                                     .refresh;
        const uint32_t now = static_cast<uint32_t>(now_unix());
        const uint32_t deadline = now + refresh;
        std::optional<uint32_t> first;  // the earliest expiration before the deadline
        std::string owner;
        for (uint32_t id = 0; id < after.node_count(); ++id) {
            const auto& n = after.node(id);
            if (n.flags & dns::zone::nf::removed) continue;
            after.for_each_record(n, [&](uint16_t type, uint32_t, uint32_t d) {
                if (type != dns::wire::type::RRSIG || after.rdata(d).length < 12) return;
                const uint8_t* p = after.rdata_bytes(d) + 8;
                const uint32_t exp = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                                     (uint32_t{p[2]} << 8) | uint32_t{p[3]};
                // RFC 4034 §3.1.5: serial number arithmetic on the 32-bit times.
                if (dns::serial_gt(exp, deadline)) return;
                if (!first || dns::serial_gt(*first, exp)) {
                    first = exp;
                    owner = dns::wire::to_text(after.owner(n));
                }
            });
        }
        if (first)
            return "an RRSIG at " + owner +
                   (dns::serial_gt(*first, now)
                        ? " expires in " + std::to_string(*first - now) +
                              " s, before the next refresh (" + std::to_string(refresh) + " s)"
                        : " has expired");
    }
    return {};
}

void Service::installed(const dns::io::Installed& v) {
    const std::string key = v.zone->lapex().to_text();
    if (is_catalog(key)) return follow_catalog(v);
    if (v.restored) {
        publish(v.zone, nullptr, false);  // the journal's history (stored()) stays
        if (v.expired) zones_.set_expired(Source::secondary, key, true);
        return;
    }
    // A second version within one burst: the first is stored and published
    // first, so this one is compared (and diffed) against it.
    if (staged_keys_.count(key)) commit_staged();
    dns::zone::ZonePtr before;
    {
        std::lock_guard lock(served_mu_);
        if (auto it = served_.find(key); it != served_.end()) before = it->second;
    }
    const int64_t now = now_unix();
    // A new version that would wipe the zone from every POP is held back,
    // unless an operator released the zone (the next version is taken as it is).
    bool released = false;
    {
        std::lock_guard lock(store_mu_);
        auto e = store_.zone(key);
        released = e && e->reason == kReleased;
    }
    if (before && !released) {
        std::string why = hold_reason(*before, *v.zone);
        if (!why.empty()) {
            LOG_WARN("zone %s: serial %u held, still serving %u: %s", key.c_str(), v.zone->serial(),
                     before->serial(), why.c_str());
            std::lock_guard lock(store_mu_);
            (void)store_.set_state(key, ZoneState::held,
                                   "serial " + std::to_string(v.zone->serial()) + ": " + why, now);
            (void)store_.record_transfer(key, {now, v.primary, v.diffs ? "IXFR" : "AXFR",
                                               v.zone->serial(), false, "held: " + why});
            return;
        }
    }
    // The POPs always get IXFR: the difference from what they were served.
    Staged st;
    st.zone = v.zone;
    st.primary = v.primary;
    st.verified = v.verified_unix;
    st.transfer = {now, v.primary, v.diffs ? "IXFR" : "AXFR", v.zone->serial(), true, ""};
    st.new_member = !before;
    if (before) {
        st.incremental = true;
        if (v.diffs && !v.diffs->empty() && v.diffs->front().from == before->serial())
            st.diffs = *v.diffs;
        else
            st.diffs.push_back(dns::xfr::diff_zones(*before, *v.zone));
    }
    {
        std::lock_guard lock(notified_mu_);
        if (auto it = notified_.find(key); it != notified_.end()) {
            st.notified = it->second;
            notified_.erase(it);
        }
    }
    // Stored and published at the runner's flush, with the rest of the burst.
    staged_keys_.insert(key);
    staged_.push_back(std::move(st));
}

void Service::commit_staged() {
    if (staged_.empty()) return;
    std::vector<Staged> batch;
    batch.swap(staged_);
    staged_keys_.clear();
    std::vector<Store::Install> vs;
    vs.reserve(batch.size());
    for (const auto& st : batch)
        vs.push_back({st.zone.get(), st.incremental ? &st.diffs : nullptr, st.primary, st.verified,
                      st.transfer});
    {
        std::lock_guard lock(store_mu_);
        if (auto r = store_.install_many(vs); !r) {
            // Not stored: not served either, so the POPs never get what a restart would lose.
            for (const auto& st : batch)
                LOG_ERROR("zone %s: serial %u not stored: %s", st.zone->lapex().to_text().c_str(),
                          st.zone->serial(), r.error().message.c_str());
            return;
        }
    }
    for (const auto& st : batch) {
        const std::string key = st.zone->lapex().to_text();
        publish(st.zone, st.incremental ? &st.diffs : nullptr, true);
        if (st.new_member) mark_catalog(key);
        announce_.push_back({st.zone->apex(), st.zone->serial(), st.new_member, st.notified});
        LOG_INFO("zone %s: serial %u from %s, served to the POPs", key.c_str(), st.zone->serial(),
                 st.primary.c_str());
    }
}

void Service::publish(const dns::zone::ZonePtr& z, const std::vector<dns::xfr::Diff>* diffs,
                      bool reset_history) {
    const std::string key = z->lapex().to_text();
    if (diffs)
        history_.append(key, *diffs);
    else if (reset_history)
        history_.reset(key);
    zones_.set(Source::secondary, z);
    std::lock_guard lock(served_mu_);
    served_[key] = z;
}

void Service::verified(const dns::wire::Name& zone, int64_t verified_unix, int64_t expires_unix) {
    if (is_catalog(key_of(zone))) return;
    zones_.set_expires_at(Source::secondary, key_of(zone), expires_unix);
    std::lock_guard lock(store_mu_);
    (void)store_.touch(key_of(zone), verified_unix);
}

void Service::expired(const dns::wire::Name& zone, bool expired) {
    if (is_catalog(key_of(zone))) {
        LOG_WARN("catalog: the active instance's copy %s (promote this standby if it is gone)",
                 expired ? "expired" : "is fresh again");
        return;
    }
    // Expired upstream: SERVFAIL to the POPs too, so they expire on their own timers.
    zones_.set_expired(Source::secondary, key_of(zone), expired);
    zones_.commit();
    std::lock_guard lock(store_mu_);
    (void)store_.set_state(key_of(zone), expired ? ZoneState::failing : ZoneState::active,
                           expired ? "expired: no primary answered within the SOA expire" : "",
                           now_unix());
}

void Service::removed(const dns::wire::Name& zone) {
    const std::string key = key_of(zone);
    if (is_catalog(key)) return;    // promoted: the copy stays, as the base of the next version
    if (staged_keys_.count(key)) {  // a version not yet stored goes with the zone
        staged_keys_.erase(key);
        std::erase_if(staged_, [&](const Staged& st) { return st.zone->lapex().to_text() == key; });
    }
    history_.reset(key);
    zones_.remove(Source::secondary, key);
    {
        std::lock_guard lock(served_mu_);
        served_.erase(key);
        converged_.erase(key);
    }
    {
        std::lock_guard lock(notified_mu_);
        notified_.erase(key);
    }
    mark_catalog(key);
    schedule_catalog();  // the runner's flush() commits the removal
}

void Service::flush() {
    // One transaction and one table for the whole burst, then the NOTIFYs:
    // a POP asks for the SOA at once.
    commit_staged();
    commit_and_notify();
    std::vector<Announce> out;
    out.swap(announce_);
    bool members = false;
    for (const auto& a : out) {
        if (a.new_member) {
            // The POPs learn of a new zone from the catalog and transfer it at
            // once: a NOTIFY for it would only be refused (not a zone there yet).
            members = true;
            watch(a.zone, a.serial, a.notified, std::chrono::milliseconds(50));
        } else {
            notify_pops(a.zone, a.serial);
            watch(a.zone, a.serial, a.notified, {});
        }
    }
    if (members) schedule_catalog();
}

void Service::schedule_catalog() {
    // A burst of new or removed zones (a bulk add, a first start) becomes one
    // catalog change, one NOTIFY and one IXFR per POP, not one each: 5 ms
    // after the first call, and at most twenty versions a second.
    bool expected = false;
    if (!catalog_scheduled_.compare_exchange_strong(expected, true)) return;
    boost::asio::post(io_, [this] {
        const auto now = std::chrono::steady_clock::now();
        auto wait = std::chrono::milliseconds(5);
        if (last_catalog_ + std::chrono::milliseconds(50) > now + wait)
            wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                last_catalog_ + std::chrono::milliseconds(50) - now);
        auto t = std::make_shared<boost::asio::steady_timer>(io_, wait);
        t->async_wait([this, t](const boost::system::error_code& ec) {
            catalog_scheduled_ = false;
            if (ec) return;
            last_catalog_ = std::chrono::steady_clock::now();
            rebuild_catalog();
            commit_and_notify();
        });
    });
}

void Service::mark_catalog(const std::string& key) {
    std::lock_guard lock(catalog_mu_);
    if (!catalog_all_) catalog_todo_.insert(key);
}

// ---- the catalog ----

void Service::rebuild_catalog() {
    if (standby_) return;  // a standby serves the active instance's catalog
    std::lock_guard lock(catalog_mu_);
    // Only the zones marked since the last version are looked at (all of
    // them after a resync, whose primaries may have changed): a bulk add to
    // a large catalog costs what changed, not the catalog's size each time.
    std::vector<std::string> keys;
    if (catalog_all_ || !catalog_) {
        std::set<std::string> all;
        for (const auto& [k, m] : members_) all.insert(k);
        std::lock_guard l2(served_mu_);
        for (const auto& [k, up] : upstream_) all.insert(k);
        keys.assign(all.begin(), all.end());
    } else {
        keys.assign(catalog_todo_.begin(), catalog_todo_.end());
    }
    catalog_all_ = false;
    catalog_todo_.clear();
    // Every zone of the store with data is listed, with its primaries and key
    // as ext properties (a standby pulls from them). A zone stays listed while
    // it is in the store: a promoted standby keeps what the active listed.
    std::vector<dns::xfr::CatalogMember> before, after;
    {
        std::lock_guard l2(served_mu_);
        for (const auto& key : keys) {
            auto listed = members_.find(key);
            auto up = upstream_.find(key);
            auto s = served_.find(key);
            std::optional<dns::xfr::CatalogMember> m;
            if (up != upstream_.end() && (s != served_.end() || listed != members_.end())) {
                m.emplace();
                m->zone = s != served_.end() ? s->second->apex() : listed->second.zone;
                m->id = dns::xfr::member_id(m->zone);
                m->ext["primaries"] = up->second.primaries;
                if (!up->second.key.empty()) m->ext["tsig-key"] = {up->second.key};
            }
            if (listed != members_.end()) {
                if (m && listed->second.zone == m->zone && listed->second.ext == m->ext) continue;
                before.push_back(listed->second);
            }
            if (m) after.push_back(std::move(*m));
        }
    }
    if (catalog_ && before.empty() && after.empty()) return;
    // A serial that grows across restarts: the time, or one more than the last
    // (kept in the store: several changes a second run ahead of the clock).
    uint32_t last = 0;
    if (catalog_)
        last = catalog_->serial();
    else {
        std::lock_guard l2(store_mu_);
        if (auto v = store_.setting("catalog_serial"); v && !v->empty())
            last = static_cast<uint32_t>(std::strtoul(v->c_str(), nullptr, 10));
    }
    uint32_t serial = static_cast<uint32_t>(now_unix());
    if (last && !dns::serial_gt(serial, last)) serial = last + 1;
    std::vector<dns::xfr::Diff> diff;
    if (catalog_) {
        // Only the members that changed: the difference is the same.
        auto c = dns::xfr::change_catalog(catalog_, before, after, serial);
        if (!c) {
            LOG_ERROR("catalog: %s", c.error().message.c_str());
            return;
        }
        history_.append(catalog_->lapex().to_text(), {c->diff});
        diff.push_back(std::move(c->diff));
        catalog_ = c->catalog;
    } else {
        auto c = dns::xfr::build_catalog(config_.catalog, serial, after);
        if (!c) {
            LOG_ERROR("catalog: %s", c.error().message.c_str());
            return;
        }
        catalog_ = *c;
    }
    for (const auto& m : before) members_.erase(key_of(m.zone));
    for (auto& m : after) members_[key_of(m.zone)] = std::move(m);
    {
        // Kept before the POPs hear of it: a restart serves this version and
        // its history, never another version under the same serial.
        std::lock_guard l2(store_mu_);
        if (auto r = store_.save_catalog(*catalog_, diff.empty() ? nullptr : &diff, now_unix()); !r)
            LOG_ERROR("catalog: serial %u not stored: %s", catalog_->serial(),
                      r.error().message.c_str());
    }
    zones_.set(Source::file, catalog_);
    catalog_dirty_ = true;
}

void Service::load_catalog() {
    // The catalog as the POPs last had it, with its IXFR history: after a
    // restart they go on by IXFR instead of taking 100,000 members whole.
    dns::Result<StoredZone> saved = dns::make_error(Errc::not_found, "");
    dns::Result<std::vector<dns::xfr::Diff>> journal = std::vector<dns::xfr::Diff>{};
    {
        std::lock_guard lock(store_mu_);
        saved = store_.load_catalog(config_.catalog);
        if (saved) journal = store_.catalog_journal(config_.catalog);
    }
    if (!saved) {
        if (saved.error().code != Errc::not_found)
            LOG_WARN("catalog: the saved copy is not used: %s", saved.error().message.c_str());
        return;
    }
    auto members = dns::xfr::catalog_members(*saved->zone);
    if (!members) {
        LOG_WARN("catalog: the saved copy is not used: %s", members.error().message.c_str());
        return;
    }
    std::lock_guard lock(catalog_mu_);
    catalog_ = saved->zone;
    members_.clear();
    for (auto& m : *members) members_[key_of(m.zone)] = std::move(m);
    if (journal && !journal->empty()) history_.append(catalog_key_, *journal);
    zones_.set(Source::file, catalog_);
    catalog_all_ = true;  // the next version holds whatever changed while we were down
    LOG_INFO("catalog %s: serial %u from the store, %zu members, %zu differences for IXFR",
             catalog_key_.c_str(), catalog_->serial(), members_.size(),
             journal ? journal->size() : size_t{0});
}

void Service::commit_and_notify() {
    // NOTIFY only once the new version answers: a POP asks for the SOA at once.
    zones_.commit();
    dns::zone::ZonePtr cat;
    {
        std::lock_guard lock(catalog_mu_);
        if (catalog_dirty_) cat = catalog_;
        catalog_dirty_ = false;
    }
    if (!cat) return;
    notify_pops(cat->apex(), cat->serial());
    if (config_.peer && !standby_)  // the standby follows this catalog
        notifier_->notify(cat->apex(), cat->serial(), *config_.peer, pop_tsig());
}

Result<void> Service::set_role(bool standby) {
    if (standby && !config_.peer)
        return make_error(Errc::semantic,
                          "a standby needs --peer ADDR:PORT: the active zonesync to follow");
    {
        std::lock_guard lock(store_mu_);
        if (auto r = store_.set_setting("role", standby ? "standby" : "active"); !r) return r;
    }
    if (standby_.exchange(standby) == standby) return {};
    if (standby) {
        // Demoted: the catalog comes from the active instance from now on;
        // ours is dropped rather than risk two versions under one serial.
        {
            std::lock_guard lock(store_mu_);
            if (auto r = store_.drop_catalogs(); !r)
                LOG_WARN("store: the old catalog not dropped: %s", r.error().message.c_str());
        }
        std::lock_guard lock(catalog_mu_);
        catalog_.reset();
        members_.clear();
        catalog_all_ = true;
        catalog_dirty_ = false;
        history_.reset(catalog_key_);
        zones_.remove(Source::file, catalog_key_);
        LOG_INFO("role: standby of %s", config_.peer->to_string().c_str());
    } else {
        LOG_INFO("role: active (promoted); the catalog continues from serial %s",
                 [&] {
                     std::lock_guard lock(catalog_mu_);
                     return catalog_ ? std::to_string(catalog_->serial()) : std::string("none");
                 }()
                     .c_str());
    }
    resync();  // the catalog leaves (or joins) the upstream zones; an active one is rebuilt
    return {};
}

void Service::follow_catalog(const dns::io::Installed& v) {
    if (!standby_) return;  // promoted meanwhile: this instance's own catalog rules
    auto members = dns::xfr::catalog_members(*v.zone);
    if (!members) {
        LOG_ERROR("catalog serial %u from the active instance not used: %s", v.zone->serial(),
                  members.error().message.c_str());
        return;
    }
    {
        std::lock_guard lock(catalog_mu_);
        // The POPs may take the catalog from either instance: the same
        // history, by IXFR, from both.
        if (catalog_ && v.diffs && !v.diffs->empty() && v.diffs->front().from == catalog_->serial())
            history_.append(catalog_key_, *v.diffs);
        else if (catalog_)
            history_.append(catalog_key_, {dns::xfr::diff_zones(*catalog_, *v.zone)});
        else
            history_.reset(catalog_key_);
        catalog_ = v.zone;
        members_.clear();
        for (auto& m : *members) members_[key_of(m.zone)] = m;
        catalog_all_ = true;
        catalog_dirty_ = true;
    }
    zones_.set(Source::file, v.zone);
    std::vector<ZoneEntry> want;
    for (const auto& m : *members) {
        auto p = m.ext.find("primaries");
        if (p == m.ext.end() || p->second.empty()) {
            LOG_WARN("catalog member %s has no primaries property: not followed",
                     m.zone.to_text().c_str());
            continue;
        }
        std::string primaries;
        for (const auto& a : p->second) primaries += (primaries.empty() ? "" : ",") + a;
        auto k = m.ext.find("tsig-key");
        auto z = make_zone(m.zone.to_text(), primaries,
                           k != m.ext.end() && !k->second.empty() ? k->second[0] : "");
        if (!z) {
            LOG_WARN("catalog member %s not followed: %s", m.zone.to_text().c_str(),
                     z.error().message.c_str());
            continue;
        }
        want.push_back(std::move(*z));
    }
    size_t changed = 0;
    {
        std::lock_guard lock(store_mu_);
        (void)store_.set_setting("catalog_serial", std::to_string(v.zone->serial()));
        auto r = store_.follow(want, now_unix());
        if (!r)
            LOG_ERROR("store: the active instance's zones not taken: %s",
                      r.error().message.c_str());
        else
            changed = *r;
    }
    LOG_INFO("catalog serial %u from the active instance: %zu zones, %zu changed here",
             v.zone->serial(), want.size(), changed);
    commit_and_notify();
    if (changed) resync();
}

std::shared_ptr<const dns::xfr::TsigKey> Service::pop_tsig() const {
    if (!config_.pop_key.empty())
        for (const auto& k : config_.keys)
            if (k.name.lowercased().to_text() == config_.pop_key)
                return std::make_shared<const dns::xfr::TsigKey>(k);
    return nullptr;
}

void Service::notify_pops(const dns::wire::Name& zone, uint32_t serial) {
    auto key = pop_tsig();
    std::lock_guard lock(pops_mu_);
    for (const auto& p : pops_) notifier_->notify(zone, serial, p.address, key);
}

// ---- downstream: the POPs' queries ----

dns::zone::ZonePtr Service::zone(const uint8_t* lname, size_t len) const {
    return zones_.get()->get_exact(lname, len);
}

std::shared_ptr<const dns::xfr::History> Service::history(const dns::zone::Zone& zone) const {
    return history_.get(zone.lapex().to_text(), zone.serial());
}

bool Service::from_pop(const sockaddr* peer) const {
    if (config_.peer && same_address(config_.peer->address, peer)) return true;
    std::lock_guard lock(pops_mu_);
    for (const auto& p : pops_)
        if (same_address(p.address.address, peer)) return true;
    return false;
}

size_t Service::answer_any(std::span<const uint8_t> msg, const sockaddr* peer, uint8_t* out,
                           size_t cap, dns::answer::Transport transport,
                           std::unique_ptr<dns::io::MessageStream>* stream) noexcept {
    const uint64_t now = static_cast<uint64_t>(now_unix());
    // NOTIFY from a customer's primary: the engine checks the sender.
    if (dns::io::NotifyGate::is_notify(msg)) {
        const size_t len = runner_->notify_gate().respond(msg, peer, out, cap, now);
        // Accepted (NOERROR): the clock of "time from the primary's NOTIFY"
        // starts (one entry per zone at most: only zones we keep are accepted).
        dns::wire::Query q;
        if (len >= 4 && (out[3] & 0xF) == 0 &&
            dns::wire::parse_query(msg, q) == dns::wire::QueryStatus::ok) {
            const std::string key = dns::wire::to_text(q.lname);
            std::lock_guard lock(notified_mu_);
            notified_.emplace(key, std::chrono::steady_clock::now());  // the first one counts
            LOG_DEBUG("zone %s: NOTIFY accepted", key.c_str());
        }
        return len;
    }
    if (stream && dns::io::TransferServer::is_transfer(msg)) {
        size_t len = 0;
        if (transfers_->handle(msg, peer, out, cap, len, *stream, now)) return len;
    }
    // Everything else only for the POPs; others are REFUSED (an empty zone table).
    static const dns::zone::ZoneTable empty;
    const bool pop = from_pop(peer);
    auto table = zones_.get();
    size_t len = responder_.respond(pop ? *table : empty, msg, out, cap, transport);
    if (len && responder_.last_had_tsig() && !config_.keys.empty())
        len = dns::xfr::sign_answer(msg, config_.keys, out, len, cap, now);
    return len;
}

size_t Service::answer(std::span<const uint8_t> msg, const sockaddr* peer, uint8_t* out, size_t cap,
                       std::unique_ptr<dns::io::MessageStream>& stream) noexcept {
    return answer_any(msg, peer, out, cap, dns::answer::Transport::tcp, &stream);
}

void Service::receive_udp() {
    udp_->async_receive_from(
        boost::asio::buffer(udp_in_), udp_peer_,
        [this](const boost::system::error_code& ec, size_t n) {
            if (ec == boost::asio::error::operation_aborted) return;
            if (!ec) {
                size_t len = answer_any({udp_in_.data(), n}, udp_peer_.data(), udp_out_.data(),
                                        1232, dns::answer::Transport::udp, nullptr);
                if (len) {
                    boost::system::error_code ignored;
                    udp_->send_to(boost::asio::buffer(udp_out_.data(), len), udp_peer_, 0, ignored);
                }
            }
            receive_udp();
        });
}

// ---- watching the POPs ----

struct Watch {
    dns::wire::Name zone;
    std::string key;
    uint32_t serial = 0;
    std::chrono::steady_clock::time_point started;
    std::optional<std::chrono::steady_clock::time_point> notified;
    size_t pending = 0;  // POPs not there yet
    size_t total = 0;
};

namespace {
constexpr int kWatchTries = 40;  // with the waits below: about a minute per POP
std::chrono::milliseconds watch_wait(int tries) {
    return std::chrono::milliseconds(std::min(2000, 10 << std::min(tries, 8)));
}
}  // namespace

void Service::watch(const dns::wire::Name& zone, uint32_t serial,
                    std::optional<std::chrono::steady_clock::time_point> notified,
                    std::chrono::milliseconds first) {
    auto w = std::make_shared<Watch>();
    w->notified = notified;
    w->zone = zone;
    w->key = key_of(zone);
    w->serial = serial;
    w->started = std::chrono::steady_clock::now();
    size_t n;
    {
        std::lock_guard lock(pops_mu_);
        n = pops_.size();
    }
    w->pending = w->total = n;
    auto start = [this, w, n] {
        for (size_t i = 0; i < n; ++i) watch_one(w, i, 0);
    };
    if (first.count() == 0) return boost::asio::post(io_, start);
    boost::asio::post(io_, [this, first, start] {
        auto t = std::make_shared<boost::asio::steady_timer>(io_, first);
        t->async_wait([t, start](const boost::system::error_code& ec) {
            if (!ec) start();
        });
    });
}

void Service::watch_one(std::shared_ptr<Watch> w, size_t pop, int tries) {
    // The prober keeps a bulk add from turning the watcher into a query storm
    // against the POPs (and this thread, which also serves their transfers):
    // one socket, at most 256 queries in flight, the others queued.
    Pop p;
    {
        std::lock_guard lock(pops_mu_);
        if (pop >= pops_.size()) return;
        p = pops_[pop];
    }
    prober_->probe(
        p.address, w->zone, std::chrono::milliseconds(500), [this, w, pop, tries, p](auto r) {
            const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count();
            if (r && !dns::serial_gt(w->serial, r->serial)) {
                record_pop_serial({p.name, w->key, r->serial, now_ms});
                if (--w->pending == 0) {
                    const auto end = std::chrono::steady_clock::now();
                    Convergence c{
                        w->serial, w->total,
                        std::chrono::duration<double, std::milli>(end - w->started).count(), -1};
                    std::string notify_text;
                    if (w->notified) {
                        c.after_notify_ms =
                            std::chrono::duration<double, std::milli>(end - *w->notified).count();
                        char b[64];
                        std::snprintf(b, sizeof b, ", %.1f ms after the primary's NOTIFY",
                                      c.after_notify_ms);
                        notify_text = b;
                    }
                    LOG_INFO(
                        "zone %s: serial %u on %zu of %zu POPs, %.1f ms after zonesync had it%s",
                        w->key.c_str(), w->serial, w->total, w->total, c.after_zonesync_ms,
                        notify_text.c_str());
                    std::lock_guard lock(served_mu_);
                    converged_[w->key] = c;
                }
                return;
            }
            if (tries + 1 >= kWatchTries) {
                LOG_WARN("zone %s: POP %s does not serve serial %u yet (%s)", w->key.c_str(),
                         p.name.c_str(), w->serial,
                         r ? ("it has " + std::to_string(r->serial)).c_str()
                           : r.error().message.c_str());
                if (r) record_pop_serial({p.name, w->key, r->serial, now_ms});
                return;
            }
            auto t = std::make_shared<boost::asio::steady_timer>(io_, watch_wait(tries));
            t->async_wait([this, w, pop, tries, t](const boost::system::error_code& ec) {
                if (!ec) watch_one(w, pop, tries + 1);
            });
        });
}

void Service::pop_check_tick() {
    const auto now = std::chrono::steady_clock::now();
    size_t npops;
    {
        std::lock_guard lock(pops_mu_);
        npops = pops_.size();
    }
    if (pop_check_next_ >= pop_check_zones_.size() * npops) {
        // A round is over; the next starts pop_check after this one began.
        if (!pop_check_zones_.empty())
            LOG_DEBUG("POP check: %zu zones at %zu POPs, %llu behind", pop_check_zones_.size(),
                      npops, static_cast<unsigned long long>(pop_check_lagging_));
        pop_check_zones_.clear();
        pop_check_next_ = 0;
        const int64_t every = pop_check_s_;
        if (every > 0 && now >= pop_check_round_ + std::chrono::seconds(every)) {
            pop_check_round_ = now;
            pop_check_lagging_ = 0;
            std::lock_guard lock(served_mu_);
            for (const auto& [key, z] : served_)
                pop_check_zones_.emplace_back(z->apex(), z->serial());
        }
    }
    // A slice: at most pop_check_rate a second, never more than the prober keeps.
    size_t budget = std::max<size_t>(1, config_.pop_check_rate / 10);
    while (budget-- > 0 && pop_check_next_ < pop_check_zones_.size() * npops) {
        const size_t i = pop_check_next_++;
        const auto& [zone, serial] = pop_check_zones_[i / npops];
        Pop p;
        {
            std::lock_guard lock(pops_mu_);
            if (i % npops >= pops_.size()) continue;
            p = pops_[i % npops];
        }
        prober_->probe(p.address, zone, std::chrono::milliseconds(1000),
                       [this, p, key = key_of(zone), serial = serial](auto r) {
                           if (!r) return;  // the watcher and the next round tell
                           const int64_t now_ms =
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
                           if (dns::serial_gt(serial, r->serial)) ++pop_check_lagging_;
                           record_pop_serial({p.name, key, r->serial, now_ms});
                       });
    }
    pop_check_timer_->expires_after(std::chrono::milliseconds(100));
    pop_check_timer_->async_wait([this](const boost::system::error_code& ec) {
        if (!ec) pop_check_tick();
    });
}

// ---- zone states from the runner's reports ----

void Service::record_pop_serial(PopSerial s) {
    std::lock_guard lock(background_mu_);
    pop_serials_.push_back(std::move(s));
}

void Service::background() {
    // The store's slow work (fsync) stays off the DNS thread: the POPs'
    // serials go in one transaction every 100 ms, states every 2 s.
    auto next_review = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    std::unique_lock lock(background_mu_);
    while (!background_stop_) {
        background_cv_.wait_for(lock, std::chrono::milliseconds(100));
        std::vector<PopSerial> batch;
        batch.swap(pop_serials_);
        lock.unlock();
        if (!batch.empty()) {
            std::lock_guard s(store_mu_);
            if (auto r = store_.set_pop_serials(batch); !r)
                LOG_WARN("store: POP serials not recorded: %s", r.error().message.c_str());
        }
        if (std::chrono::steady_clock::now() >= next_review) {
            review_states();
            next_review = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        }
        lock.lock();
    }
}

void Service::review_states() {
    // Only the zones whose count of failed refreshes changed since the last
    // review (every zone at the first): a review costs what changed.
    const auto reports = runner_->failures_changed();
    if (reports.empty()) return;
    const int64_t now = now_unix();
    std::lock_guard lock(store_mu_);
    std::map<std::string, ZoneEntry> by_name;
    if (reports.size() > 1000) {
        auto zs = store_.zones();
        if (!zs) return;
        for (auto& z : *zs) by_name.emplace(z.name, std::move(z));
    } else {
        for (const auto& r : reports)
            if (auto z = store_.zone(r.name)) by_name.emplace(r.name, std::move(*z));
    }
    for (const auto& r : reports) {
        auto it = by_name.find(r.name);
        if (it == by_name.end()) continue;
        const ZoneEntry& z = it->second;
        if (z.state == ZoneState::held || z.state == ZoneState::suspended) continue;
        if (r.state == "expired") continue;  // expired() set it
        if (r.failures > 0 && !r.last_error.empty()) {
            std::string why = "refresh failed " + std::to_string(r.failures) +
                              (r.failures == 1 ? " time: " : " times in a row: ") + r.last_error;
            if (z.state != ZoneState::failing || z.reason != why)
                (void)store_.set_state(z.name, ZoneState::failing, why, now);
        } else if (z.state == ZoneState::failing && r.failures == 0 && r.serial) {
            (void)store_.set_state(z.name, ZoneState::active, "", now);
        }
    }
}

}  // namespace zonesync
