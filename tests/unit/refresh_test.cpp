// lib/secondary/refresh: RefreshState timers (refresh, retry with back-off,
// expire, NOTIFY, start-up spreading) on explicit time points; SOA readers.

#include "lib/secondary/refresh.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>

#include "test_util.hpp"

using dns::secondary::RefreshState;
using dns::secondary::Seconds;
using dns::secondary::serial_from_soa;
using dns::secondary::SoaTimers;
using dns::secondary::TimePoint;
using dns::secondary::TimerBounds;
using dns::secondary::timers_from_soa;
using dns::secondary::ZoneState;
using test::S;
using test::W;

namespace {

// An arbitrary, fixed "now" far from the clock's epoch.
const TimePoint t0 = TimePoint{} + std::chrono::hours(24 * 400);

long long secs_after(TimePoint later, TimePoint earlier) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(later - earlier).count() / 1000;
}
long long ms_after(TimePoint later, TimePoint earlier) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(later - earlier).count();
}

std::string be32(uint32_t v) {
    return S({static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xFF),
              static_cast<int>((v >> 8) & 0xFF), static_cast<int>(v & 0xFF)});
}

constexpr SoaTimers kTimers{3600, 600, 86400};

}  // namespace

TEST_SUITE("refresh") {
    TEST_CASE("a new state is empty and not verified") {
        RefreshState s(1);
        CHECK(!s.has_data());
        CHECK(s.state(t0) == ZoneState::empty);
        CHECK(s.failures() == 0);
        CHECK(!s.notified());
        CHECK(std::string(dns::secondary::to_string(ZoneState::empty)) == "empty");
        CHECK(std::string(dns::secondary::to_string(ZoneState::fresh)) == "fresh");
        CHECK(std::string(dns::secondary::to_string(ZoneState::stale)) == "stale");
        CHECK(std::string(dns::secondary::to_string(ZoneState::expired)) == "expired");
    }

    TEST_CASE("refreshed(): next check between 0.9 x refresh and refresh after now") {
        std::set<long long> seen;
        for (uint64_t seed = 0; seed < 64; ++seed) {
            CAPTURE(seed);
            RefreshState s(seed);
            s.refreshed(42, kTimers, t0);
            long long d = secs_after(s.next_check(), t0);
            CHECK(d >= 3240);
            CHECK(d <= 3600);
            seen.insert(d);
            CHECK(s.has_data());
            CHECK(s.serial() == 42);
            CHECK(s.verified() == t0);
            CHECK(s.expires() == t0 + Seconds(86400));
            CHECK(s.failures() == 0);
            CHECK(!s.due(t0));
            CHECK(!s.due(s.next_check() - Seconds(1)));
            CHECK(s.due(s.next_check()));
            CHECK(s.state(t0) == ZoneState::fresh);
            CHECK(s.timers().refresh == 3600);
            CHECK(s.timers().retry == 600);
            CHECK(s.timers().expire == 86400);
        }
        // Jitter: the seeds do not all pick the same time.
        CHECK(seen.size() > 10);
    }

    TEST_CASE("the same seed gives the same schedule") {
        RefreshState a(77), b(77);
        a.refreshed(1, kTimers, t0);
        b.refreshed(1, kTimers, t0);
        CHECK(a.next_check() == b.next_check());
        a.failed(t0 + Seconds(4000));
        b.failed(t0 + Seconds(4000));
        CHECK(a.next_check() == b.next_check());
    }

    TEST_CASE("failed(): retry with doubling back-off, capped at 8 x retry, jitter within 20%") {
        TimerBounds wide;
        wide.max_retry = 100000;  // so that only the 8x cap applies
        for (uint64_t seed = 1; seed < 40; ++seed) {
            CAPTURE(seed);
            RefreshState s(seed, wide);
            s.refreshed(1, kTimers, t0);
            const long long expect[] = {600, 1200, 2400, 4800, 4800, 4800, 4800};
            TimePoint now = t0 + Seconds(3600);
            for (unsigned i = 0; i < 7; ++i) {
                CAPTURE(i);
                s.failed(now);
                CHECK(s.failures() == i + 1);
                long long d = secs_after(s.next_check(), now);
                CHECK(d <= expect[i]);
                CHECK(d >= expect[i] - expect[i] / 5);
                CHECK(!s.due(now));
                now = s.next_check();
            }
            // A success ends the back-off.
            s.refreshed(2, kTimers, now);
            CHECK(s.failures() == 0);
            long long d = secs_after(s.next_check(), now);
            CHECK(d >= 3240);
            CHECK(d <= 3600);
            s.failed(now + Seconds(3600));
            CHECK(secs_after(s.next_check(), now + Seconds(3600)) <= 600);
        }
    }

    TEST_CASE("failed(): back-off is also capped by bounds.max_retry") {
        for (uint64_t seed = 1; seed < 40; ++seed) {
            CAPTURE(seed);
            RefreshState s(seed);  // max_retry 3600
            s.refreshed(1, kTimers, t0);
            const long long expect[] = {600, 1200, 2400, 3600, 3600, 3600};
            for (unsigned i = 0; i < 6; ++i) {
                CAPTURE(i);
                s.failed(t0);
                long long d = secs_after(s.next_check(), t0);
                CHECK(d <= expect[i]);
                CHECK(d >= expect[i] - expect[i] / 5);
            }
        }
    }

    TEST_CASE("failed() without data: starts at 10 s") {
        RefreshState s(5);
        const long long expect[] = {10, 20, 40, 80, 80};
        for (unsigned i = 0; i < 5; ++i) {
            CAPTURE(i);
            s.failed(t0);
            long long d = secs_after(s.next_check(), t0);
            CHECK(d <= expect[i]);
            CHECK(d >= expect[i] - expect[i] / 5);
        }
        CHECK(s.state(t0) == ZoneState::empty);
        CHECK(!s.has_data());
    }

    TEST_CASE("failed(): jitter varies with the seed") {
        std::set<long long> seen;
        for (uint64_t seed = 0; seed < 64; ++seed) {
            RefreshState s(seed);
            s.refreshed(1, kTimers, t0);
            s.failed(t0);
            seen.insert(secs_after(s.next_check(), t0));
        }
        CHECK(seen.size() > 10);
    }

    TEST_CASE("state(): fresh, then stale after refresh + retry, expired after expire") {
        RefreshState s(9);
        s.refreshed(1, kTimers, t0);
        CHECK(s.state(t0) == ZoneState::fresh);
        CHECK(s.state(t0 + Seconds(3600)) == ZoneState::fresh);
        CHECK(s.state(t0 + Seconds(4199)) == ZoneState::fresh);
        CHECK(s.state(t0 + Seconds(4200)) == ZoneState::stale);
        CHECK(s.state(t0 + Seconds(86399)) == ZoneState::stale);
        CHECK(s.state(t0 + Seconds(86400)) == ZoneState::expired);
        CHECK(s.state(t0 + Seconds(86400 * 30)) == ZoneState::expired);

        // Failures do not move the verification time.
        s.failed(t0 + Seconds(3600));
        s.failed(t0 + Seconds(5000));
        CHECK(s.state(t0 + Seconds(5000)) == ZoneState::stale);
        CHECK(s.expires() == t0 + Seconds(86400));
        // A refresh does.
        s.refreshed(1, kTimers, t0 + Seconds(90000));
        CHECK(s.state(t0 + Seconds(90000)) == ZoneState::fresh);
        CHECK(s.expires() == t0 + Seconds(90000 + 86400));
    }

    TEST_CASE(
        "notify(): due at once, notified() set; collapsed; cleared by refreshed() and failed()") {
        RefreshState s(3);
        s.refreshed(1, kTimers, t0);
        TimePoint n = t0 + Seconds(10);
        CHECK(!s.due(n));
        CHECK(!s.notified());
        s.notify(n);
        CHECK(s.notified());
        CHECK(s.due(n));
        CHECK(s.next_check() == n);
        s.notify(n + Seconds(1));  // another one: still a single pending check
        CHECK(s.notified());
        CHECK(s.due(n + Seconds(1)));
        s.refreshed(2, kTimers, n + Seconds(2));
        CHECK(!s.notified());
        CHECK(!s.due(n + Seconds(2)));
        CHECK(s.serial() == 2);

        s.notify(n + Seconds(3));
        CHECK(s.notified());
        s.failed(n + Seconds(3));
        CHECK(!s.notified());
        CHECK(!s.due(n + Seconds(3)));

        // Without data too.
        RefreshState e(4);
        e.notify(t0);
        CHECK(e.due(t0));
        CHECK(e.notified());
    }

    TEST_CASE("loaded(): an old verification time gives an earlier expiry") {
        RefreshState recent(1), old(1), ancient(1);
        recent.loaded(5, kTimers, t0, t0);
        old.loaded(5, kTimers, t0 - Seconds(50000), t0);
        ancient.loaded(5, kTimers, t0 - Seconds(90000), t0);

        CHECK(recent.has_data());
        CHECK(recent.serial() == 5);
        CHECK(recent.verified() == t0);
        CHECK(recent.expires() == t0 + Seconds(86400));
        CHECK(old.verified() == t0 - Seconds(50000));
        CHECK(old.expires() == t0 + Seconds(86400 - 50000));
        CHECK(old.expires() < recent.expires());

        CHECK(recent.state(t0) == ZoneState::fresh);
        CHECK(old.state(t0) == ZoneState::stale);
        CHECK(old.state(t0 + Seconds(36400)) == ZoneState::expired);
        CHECK(ancient.state(t0) == ZoneState::expired);

        // Recently verified: next check about a refresh after verification; overdue: now.
        long long d = secs_after(recent.next_check(), t0);
        CHECK(d >= 3240);
        CHECK(d <= 3600);
        CHECK(old.next_check() == t0);
        CHECK(old.due(t0));
        // Verified 1000 s ago: the check comes 1000 s sooner.
        RefreshState part(1);
        part.loaded(5, kTimers, t0 - Seconds(1000), t0);
        d = secs_after(part.next_check(), t0);
        CHECK(d >= 2240);
        CHECK(d <= 2600);
    }

    TEST_CASE("spread_first_check(): an overdue zone's first check is spread over the window") {
        // As at start-up (Secondaries::start): a zone read from disk, verified long
        // ago, is due; spread_first_check() runs a little later and must put its
        // first check in [start, start + window), different for different zones.
        std::set<long long> seen;
        size_t outside = 0;
        for (uint64_t seed = 1; seed <= 32; ++seed) {
            RefreshState s(seed);
            s.loaded(5, kTimers, t0 - Seconds(10000), t0);
            REQUIRE(s.due(t0));
            REQUIRE(s.next_check() == t0);
            TimePoint start = t0 + Seconds(2);
            s.spread_first_check(start, Seconds(60));
            long long ms = ms_after(s.next_check(), start);
            if (ms < 0 || ms >= 60000) ++outside;
            seen.insert(ms);
        }
        CHECK_MESSAGE(outside == 0, outside,
                      " of 32 first checks outside [start, start + 60 s), e.g. at start + ",
                      *seen.begin(), " ms");
        CHECK_MESSAGE(seen.size() > 10, "only ", seen.size(),
                      " distinct first-check times for 32 zones");
    }

    TEST_CASE(
        "spread_first_check(): a check due after the window stays; zero window does nothing") {
        RefreshState s(11);
        s.refreshed(1, kTimers, t0);  // next check ~1 h away, beyond the window
        TimePoint later = s.next_check();
        s.spread_first_check(t0, Seconds(60));
        CHECK(s.next_check() == later);
        // all = true (zonesync after a restart): it moves into the window too.
        s.spread_first_check(t0, Seconds(60), true);
        CHECK(s.next_check() < t0 + Seconds(60));
        CHECK(s.next_check() >= t0);

        RefreshState z(11);
        z.refreshed(1, kTimers, t0);
        TimePoint before = z.next_check();
        z.spread_first_check(t0, Seconds(0));
        CHECK(z.next_check() == before);
    }

    TEST_CASE("bounds clamp absurd SOA timers") {
        RefreshState s(1);
        SUBCASE("zeros and tiny values") {
            s.refreshed(1, SoaTimers{0, 0, 1}, t0);
            CHECK(s.timers().refresh == 5);
            CHECK(s.timers().retry == 5);
            CHECK(s.timers().expire == 60);
            CHECK(s.expires() == t0 + Seconds(60));
            long long d = secs_after(s.next_check(), t0);
            CHECK(d == 5);  // 10% of 5 s rounds down to no jitter
        }
        SUBCASE("refresh larger than expire: expire is raised to refresh") {
            s.refreshed(1, SoaTimers{7200, 600, 3600}, t0);
            CHECK(s.timers().refresh == 7200);
            CHECK(s.timers().expire == 7200);
            CHECK(s.expires() == t0 + Seconds(7200));
            CHECK(s.state(t0 + Seconds(7199)) == ZoneState::fresh);
        }
        SUBCASE("huge values") {
            s.refreshed(1, SoaTimers{0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, t0);
            CHECK(s.timers().refresh == 86400);
            CHECK(s.timers().retry == 3600);
            CHECK(s.timers().expire == 2419200);
            CHECK(s.expires() == t0 + Seconds(2419200));
        }
        SUBCASE("custom bounds") {
            TimerBounds b;
            b.min_refresh = 60;
            b.max_refresh = 600;
            b.min_retry = 30;
            b.max_retry = 120;
            b.min_expire = 3600;
            b.max_expire = 7200;
            RefreshState c(1, b);
            c.refreshed(1, SoaTimers{10, 10, 10}, t0);
            CHECK(c.timers().refresh == 60);
            CHECK(c.timers().retry == 30);
            CHECK(c.timers().expire == 3600);
            c.refreshed(1, SoaTimers{100000, 100000, 100000}, t0);
            CHECK(c.timers().refresh == 600);
            CHECK(c.timers().retry == 120);
            CHECK(c.timers().expire == 7200);
            // Back-off: 120 is already the cap.
            c.failed(t0);
            c.failed(t0);
            CHECK(secs_after(c.next_check(), t0) <= 120);
            CHECK(secs_after(c.next_check(), t0) >= 96);
        }
        SUBCASE("loaded() is clamped too") {
            s.loaded(1, SoaTimers{1, 1, 1}, t0, t0);
            CHECK(s.timers().refresh == 5);
            CHECK(s.timers().expire == 60);
            CHECK(s.expires() == t0 + Seconds(60));
        }
    }

    TEST_CASE("timers_from_soa / serial_from_soa read SOA RDATA") {
        std::string rd = W("ns1.example.com.") + W("hostmaster.example.com.") + be32(2024010101) +
                         be32(7200) + be32(3600) + be32(1209600) + be32(300);
        auto p = reinterpret_cast<const uint8_t*>(rd.data());
        SoaTimers tm = timers_from_soa(p, rd.size());
        CHECK(tm.refresh == 7200);
        CHECK(tm.retry == 3600);
        CHECK(tm.expire == 1209600);
        CHECK(serial_from_soa(p, rd.size()) == 2024010101);

        // Root names (as in our IXFR request) and extreme values.
        std::string r2 =
            std::string(2, '\0') + be32(0xFFFFFFFFu) + be32(1) + be32(2) + be32(3) + be32(4);
        auto p2 = reinterpret_cast<const uint8_t*>(r2.data());
        CHECK(serial_from_soa(p2, r2.size()) == 0xFFFFFFFFu);
        CHECK(timers_from_soa(p2, r2.size()).refresh == 1);
        CHECK(timers_from_soa(p2, r2.size()).retry == 2);
        CHECK(timers_from_soa(p2, r2.size()).expire == 3);

        // Too short: defaults and serial 0.
        SoaTimers d = timers_from_soa(p, rd.size() - 1);
        CHECK(d.refresh == SoaTimers{}.refresh);
        CHECK(d.retry == SoaTimers{}.retry);
        CHECK(d.expire == SoaTimers{}.expire);
        CHECK(serial_from_soa(p, rd.size() - 1) == 0);
    }

    TEST_CASE("an upstream EDNS EXPIRE caps the expire and the refresh (RFC 7314)") {
        using namespace std::chrono_literals;
        const auto t0 = dns::secondary::TimePoint{} + 1000s;
        dns::secondary::RefreshState s(1, {1, 86400, 1, 3600, 5, 2419200});
        SoaTimers t{3600, 600, 1209600};
        t.upstream_expire = 40;
        s.refreshed(1, t, t0);
        CHECK(s.timers().expire == 40);
        CHECK(s.timers().refresh <= 40);
        CHECK(s.state(t0 + 39s) != dns::secondary::ZoneState::expired);
        CHECK(s.state(t0 + 41s) == dns::secondary::ZoneState::expired);
        // A larger upstream value never extends the SOA's expire.
        t.upstream_expire = 5000000;
        s.refreshed(1, t, t0);
        CHECK(s.timers().expire == 1209600);
        // An upstream that has expired: our copy gets the minimum, not zero.
        t.upstream_expire = 0;
        s.refreshed(1, t, t0);
        CHECK(s.timers().expire == 5);
    }

}  // TEST_SUITE
