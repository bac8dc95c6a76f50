#include "zonesync/store.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "lib/io/client.hpp"
#include "lib/xfr/journal.hpp"
#include "lib/xfr/snapshot.hpp"

namespace zonesync {

using dns::Errc;
using dns::make_error;
using dns::Result;

namespace {

// The schema, one migration per version. Never edit a released migration:
// add the next one.
constexpr std::string_view kSchema1 = R"sql(
CREATE TABLE zones(
    name       TEXT PRIMARY KEY,
    primaries  TEXT NOT NULL,
    tsig_key   TEXT NOT NULL DEFAULT '',
    owner      TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'pending'
               CHECK(state IN ('pending', 'active', 'failing', 'held', 'suspended')),
    reason     TEXT NOT NULL DEFAULT '',
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL
);
CREATE TABLE zone_data(
    zone       TEXT PRIMARY KEY REFERENCES zones(name) ON DELETE CASCADE,
    serial     INTEGER NOT NULL,
    verified   INTEGER NOT NULL,
    source     TEXT NOT NULL,
    snapshot   BLOB NOT NULL,
    journal_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE journal(
    zone        TEXT NOT NULL REFERENCES zones(name) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    from_serial INTEGER NOT NULL,
    to_serial   INTEGER NOT NULL,
    stamp       INTEGER NOT NULL,
    diff        BLOB NOT NULL,
    PRIMARY KEY(zone, seq)
);
CREATE TABLE transfers(
    id       INTEGER PRIMARY KEY,
    zone     TEXT NOT NULL REFERENCES zones(name) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    source   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    serial   INTEGER NOT NULL,
    ok       INTEGER NOT NULL,
    error    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transfers_by_zone ON transfers(zone, id);
CREATE TABLE pops(
    name     TEXT PRIMARY KEY,
    address  TEXT NOT NULL,
    added    INTEGER NOT NULL
);
CREATE TABLE pop_serials(
    pop      TEXT NOT NULL REFERENCES pops(name) ON DELETE CASCADE,
    zone     TEXT NOT NULL REFERENCES zones(name) ON DELETE CASCADE,
    serial   INTEGER NOT NULL,
    reached  INTEGER NOT NULL,
    PRIMARY KEY(pop, zone)
);
)sql";

// 2: values the service keeps across restarts (the catalog's serial).
constexpr std::string_view kSchema2 = R"sql(
CREATE TABLE settings(
    key      TEXT PRIMARY KEY,
    value    TEXT NOT NULL
);
)sql";

// 3: the catalog zone's versions, as a zone's data is kept (snapshot +
// journal), so a restart serves the same catalog with its IXFR history.
// The last journal entry a snapshot includes: the entries after it are
// needed to load the data, the ones up to it only serve IXFR out.
constexpr std::string_view kSchema3 = R"sql(
ALTER TABLE zone_data ADD COLUMN snapshot_seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE catalog_data(
    zone       TEXT PRIMARY KEY,
    serial     INTEGER NOT NULL,
    verified   INTEGER NOT NULL,
    source     TEXT NOT NULL,
    snapshot   BLOB NOT NULL,
    journal_bytes INTEGER NOT NULL DEFAULT 0,
    snapshot_seq  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE catalog_journal(
    zone        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    from_serial INTEGER NOT NULL,
    to_serial   INTEGER NOT NULL,
    stamp       INTEGER NOT NULL,
    diff        BLOB NOT NULL,
    PRIMARY KEY(zone, seq)
);
)sql";

constexpr std::array<std::string_view, 3> kMigrations = {kSchema1, kSchema2, kSchema3};

constexpr size_t kTransfersKept = 100;  // per zone

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) {
        if (!s.empty()) s += ',';
        s += x;
    }
    return s;
}

std::vector<std::string> split(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        size_t c = s.find(',');
        std::string_view part = s.substr(0, c);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (!part.empty()) out.emplace_back(part);
        if (c == std::string_view::npos) break;
        s.remove_prefix(c + 1);
    }
    return out;
}

constexpr const char* kZoneColumns =
    "SELECT z.name, z.primaries, z.tsig_key, z.owner, z.state, z.reason, z.created, z.updated,"
    " d.serial, d.verified FROM zones z LEFT JOIN zone_data d ON d.zone = z.name";

ZoneEntry zone_from_row(const dns::db::Statement& st) {
    ZoneEntry z;
    z.name = st.text(0);
    z.primaries = split(st.text(1));
    z.key = st.text(2);
    z.owner = st.text(3);
    z.state = parse_state(st.text(4)).value_or(ZoneState::pending);
    z.reason = st.text(5);
    z.created = st.int64(6);
    z.updated = st.int64(7);
    z.has_data = !st.is_null(8);
    z.serial = static_cast<uint32_t>(st.int64(8));
    z.verified = st.int64(9);
    return z;
}

}  // namespace

// The key of a zone: its lower-cased absolute name ("example.com."); the
// final dot may be left out.
Result<std::string> zone_key(std::string_view name) {
    std::string text(name);
    if (text.empty() || text.back() != '.') text += '.';
    auto n = dns::wire::Name::from_text(text);
    if (!n || name.empty() || name.find("..") != std::string_view::npos)
        return make_error(Errc::bad_name, "'" + std::string(name) + "' is not a domain name" +
                                              (n ? std::string() : ": " + n.error().message));
    return n->lowercased().to_text();
}

const char* state_name(ZoneState s) {
    switch (s) {
        case ZoneState::pending:
            return "pending";
        case ZoneState::active:
            return "active";
        case ZoneState::failing:
            return "failing";
        case ZoneState::held:
            return "held";
        case ZoneState::suspended:
            return "suspended";
    }
    return "pending";
}

std::optional<ZoneState> parse_state(std::string_view s) {
    for (ZoneState z : {ZoneState::pending, ZoneState::active, ZoneState::failing, ZoneState::held,
                        ZoneState::suspended})
        if (s == state_name(z)) return z;
    return std::nullopt;
}

Result<ZoneEntry> make_zone(std::string_view name, std::string_view primaries, std::string_view key,
                            std::string_view owner) {
    ZoneEntry z;
    auto k = zone_key(name);
    if (!k) return k.error();
    if (*k == ".") return make_error(Errc::semantic, "the root zone cannot be added");
    z.name = *k;
    for (const auto& p : split(primaries)) {
        auto e = dns::io::parse_endpoint(p);
        if (!e)
            return make_error(Errc::syntax, "primary '" + p +
                                                "' is not an address (ADDR, ADDR:PORT or "
                                                "[V6]:PORT)");
        if (e->port == 0) return make_error(Errc::syntax, "primary '" + p + "': port 0");
        z.primaries.push_back(e->to_string());
    }
    if (z.primaries.empty()) return make_error(Errc::syntax, "at least one primary is needed");
    if (z.primaries.size() > 8) return make_error(Errc::limit, "at most 8 primaries");
    if (!key.empty()) {
        auto kn = zone_key(key);
        if (!kn)
            return make_error(Errc::bad_name,
                              "TSIG key name '" + std::string(key) + "' is not a domain name");
        z.key = *kn;
    }
    if (owner.size() > 254 || owner.find_first_of(" \t\r\n<>") != std::string_view::npos)
        return make_error(Errc::syntax, "owner '" + std::string(owner) + "' is not a mail address");
    z.owner = owner;
    return z;
}

Result<PopEntry> make_pop(std::string_view name, std::string_view address) {
    if (name.empty() || name.size() > 63)
        return make_error(Errc::syntax, "a POP name has 1 to 63 characters");
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            return make_error(Errc::syntax, "POP name '" + std::string(name) +
                                                "': letters, digits, '-', '_' and '.' only");
    auto e = dns::io::parse_endpoint(std::string(address));
    if (!e)
        return make_error(Errc::syntax,
                          "POP address '" + std::string(address) + "' is not ADDR:PORT");
    return PopEntry{std::string(name), e->to_string(), 0};
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreLimits limits,
                                           bool writer) {
    dns::db::Database::Options o;
    o.lock = writer;
    o.create = writer;
    o.lock_hint = "is a zonesync server running on it? Use --api URL to talk to it";
    auto db = dns::db::Database::open(path, kMigrations, o);
    if (!db) return db.error();
    std::unique_ptr<Store> s(new Store());
    s->db_ = std::move(*db);
    s->limits_ = limits;
    return s;
}

Result<void> Store::exists_or_not_found(std::string_view key, std::string_view what) {
    if (db_->changes() > 0) return {};
    return make_error(Errc::not_found, std::string(what) + " " + std::string(key) + " not found");
}

Result<void> Store::add_zone(const ZoneEntry& z, int64_t now) {
    auto st = db_->prepare(
        "INSERT INTO zones(name, primaries, tsig_key, owner, state, reason, created, updated)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT(name) DO NOTHING");
    if (!st) return st.error();
    st->bind(1, z.name).bind(2, join(z.primaries)).bind(3, z.key).bind(4, z.owner);
    st->bind(5, state_name(z.state)).bind(6, z.reason).bind(7, now);
    if (auto r = st->run(); !r) return r;
    if (db_->changes() == 0) return make_error(Errc::semantic, "zone " + z.name + " exists");
    return {};
}

Result<void> Store::remove_zone(std::string_view name) {
    auto k = zone_key(name);
    if (!k) return k.error();
    auto st = db_->prepare("DELETE FROM zones WHERE name = ?1");
    if (!st) return st.error();
    if (auto r = st->bind(1, *k).run(); !r) return r;
    return exists_or_not_found(*k, "zone");
}

Result<Store::Counts> Store::counts() {
    auto st = db_->prepare(
        "SELECT count(*), coalesce(sum(state = 'held'), 0), coalesce(sum(state = 'failing'), 0)"
        " FROM zones");
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    Counts c;
    if (*row) {
        c.zones = static_cast<size_t>(st->int64(0));
        c.held = static_cast<size_t>(st->int64(1));
        c.failing = static_cast<size_t>(st->int64(2));
    }
    return c;
}

Result<std::vector<ZoneEntry>> Store::zones() {
    auto st = db_->prepare(std::string(kZoneColumns) + " ORDER BY z.name");
    if (!st) return st.error();
    std::vector<ZoneEntry> out;
    if (auto r =
            st->each([&](const dns::db::Statement& row) { out.push_back(zone_from_row(row)); });
        !r)
        return r.error();
    return out;
}

Result<ZoneEntry> Store::zone(std::string_view name) {
    auto k = zone_key(name);
    if (!k) return k.error();
    auto st = db_->prepare(std::string(kZoneColumns) + " WHERE z.name = ?1");
    if (!st) return st.error();
    st->bind(1, *k);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found, "zone " + *k + " not found");
    return zone_from_row(*st);
}

Result<void> Store::set_state(std::string_view name, ZoneState state, std::string_view reason,
                              int64_t now) {
    auto k = zone_key(name);
    if (!k) return k.error();
    auto st =
        db_->prepare("UPDATE zones SET state = ?2, reason = ?3, updated = ?4 WHERE name = ?1");
    if (!st) return st.error();
    st->bind(1, *k).bind(2, state_name(state)).bind(3, reason).bind(4, now);
    if (auto r = st->run(); !r) return r;
    return exists_or_not_found(*k, "zone");
}

Result<void> Store::set_primaries(std::string_view name, const std::vector<std::string>& primaries,
                                  std::string_view key, int64_t now) {
    auto k = zone_key(name);
    if (!k) return k.error();
    auto st = db_->prepare(
        "UPDATE zones SET primaries = ?2, tsig_key = ?3, updated = ?4 WHERE name = ?1");
    if (!st) return st.error();
    st->bind(1, *k).bind(2, join(primaries)).bind(3, key).bind(4, now);
    if (auto r = st->run(); !r) return r;
    return exists_or_not_found(*k, "zone");
}

Result<void> Store::save_version(const dns::zone::Zone& zone,
                                 const std::vector<dns::xfr::Diff>* diffs,
                                 const std::string& primary, int64_t verified) {
    dns::db::Transaction t(*db_);
    if (!t.begun()) return t.begun().error();
    if (auto r = write_version(zone, diffs, primary, verified); !r) return r;
    return t.commit();
}

Result<void> Store::install(const dns::zone::Zone& zone, const std::vector<dns::xfr::Diff>* diffs,
                            const std::string& primary, int64_t verified,
                            const TransferEntry& transfer) {
    Install v{&zone, diffs, primary, verified, transfer};
    return install_many({&v, 1});
}

Result<void> Store::install_many(std::span<const Install> versions) {
    dns::db::Transaction t(*db_);
    if (!t.begun()) return t.begun().error();
    for (const auto& v : versions)
        if (auto r = install_one(v); !r) return r;  // rolled back: all or none
    return t.commit();
}

Result<void> Store::install_one(const Install& v) {
    const std::string key = v.zone->lapex().to_text();
    if (auto r = write_version(*v.zone, v.diffs, v.primary, v.verified); !r) return r;
    auto st = db_->prepare(
        "UPDATE zones SET state = 'active', reason = '', updated = ?2 WHERE name = ?1");
    if (!st) return st.error();
    if (auto r = st->bind(1, key).bind(2, v.transfer.at).run(); !r) return r;
    return insert_transfer(key, v.transfer);
}

Result<void> Store::write_version(const dns::zone::Zone& zone,
                                  const std::vector<dns::xfr::Diff>* diffs,
                                  const std::string& primary, int64_t verified) {
    const std::string key = zone.lapex().to_text();
    {
        auto st = db_->prepare("SELECT 1 FROM zones WHERE name = ?1");
        if (!st) return st.error();
        auto row = st->bind(1, key).step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::not_found, "zone " + key + " not found");
    }
    return write_data(kZoneTables, zone, diffs, primary, verified);
}

Result<void> Store::write_data(const Tables& t, const dns::zone::Zone& zone,
                               const std::vector<dns::xfr::Diff>* diffs, const std::string& primary,
                               int64_t verified) {
    const std::string key = zone.lapex().to_text();
    const std::string data = t.data, journal = t.journal;
    // The snapshot's size, the journal's bytes since it and the last entry it
    // includes: the journal's entries after that are needed to load the
    // zone; those up to it serve only IXFR out.
    int64_t snapshot_bytes = -1, journal_bytes = 0, snapshot_seq = 0;
    {
        auto st = db_->prepare("SELECT length(snapshot), journal_bytes, snapshot_seq FROM " + data +
                               " WHERE zone = ?1");
        if (!st) return st.error();
        st->bind(1, key);
        auto row = st->step();
        if (!row) return row.error();
        if (*row) {
            snapshot_bytes = st->int64(0);
            journal_bytes = st->int64(1);
            snapshot_seq = st->int64(2);
        }
    }
    const bool full = diffs == nullptr || snapshot_bytes < 0;
    int64_t last_seq = 0;
    if (!diffs) {
        auto clear = db_->prepare("DELETE FROM " + journal + " WHERE zone = ?1");
        if (!clear) return clear.error();
        if (auto r = clear->bind(1, key).run(); !r) return r;
        journal_bytes = 0;
    } else {
        auto seq =
            db_->prepare("SELECT coalesce(max(seq), 0) FROM " + journal + " WHERE zone = ?1");
        if (!seq) return seq.error();
        seq->bind(1, key);
        auto row = seq->step();
        if (!row) return row.error();
        last_seq = seq->int64(0);
        auto ins = db_->prepare("INSERT INTO " + journal +
                                "(zone, seq, from_serial, to_serial, stamp, diff)"
                                " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        if (!ins) return ins.error();
        for (const auto& d : *diffs) {
            auto bytes = dns::xfr::Journal::encode({&d, 1}, verified);
            journal_bytes += static_cast<int64_t>(bytes.size());
            ins->reset();
            ins->bind(1, key).bind(2, ++last_seq).bind(3, d.from).bind(4, d.to).bind(5, verified);
            ins->bind(6, std::span<const uint8_t>(bytes));
            if (auto r = ins->run(); !r) return r;
        }
    }
    // The snapshot is rewritten once the journal since it outgrows half of
    // it (a catalog of 100,000 zones changing one member at a time writes a
    // small entry per version, and its 15 MB snapshot now and then).
    const bool rewrite = full || journal_bytes * 2 > snapshot_bytes;
    if (rewrite) {
        snapshot_seq = last_seq;
        journal_bytes = 0;
        auto snap = dns::xfr::encode_snapshot(zone, verified, primary);
        auto st = db_->prepare(
            "INSERT INTO " + data +
            "(zone, serial, verified, source, snapshot, journal_bytes, snapshot_seq)"
            " VALUES(?1, ?2, ?3, ?4, ?5, 0, ?6) ON CONFLICT(zone) DO UPDATE SET serial = ?2,"
            " verified = ?3, source = ?4, snapshot = ?5, journal_bytes = 0, snapshot_seq = ?6");
        if (!st) return st.error();
        st->bind(1, key).bind(2, zone.serial()).bind(3, verified).bind(4, primary);
        st->bind(5, std::span<const uint8_t>(snap)).bind(6, snapshot_seq);
        if (auto r = st->run(); !r) return r;
    } else {
        auto st = db_->prepare("UPDATE " + data +
                               " SET serial = ?2, verified = ?3, source = ?4, journal_bytes = ?5"
                               " WHERE zone = ?1");
        if (!st) return st.error();
        st->bind(1, key)
            .bind(2, zone.serial())
            .bind(3, verified)
            .bind(4, primary)
            .bind(5, journal_bytes);
        if (auto r = st->run(); !r) return r;
    }
    if (db_->changes() == 0)
        return make_error(Errc::not_found, "zone " + key + " not found (removed meanwhile?)");
    // The IXFR history keeps the newest entries; of the oldest, only those
    // the snapshot already includes may go.
    const int64_t keep_from =
        std::min(snapshot_seq, last_seq - static_cast<int64_t>(limits_.journal_entries));
    if (diffs && keep_from > 0) {
        auto trim = db_->prepare("DELETE FROM " + journal + " WHERE zone = ?1 AND seq <= ?2");
        if (!trim) return trim.error();
        if (auto r = trim->bind(1, key).bind(2, keep_from).run(); !r) return r;
    }
    return {};
}

Result<void> Store::touch(std::string_view name, int64_t verified) {
    auto k = zone_key(name);
    if (!k) return k.error();
    auto st = db_->prepare("UPDATE zone_data SET verified = ?2 WHERE zone = ?1");
    if (!st) return st.error();
    if (auto r = st->bind(1, *k).bind(2, verified).run(); !r) return r;
    return exists_or_not_found(*k, "data of zone");
}

Result<StoredZone> Store::load(const dns::wire::Name& name) { return load_data(kZoneTables, name); }

Result<StoredZone> Store::load_data(const Tables& t, const dns::wire::Name& name) {
    const std::string key = name.lowercased().to_text();
    auto st = db_->prepare(std::string("SELECT snapshot, verified, source, snapshot_seq FROM ") +
                           t.data + " WHERE zone = ?1");
    if (!st) return st.error();
    st->bind(1, key);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found, "no data for zone " + key);
    auto bytes = st->blob(0);
    int64_t verified = st->int64(1);
    const int64_t snapshot_seq = st->int64(3);
    auto snap = dns::xfr::decode_snapshot(bytes, name);
    if (!snap) return make_error(snap.error().code, "zone " + key + ": " + snap.error().message);
    // The journal's entries past the snapshot (replay() skips any that do not follow on).
    auto entries = journal_entries(t, key, snapshot_seq);
    if (!entries) return entries.error();
    auto replayed = dns::xfr::replay(*snap, std::move(*entries));
    StoredZone out;
    out.zone = snap->zone;
    out.verified = std::max(verified, snap->verified_unix);
    out.primary = snap->primary;
    out.journal_entries = replayed.entries;
    out.note = replayed.note;
    return out;
}

Result<std::vector<dns::xfr::Journal::Entry>> Store::journal_entries(const Tables& t,
                                                                     const std::string& key,
                                                                     int64_t after) {
    auto st = db_->prepare(std::string("SELECT diff FROM ") + t.journal +
                           " WHERE zone = ?1 AND seq > ?2 ORDER BY seq");
    if (!st) return st.error();
    st->bind(1, key).bind(2, after);
    std::vector<dns::xfr::Journal::Entry> out;
    if (auto r = st->each([&](const dns::db::Statement& row) -> Result<void> {
            auto e = dns::xfr::Journal::parse(row.blob(0));
            if (!e || e->size() != 1)
                return make_error(Errc::malformed, "zone " + key + ": a journal entry is damaged");
            out.push_back(std::move((*e)[0]));
            return {};
        });
        !r)
        return r.error();
    return out;
}

Result<std::vector<dns::xfr::Diff>> Store::journal(std::string_view name) {
    auto k = zone_key(name);
    if (!k) return k.error();
    auto entries = journal_entries(kZoneTables, *k);
    if (!entries) return entries.error();
    std::vector<dns::xfr::Diff> out;
    for (auto& e : *entries) out.push_back(std::move(e.diff));
    return out;
}

Result<void> Store::save_catalog(const dns::zone::Zone& catalog,
                                 const std::vector<dns::xfr::Diff>* diffs, int64_t now) {
    dns::db::Transaction t(*db_);
    if (!t.begun()) return t.begun().error();
    if (auto r = write_data(kCatalogTables, catalog, diffs, "", now); !r) return r;
    if (auto r = set_setting("catalog_serial", std::to_string(catalog.serial())); !r) return r;
    return t.commit();
}

Result<StoredZone> Store::load_catalog(const dns::wire::Name& name) {
    return load_data(kCatalogTables, name);
}

Result<std::vector<dns::xfr::Diff>> Store::catalog_journal(const dns::wire::Name& name) {
    auto entries = journal_entries(kCatalogTables, name.lowercased().to_text());
    if (!entries) return entries.error();
    std::vector<dns::xfr::Diff> out;
    for (auto& e : *entries) out.push_back(std::move(e.diff));
    return out;
}

Result<void> Store::drop_catalogs() {
    dns::db::Transaction t(*db_);
    if (!t.begun()) return t.begun().error();
    if (auto r = db_->exec("DELETE FROM catalog_journal; DELETE FROM catalog_data;"); !r) return r;
    return t.commit();
}

Result<void> Store::record_transfer(std::string_view zone, const TransferEntry& t) {
    auto k = zone_key(zone);
    if (!k) return k.error();
    dns::db::Transaction tx(*db_);
    if (!tx.begun()) return tx.begun().error();
    if (auto r = insert_transfer(*k, t); !r) return r;
    return tx.commit();
}

Result<void> Store::insert_transfer(const std::string& key, const TransferEntry& t) {
    auto st = db_->prepare(
        "INSERT INTO transfers(zone, at, source, kind, serial, ok, error)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return st.error();
    st->bind(1, key).bind(2, t.at).bind(3, t.primary).bind(4, t.kind).bind(5, t.serial);
    st->bind(6, t.ok ? 1 : 0).bind(7, t.error);
    if (auto r = st->run(); !r) return r;
    // Keep the newest: delete what fell out of the window (cheap: one row at a time).
    auto trim = db_->prepare(
        "DELETE FROM transfers WHERE zone = ?1 AND id <= "
        "(SELECT id FROM transfers WHERE zone = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
    if (!trim) return trim.error();
    return trim->bind(1, key).bind(2, static_cast<int64_t>(kTransfersKept)).run();
}

Result<void> Store::add_zones(const std::vector<ZoneEntry>& zones, int64_t now) {
    dns::db::Transaction t(*db_);
    if (!t.begun()) return t.begun().error();
    for (const auto& z : zones)
        if (auto r = add_zone(z, now); !r) return r;  // rolled back: all or none
    return t.commit();
}

Result<size_t> Store::follow(const std::vector<ZoneEntry>& zones, int64_t now) {
    dns::db::Transaction t(*db_);
    if (!t.begun()) return t.begun().error();
    auto have = this->zones();
    if (!have) return have.error();
    std::map<std::string, const ZoneEntry*> want;
    for (const auto& z : zones) want[z.name] = &z;
    size_t changed = 0;
    for (const auto& h : *have) {
        auto it = want.find(h.name);
        if (it == want.end()) {
            if (auto r = remove_zone(h.name); !r) return r.error();
            ++changed;
        } else {
            if (h.primaries != it->second->primaries || h.key != it->second->key) {
                if (auto r = set_primaries(h.name, it->second->primaries, it->second->key, now); !r)
                    return r.error();
                ++changed;
            }
            want.erase(it);
        }
    }
    for (const auto& [name, z] : want) {
        if (auto r = add_zone(*z, now); !r) return r.error();
        ++changed;
    }
    if (auto r = t.commit(); !r) return r.error();
    return changed;
}

Result<std::vector<TransferEntry>> Store::transfers(std::string_view zone, size_t limit) {
    auto k = zone_key(zone);
    if (!k) return k.error();
    auto st = db_->prepare(
        "SELECT at, source, kind, serial, ok, error FROM transfers WHERE zone = ?1"
        " ORDER BY id DESC LIMIT ?2");
    if (!st) return st.error();
    st->bind(1, *k).bind(2, static_cast<int64_t>(limit));
    std::vector<TransferEntry> out;
    if (auto r = st->each([&](const dns::db::Statement& row) {
            out.push_back(TransferEntry{row.int64(0), row.text(1), row.text(2),
                                        static_cast<uint32_t>(row.int64(3)), row.int64(4) != 0,
                                        row.text(5)});
        });
        !r)
        return r.error();
    return out;
}

Result<std::string> Store::setting(std::string_view key) {
    auto st = db_->prepare("SELECT value FROM settings WHERE key = ?1");
    if (!st) return st.error();
    auto row = st->bind(1, key).step();
    if (!row) return row.error();
    if (!*row) return std::string();
    return st->text(0);
}

Result<void> Store::set_setting(std::string_view key, std::string_view value) {
    auto st = db_->prepare(
        "INSERT INTO settings(key, value) VALUES(?1, ?2)"
        " ON CONFLICT(key) DO UPDATE SET value = ?2");
    if (!st) return st.error();
    return st->bind(1, key).bind(2, value).run();
}

Result<void> Store::add_pop(const PopEntry& p, int64_t now) {
    auto st = db_->prepare(
        "INSERT INTO pops(name, address, added) VALUES(?1, ?2, ?3) ON CONFLICT(name) DO NOTHING");
    if (!st) return st.error();
    if (auto r = st->bind(1, p.name).bind(2, p.address).bind(3, now).run(); !r) return r;
    if (db_->changes() == 0) return make_error(Errc::semantic, "POP " + p.name + " exists");
    return {};
}

Result<void> Store::remove_pop(std::string_view name) {
    auto st = db_->prepare("DELETE FROM pops WHERE name = ?1");
    if (!st) return st.error();
    if (auto r = st->bind(1, name).run(); !r) return r;
    return exists_or_not_found(name, "POP");
}

Result<std::vector<PopEntry>> Store::pops() {
    auto st = db_->prepare("SELECT name, address, added FROM pops ORDER BY name");
    if (!st) return st.error();
    std::vector<PopEntry> out;
    if (auto r = st->each([&](const dns::db::Statement& row) {
            out.push_back(PopEntry{row.text(0), row.text(1), row.int64(2)});
        });
        !r)
        return r.error();
    return out;
}

Result<void> Store::set_pop_serial(std::string_view pop, std::string_view zone, uint32_t serial,
                                   int64_t reached) {
    auto k = zone_key(zone);
    if (!k) return k.error();
    auto st = db_->prepare(
        "INSERT INTO pop_serials(pop, zone, serial, reached) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(pop, zone) DO UPDATE SET reached = ?4, serial = ?3 WHERE serial != ?3");
    if (!st) return st.error();
    return st->bind(1, pop).bind(2, *k).bind(3, serial).bind(4, reached).run();
}

Result<void> Store::set_pop_serials(const std::vector<PopSerial>& serials) {
    dns::db::Transaction t(*db_);
    if (!t.begun()) return t.begun().error();
    for (const auto& s : serials)
        (void)set_pop_serial(s.pop, s.zone, s.serial, s.reached);  // a removed POP or zone: skip
    return t.commit();
}

Result<std::vector<PopSerial>> Store::pop_serials(std::string_view zone) {
    auto k = zone_key(zone);
    if (!k) return k.error();
    auto st = db_->prepare(
        "SELECT pop, zone, serial, reached FROM pop_serials WHERE zone = ?1 ORDER BY pop");
    if (!st) return st.error();
    st->bind(1, *k);
    std::vector<PopSerial> out;
    if (auto r = st->each([&](const dns::db::Statement& row) {
            out.push_back(PopSerial{row.text(0), row.text(1), static_cast<uint32_t>(row.int64(2)),
                                    row.int64(3)});
        });
        !r)
        return r.error();
    return out;
}

}  // namespace zonesync
