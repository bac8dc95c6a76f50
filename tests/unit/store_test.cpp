// lib/db (SQLite: migrations, the writer's lock, transactions) and zonesync's
// store (zones, data and journal, history, POPs), including a writer killed
// with SIGKILL at random moments.

#include "zonesync/store.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lib/db/sqlite.hpp"
#include "lib/xfr/catalog.hpp"
#include "lib/xfr/transfer_out.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

using test::N;
using zonesync::Store;
using zonesync::ZoneState;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/store_test.XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string file(const char* name) const { return path + "/" + name; }
};

dns::zone::ZonePtr zone_at(uint32_t serial, int hosts, const char* apex = "example.com.") {
    std::string t = "$ORIGIN " + std::string(apex) + "\n$TTL 300\n@ SOA ns1 hostmaster " +
                    std::to_string(serial) + " 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n";
    for (int i = 0; i < hosts; ++i)
        t += "h" + std::to_string(i) + " A 198.51.100." + std::to_string(i % 250) + "\n";
    auto z = dns::zonefile::parse(t, N(apex));
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

std::unique_ptr<Store> open_store(const std::string& path, zonesync::StoreLimits l = {}) {
    auto s = Store::open(path, l);
    REQUIRE_MESSAGE(s.has_value(), s.error().message);
    return std::move(*s);
}

constexpr std::array<std::string_view, 2> kTwo = {
    "CREATE TABLE a(x INTEGER);", "ALTER TABLE a ADD COLUMN y TEXT NOT NULL DEFAULT 'v2';"};

}  // namespace

TEST_CASE("db: migrations run once, in order, and a newer schema is refused") {
    TempDir d;
    const std::string p = d.file("m.db");
    {
        auto db = dns::db::Database::open(p, std::span(kTwo).first(1));
        REQUIRE(db.has_value());
        CHECK((*db)->schema_version() == 1);
        REQUIRE((*db)->exec("INSERT INTO a(x) VALUES(7)").has_value());
    }
    {
        auto db = dns::db::Database::open(p, kTwo);  // 1 -> 2 keeps the row
        REQUIRE(db.has_value());
        CHECK((*db)->schema_version() == 2);
        auto st = (*db)->prepare("SELECT x, y FROM a");
        REQUIRE(st.has_value());
        auto row = st->step();
        REQUIRE((row.has_value() && *row));
        CHECK(st->int64(0) == 7);
        CHECK(st->text(1) == "v2");
    }
    auto old = dns::db::Database::open(p, std::span(kTwo).first(1));
    REQUIRE_FALSE(old.has_value());
    CHECK(old.error().code == dns::Errc::unsupported);
    CHECK(old.error().message.find("newer") != std::string::npos);
}

TEST_CASE("db: a failing migration leaves the schema where it was") {
    TempDir d;
    constexpr std::array<std::string_view, 2> bad = {"CREATE TABLE a(x INTEGER);",
                                                     "CREATE TABLE b(y); SELECT nonsense FROM;"};
    auto db = dns::db::Database::open(d.file("b.db"), bad);
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().message.find("migration to schema 2") != std::string::npos);
    auto again = dns::db::Database::open(d.file("b.db"), std::span(bad).first(1));
    REQUIRE(again.has_value());
    CHECK((*again)->schema_version() == 1);
    CHECK_FALSE((*again)->exec("SELECT * FROM b").has_value());  // rolled back with it
}

TEST_CASE("db: one writer; the second gets a clear error, and the lock dies with its holder") {
    TempDir d;
    const std::string p = d.file("l.db");
    {
        auto first = dns::db::Database::open(p, kTwo);
        REQUIRE(first.has_value());
        dns::db::Database::Options o;
        o.lock_hint = "use --api";
        auto second = dns::db::Database::open(p, kTwo, o);
        REQUIRE_FALSE(second.has_value());
        CHECK(second.error().code == dns::Errc::refused);
        CHECK(second.error().message.find("in use by another process (pid " +
                                          std::to_string(::getpid())) != std::string::npos);
        CHECK(second.error().message.find("use --api") != std::string::npos);
    }
    CHECK(dns::db::Database::open(p, kTwo).has_value());
    // A holder killed with SIGKILL leaves no stale lock.
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(fds[0]);
        auto db = dns::db::Database::open(p, kTwo);
        char ok = db ? 'y' : 'n';
        (void)!::write(fds[1], &ok, 1);
        ::pause();
        ::_exit(0);
    }
    ::close(fds[1]);
    char ok = 0;
    REQUIRE(::read(fds[0], &ok, 1) == 1);
    ::close(fds[0]);
    REQUIRE(ok == 'y');
    auto while_held = dns::db::Database::open(p, kTwo);
    CHECK_FALSE(while_held.has_value());
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    CHECK(dns::db::Database::open(p, kTwo).has_value());
}

TEST_CASE("db: a file that is not a database is refused with SQLite's reason") {
    TempDir d;
    const std::string p = d.file("junk.db");
    std::ofstream(p) << std::string(4096, 'x');
    auto db = dns::db::Database::open(p, kTwo);
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().message.find("not a database") != std::string::npos);
}

TEST_CASE("db: a transaction not committed is rolled back") {
    TempDir d;
    auto db = dns::db::Database::open(d.file("t.db"), kTwo);
    REQUIRE(db.has_value());
    {
        dns::db::Transaction t(**db);
        REQUIRE(t.begun().has_value());
        REQUIRE((*db)->exec("INSERT INTO a(x) VALUES(1)").has_value());
    }
    {
        dns::db::Transaction t(**db);
        REQUIRE((*db)->exec("INSERT INTO a(x) VALUES(2)").has_value());
        REQUIRE(t.commit().has_value());
    }
    auto st = (*db)->prepare("SELECT group_concat(x) FROM a");
    REQUIRE(st.has_value());
    REQUIRE(*st->step());
    CHECK(st->text(0) == "2");
}

TEST_CASE("store: zone input is checked and normalised, each error naming the field") {
    auto ok = zonesync::make_zone("Example.COM", "192.0.2.1, [2001:db8::1]:5300,198.51.100.7:53",
                                  "Key.Example", "hostmaster@example.com");
    REQUIRE(ok.has_value());
    CHECK(ok->name == "example.com.");
    CHECK(ok->primaries ==
          std::vector<std::string>{"192.0.2.1:53", "[2001:db8::1]:5300", "198.51.100.7:53"});
    CHECK(ok->key == "key.example.");
    struct Bad {
        const char *name, *primaries, *key, *owner, *says;
    };
    const std::string too_long(300, 'a');
    for (const Bad& b : std::vector<Bad>{
             {"exa mple..com", "192.0.2.1", "", "", "not a domain name"},
             {too_long.c_str(), "192.0.2.1", "", "", "not a domain name"},
             {".", "192.0.2.1", "", "", "root zone"},
             {"example.com", "", "", "", "at least one primary"},
             {"example.com", "ns1.example.net", "", "", "is not an address"},
             {"example.com", "192.0.2.1:99999", "", "", "is not an address"},
             {"example.com", "192.0.2.1:0", "", "", "port 0"},
             {"example.com",
              "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9", "", "",
              "at most 8"},
             {"example.com", "192.0.2.1", "bad key..", "", "TSIG key name"},
             {"example.com", "192.0.2.1", "", "a b@c", "not a mail address"},
         }) {
        INFO(std::string(b.says));
        auto r = zonesync::make_zone(b.name, b.primaries, b.key, b.owner);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find(b.says) != std::string::npos);
    }
    CHECK(zonesync::make_pop("pop-1", "192.0.2.53:53").has_value());
    CHECK_FALSE(zonesync::make_pop("pop 1", "192.0.2.53:53").has_value());
    CHECK_FALSE(zonesync::make_pop("", "192.0.2.53:53").has_value());
    CHECK_FALSE(zonesync::make_pop("pop1", "somewhere").has_value());
}

TEST_CASE("store: zones are added once, listed, changed and removed with everything they own") {
    TempDir d;
    auto s = open_store(d.file("z.db"));
    auto z = zonesync::make_zone("example.com", "192.0.2.1");
    REQUIRE(z.has_value());
    REQUIRE(s->add_zone(*z, 100).has_value());
    auto dup = s->add_zone(*z, 101);
    REQUIRE_FALSE(dup.has_value());
    CHECK(dup.error().message == "zone example.com. exists");
    auto z2 = zonesync::make_zone("a.example", "192.0.2.2:5353");
    REQUIRE(s->add_zone(*z2, 102).has_value());

    auto all = s->zones();
    REQUIRE(all.has_value());
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].name == "a.example.");  // sorted
    CHECK((*all)[1].state == ZoneState::pending);
    CHECK_FALSE((*all)[1].has_data);

    REQUIRE(s->set_state("EXAMPLE.com.", ZoneState::held, "lost its apex NS", 200).has_value());
    auto got = s->zone("example.com");
    REQUIRE(got.has_value());
    CHECK(got->state == ZoneState::held);
    CHECK(got->reason == "lost its apex NS");
    CHECK(got->updated == 200);
    CHECK(s->set_state("nothere.example", ZoneState::active, "", 1).error().code ==
          dns::Errc::not_found);

    // Data, journal, history and POP serials go with the zone.
    REQUIRE(s->save_version(*zone_at(1, 3), nullptr, "192.0.2.1:53", 300).has_value());
    REQUIRE(
        s->record_transfer("example.com", {300, "192.0.2.1:53", "AXFR", 1, true, ""}).has_value());
    REQUIRE(s->add_pop({"pop1", "192.0.2.53:53", 0}, 1).has_value());
    REQUIRE(s->set_pop_serial("pop1", "example.com", 1, 300500).has_value());
    REQUIRE(s->remove_zone("example.com").has_value());
    CHECK(s->remove_zone("example.com").error().code == dns::Errc::not_found);
    CHECK(s->load(N("example.com.")).error().code == dns::Errc::not_found);
    CHECK(s->transfers("example.com", 10)->empty());
    CHECK(s->pop_serials("example.com")->empty());
    for (const char* t : {"zone_data", "journal", "transfers", "pop_serials"}) {
        auto st = s->db().prepare(std::string("SELECT count(*) FROM ") + t);
        REQUIRE(st.has_value());
        REQUIRE(*st->step());
        CHECK_MESSAGE(st->int64(0) == 0, t);
    }
    // Data for a zone that is not there is refused, not stored.
    CHECK(s->save_version(*zone_at(1, 1), nullptr, "x", 1).error().code == dns::Errc::not_found);
}

TEST_CASE("store: add_zones() adds all or none; install() stores, activates and records at once") {
    TempDir d;
    auto s = open_store(d.file("b.db"));
    std::vector<zonesync::ZoneEntry> zs;
    for (const char* n : {"a.example", "b.example", "c.example"})
        zs.push_back(*zonesync::make_zone(n, "192.0.2.1"));
    REQUIRE(s->add_zone(zs[1], 1).has_value());
    auto r = s->add_zones(zs, 2);  // b exists: nothing is added
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "zone b.example. exists");
    CHECK(s->zones()->size() == 1);
    zs.erase(zs.begin() + 1);
    REQUIRE(s->add_zones(zs, 3).has_value());
    CHECK(s->zones()->size() == 3);

    REQUIRE(s->set_state("a.example", ZoneState::failing, "refused", 4).has_value());
    REQUIRE(s->install(*zone_at(7, 2, "a.example."), nullptr, "192.0.2.1:53", 5,
                       {5, "192.0.2.1:53", "AXFR", 7, true, ""})
                .has_value());
    auto a = s->zone("a.example");
    CHECK(a->state == ZoneState::active);
    CHECK(a->reason.empty());
    CHECK(a->serial == 7);
    CHECK(s->transfers("a.example", 5)->size() == 1);
    // A zone that is not there: nothing is written.
    CHECK_FALSE(
        s->install(*zone_at(1, 1, "gone.example."), nullptr, "x", 1, {1, "x", "AXFR", 1, true, ""})
            .has_value());
}

TEST_CASE("store: a full version, then differences: load() gives the newest, journal() the IXFR") {
    TempDir d;
    zonesync::StoreLimits limits;
    limits.journal_entries = 5;
    auto s = open_store(d.file("d.db"), limits);
    REQUIRE(s->add_zone(*zonesync::make_zone("example.com", "192.0.2.1"), 1).has_value());
    auto v = zone_at(1, 200);
    REQUIRE(s->save_version(*v, nullptr, "192.0.2.1:53", 10).has_value());
    std::vector<dns::zone::ZonePtr> versions{v};
    for (uint32_t serial = 2; serial <= 12; ++serial) {
        auto next = zone_at(serial, 200 + static_cast<int>(serial));
        std::vector<dns::xfr::Diff> diffs{dns::xfr::diff_zones(*versions.back(), *next)};
        REQUIRE(s->save_version(*next, &diffs, "192.0.2.1:53", 10 + serial).has_value());
        versions.push_back(next);
        // Every version reads back whole, whichever mix of snapshot and journal holds it.
        auto back = s->load(N("example.com."));
        REQUIRE_MESSAGE(back.has_value(), back.error().message);
        CHECK(back->zone->serial() == serial);
        CHECK(back->zone->record_count() == next->record_count());
        auto diff = dns::xfr::diff_zones(*back->zone, *next);  // SOA aside: nothing
        CHECK(diff.added.size() == 1);
        CHECK(diff.removed.size() == 1);
        for (const auto& r : diff.added) CHECK(r.type == 6);
        CHECK(back->verified == 10 + serial);
        CHECK(back->primary == "192.0.2.1:53");
    }
    auto j = s->journal("example.com");
    REQUIRE(j.has_value());
    // Small differences to a large snapshot: every entry is still needed to
    // load the zone, so none went, although there are more than the limit.
    REQUIRE(j->size() == 11);
    CHECK(j->front().from == 1);
    CHECK(j->back().to == 12);
    // A large difference: the snapshot moves to it, and the history keeps the
    // newest five.
    {
        auto big = zone_at(13, 600);
        std::vector<dns::xfr::Diff> diffs{dns::xfr::diff_zones(*versions.back(), *big)};
        REQUIRE(s->save_version(*big, &diffs, "192.0.2.1:53", 30).has_value());
        versions.push_back(big);
        CHECK(s->load(N("example.com."))->journal_entries == 0);  // the snapshot has it all
    }
    j = s->journal("example.com");
    REQUIRE(j.has_value());
    REQUIRE(j->size() == 5);  // the limit: the oldest went
    CHECK(j->front().from == 8);
    CHECK(j->back().to == 13);
    for (size_t i = 1; i < j->size(); ++i) CHECK((*j)[i].from == (*j)[i - 1].to);
    auto z = s->zone("example.com");
    CHECK(z->serial == 13);
    CHECK(z->has_data);
    // A full version starts the journal over.
    REQUIRE(s->save_version(*zone_at(20, 3), nullptr, "192.0.2.9:53", 99).has_value());
    CHECK(s->journal("example.com")->empty());
    CHECK(s->load(N("example.com."))->zone->serial() == 20);
    CHECK(s->load(N("example.com."))->primary == "192.0.2.9:53");
    REQUIRE(s->touch("example.com", 150).has_value());
    CHECK(s->load(N("example.com."))->verified == 150);
}

TEST_CASE("store: catalog versions survive a reopen with their IXFR history; demote drops them") {
    TempDir d;
    const auto cat = N("catalog.zonesync.");
    auto member = [](const char* name) {
        dns::xfr::CatalogMember m;
        m.zone = N(name);
        m.id = dns::xfr::member_id(m.zone);
        m.ext["primaries"] = {"192.0.2.1:53"};
        return m;
    };
    std::vector<uint32_t> serials;
    {
        auto s = open_store(d.file("c.db"));
        CHECK(s->load_catalog(cat).error().code == dns::Errc::not_found);
        auto v1 = dns::xfr::build_catalog(cat, 100, {member("a.example."), member("b.example.")});
        REQUIRE(v1.has_value());
        REQUIRE(s->save_catalog(**v1, nullptr, 1).has_value());
        dns::zone::ZonePtr last = *v1;
        for (uint32_t serial = 101; serial <= 105; ++serial) {
            const std::string name = "m" + std::to_string(serial) + ".example.";
            auto c = dns::xfr::change_catalog(last, {}, {member(name.c_str())}, serial);
            REQUIRE(c.has_value());
            std::vector<dns::xfr::Diff> diffs{c->diff};
            REQUIRE(s->save_catalog(*c->catalog, &diffs, serial).has_value());
            last = c->catalog;
        }
        CHECK(s->setting("catalog_serial").value() == "105");
    }
    auto s = open_store(d.file("c.db"));
    auto back = s->load_catalog(cat);
    REQUIRE_MESSAGE(back.has_value(), back.error().message);
    CHECK(back->zone->serial() == 105);
    auto members = dns::xfr::catalog_members(*back->zone);
    REQUIRE(members.has_value());
    CHECK(members->size() == 7);
    auto j = s->catalog_journal(cat);
    REQUIRE(j.has_value());
    REQUIRE(j->size() == 5);
    CHECK(j->front().from == 100);
    CHECK(j->back().to == 105);
    for (size_t i = 1; i < j->size(); ++i) CHECK((*j)[i].from == (*j)[i - 1].to);
    // A catalog is not a zone of the store.
    CHECK(s->zones()->empty());
    REQUIRE(s->drop_catalogs().has_value());
    CHECK(s->load_catalog(cat).error().code == dns::Errc::not_found);
    CHECK(s->catalog_journal(cat)->empty());
}

TEST_CASE("store: transfer history keeps the newest 100 per zone; POP serials keep first arrival") {
    TempDir d;
    auto s = open_store(d.file("h.db"));
    REQUIRE(s->add_zone(*zonesync::make_zone("example.com", "192.0.2.1"), 1).has_value());
    for (int i = 0; i < 130; ++i)
        REQUIRE(s->record_transfer("example.com",
                                   {i, "192.0.2.1:53", i % 2 ? "IXFR" : "AXFR",
                                    static_cast<uint32_t>(i), i % 3 != 0, i % 3 ? "" : "refused"})
                    .has_value());
    auto t = s->transfers("example.com", 1000);
    REQUIRE(t->size() == 100);
    CHECK(t->front().at == 129);
    CHECK(t->back().at == 30);
    CHECK(t->front().error == "refused");
    CHECK_FALSE(t->front().ok);

    REQUIRE(s->add_pop({"pop1", "192.0.2.53:53", 0}, 1).has_value());
    CHECK(s->add_pop({"pop1", "192.0.2.54:53", 0}, 1).error().message == "POP pop1 exists");
    REQUIRE(s->set_pop_serial("pop1", "example.com", 5, 1000).has_value());
    REQUIRE(s->set_pop_serial("pop1", "example.com", 5, 2000).has_value());  // still 5
    CHECK(s->pop_serials("example.com")->at(0).reached == 1000);
    REQUIRE(s->set_pop_serial("pop1", "example.com", 6, 3000).has_value());
    CHECK(s->pop_serials("example.com")->at(0).reached == 3000);
    CHECK(s->pop_serials("example.com")->at(0).serial == 6);
    // A POP that is not there: the foreign key refuses it.
    CHECK_FALSE(s->set_pop_serial("nope", "example.com", 6, 3000).has_value());
    REQUIRE(s->remove_pop("pop1").has_value());
    CHECK(s->pop_serials("example.com")->empty());
    CHECK(s->remove_pop("pop1").error().code == dns::Errc::not_found);
}

TEST_CASE("store: SIGKILL at any moment loses nothing that was acknowledged") {
    // A child adds zones and saves versions as fast as it can, acknowledging
    // each commit on a pipe; it is killed at a different moment each round.
    // The database must open cleanly afterwards and hold every acknowledged
    // zone and serial, each loading whole.
    TempDir d;
    const std::string p = d.file("k.db");
    int acknowledged_total = 0;
    for (int round = 0; round < 6; ++round) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(fds[0]);
            auto s = Store::open(p);
            if (!s) ::_exit(3);
            for (int i = 0; i < 100000; ++i) {
                std::string name =
                    "r" + std::to_string(round) + "-" + std::to_string(i) + ".example";
                auto z = zonesync::make_zone(name, "192.0.2.1");
                if (!z || !(*s)->add_zone(*z, i)) ::_exit(4);
                if (!(*s)->save_version(
                        *zone_at(static_cast<uint32_t>(i + 1), 20, (name + ".").c_str()), nullptr,
                        "192.0.2.1:53", i))
                    ::_exit(5);
                int32_t ack = i;
                if (::write(fds[1], &ack, sizeof ack) != sizeof ack) ::_exit(6);
            }
            ::_exit(0);
        }
        ::close(fds[1]);
        int32_t last = -1, ack = 0;
        const int kill_after = 3 + round * 7;  // acknowledgements before the kill
        while (last + 1 < kill_after && ::read(fds[0], &ack, sizeof ack) == sizeof ack) last = ack;
        ::kill(child, SIGKILL);
        while (::read(fds[0], &ack, sizeof ack) == sizeof ack) last = ack;  // in flight
        ::close(fds[0]);
        int status = 0;
        ::waitpid(child, &status, 0);
        REQUIRE(WIFSIGNALED(status));
        REQUIRE(last >= 0);
        acknowledged_total += last + 1;

        auto s = open_store(p);
        for (int i = 0; i <= last; ++i) {
            std::string name = "r" + std::to_string(round) + "-" + std::to_string(i) + ".example.";
            auto z = s->zone(name);
            REQUIRE_MESSAGE(z.has_value(), name);
            CHECK(z->serial == static_cast<uint32_t>(i + 1));
            auto data = s->load(N(name));
            REQUIRE(data.has_value());
            CHECK(data->zone->serial() == static_cast<uint32_t>(i + 1));
        }
    }
    auto s = open_store(p);
    auto all = s->zones();
    REQUIRE(all.has_value());
    // At most one zone per round beyond the acknowledged ones (committed, killed before its ack).
    CHECK(static_cast<int>(all->size()) >= acknowledged_total);
    CHECK(static_cast<int>(all->size()) <= acknowledged_total + 6);
    auto check = s->db().prepare("PRAGMA integrity_check");
    REQUIRE(check.has_value());
    REQUIRE(*check->step());
    CHECK(check->text(0) == "ok");
}
