// lib/xfr/catalog: members of a catalog zone (RFC 9432).

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lib/xfr/catalog.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

using dns::xfr::catalog_members;
using dns::xfr::CatalogMember;
using test::N;

namespace {

const char* kHead = R"(
$ORIGIN catalog.invalid.
$TTL 0
@        SOA invalid. invalid. 1 3600 600 2147483646 0
@        NS  invalid.
)";

dns::zone::ZonePtr catalog(const std::string& body, const char* origin = "catalog.invalid.") {
    auto z = dns::zonefile::parse(kHead + body, N(origin));
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

std::vector<CatalogMember> members_of(const dns::zone::Zone& z) {
    auto r = catalog_members(z);
    REQUIRE_MESSAGE(r.has_value(), r.error().message);
    auto v = *r;
    std::sort(v.begin(), v.end(), [](const CatalogMember& a, const CatalogMember& b) { return a.id < b.id; });
    return v;
}

}  // namespace

TEST_SUITE("catalog") {

TEST_CASE("version 2 catalog: members with their ids and names") {
    auto z = catalog(R"(
version       TXT "2"
abc.zones     PTR example.com.
def.zones     PTR Example.NET.
ghi.zones     PTR sub.example.org.
)");
    auto m = members_of(*z);
    REQUIRE(m.size() == 3);
    CHECK(m[0].id == "abc");
    CHECK(m[0].zone == N("example.com."));
    CHECK(m[0].zone.to_text() == "example.com.");
    CHECK(m[1].id == "def");
    CHECK(m[1].zone == N("example.net."));
    CHECK(m[2].id == "ghi");
    CHECK(m[2].zone == N("sub.example.org."));
    CHECK(m[2].zone.labels() == 3);
}

TEST_CASE("member ids keep their case and may be any label") {
    auto z = catalog(R"(
version              TXT "2"
5960775ba382e7a4e09263fc06e7c00569b6a05c.zones PTR a.example.
MiXeD.zones          PTR b.example.
)");
    auto m = members_of(*z);
    REQUIRE(m.size() == 2);
    CHECK(m[0].id == "5960775ba382e7a4e09263fc06e7c00569b6a05c");
    CHECK(m[0].zone == N("a.example."));
    CHECK(m[1].id == "MiXeD");
    CHECK(m[1].zone == N("b.example."));
}

TEST_CASE("missing version is an error") {
    auto z = catalog(R"(
abc.zones PTR example.com.
)");
    auto r = catalog_members(*z);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == dns::Errc::semantic);
    CHECK(r.error().message.find("version") != std::string::npos);
}

TEST_CASE("version present but not a TXT record is an error") {
    auto z = catalog(R"(
version   A   192.0.2.2
abc.zones PTR example.com.
)");
    CHECK(!catalog_members(*z).has_value());
}

TEST_CASE("version 1 (or anything but \"2\") is unsupported") {
    for (const char* v : {"\"1\"", "\"3\"", "\"22\"", "\"2\" \"x\"", "\" 2\""}) {
        CAPTURE(v);
        auto z = catalog(std::string("version TXT ") + v + "\nabc.zones PTR example.com.\n");
        auto r = catalog_members(*z);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::unsupported);
        CHECK(r.error().message.find("not version 2") != std::string::npos);
    }
}

TEST_CASE("a version RRset that contains \"2\" among others is accepted") {
    auto z = catalog(R"(
version   TXT "1"
version   TXT "2"
abc.zones PTR example.com.
)");
    CHECK(members_of(*z).size() == 1);
}

TEST_CASE("a member with two PTRs is ignored, the others kept") {
    auto z = catalog(R"(
version    TXT "2"
two.zones  PTR a.example.
two.zones  PTR b.example.
one.zones  PTR c.example.
)");
    auto m = members_of(*z);
    REQUIRE(m.size() == 1);
    CHECK(m[0].id == "one");
    CHECK(m[0].zone == N("c.example."));
}

TEST_CASE("the same PTR twice is one PTR, not two") {
    auto z = catalog(R"(
version    TXT "2"
dup.zones  PTR a.example.
dup.zones  PTR a.example.
)");
    auto m = members_of(*z);
    REQUIRE(m.size() == 1);
    CHECK(m[0].zone == N("a.example."));
}

TEST_CASE("an empty catalog (no zones.) has no members") {
    auto z = catalog(R"(
version TXT "2"
)");
    auto r = catalog_members(*z);
    REQUIRE(r.has_value());
    CHECK(r->empty());
}

TEST_CASE("zones. with no members has no members") {
    auto z = catalog(R"(
version TXT "2"
zones   TXT "nothing here"
)");
    auto r = catalog_members(*z);
    REQUIRE(r.has_value());
    CHECK(r->empty());
}

TEST_CASE("names below zones. that are not direct children are ignored") {
    auto z = catalog(R"(
version              TXT "2"
abc.zones            PTR example.com.
group.abc.zones      TXT "blue"
coo.abc.zones        PTR other-catalog.example.
deep.x.zones         PTR deep.example.
a.b.c.zones          PTR deeper.example.
noptr.zones          TXT "not a member"
zones                PTR apex-of-zones.example.
other                PTR not-a-member.example.
abc.elsewhere        PTR not-a-member-either.example.
)");
    auto m = members_of(*z);
    REQUIRE(m.size() == 1);
    CHECK(m[0].id == "abc");
    CHECK(m[0].zone == N("example.com."));
}

TEST_CASE("owner names are matched case-insensitively") {
    auto z = catalog(R"(
VERSION        TXT "2"
abc.ZONES      PTR example.com.
)");
    auto m = members_of(*z);
    REQUIRE(m.size() == 1);
    CHECK(m[0].zone == N("example.com."));
}

TEST_CASE("a catalog under another apex") {
    std::string text = R"(
$ORIGIN cat.example.
$TTL 0
@            SOA ns hostmaster 1 3600 600 2147483646 0
@            NS  ns
version      TXT "2"
m1.zones     PTR one.example.
)";
    auto z = dns::zonefile::parse(text, N("cat.example."));
    REQUIRE(z.has_value());
    auto m = members_of(**z);
    REQUIRE(m.size() == 1);
    CHECK(m[0].id == "m1");
    CHECK(m[0].zone == N("one.example."));
    // A version TXT that is not directly below the apex does not count.
    auto bare = catalog(R"(
version.x    TXT "2"
abc.zones    PTR example.com.
)");
    CHECK(!catalog_members(*bare).has_value());
}

}  // TEST_SUITE
