// lib/base: Result<T>, RFC 1982 serial number arithmetic, the manual clock.

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>

#include "lib/base/clock.hpp"
#include "lib/base/result.hpp"
#include "lib/base/serial.hpp"

using dns::Errc;
using dns::Result;

namespace {

Result<int> parse_digit(char c) {
    if (c < '0' || c > '9') return dns::make_error(Errc::syntax, std::string("not a digit: ") + c);
    return c - '0';
}

Result<void> check_even(int v) {
    if (v % 2) return dns::make_error(Errc::semantic, "odd");
    return {};
}

}  // namespace

// The serial functions are constexpr: checked at compile time.
static_assert(dns::serial_lt(0xFFFFFFFFu, 0));
static_assert(!dns::serial_lt(0, 0x80000000u));
static_assert(dns::serial_add(0xFFFFFFFFu, 2) == 1);

TEST_SUITE("base") {
    TEST_CASE("Result holds a value") {
        auto r = parse_digit('7');
        REQUIRE(r.has_value());
        CHECK(static_cast<bool>(r));
        CHECK(r.value() == 7);
        CHECK(*r == 7);
        *r = 9;
        CHECK(r.value() == 9);
    }

    TEST_CASE("Result holds an error with code and message") {
        auto r = parse_digit('x');
        REQUIRE_FALSE(r.has_value());
        CHECK_FALSE(static_cast<bool>(r));
        CHECK(r.error().code == Errc::syntax);
        CHECK(r.error().message == "not a digit: x");
    }

    TEST_CASE("Result moves values and errors out") {
        Result<std::unique_ptr<int>> r(std::make_unique<int>(42));
        REQUIRE(r);
        std::unique_ptr<int> p = std::move(r).value();
        REQUIRE(p);
        CHECK(*p == 42);

        Result<std::string> e(dns::make_error(Errc::io, "disk gone"));
        dns::Error err = std::move(e).error();
        CHECK(err.code == Errc::io);
        CHECK(err.message == "disk gone");

        Result<std::string> s(std::string("abc"));
        CHECK(s->size() == 3);
    }

    TEST_CASE("Result<void>") {
        Result<void> ok = check_even(4);
        CHECK(ok.has_value());
        CHECK(static_cast<bool>(ok));
        Result<void> bad = check_even(3);
        CHECK_FALSE(bad.has_value());
        CHECK(bad.error().code == Errc::semantic);
        CHECK(bad.error().message == "odd");
        // A default-constructed Result<void> is success.
        Result<void> def;
        CHECK(def.has_value());
    }

    TEST_CASE("make_error without a message leaves it empty") {
        dns::Error e = dns::make_error(Errc::timeout);
        CHECK(e.code == Errc::timeout);
        CHECK(e.message.empty());
    }

    TEST_CASE("serial arithmetic: ordinary order (RFC 1982 3.2)") {
        CHECK(dns::serial_lt(1, 2));
        CHECK_FALSE(dns::serial_lt(2, 1));
        CHECK_FALSE(dns::serial_lt(5, 5));
        CHECK(dns::serial_gt(2, 1));
        CHECK_FALSE(dns::serial_gt(1, 2));
        CHECK_FALSE(dns::serial_gt(5, 5));
        CHECK(dns::serial_le(5, 5));
        CHECK(dns::serial_le(5, 6));
        CHECK_FALSE(dns::serial_le(6, 5));
        // The largest step that still counts as "later": 2^31 - 1.
        CHECK(dns::serial_lt(0, 0x7FFFFFFFu));
        CHECK(dns::serial_gt(0x7FFFFFFFu, 0));
        CHECK(dns::serial_lt(2024010101u, 2024010102u));
    }

    TEST_CASE("serial arithmetic: wrap-around") {
        CHECK(dns::serial_lt(0xFFFFFFFFu, 0));
        CHECK(dns::serial_gt(0, 0xFFFFFFFFu));
        CHECK(dns::serial_lt(0xFFFFFFF0u, 5));
        CHECK_FALSE(dns::serial_lt(5, 0xFFFFFFF0u));
        // 0xFFFFFFFF + (2^31 - 1) = 0x7FFFFFFE: still later.
        CHECK(dns::serial_lt(0xFFFFFFFFu, 0x7FFFFFFEu));
        CHECK(dns::serial_gt(0x7FFFFFFEu, 0xFFFFFFFFu));
        // 2^31 + 1 ahead is behind.
        CHECK(dns::serial_gt(0, 0x80000001u));
        CHECK(dns::serial_lt(0x80000001u, 0));
        CHECK(dns::serial_le(0xFFFFFFFFu, 0));
        CHECK_FALSE(dns::serial_le(0, 0xFFFFFFFFu));
    }

    TEST_CASE("serial arithmetic: distance 2^31 is undefined and compares false both ways") {
        const uint32_t pairs[][2] = {{0, 0x80000000u},
                                     {1, 0x80000001u},
                                     {0x7FFFFFFFu, 0xFFFFFFFFu},
                                     {0xC0000000u, 0x40000000u}};
        for (const auto& p : pairs) {
            CAPTURE(p[0]);
            CAPTURE(p[1]);
            CHECK_FALSE(dns::serial_lt(p[0], p[1]));
            CHECK_FALSE(dns::serial_lt(p[1], p[0]));
            CHECK_FALSE(dns::serial_gt(p[0], p[1]));
            CHECK_FALSE(dns::serial_gt(p[1], p[0]));
            CHECK_FALSE(dns::serial_le(p[0], p[1]));
            CHECK_FALSE(dns::serial_le(p[1], p[0]));
        }
    }

    TEST_CASE("serial_add wraps modulo 2^32 and the result is later") {
        CHECK(dns::serial_add(10, 5) == 15);
        CHECK(dns::serial_add(0xFFFFFFFFu, 1) == 0);
        CHECK(dns::serial_add(0xFFFFFFFEu, 5) == 3);
        for (uint32_t s : {0u, 1u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu}) {
            CAPTURE(s);
            CHECK(dns::serial_lt(s, dns::serial_add(s, 1)));
            CHECK(dns::serial_lt(s, dns::serial_add(s, 0x7FFFFFFFu)));
        }
    }

    TEST_CASE("ManualClock moves only when advanced") {
        dns::ManualClock clock;
        const dns::Clock& c = clock;
        auto t0 = c.now();
        CHECK(c.now() == t0);
        clock.advance(std::chrono::seconds(5));
        CHECK(c.now() - t0 == std::chrono::seconds(5));
        clock.advance(std::chrono::milliseconds(250));
        CHECK(c.now() - t0 == std::chrono::milliseconds(5250));
    }

}  // TEST_SUITE
