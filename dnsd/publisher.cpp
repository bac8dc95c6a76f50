#include "dnsd/publisher.hpp"

#include "lib/base/log.hpp"

namespace dnsd {

using Source = dns::zone::ZoneStore::Source;

namespace {
std::string key_of(const dns::wire::Name& n) { return n.lowercased().to_text(); }
}  // namespace

Publisher::Publisher(dns::zone::ZoneStore& store, const dns::io::StateDir& state,
                     dns::xfr::HistoryStore& history)
    : store_(store), state_(state), history_(history) {
    if (state_.enabled()) writer_ = std::make_unique<dns::io::StateWriter>(state_);
}

Publisher::~Publisher() { sync(); }

void Publisher::sync() {
    if (writer_) writer_->flush();
}

std::optional<dns::io::Stored> Publisher::stored(const dns::wire::Name& zone) {
    if (!state_.enabled()) return std::nullopt;
    auto saved = state_.load(zone);
    const std::string key = key_of(zone);
    if (!saved) {
        if (saved.error().code != dns::Errc::not_found)
            LOG_WARN("zone %s: ignoring saved copy: %s", key.c_str(),
                     saved.error().message.c_str());
        return std::nullopt;
    }
    if (!saved->journal_note.empty())
        LOG_WARN("zone %s: %s", key.c_str(), saved->journal_note.c_str());
    LOG_DEBUG("zone %s: serving serial %u from the state directory (%u journal entries)",
              key.c_str(), saved->zone->serial(), saved->journal_entries);
    ++restored_;
    return dns::io::Stored{saved->zone, saved->verified_unix, saved->primary};
}

void Publisher::installed(const dns::io::Installed& v) {
    const std::string key = v.zone->lapex().to_text();
    // The IXFR history: extended by an IXFR, started over by a full zone.
    if (v.diffs)
        history_.append(key, *v.diffs);
    else
        history_.reset(key);
    store_.set(Source::secondary, v.zone, v.expired);
    store_.set_expires_at(Source::secondary, key, v.expires_unix);
    if (v.restored) {
        if (v.expired)
            LOG_WARN("zone %s: the saved copy has expired: SERVFAIL until refreshed", key.c_str());
        return;
    }
    if (!writer_) return;
    if (v.diffs)
        writer_->append(v.zone, *v.diffs, v.verified_unix, v.primary);
    else
        writer_->save(v.zone, v.verified_unix, v.primary);
}

void Publisher::verified(const dns::wire::Name& zone, int64_t verified_unix, int64_t expires_unix) {
    store_.set_expires_at(Source::secondary, key_of(zone), expires_unix);
    if (writer_) writer_->touch(zone, verified_unix);
}

void Publisher::expired(const dns::wire::Name& zone, bool expired) {
    store_.set_expired(Source::secondary, key_of(zone), expired);
}

void Publisher::removed(const dns::wire::Name& zone) {
    history_.reset(key_of(zone));
    store_.remove(Source::secondary, key_of(zone));
    if (writer_) writer_->remove(zone);
}

dns::zone::ZonePtr Publisher::zone(const uint8_t* lname, size_t len) const {
    return store_.get()->get_exact(lname, len);
}

std::shared_ptr<const dns::xfr::History> Publisher::history(const dns::zone::Zone& zone) const {
    return history_.get(zone.lapex().to_text(), zone.serial());
}

}  // namespace dnsd
