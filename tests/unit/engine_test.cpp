// lib/secondary/engine: the secondary's decisions driven by hand, with a
// manual clock, through the cases that otherwise only real primaries reach.

#include "lib/secondary/engine.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lib/base/clock.hpp"
#include "test_util.hpp"

using dns::ManualClock;
using namespace dns::secondary;
using Kind = Action::Kind;
using std::chrono::seconds;
using test::N;

namespace {

const std::string kZone = "example.com.";

ZoneSpec spec(const std::string& name, std::vector<std::string> primaries, bool catalog = false) {
    return ZoneSpec{N(name.c_str()), std::move(primaries), "", catalog};
}

SoaTimers timers(uint32_t refresh = 3600, uint32_t retry = 600, uint32_t expire = 86400) {
    SoaTimers t;
    t.refresh = refresh;
    t.retry = retry;
    t.expire = expire;
    return t;
}

Transferred full(uint32_t serial, SoaTimers t = timers()) {
    return Transferred{Transferred::Outcome::full, serial, t, -1};
}

struct Rig {
    ManualClock clock;
    Engine engine;
    std::vector<Action> log;  // everything emitted, in order
    explicit Rig(EngineOptions o = {}) : engine(clock, with_no_spread(o)) {}
    static EngineOptions with_no_spread(EngineOptions o) {
        o.startup_spread = seconds(0);
        return o;
    }
    // Runs due work and returns the actions since the last call.
    std::vector<Action> step() {
        engine.tick();
        auto a = engine.take_actions();
        log.insert(log.end(), a.begin(), a.end());
        return a;
    }
    std::vector<Action> drain() {
        auto a = engine.take_actions();
        log.insert(log.end(), a.begin(), a.end());
        return a;
    }
    void advance(seconds s) { clock.advance(s); }
};

size_t count(const std::vector<Action>& a, Kind k, const std::string& zone = "") {
    return static_cast<size_t>(std::count_if(a.begin(), a.end(), [&](const Action& x) {
        return x.kind == k && (zone.empty() || x.zone == zone);
    }));
}

const Action* first(const std::vector<Action>& a, Kind k, const std::string& zone = "") {
    for (const auto& x : a)
        if (x.kind == k && (zone.empty() || x.zone == zone)) return &x;
    return nullptr;
}
// A pointer into a temporary would dangle: first(r.drain(), ...) does not compile.
const Action* first(std::vector<Action>&& a, Kind k, const std::string& zone = "") = delete;

// Brings a zone to serial `s` from primary 0 (one primary: no SOA round first).
void bootstrap(Rig& r, uint32_t s) {
    r.engine.start();
    auto a = r.step();
    const Action* t = first(a, Kind::transfer);
    REQUIRE(t);
    CHECK_FALSE(t->ixfr);
    r.engine.transfer_done(t->zone, t->primary, t->ixfr, full(s));
    auto b = r.drain();
    REQUIRE(count(b, Kind::install) == 1);
}

}  // namespace

TEST_SUITE("engine") {
    TEST_CASE(
        "a zone with one primary and no data is transferred at once, then checked on refresh") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53"}));
        bootstrap(r, 10);
        auto st = r.engine.status(kZone);
        REQUIRE(st);
        CHECK(st->state == ZoneState::fresh);
        CHECK(st->serial == 10);
        CHECK(st->primary == "192.0.2.1:53");
        // Nothing happens before the refresh (3600 s, less up to 10% jitter).
        r.advance(seconds(3000));
        CHECK(r.step().empty());
        r.advance(seconds(700));
        auto a = r.step();
        REQUIRE(count(a, Kind::query_soa) == 1);
        r.engine.soa_answer(kZone, 0, 10);
        auto b = r.drain();
        CHECK(count(b, Kind::verified) == 1);
        CHECK(count(b, Kind::transfer) == 0);
        // A newer serial: IXFR from the primary the data came from.
        r.advance(seconds(3700));
        r.step();
        r.engine.soa_answer(kZone, 0, 11);
        auto c = r.drain();
        const Action* t = first(c, Kind::transfer);
        REQUIRE(t);
        CHECK(t->ixfr);
        CHECK(t->serial == 10);
    }

    TEST_CASE("a NOTIFY whose serial is not newer than ours starts no check; a newer one does") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53"}),
                     Saved{5, timers(), r.clock.now(), "192.0.2.1:53"});
        r.engine.start();
        r.drain();
        CHECK_FALSE(r.engine.notify(kZone, "192.0.2.1", 5u));  // the serial we serve
        CHECK_FALSE(r.engine.notify(kZone, "192.0.2.1", 4u));  // an older one
        CHECK(count(r.drain(), Kind::query_soa) == 0);
        CHECK(r.engine.counters().notify_current == 2);
        CHECK(r.engine.notify(kZone, "192.0.2.1", 6u));  // newer: checked at once
        CHECK(count(r.drain(), Kind::query_soa) == 1);
        r.engine.soa_answer(kZone, 0, 6);
        r.drain();
        // No serial in the NOTIFY: checked as before.
        Rig r2;
        r2.engine.add(spec(kZone, {"192.0.2.1:53"}), Saved{5, timers(), r2.clock.now(), ""});
        r2.engine.start();
        r2.drain();
        CHECK(r2.engine.notify(kZone, "192.0.2.1"));
        CHECK(count(r2.drain(), Kind::query_soa) == 1);
    }

    TEST_CASE("NOTIFY storm: many NOTIFYs during a check make exactly one more check") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53", "192.0.2.2:53"}),
                     Saved{5, timers(), r.clock.now(), "192.0.2.1:53"});
        r.engine.start();
        r.drain();
        CHECK(r.engine.notify(kZone));
        auto a = r.drain();
        CHECK(count(a, Kind::query_soa) == 2);  // both primaries asked
        for (int i = 0; i < 50; ++i) CHECK(r.engine.notify(kZone));
        CHECK(r.drain().empty());  // collapsed while busy
        r.engine.soa_answer(kZone, 0, 5);
        r.engine.soa_answer(kZone, 1, 5);
        auto b = r.drain();
        CHECK(count(b, Kind::verified) == 1);
        // ... and then one more round, not fifty.
        CHECK(count(b, Kind::query_soa) == 2);
        r.engine.soa_answer(kZone, 0, 5);
        r.engine.soa_answer(kZone, 1, 5);
        auto c = r.drain();
        CHECK(count(c, Kind::query_soa) == 0);
        CHECK_FALSE(r.engine.notify("unknown.example."));
        CHECK(r.engine.counters().notify_accepted == 51);
    }

    TEST_CASE("a primary that goes backwards is never followed; the highest serial wins") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53", "192.0.2.2:53"}),
                     Saved{100, timers(), r.clock.now(), "192.0.2.1:53"});
        r.engine.start();
        r.engine.notify(kZone);
        r.drain();
        r.engine.soa_answer(kZone, 0, 90);   // went backwards
        r.engine.soa_answer(kZone, 1, 100);  // same as ours
        auto a = r.drain();
        CHECK(count(a, Kind::transfer) == 0);
        CHECK(count(a, Kind::verified) == 1);
        CHECK(r.engine.status(kZone)->serial == 100);
        // Both ahead: the higher serial is transferred, by AXFR (not our history).
        r.engine.notify(kZone);
        r.drain();
        r.engine.soa_answer(kZone, 0, 101);
        r.engine.soa_answer(kZone, 1, 105);
        auto b = r.drain();
        const Action* t = first(b, Kind::transfer);
        REQUIRE(t);
        CHECK(t->primary == 1);
        CHECK_FALSE(t->ixfr);
        // A transfer that brings an older serial than ours is not installed.
        r.engine.transfer_done(kZone, 1, false, full(99));
        auto c = r.drain();
        CHECK(count(c, Kind::install) == 0);
        // The next candidate (primary 0, our history) is tried by IXFR.
        const Action* t2 = first(c, Kind::transfer);
        REQUIRE(t2);
        CHECK(t2->primary == 0);
        CHECK(t2->ixfr);
    }

    TEST_CASE(
        "a silent primary holds a newer serial back for soa_grace only; a later higher one makes "
        "one more check") {
        EngineOptions o;
        o.soa_grace = std::chrono::milliseconds(200);
        Rig r(o);
        r.engine.add(spec(kZone, {"192.0.2.1:53", "192.0.2.2:53", "192.0.2.3:53"}),
                     Saved{10, timers(), r.clock.now(), "192.0.2.1:53"});
        r.engine.start();
        r.engine.notify(kZone);
        REQUIRE(count(r.drain(), Kind::query_soa) == 3);
        // The same serial from one: nothing to wait for (no grace, no transfer).
        r.engine.soa_answer(kZone, 1, 10);
        r.clock.advance(std::chrono::milliseconds(500));
        CHECK(r.step().empty());
        // A newer one from another: the third gets the grace, not a timeout.
        r.engine.soa_answer(kZone, 0, 11);
        CHECK(count(r.step(), Kind::transfer) == 0);
        REQUIRE(r.engine.next_wakeup());
        CHECK(*r.engine.next_wakeup() <= r.clock.now() + std::chrono::milliseconds(200));
        r.clock.advance(std::chrono::milliseconds(199));
        CHECK(count(r.step(), Kind::transfer) == 0);
        r.clock.advance(std::chrono::milliseconds(1));
        auto a = r.step();
        const Action* t = first(a, Kind::transfer);
        REQUIRE(t);
        CHECK(t->primary == 0);
        // The silent one answers late with a higher serial: one more check follows this round.
        r.engine.soa_answer(kZone, 2, 12);
        r.engine.transfer_done(kZone, 0, true, full(11));
        auto b = r.drain();
        CHECK(count(b, Kind::install) == 1);
        CHECK(count(b, Kind::query_soa) == 3);
        r.engine.soa_answer(kZone, 0, 11);
        r.engine.soa_answer(kZone, 1, 10);
        r.engine.soa_answer(kZone, 2, 12);
        auto c = r.drain();
        const Action* t2 = first(c, Kind::transfer);
        REQUIRE(t2);
        CHECK(t2->primary == 2);
        // Every primary answering in time: no wait at all.
        r.engine.transfer_done(kZone, 2, false, full(12));
        r.drain();
        r.engine.notify(kZone);
        r.drain();
        r.engine.soa_answer(kZone, 0, 13);
        r.engine.soa_answer(kZone, 1, 13);
        r.engine.soa_answer(kZone, 2, 14);
        const auto d = r.drain();
        const Action* t3 = first(d, Kind::transfer);
        REQUIRE(t3);
        CHECK(t3->primary == 2);
        // A late answer to a decided round that is not newer changes nothing.
        r.engine.soa_failed(kZone, 1, Failure::timeout, "timed out");
        CHECK(r.drain().empty());
    }

    TEST_CASE("two primaries with different histories: IXFR only from the one the data came from") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53", "192.0.2.2:53"}),
                     Saved{7, timers(), r.clock.now(), "192.0.2.2:53"});
        r.engine.start();
        r.engine.notify(kZone);
        r.drain();
        r.engine.soa_answer(kZone, 0, 8);
        r.engine.soa_answer(kZone, 1, 8);
        auto a = r.drain();
        const Action* t = first(a, Kind::transfer);
        REQUIRE(t);
        CHECK(t->primary == 1);  // a tie goes to where the data came from
        CHECK(t->ixfr);
        // The IXFR does not apply: AXFR from the same primary.
        r.engine.transfer_failed(kZone, 1, true, Failure::no_apply, "removed record not present");
        auto b = r.drain();
        const Action* t2 = first(b, Kind::transfer);
        REQUIRE(t2);
        CHECK(t2->primary == 1);
        CHECK_FALSE(t2->ixfr);
        r.engine.transfer_done(kZone, 1, false, full(8));
        CHECK(count(r.drain(), Kind::install) == 1);
        // Next change comes only from primary 0: AXFR, never IXFR across histories.
        r.engine.notify(kZone);
        r.drain();
        r.engine.soa_answer(kZone, 0, 9);
        r.engine.soa_failed(kZone, 1, Failure::timeout, "timed out");
        auto c = r.drain();
        const Action* t3 = first(c, Kind::transfer);
        REQUIRE(t3);
        CHECK(t3->primary == 0);
        CHECK_FALSE(t3->ixfr);
        r.engine.transfer_done(kZone, 0, false, full(9));
        r.drain();
        CHECK(r.engine.status(kZone)->primary == "192.0.2.1:53");
    }

    TEST_CASE(
        "a primary dying in mid-transfer: the next primary with the serial, then retry with "
        "back-off") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53", "192.0.2.2:53"}),
                     Saved{1, timers(3600, 60), r.clock.now(), ""});
        r.engine.start();
        r.engine.notify(kZone);
        r.drain();
        r.engine.soa_answer(kZone, 0, 2);
        r.engine.soa_answer(kZone, 1, 2);
        auto a = r.drain();
        const Action* t = first(a, Kind::transfer);
        REQUIRE(t);
        size_t p = t->primary;
        r.engine.transfer_failed(kZone, p, false, Failure::unreachable, "connection reset");
        auto b = r.drain();
        const Action* t2 = first(b, Kind::transfer);
        REQUIRE(t2);
        CHECK(t2->primary == 1 - p);
        r.engine.transfer_failed(kZone, 1 - p, false, Failure::timeout, "stalled");
        auto c = r.drain();
        CHECK(count(c, Kind::transfer) == 0);
        auto st = r.engine.status(kZone);
        CHECK(st->failures == 1);
        CHECK(st->last_error.find("stalled") != std::string::npos);
        CHECK(st->serial == 1);  // the old data keeps serving
        // Retry after about the SOA retry (60 s), not before.
        r.advance(seconds(40));
        CHECK(count(r.step(), Kind::query_soa) == 0);
        r.advance(seconds(25));
        CHECK(count(r.step(), Kind::query_soa) == 2);
    }

    TEST_CASE("a primary that does not answer for any zone is paused and probed later") {
        Rig r;
        for (int i = 0; i < 4; ++i)
            r.engine.add(
                spec("z" + std::to_string(i) + ".example.", {"192.0.2.9:53", "192.0.2.1:53"}),
                Saved{1, timers(), r.clock.now(), "192.0.2.1:53"});
        r.engine.start();
        for (int i = 0; i < 4; ++i) r.engine.notify("z" + std::to_string(i) + ".example.");
        auto a = r.drain();
        CHECK(count(a, Kind::query_soa) == 8);
        for (int i = 0; i < 3; ++i) {
            std::string z = "z" + std::to_string(i) + ".example.";
            r.engine.soa_failed(z, 0, Failure::timeout, "timed out");
            r.engine.soa_answer(z, 1, 1);
        }
        CHECK(r.engine.counters().primaries_paused == 1);
        // The fourth zone's next check skips the paused primary.
        r.engine.soa_failed("z3.example.", 0, Failure::timeout, "timed out");
        r.engine.soa_answer("z3.example.", 1, 1);
        r.drain();
        r.engine.notify("z3.example.");
        auto b = r.drain();
        CHECK(count(b, Kind::query_soa) == 1);
        CHECK(r.engine.counters().soa_skipped >= 1);
        // A NOTIFY from the paused primary proves it alive: it is asked again.
        r.engine.soa_answer("z3.example.", 1, 1);
        r.drain();
        r.engine.notify("z3.example.", "192.0.2.9");
        CHECK(count(r.drain(), Kind::query_soa) == 2);
        CHECK(r.engine.counters().primaries_paused == 0);
        // REFUSED says nothing about the primary's health.
        Rig q;
        q.engine.add(spec(kZone, {"192.0.2.1:53", "192.0.2.2:53"}),
                     Saved{1, timers(), q.clock.now(), ""});
        q.engine.start();
        for (int i = 0; i < 5; ++i) {
            q.engine.notify(kZone);
            q.drain();
            q.engine.soa_failed(kZone, 0, Failure::refused, "REFUSED");
            q.engine.soa_answer(kZone, 1, 1);
            q.drain();
        }
        CHECK(q.engine.counters().primaries_paused == 0);
    }

    TEST_CASE(
        "expiry: SERVFAIL after the SOA expire without a refresh, revived by the next success") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53"}),
                     Saved{3, timers(300, 60, 900), r.clock.now(), "192.0.2.1:53"});
        r.engine.start();
        r.step();
        bool expired = false;
        for (int i = 0; i < 200 && !expired; ++i) {
            for (const auto& a : r.drain()) {
                if (a.kind == Kind::query_soa)
                    r.engine.soa_failed(kZone, a.primary, Failure::refused, "REFUSED");
                if (a.kind == Kind::expired) expired = true;
            }
            for (const auto& a : r.step()) {
                if (a.kind == Kind::query_soa)
                    r.engine.soa_failed(kZone, a.primary, Failure::refused, "REFUSED");
                if (a.kind == Kind::expired) expired = true;
            }
            r.advance(seconds(30));
        }
        CHECK(expired);
        CHECK(r.engine.status(kZone)->state == ZoneState::expired);
        // Recovery: the primary answers with the serial we hold.
        r.engine.notify(kZone);
        auto a = r.drain();
        REQUIRE(count(a, Kind::query_soa) == 1);
        r.engine.soa_answer(kZone, 0, 3);
        auto b = r.drain();
        CHECK(count(b, Kind::verified) == 1);
        CHECK(count(b, Kind::revived) == 1);
        CHECK(r.engine.status(kZone)->state == ZoneState::fresh);
    }

    TEST_CASE("a saved zone already past its expire starts expired and is asked at once") {
        Rig r;
        auto long_ago = r.clock.now();
        r.advance(seconds(100000));
        r.engine.add(spec(kZone, {"192.0.2.1:53"}),
                     Saved{3, timers(300, 60, 900), long_ago, "192.0.2.1:53"});
        CHECK(r.engine.status(kZone)->state == ZoneState::expired);
        r.engine.start();
        auto a = r.step();
        CHECK(count(a, Kind::query_soa) == 1);
    }

    TEST_CASE("transfers wait for a slot; a NOTIFY'd zone goes before routine ones") {
        EngineOptions o;
        o.max_transfers = 1;
        Rig r(o);
        // Three zones due for a routine refresh, all behind their primary.
        const auto old = r.clock.now();
        r.advance(seconds(4000));
        for (const char* z : {"a.example.", "b.example.", "c.example."})
            r.engine.add(spec(z, {"192.0.2.1:53"}), Saved{1, timers(), old, "192.0.2.1:53"});
        r.engine.start();
        auto a = r.step();
        CHECK(count(a, Kind::query_soa) == 3);
        for (const char* z : {"a.example.", "b.example.", "c.example."})
            r.engine.soa_answer(z, 0, 2);
        auto b = r.drain();
        REQUIRE(count(b, Kind::transfer) == 1);
        CHECK(r.engine.transfers_running() == 1);
        const Action* t = first(b, Kind::transfer);
        CHECK(t->zone == "a.example.");
        // c waits behind b; a NOTIFY for c moves it ahead.
        r.engine.notify("c.example.");
        r.engine.transfer_done(t->zone, 0, true, full(2));
        auto c = r.drain();
        const Action* next = first(c, Kind::transfer);
        REQUIRE(next);
        CHECK(next->zone == "c.example.");
    }

    TEST_CASE("catalog members come and go, and move between catalogs with their data") {
        Rig r;
        r.engine.add(spec("cat1.example.", {"192.0.2.1:53"}, true));
        r.engine.add(spec("cat2.example.", {"192.0.2.2:53"}, true));
        r.engine.start();
        r.drain();
        auto m = [](const char* z, const char* coo = "") { return CatalogEntry{N(z), coo}; };
        r.engine.catalog_changed("cat1.example.", {m("a.example."), m("b.example.")});
        auto a = r.drain();
        CHECK(count(a, Kind::added) == 2);
        CHECK(r.engine.catalog_of("a.example.") == "cat1.example.");
        CHECK(r.engine.spec("a.example.")->primaries == std::vector<std::string>{"192.0.2.1:53"});
        // The new member is transferred at once.
        auto b = r.step();
        CHECK(count(b, Kind::transfer, "a.example.") == 1);
        r.engine.transfer_done("a.example.", 0, false, full(4));
        r.drain();

        // cat2 lists a too: it stays with cat1 (the first to list it).
        r.engine.catalog_changed("cat2.example.", {m("a.example.")});
        CHECK(count(r.drain(), Kind::added) == 0);
        CHECK(r.engine.catalog_of("a.example.") == "cat1.example.");
        // cat1 drops it: it moves to cat2 with its data (no removal), asks cat2's primary.
        r.engine.catalog_changed("cat1.example.", {m("b.example.")});
        auto c = r.drain();
        CHECK(count(c, Kind::removed, "a.example.") == 0);
        CHECK(r.engine.catalog_of("a.example.") == "cat2.example.");
        CHECK(r.engine.spec("a.example.")->primaries == std::vector<std::string>{"192.0.2.2:53"});
        CHECK(r.engine.status("a.example.")->serial == 4);
        // cat2 drops it too: removed.
        r.engine.catalog_changed("cat2.example.", {});
        CHECK(count(r.drain(), Kind::removed, "a.example.") == 1);
        CHECK_FALSE(r.engine.spec("a.example."));

        // A coo property hands b over from cat1 to cat2 while cat1 still lists it.
        r.engine.catalog_changed("cat1.example.", {m("b.example.", "cat2.example.")});
        r.engine.catalog_changed("cat2.example.", {m("b.example.")});
        r.drain();
        CHECK(r.engine.catalog_of("b.example.") == "cat2.example.");
        // Removing a catalog removes the members only it lists.
        r.engine.remove("cat2.example.");
        auto d = r.drain();
        CHECK(count(d, Kind::removed, "cat2.example.") == 1);
        CHECK(count(d, Kind::removed, "b.example.") == 0);  // cat1 still lists it
        CHECK(r.engine.catalog_of("b.example.") == "cat1.example.");
    }

    TEST_CASE(
        "catalog_update (the changes of an IXFR) leaves the engine as catalog_changed "
        "(the whole list) does, over random steps of two catalogs") {
        // Two catalogs list members from a pool of 12, with coo properties naming
        // either catalog; each step changes one catalog's list. Engine `full`
        // gets each new list whole, `delta` gets only what changed (members
        // listed anew or with a new coo; members no longer listed).
        Rig full, delta;
        for (Rig* r : {&full, &delta}) {
            r->engine.add(spec("cat1.example.", {"192.0.2.1:53"}, true));
            r->engine.add(spec("cat2.example.", {"192.0.2.2:53"}, true));
            r->engine.add(spec("own.example.", {"192.0.2.9:53"}));  // configured: always wins
            r->engine.start();
            r->drain();
        }
        const std::vector<std::string> cats{"cat1.example.", "cat2.example."};
        std::map<std::string, std::string> lists[2];  // member -> coo
        std::mt19937 rng(11);
        for (int step = 0; step < 600; ++step) {
            const int c = static_cast<int>(rng() % 2);
            auto next = lists[c];
            for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
                const int i = static_cast<int>(rng() % 13);
                const std::string z =
                    i == 12 ? "own.example." : "m" + std::to_string(i) + ".example.";
                switch (rng() % 3) {
                    case 0:
                        next.erase(z);
                        break;
                    case 1:
                        next[z] = "";
                        break;
                    default:
                        next[z] = cats[rng() % 2];
                        break;
                }
            }
            std::vector<CatalogEntry> whole, listed;
            std::vector<std::string> unlisted;
            for (const auto& [z, coo] : next) {
                whole.push_back({N(z.c_str()), coo});
                auto old = lists[c].find(z);
                if (old == lists[c].end() || old->second != coo)
                    listed.push_back({N(z.c_str()), coo});
            }
            for (const auto& [z, coo] : lists[c])
                if (!next.count(z)) unlisted.push_back(z);
            lists[c] = next;
            full.engine.catalog_changed(cats[c], whole);
            delta.engine.catalog_update(cats[c], listed, unlisted);
            auto a = full.drain(), b = delta.drain();
            INFO("step " << step);
            auto keys = full.engine.keys();
            REQUIRE(keys == delta.engine.keys());
            for (const auto& k : keys) {
                CHECK(full.engine.catalog_of(k) == delta.engine.catalog_of(k));
                CHECK(full.engine.spec(k)->primaries == delta.engine.spec(k)->primaries);
            }
            CHECK(count(a, Kind::added) == count(b, Kind::added));
            CHECK(count(a, Kind::removed) == count(b, Kind::removed));
        }
    }

    TEST_CASE("reconfigure: zones added, removed and given new primaries") {
        Rig r;
        r.engine.add(spec("a.example.", {"192.0.2.1:53"}),
                     Saved{1, timers(), r.clock.now(), "192.0.2.1:53"});
        r.engine.add(spec("b.example.", {"192.0.2.1:53"}),
                     Saved{1, timers(), r.clock.now(), "192.0.2.1:53"});
        r.engine.start();
        r.step();
        size_t changed = r.engine.reconfigure(
            {spec("a.example.", {"192.0.2.7:53"}), spec("c.example.", {"192.0.2.1:53"})});
        CHECK(changed == 3);
        auto a = r.drain();
        CHECK(count(a, Kind::removed, "b.example.") == 1);
        CHECK(r.engine.spec("c.example."));
        CHECK(r.engine.spec("a.example.")->primaries == std::vector<std::string>{"192.0.2.7:53"});
        auto b = r.step();
        CHECK(count(b, Kind::transfer, "c.example.") == 1);
        // a asks its new primary at once; the data did not come from it, so no IXFR.
        REQUIRE(count(b, Kind::query_soa, "a.example.") == 1);
        r.engine.soa_answer("a.example.", 0, 2);
        auto after = r.drain();
        const Action* t = first(after, Kind::transfer, "a.example.");
        REQUIRE(t);
        CHECK_FALSE(t->ixfr);
    }

    TEST_CASE("answers for zones that are gone, and late answers, change nothing") {
        Rig r;
        r.engine.add(spec(kZone, {"192.0.2.1:53"}));
        r.engine.start();
        r.step();
        r.engine.remove(kZone);
        r.engine.transfer_done(kZone, 0, false, full(3));
        r.engine.soa_answer(kZone, 0, 3);
        auto a = r.drain();
        CHECK(count(a, Kind::install) == 0);
        CHECK(r.engine.transfers_running() == 0);
        CHECK(r.engine.size() == 0);
    }

}  // TEST_SUITE
