// lib/zonefile: master files through ldns into a Zone.

#include "lib/zonefile/zonefile.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "lib/wire/rrtype.hpp"
#include "lib/zone/zone.hpp"
#include "test_util.hpp"

namespace t = dns::wire::type;
namespace fs = std::filesystem;
using dns::Errc;
using dns::zone::kNone;
using dns::zone::Zone;
using dns::zonefile::LoadOptions;
using test::N;
using test::S;
using test::W;

namespace {

const char* kSoa = "@ 3600 IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n";

const dns::zone::Node* node(const Zone& z, const char* name) {
    auto n = N(name).lowercased();
    uint32_t id = z.find(n.data(), n.size());
    return id == kNone ? nullptr : &z.node(id);
}

const dns::zone::RRset* rrset(const Zone& z, const char* name, uint16_t type) {
    const auto* n = node(z, name);
    return n ? z.rrset(*n, type) : nullptr;
}

std::string rdata(const Zone& z, const dns::zone::RRset& rs, uint32_t i = 0) {
    return std::string(reinterpret_cast<const char*>(z.rdata_bytes(rs.first + i)),
                       z.rdata(rs.first + i).length);
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// A temporary directory removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/zonefile_test.XXXXXX";
        char* p = mkdtemp(tmpl);
        REQUIRE(p != nullptr);
        path = p;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        fs::path f = path / name;
        std::ofstream(f) << text;
        return f.string();
    }
};

}  // namespace

TEST_SUITE("zonefile") {
    TEST_CASE("parse: $ORIGIN and $TTL") {
        const std::string text =
            "$ORIGIN example.com.\n"
            "$TTL 300\n"
            "@ IN SOA ns1 hostmaster (\n"
            "        2024010101 ; serial\n"
            "        7200 3600 1209600\n"
            "        600 )      ; minimum\n"
            "@        NS  ns1\n"
            "ns1      A   192.0.2.53\n"
            "www  60  A   192.0.2.80\n"
            "$ORIGIN sub.example.com.\n"
            "host     A   192.0.2.81\n"
            "$TTL 120\n"
            "other    TXT \"hello world\"\n";
        auto z = dns::zonefile::parse(text, N("example.com."));
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        const Zone& zone = **z;
        CHECK(zone.serial() == 2024010101u);
        CHECK(zone.soa().ttl == 300);
        CHECK(zone.negative_ttl() == 300);  // min(300, 600)
        const std::string soa_names = W("ns1.example.com.") + W("hostmaster.example.com.");
        CHECK(rdata(zone, zone.soa()).substr(0, soa_names.size()) == soa_names);
        CHECK(rdata(zone, zone.soa()).size() == soa_names.size() + 20);
        const auto* ns1 = rrset(zone, "ns1.example.com.", t::A);
        REQUIRE(ns1);
        CHECK(ns1->ttl == 300);
        CHECK(rdata(zone, *ns1) == S({192, 0, 2, 53}));
        const auto* www = rrset(zone, "www.example.com.", t::A);
        REQUIRE(www);
        CHECK(www->ttl == 60);
        const auto* host = rrset(zone, "host.sub.example.com.", t::A);
        REQUIRE(host);
        CHECK(host->ttl == 300);
        CHECK(rdata(zone, *host) == S({192, 0, 2, 81}));
        const auto* other = rrset(zone, "other.sub.example.com.", t::TXT);
        REQUIRE(other);
        CHECK(other->ttl == 120);
        CHECK(rdata(zone, *other) == S({11}) + "hello world");
        const auto* apex_ns = rrset(zone, "example.com.", t::NS);
        REQUIRE(apex_ns);
        CHECK(rdata(zone, *apex_ns) == W("ns1.example.com."));
        CHECK(node(zone, "sub.example.com.") != nullptr);  // empty non-terminal
        CHECK(node(zone, "host.example.com.") == nullptr);
    }

    TEST_CASE("parse: relative names use the origin argument when there is no $ORIGIN") {
        const std::string text =
            std::string(kSoa) + "@ NS ns1\nns1 A 192.0.2.1\nMixed.Case AAAA 2001:db8::1\n";
        auto z = dns::zonefile::parse(text, N("example.org."));
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        CHECK((*z)->apex().to_text() == "example.org.");
        CHECK(rrset(**z, "ns1.example.org.", t::A) != nullptr);
        const auto* n = node(**z, "mixed.case.example.org.");
        REQUIRE(n);
        CHECK(dns::wire::to_text((*z)->owner(*n)) == "Mixed.Case.example.org.");
        const auto* aaaa = (*z)->rrset(*n, t::AAAA);
        REQUIRE(aaaa);
        CHECK(rdata(**z, *aaaa) == S({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
    }

    TEST_CASE("parse: unknown types in RFC 3597 form") {
        const std::string text = std::string(kSoa) +
                                 "@ NS ns1\n"
                                 "x TYPE65280 \\# 4 0a000001\n"
                                 "y TYPE1 \\# 4 c0000201\n";
        auto z = dns::zonefile::parse(text, N("example.com."));
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        const auto* x = rrset(**z, "x.example.com.", 65280);
        REQUIRE(x);
        CHECK(x->count == 1);
        CHECK(rdata(**z, *x) == S({0x0a, 0x00, 0x00, 0x01}));
        // A known type in generic form is the same as its usual form.
        const auto* y = rrset(**z, "y.example.com.", t::A);
        REQUIRE(y);
        CHECK(rdata(**z, *y) == S({192, 0, 2, 1}));
    }

    TEST_CASE(
        "parse: a record handed to ldns keeps an owner whose text is longer than 255 characters") {
        // 63-octet labels of \\000 escapes: the owner's text is far longer than the
        // owner ldns reads, so the scanner's parsed owner is used.
        std::string label = "a";
        for (int i = 0; i < 62; ++i) label += "\\000";
        const std::string text =
            std::string(kSoa) + "@ NS ns1\n" + label + "." + label + " TYPE65280 \\# 1 2a\n";
        auto z = dns::zonefile::parse(text, N("example.com."));
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        auto back = dns::zonefile::parse(dns::zonefile::to_text(**z), N("example.com."));
        REQUIRE_MESSAGE(back.has_value(), back.error().message);
        CHECK((*back)->record_count() == (*z)->record_count());
        const auto* r = rrset(**back, (label + "." + label + ".example.com.").c_str(), 65280);
        REQUIRE(r);
        CHECK(rdata(**back, *r) == S({0x2a}));
    }

    TEST_CASE("parse: common record types") {
        const std::string text = std::string(kSoa) +
                                 "@ NS ns1\n"
                                 "@ MX 10 mail\n"
                                 "_sip._tcp SRV 10 60 5060 sip.example.com.\n"
                                 "al CNAME www\n"
                                 "dn DNAME example.net.\n"
                                 "t TXT \"a\" \"bc\"\n"
                                 "c CAA 0 issue \"ca.example\"\n";
        auto z = dns::zonefile::parse(text, N("example.com."));
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        const Zone& zone = **z;
        const auto* mx = rrset(zone, "example.com.", t::MX);
        REQUIRE(mx);
        CHECK(rdata(zone, *mx) == S({0, 10}) + W("mail.example.com."));
        const auto* srv = rrset(zone, "_sip._tcp.example.com.", t::SRV);
        REQUIRE(srv);
        CHECK(rdata(zone, *srv) == S({0, 10, 0, 60, 0x13, 0xC4}) + W("sip.example.com."));
        const auto* cn = rrset(zone, "al.example.com.", t::CNAME);
        REQUIRE(cn);
        CHECK(rdata(zone, *cn) == W("www.example.com."));
        const auto* dn = rrset(zone, "dn.example.com.", t::DNAME);
        REQUIRE(dn);
        CHECK(rdata(zone, *dn) == W("example.net."));
        const auto* txt = rrset(zone, "t.example.com.", t::TXT);
        REQUIRE(txt);
        CHECK(rdata(zone, *txt) == S({1, 'a', 2, 'b', 'c'}));
        CHECK(rrset(zone, "c.example.com.", t::CAA) != nullptr);
    }

    TEST_CASE("parse: a syntax error names the source and the line") {
        const std::string text =
            "$ORIGIN example.com.\n"
            "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
            "www A not-an-address\n";
        auto z = dns::zonefile::parse(text, N("example.com."), {}, "zone-under-test");
        REQUIRE_FALSE(z);
        CHECK(z.error().code == Errc::syntax);
        CHECK_MESSAGE(contains(z.error().message, "zone-under-test:3"), z.error().message);

        auto d = dns::zonefile::parse(text, N("example.com."));
        REQUIRE_FALSE(d);
        CHECK_MESSAGE(contains(d.error().message, "<text>:3"), d.error().message);

        // The same error on a last line that has no newline.
        auto nonl =
            dns::zonefile::parse(text.substr(0, text.size() - 1), N("example.com."), {}, "nonl");
        REQUIRE_FALSE(nonl);
        CHECK_MESSAGE(contains(nonl.error().message, "nonl:3"), nonl.error().message);

        // An error on the very first line.
        auto first = dns::zonefile::parse("www A 1.2.3.4.5\n" + std::string(kSoa),
                                          N("example.com."), {}, "first");
        REQUIRE_FALSE(first);
        CHECK_MESSAGE(contains(first.error().message, "first:1"), first.error().message);
    }

    TEST_CASE("parse: line numbers count the lines of a multi-line record and comments") {
        const std::string text =
            "; a comment\n"                // 1
            "$ORIGIN example.com.\n"       // 2
            "@ SOA ns1 hostmaster (\n"     // 3
            "      1      ; serial\n"      // 4
            "      7200   ; refresh\n"     // 5
            "      3600 1209600 300 )\n"   // 6
            "\n"                           // 7
            "@ NS ns1\n"                   // 8
            "www MX not-a-number mail\n";  // 9
        auto z = dns::zonefile::parse(text, N("example.com."), {}, "multi");
        REQUIRE_FALSE(z);
        CHECK_MESSAGE(contains(z.error().message, "multi:9"), z.error().message);
    }

    TEST_CASE("parse: errors from the zone builder name the line too") {
        const std::string text = std::string(kSoa) + "@ NS ns1\nwww CH TXT \"chaos\"\n";
        auto z = dns::zonefile::parse(text, N("example.com."), {}, "cls");
        REQUIRE_FALSE(z);
        CHECK_MESSAGE(contains(z.error().message, "cls:3"), z.error().message);
    }

    TEST_CASE("parse: $INCLUDE is refused by default") {
        const std::string text = std::string(kSoa) + "$INCLUDE /etc/hostname\n@ NS ns1\n";
        auto z = dns::zonefile::parse(text, N("example.com."), {}, "inc");
        REQUIRE_FALSE(z);
        CHECK_MESSAGE(contains(z.error().message, "$INCLUDE"), z.error().message);
        CHECK_MESSAGE(contains(z.error().message, "inc:2"), z.error().message);
    }

    TEST_CASE("load: $INCLUDE works when allowed, relative to the including file") {
        TempDir dir;
        dir.write("hosts.inc", "www A 192.0.2.80\nmail A 192.0.2.25\n");
        std::string main =
            dir.write("example.com.zone", "$ORIGIN example.com.\n" + std::string(kSoa) +
                                              "@ NS ns1\n$INCLUDE hosts.inc\nns1 A 192.0.2.53\n");
        auto refused = dns::zonefile::load(main, N("example.com."));
        REQUIRE_FALSE(refused);
        CHECK(contains(refused.error().message, main));

        LoadOptions opt;
        opt.allow_include = true;
        auto z = dns::zonefile::load(main, N("example.com."), opt);
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        CHECK(rrset(**z, "www.example.com.", t::A) != nullptr);
        CHECK(rrset(**z, "mail.example.com.", t::A) != nullptr);
        CHECK(rrset(**z, "ns1.example.com.", t::A) != nullptr);

        // A missing included file is an error naming it.
        std::string broken = dir.write("broken.zone", std::string(kSoa) + "$INCLUDE missing.inc\n");
        auto b = dns::zonefile::load(broken, N("example.com."), opt);
        REQUIRE_FALSE(b);
        CHECK_MESSAGE(contains(b.error().message, "missing.inc"), b.error().message);
    }

    TEST_CASE("parse: out-of-zone records are refused by default") {
        const std::string text =
            std::string(kSoa) + "@ NS ns1\nwww.example.org. A 192.0.2.1\nok A 192.0.2.2\n";
        auto z = dns::zonefile::parse(text, N("example.com."), {}, "ooz");
        REQUIRE_FALSE(z);
        CHECK_MESSAGE(contains(z.error().message, "ooz:3"), z.error().message);
        CHECK_MESSAGE(contains(z.error().message, "www.example.org."), z.error().message);

        LoadOptions opt;
        opt.allow_out_of_zone = true;
        auto dropped = dns::zonefile::parse(text, N("example.com."), opt);
        REQUIRE_MESSAGE(dropped.has_value(), dropped.error().message);
        CHECK(rrset(**dropped, "ok.example.com.", t::A) != nullptr);
        CHECK((*dropped)->record_count() == 3);
    }

    TEST_CASE("parse: zone-level errors") {
        SUBCASE("no SOA") {
            auto z =
                dns::zonefile::parse("@ NS ns1\nns1 A 192.0.2.1\n", N("example.com."), {}, "nosoa");
            REQUIRE_FALSE(z);
            CHECK(z.error().code == Errc::semantic);
            CHECK_MESSAGE(contains(z.error().message, "nosoa"), z.error().message);
        }
        SUBCASE("empty text") {
            auto z = dns::zonefile::parse("", N("example.com."));
            CHECK_FALSE(z);
        }
        SUBCASE("only comments") {
            auto z = dns::zonefile::parse("; nothing here\n\n", N("example.com."));
            CHECK_FALSE(z);
        }
        SUBCASE("limits from the options") {
            LoadOptions opt;
            opt.limits.max_records = 2;
            auto z = dns::zonefile::parse(std::string(kSoa) + "@ NS ns1\nns1 A 192.0.2.1\n",
                                          N("example.com."), opt);
            REQUIRE_FALSE(z);
            CHECK(z.error().code == Errc::syntax);  // reported with file and line
            CHECK_MESSAGE(contains(z.error().message, "<text>:3"), z.error().message);
        }
    }

    TEST_CASE("parse: the last line needs no newline; comments and blank lines are ignored") {
        const std::string text = "; header comment\n\n" + std::string(kSoa) +
                                 "\n   \n@ NS ns1 ; trailing\nlast A 192.0.2.9";
        auto z = dns::zonefile::parse(text, N("example.com."));
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        CHECK(rrset(**z, "last.example.com.", t::A) != nullptr);
        CHECK((*z)->record_count() == 3);
    }

    TEST_CASE("load: a file on disk, and a missing file") {
        TempDir dir;
        std::string path = dir.write("z.zone", std::string(kSoa) + "@ NS ns1\nns1 A 192.0.2.1\n");
        auto z = dns::zonefile::load(path, N("example.net."));
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        CHECK((*z)->apex().to_text() == "example.net.");
        CHECK((*z)->serial() == 2024010101u);

        auto missing = dns::zonefile::load((dir.path / "nope.zone").string(), N("example.net."));
        REQUIRE_FALSE(missing);
        CHECK(missing.error().code == Errc::io);
        CHECK(contains(missing.error().message, "nope.zone"));

        // Errors in a file name the file path and line.
        std::string bad = dir.write("bad.zone", std::string(kSoa) + "@ NS ns1\nx A 1.2.3\n");
        auto b = dns::zonefile::load(bad, N("example.net."));
        REQUIRE_FALSE(b);
        CHECK_MESSAGE(contains(b.error().message, bad + ":3"), b.error().message);
    }

}  // TEST_SUITE
