#include "signup-web/store.hpp"

#include <array>
#include <string_view>

namespace signup {

using dns::Errc;
using dns::make_error;
using dns::Result;

namespace {

constexpr std::array<std::string_view, 1> kMigrations = {
    R"sql(
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    action TEXT NOT NULL CHECK (action IN ('add', 'change', 'remove', 'pause_alerts')),
    zone TEXT NOT NULL,
    primaries TEXT NOT NULL DEFAULT '',
    tsig_key TEXT NOT NULL DEFAULT '',
    mailbox TEXT NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    used INTEGER
);
CREATE INDEX requests_mailbox ON requests (mailbox);
CREATE TABLE mails (
    at INTEGER NOT NULL,
    mailbox TEXT NOT NULL,
    zone TEXT NOT NULL,
    client TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX mails_at ON mails (at);
CREATE TABLE zones (
    name TEXT PRIMARY KEY,
    mailbox TEXT NOT NULL,
    added INTEGER NOT NULL,
    alerts_paused INTEGER NOT NULL DEFAULT 0,
    last_alert INTEGER NOT NULL DEFAULT 0,
    last_check INTEGER NOT NULL DEFAULT 0,
    delegation TEXT NOT NULL DEFAULT '',
    last_serial INTEGER
);
)sql"};

Action action_of(const std::string& s) {
    if (s == "change") return Action::change;
    if (s == "remove") return Action::remove;
    if (s == "pause_alerts") return Action::pause_alerts;
    return Action::add;
}

}  // namespace

const char* action_name(Action a) {
    switch (a) {
        case Action::add:
            return "add";
        case Action::change:
            return "change";
        case Action::remove:
            return "remove";
        case Action::pause_alerts:
            return "pause_alerts";
    }
    return "add";
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
    dns::db::Database::Options o;
    o.lock_hint = "another signup-web uses this database; give each its own --db";
    auto db = dns::db::Database::open(path, kMigrations, o);
    if (!db) return db.error();
    return std::unique_ptr<Store>(new Store(std::move(*db)));
}

Result<void> Store::add_request(const PendingRequest& r, const std::string& hash) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "INSERT INTO requests (token_hash, action, zone, primaries, tsig_key, mailbox, client, "
        "created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    return st->bind(1, hash)
        .bind(2, action_name(r.action))
        .bind(3, r.zone)
        .bind(4, r.primaries)
        .bind(5, r.key)
        .bind(6, r.mailbox)
        .bind(7, r.client)
        .bind(8, r.created)
        .bind(9, r.expires)
        .run();
}

Result<PendingRequest> Store::request(const std::string& hash, int64_t now) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "SELECT id, action, zone, primaries, tsig_key, mailbox, client, created, expires, used "
        "FROM requests WHERE token_hash = ?");
    if (!st) return st.error();
    st->bind(1, hash);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row)
        return make_error(Errc::not_found,
                          "this link is not known here: it may be mistyped, or so old that it "
                          "was cleaned up");
    PendingRequest r;
    r.id = st->int64(0);
    r.action = action_of(st->text(1));
    r.zone = st->text(2);
    r.primaries = st->text(3);
    r.key = st->text(4);
    r.mailbox = st->text(5);
    r.client = st->text(6);
    r.created = st->int64(7);
    r.expires = st->int64(8);
    if (!st->is_null(9))
        return make_error(Errc::semantic,
                          "this link was already used: each link works once. Start again from "
                          "the form if you need to");
    if (r.expires <= now)
        return make_error(Errc::semantic,
                          "this link has expired (links are valid for 24 hours). Start again "
                          "from the form to get a new one");
    return r;
}

Result<bool> Store::use_request(int64_t id, int64_t now) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare("UPDATE requests SET used = ? WHERE id = ? AND used IS NULL");
    if (!st) return st.error();
    if (auto r = st->bind(1, now).bind(2, id).run(); !r) return r.error();
    return db_->changes() == 1;
}

Result<void> Store::unuse_request(int64_t id) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare("UPDATE requests SET used = NULL WHERE id = ?");
    if (!st) return st.error();
    return st->bind(1, id).run();
}

Result<int64_t> Store::pending_for(const std::string& mailbox, int64_t now) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "SELECT count(*) FROM requests WHERE mailbox = ? AND used IS NULL AND expires > ?");
    if (!st) return st.error();
    st->bind(1, mailbox).bind(2, now);
    auto row = st->step();
    if (!row) return row.error();
    return st->int64(0);
}

Result<void> Store::record_mail(const std::string& mailbox, const std::string& zone,
                                const std::string& client, const std::string& kind, int64_t now) {
    std::lock_guard lock(mu_);
    auto st =
        db_->prepare("INSERT INTO mails (at, mailbox, zone, client, kind) VALUES (?, ?, ?, ?, ?)");
    if (!st) return st.error();
    return st->bind(1, now).bind(2, mailbox).bind(3, zone).bind(4, client).bind(5, kind).run();
}

Result<Store::MailCounts> Store::mails_since(const std::string& mailbox, const std::string& zone,
                                             const std::string& client, int64_t since) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "SELECT coalesce(sum(mailbox = ?1), 0), coalesce(sum(zone = ?2), 0), "
        "coalesce(sum(client = ?3), 0), coalesce(sum(mailbox = ?1 AND zone = ?2), 0) "
        "FROM mails WHERE at >= ?4 AND kind = 'confirm'");
    if (!st) return st.error();
    st->bind(1, mailbox).bind(2, zone).bind(3, client).bind(4, since);
    auto row = st->step();
    if (!row) return row.error();
    return MailCounts{st->int64(0), st->int64(1), st->int64(2), st->int64(3)};
}

Result<void> Store::add_zone(const std::string& name, const std::string& mailbox, int64_t now) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "INSERT INTO zones (name, mailbox, added) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET mailbox = excluded.mailbox, alerts_paused = 0");
    if (!st) return st.error();
    return st->bind(1, name).bind(2, mailbox).bind(3, now).run();
}

Result<void> Store::remove_zone(const std::string& name) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare("DELETE FROM zones WHERE name = ?");
    if (!st) return st.error();
    return st->bind(1, name).run();
}

namespace {
constexpr const char* kZoneColumns =
    "SELECT name, mailbox, added, alerts_paused, last_alert, last_check, delegation, "
    "last_serial FROM zones";

SignedZone zone_of(const dns::db::Statement& st) {
    SignedZone z;
    z.name = st.text(0);
    z.mailbox = st.text(1);
    z.added = st.int64(2);
    z.alerts_paused = st.int64(3) != 0;
    z.last_alert = st.int64(4);
    z.last_check = st.int64(5);
    z.delegation = st.text(6);
    if (!st.is_null(7)) z.last_serial = static_cast<uint32_t>(st.int64(7));
    return z;
}
}  // namespace

Result<std::optional<SignedZone>> Store::zone(const std::string& name) {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(std::string(kZoneColumns) + " WHERE name = ?");
    if (!st) return st.error();
    st->bind(1, name);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<SignedZone>();
    return std::optional<SignedZone>(zone_of(*st));
}

Result<std::vector<SignedZone>> Store::zones() {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(std::string(kZoneColumns) + " ORDER BY name");
    if (!st) return st.error();
    std::vector<SignedZone> out;
    if (auto r = st->each([&](dns::db::Statement& s) { out.push_back(zone_of(s)); }); !r)
        return r.error();
    return out;
}

namespace {
template <class... A>
Result<void> run(dns::db::Database& db, const char* sql, A... args) {
    auto st = db.prepare(sql);
    if (!st) return st.error();
    int i = 0;
    (st->bind(++i, args), ...);
    return st->run();
}
}  // namespace

Result<void> Store::pause_alerts(const std::string& name) {
    std::lock_guard lock(mu_);
    return run(*db_, "UPDATE zones SET alerts_paused = 1 WHERE name = ?", name);
}

Result<void> Store::set_alerted(const std::string& name, int64_t now) {
    std::lock_guard lock(mu_);
    return run(*db_, "UPDATE zones SET last_alert = ? WHERE name = ?", now, name);
}

Result<void> Store::set_delegation(const std::string& name, const std::string& json, int64_t now) {
    std::lock_guard lock(mu_);
    return run(*db_, "UPDATE zones SET delegation = ?, last_check = ? WHERE name = ?", json, now,
               name);
}

Result<void> Store::set_serial(const std::string& name, uint32_t serial) {
    std::lock_guard lock(mu_);
    return run(*db_, "UPDATE zones SET last_serial = ? WHERE name = ?",
               static_cast<int64_t>(serial), name);
}

Result<void> Store::prune(int64_t before) {
    std::lock_guard lock(mu_);
    if (auto r = run(*db_, "DELETE FROM requests WHERE expires < ?", before); !r) return r;
    return run(*db_, "DELETE FROM mails WHERE at < ?", before);
}

}  // namespace signup
