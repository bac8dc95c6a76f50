// lib/wire/name: presentation parsing, wire helpers, comparison and ordering.

#include "lib/wire/name.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "test_util.hpp"

using dns::Errc;
using dns::wire::Name;
using test::N;
using test::S;

namespace {

std::string wire_of(const Name& n) {
    return std::string(reinterpret_cast<const char*>(n.data()), n.size());
}

std::string label(size_t len, char c = 'a') { return std::string(len, c); }

}  // namespace

TEST_SUITE("name") {
    TEST_CASE("from_text: absolute name to wire form") {
        auto n = Name::from_text("www.example.com.");
        REQUIRE(n);
        CHECK(wire_of(*n) ==
              S({3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}));
        CHECK(n->size() == 17);
        CHECK(n->labels() == 3);
        CHECK_FALSE(n->is_root());
    }

    TEST_CASE("from_text: the root") {
        auto n = Name::from_text(".");
        REQUIRE(n);
        CHECK(n->is_root());
        CHECK(n->size() == 1);
        CHECK(n->labels() == 0);
        CHECK(n->to_text() == ".");
        CHECK(Name().is_root());
    }

    TEST_CASE("from_text: escapes \\. and \\DDD") {
        auto dotted = Name::from_text("a\\.b.example.");
        REQUIRE(dotted);
        CHECK(dotted->labels() == 2);
        CHECK(wire_of(*dotted) == S({3, 'a', '.', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));

        auto dec = Name::from_text("\\065bc.example.");
        REQUIRE(dec);
        CHECK(wire_of(*dec) == S({3, 'A', 'b', 'c', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));

        // \DDD at the very end of a relative name.
        Name origin = N("example.");
        auto tail = Name::from_text("x\\065", &origin);
        REQUIRE(tail);
        CHECK(wire_of(*tail) == S({2, 'x', 'A', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));

        auto zero = Name::from_text("\\000.example.");
        REQUIRE(zero);
        CHECK(wire_of(*zero) == S({1, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));

        auto backslash = Name::from_text("a\\\\b.");
        REQUIRE(backslash);
        CHECK(wire_of(*backslash) == S({3, 'a', '\\', 'b', 0}));
    }

    TEST_CASE("from_text: bad escapes") {
        CHECK_FALSE(Name::from_text("a\\256.example."));
        CHECK_FALSE(Name::from_text("a\\999."));
        auto dangling = Name::from_text("abc\\");
        REQUIRE_FALSE(dangling);
        CHECK(dangling.error().code == Errc::bad_name);
    }

    TEST_CASE("from_text: relative names are completed with the origin") {
        Name origin = N("example.com.");
        auto www = Name::from_text("www", &origin);
        REQUIRE(www);
        CHECK(www->to_text() == "www.example.com.");
        auto deep = Name::from_text("a.b", &origin);
        REQUIRE(deep);
        CHECK(deep->to_text() == "a.b.example.com.");
        CHECK(deep->labels() == 4);
        // An absolute name ignores the origin.
        auto abs = Name::from_text("host.example.net.", &origin);
        REQUIRE(abs);
        CHECK(abs->to_text() == "host.example.net.");
        // "@" is the origin itself.
        auto at = Name::from_text("@", &origin);
        REQUIRE(at);
        CHECK(*at == origin);
        // Without an origin a relative name is an error.
        auto rel = Name::from_text("www");
        REQUIRE_FALSE(rel);
        CHECK(rel.error().code == Errc::bad_name);
        CHECK_FALSE(Name::from_text("@"));
    }

    TEST_CASE("from_text: empty names and labels are rejected") {
        CHECK_FALSE(Name::from_text(""));
        CHECK_FALSE(Name::from_text("a..b."));
        CHECK_FALSE(Name::from_text(".a."));
        CHECK_FALSE(Name::from_text(".."));
    }

    TEST_CASE("from_text: label length limit (63)") {
        auto ok = Name::from_text(label(63) + ".");
        REQUIRE(ok);
        CHECK(ok->size() == 65);
        auto bad = Name::from_text(label(64) + ".");
        REQUIRE_FALSE(bad);
        CHECK(bad.error().code == Errc::bad_name);
        // An escape counts as one octet.
        CHECK(Name::from_text(label(62) + "\\065."));
        CHECK_FALSE(Name::from_text(label(63) + "\\065."));
    }

    TEST_CASE("from_text: name length limit (255 octets on the wire)") {
        // 3 labels of 63 + one of 61 + root = 3*64 + 62 + 1 = 255.
        std::string max = label(63) + "." + label(63) + "." + label(63) + "." + label(61) + ".";
        auto ok = Name::from_text(max);
        REQUIRE(ok);
        CHECK(ok->size() == 255);
        std::string over = label(63) + "." + label(63) + "." + label(63) + "." + label(62) + ".";
        auto bad = Name::from_text(over);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().code == Errc::bad_name);
        // Too long only after the origin is appended.
        Name origin = N(label(63) + "." + label(63) + ".");                  // 129 octets
        CHECK(Name::from_text(label(63) + "." + label(60), &origin));        // 129 + 64 + 61 = 254
        CHECK_FALSE(Name::from_text(label(63) + "." + label(62), &origin));  // 256
        // Many one-character labels: 127 labels is 255 octets, 128 is too many.
        std::string many;
        for (int i = 0; i < 127; ++i) many += "a.";
        auto m = Name::from_text(many);
        REQUIRE(m);
        CHECK(m->labels() == 127);
        CHECK_FALSE(Name::from_text("b." + many));
    }

    TEST_CASE("to_text round trip") {
        const char* names[] = {
            "www.example.com.",      "a\\.b.example.",         "\\000.z.example.",
            "\\200.z.example.",      "*.z.example.",           "sp\\032ace.example.",
            "semi\\;colon.example.", "back\\\\slash.example.", "MiXeD.CaSe.",
            "x\\@y.example.",        "d\\$.example."};
        for (const char* text : names) {
            INFO("text = ", std::string(text));
            auto n = Name::from_text(text);
            REQUIRE(n);
            CHECK(n->to_text() == text);
            auto again = Name::from_text(n->to_text());
            REQUIRE(again);
            CHECK(wire_of(*again) == wire_of(*n));
        }
        // \DDD of a printable character comes back as the character itself.
        CHECK(N("\\065bc.example.").to_text() == "Abc.example.");
        CHECK(N("\\127.example.").to_text() == "\\127.example.");
    }

    TEST_CASE("equality is case-insensitive and keeps the original case") {
        Name a = N("WWW.Example.COM.");
        Name b = N("www.example.com.");
        CHECK(a == b);
        CHECK((a <=> b) == std::strong_ordering::equal);
        CHECK(a.to_text() == "WWW.Example.COM.");
        CHECK(a.lowercased().to_text() == "www.example.com.");
        CHECK_FALSE(N("www.example.com.") == N("www.example.net."));
        CHECK_FALSE(N("www.example.com.") == N("ww.example.com."));
        CHECK_FALSE(N("example.com.") == N("www.example.com."));
        // Only ASCII letters fold: 0xC1 is not 0xE1.
        CHECK_FALSE(N("\\193.example.") == N("\\225.example."));
        // '@' (0x40) and '`' (0x60) differ by the case bit but are not letters.
        CHECK_FALSE(N("a\\@.example.") == N("a`.example."));
    }

    TEST_CASE("canonical order: RFC 4034 section 6.1 example") {
        const std::vector<std::string> expected = {
            "example.",         "a.example.",      "yljkjljk.a.example.",
            "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
            "\\001.z.example.", "*.z.example.",    "\\200.z.example.",
        };
        std::vector<Name> names;
        for (const auto& t : expected) names.push_back(N(t));
        // Every pair in the list compares in list order.
        for (size_t i = 0; i < names.size(); ++i) {
            for (size_t j = 0; j < names.size(); ++j) {
                CAPTURE(expected[i]);
                CAPTURE(expected[j]);
                int c = dns::wire::canonical_compare(names[i].data(), names[j].data());
                if (i < j) CHECK(c < 0);
                if (i == j) CHECK(c == 0);
                if (i > j) CHECK(c > 0);
            }
        }
        // Sorting a shuffled copy restores the list.
        std::vector<Name> shuffled = names;
        std::mt19937 rng(1234);
        for (int round = 0; round < 5; ++round) {
            std::shuffle(shuffled.begin(), shuffled.end(), rng);
            std::sort(shuffled.begin(), shuffled.end());
            for (size_t i = 0; i < names.size(); ++i)
                CHECK(shuffled[i].to_text() == names[i].to_text());
        }
    }

    TEST_CASE("canonical order: labels compared right to left, shorter label first, case folded") {
        CHECK(N("b.example.") < N("a.b.example."));
        CHECK(N("a.c.example.") > N("b.b.example."));
        CHECK(N("ab.example.") > N("a.example."));
        CHECK(N("A.example.") < N("b.example."));
        CHECK(N("B.example.") > N("a.example."));
        CHECK(N(".") < N("com."));
        CHECK((N("Example.") <=> N("eXAMPLE.")) == std::strong_ordering::equal);
    }

    TEST_CASE("is_subdomain") {
        CHECK(N("www.example.com.").is_subdomain_of(N("example.com.")));
        CHECK(N("a.b.c.example.com.").is_subdomain_of(N("example.com.")));
        CHECK(N("example.com.").is_subdomain_of(N("example.com.")));
        CHECK(N("WWW.EXAMPLE.COM.").is_subdomain_of(N("example.com.")));
        CHECK(N("www.example.com.").is_subdomain_of(N("EXAMPLE.com.")));
        CHECK(N("anything.at.all.").is_subdomain_of(Name()));
        CHECK(Name().is_subdomain_of(Name()));
        CHECK_FALSE(N("badexample.com.").is_subdomain_of(N("example.com.")));
        CHECK_FALSE(N("example.com.").is_subdomain_of(N("www.example.com.")));
        CHECK_FALSE(N("www.example.net.").is_subdomain_of(N("example.com.")));
        CHECK_FALSE(Name().is_subdomain_of(N("com.")));
        // Same length, different labels.
        CHECK_FALSE(N("ab.cd.").is_subdomain_of(N("abc.d.")));
        // A label containing a dot is not two labels.
        CHECK_FALSE(N("x.a\\.example.com.").is_subdomain_of(N("example.com.")));
    }

    TEST_CASE("wire helpers: name_length, label_count, parent, prepend, is_wildcard") {
        Name n = N("a.bb.ccc.");
        CHECK(dns::wire::name_length(n.data()) == 10);
        CHECK(dns::wire::label_count(n.data()) == 3);
        CHECK(n.parent().to_text() == "bb.ccc.");
        CHECK(n.parent().parent().parent().is_root());
        CHECK(Name().parent().is_root());
        auto p = N("example.com.").prepend("www");
        REQUIRE(p);
        CHECK(p->to_text() == "www.example.com.");
        CHECK_FALSE(N("example.com.").prepend(""));
        CHECK_FALSE(N("example.com.").prepend(label(64)));
        Name long_name =
            N(label(63) + "." + label(63) + "." + label(63) + "." + label(59) + ".");  // 253
        CHECK(long_name.prepend("a"));                                                 // 255
        CHECK_FALSE(long_name.prepend("ab"));                                          // 256
        CHECK(N("*.example.").is_wildcard());
        CHECK_FALSE(N("a*.example.").is_wildcard());
        CHECK_FALSE(N("x.*.example.").is_wildcard());
        CHECK(N("\\*.example.").is_wildcard());  // "\*" is the same octet '*' on the wire
    }

    TEST_CASE("from_wire_checked") {
        Name src = N("www.example.");
        auto ok = Name::from_wire_checked(src.wire());
        REQUIRE(ok);
        CHECK(ok->to_text() == "www.example.");
        const uint8_t trailing[] = {1, 'a', 0, 0};
        CHECK_FALSE(Name::from_wire_checked(trailing));
        const uint8_t unterminated[] = {1, 'a'};
        CHECK_FALSE(Name::from_wire_checked(unterminated));
        const uint8_t pointer[] = {1, 'a', 0xC0, 0x00};
        CHECK_FALSE(Name::from_wire_checked(pointer));
        const uint8_t overrun[] = {5, 'a', 0};
        CHECK_FALSE(Name::from_wire_checked(overrun));
        std::vector<uint8_t> too_long;
        for (int i = 0; i < 4; ++i) {
            too_long.push_back(63);
            too_long.insert(too_long.end(), 63, 'x');
        }
        too_long.push_back(0);
        CHECK_FALSE(Name::from_wire_checked(too_long));
    }

    TEST_CASE("name_hash is the same for any casing") {
        Name a = N("WWW.Example.COM.");
        Name b = N("www.example.com.");
        CHECK(dns::wire::name_hash(a.data(), a.size()) == dns::wire::name_hash(b.data(), b.size()));
        Name c = N("A.");
        Name d = N("a.");
        CHECK(dns::wire::name_hash(c.data(), c.size()) == dns::wire::name_hash(d.data(), d.size()));
        // For every byte value, in the 8-byte fast path and in the tail.
        for (int v = 0; v < 256; ++v) {
            CAPTURE(v);
            uint8_t raw[20], low[20];
            raw[0] = 18;
            for (int i = 1; i <= 18; ++i) raw[i] = static_cast<uint8_t>(v);
            raw[19] = 0;
            dns::wire::to_lower(raw, sizeof raw, low);
            CHECK(dns::wire::name_hash(raw, sizeof raw) == dns::wire::name_hash(low, sizeof low));
        }
        // Different names usually hash differently.
        Name e = N("www.example.net.");
        CHECK(dns::wire::name_hash(b.data(), b.size()) != dns::wire::name_hash(e.data(), e.size()));
    }

    TEST_CASE("to_lower only folds ASCII letters") {
        Name n = N("AbC\\193\\@Z.");
        uint8_t out[16];
        dns::wire::to_lower(n.data(), n.size(), out);
        CHECK(std::string(reinterpret_cast<char*>(out), n.size()) ==
              S({6, 'a', 'b', 'c', 0xC1, '@', 'z', 0}));
    }

}  // TEST_SUITE
