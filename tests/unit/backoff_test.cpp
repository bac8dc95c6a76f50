// lib/secondary/backoff: a primary that fails for every zone is paused, probed
// when the pause ends, and cleared by one answer.

#include "lib/secondary/backoff.hpp"

#include <doctest/doctest.h>

using dns::secondary::PrimaryBackoff;
using dns::secondary::Seconds;
using dns::secondary::TimePoint;

TEST_SUITE("backoff") {
    TEST_CASE(
        "paused after the threshold, probed when the pause ends, doubled on failure, cleared by an "
        "answer") {
        PrimaryBackoff b({3, Seconds(5), Seconds(20)});
        const TimePoint t0 = TimePoint{} + Seconds(1000);
        const std::string p = "192.0.2.1:53", other = "192.0.2.2:53";
        CHECK(b.usable(p, t0));
        CHECK(!b.failed(p, t0));
        CHECK(!b.failed(p, t0));
        CHECK(b.usable(p, t0));
        CHECK(b.failed(p, t0));  // third in a row: paused
        CHECK(!b.usable(p, t0 + Seconds(4)));
        CHECK(b.usable(other, t0));  // other primaries are not affected
        CHECK(b.paused(t0) == 1);
        // Answers to queries sent before the pause do not extend it.
        CHECK(!b.failed(p, t0 + Seconds(1)));
        CHECK(b.paused_until(p) == t0 + Seconds(5));
        // The pause ends: one probe; it fails: the pause doubles, up to the maximum.
        CHECK(b.usable(p, t0 + Seconds(5)));
        CHECK(b.failed(p, t0 + Seconds(5)));
        CHECK(b.paused_until(p) == t0 + Seconds(15));
        CHECK(b.failed(p, t0 + Seconds(15)));
        CHECK(b.paused_until(p) == t0 + Seconds(35));
        CHECK(b.failed(p, t0 + Seconds(35)));
        CHECK(b.paused_until(p) == t0 + Seconds(55));  // capped at 20 s
        // One answer clears everything.
        b.succeeded(p, t0 + Seconds(36));
        CHECK(b.usable(p, t0 + Seconds(36)));
        CHECK(b.failures(p) == 0);
        CHECK(b.paused(t0 + Seconds(36)) == 0);
        CHECK(!b.failed(p, t0 + Seconds(40)));  // counting starts again
    }

    TEST_CASE(
        "a primary that answered within `recent` is not paused, however many queries failed") {
        PrimaryBackoff b({3, Seconds(5), Seconds(300), Seconds(10)});
        const std::string p = "192.0.2.1:53";
        const TimePoint t0{};
        b.succeeded(p, t0);
        // A burst of drops two seconds later: counted, but the primary is alive.
        for (int i = 0; i < 1000; ++i) CHECK_FALSE(b.failed(p, t0 + Seconds(2)));
        CHECK(b.failures(p) == 1000);
        CHECK(b.usable(p, t0 + Seconds(2)));
        CHECK(b.paused(t0 + Seconds(2)) == 0);
        // Silent for longer than `recent`: the next failure pauses it.
        CHECK(b.failed(p, t0 + Seconds(11)));
        CHECK_FALSE(b.usable(p, t0 + Seconds(12)));
        CHECK(b.paused_until(p) == t0 + Seconds(16));
    }

}  // TEST_SUITE
