// lib/xfr/catalog: members of a catalog zone (RFC 9432).

#include "lib/xfr/catalog.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lib/xfr/transfer.hpp"
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
    std::sort(v.begin(), v.end(),
              [](const CatalogMember& a, const CatalogMember& b) { return a.id < b.id; });
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

    TEST_CASE("properties: group, coo and custom ext properties are read with their member") {
        auto z = catalog(R"(
version                    TXT "2"
m1.zones                   PTR one.example.
group.m1.zones             TXT "gold" "extra"
coo.m1.zones               PTR other.catalog.
primaries.ext.m1.zones     TXT "192.0.2.1:53" "[2001:db8::1]:53"
tsig.ext.m1.zones          TXT "xfr-key."
m2.zones                   PTR two.example.
group.m3.zones             TXT "orphan property"
)");
        auto m = members_of(*z);
        REQUIRE(m.size() == 2);
        CHECK(m[0].groups == std::vector<std::string>{"gold", "extra"});
        REQUIRE(m[0].coo);
        CHECK(*m[0].coo == N("other.catalog."));
        REQUIRE(m[0].ext.count("primaries") == 1);
        CHECK(m[0].ext.at("primaries") ==
              std::vector<std::string>{"192.0.2.1:53", "[2001:db8::1]:53"});
        CHECK(m[0].ext.at("tsig") == std::vector<std::string>{"xfr-key."});
        CHECK(m[1].groups.empty());
        CHECK_FALSE(m[1].coo);
        CHECK(m[1].ext.empty());
    }

    TEST_CASE("producer: a built catalog reads back as the members it was built from") {
        std::vector<CatalogMember> in(3);
        in[0].zone = N("a.example.");
        in[0].groups = {"gold"};
        in[1].zone = N("B.example.");
        in[1].coo = N("next.catalog.");
        in[1].ext["primaries"] = {"192.0.2.1:53", "192.0.2.2:53"};
        in[2].zone = N("c.example.");
        in[2].id = "chosen";
        auto cat = dns::xfr::build_catalog(N("catalog.example."), 5, in);
        REQUIRE_MESSAGE(cat.has_value(), cat.error().message);
        CHECK((*cat)->serial() == 5);
        auto out = catalog_members(**cat);
        REQUIRE(out.has_value());
        REQUIRE(out->size() == 3);
        std::map<std::string, CatalogMember> by_zone;
        for (const auto& m : *out) by_zone[m.zone.lowercased().to_text()] = m;
        CHECK(by_zone.at("a.example.").groups == std::vector<std::string>{"gold"});
        CHECK(by_zone.at("a.example.").id == dns::xfr::member_id(N("a.example.")));
        CHECK(*by_zone.at("b.example.").coo == N("next.catalog."));
        CHECK(by_zone.at("b.example.").ext.at("primaries").size() == 2);
        CHECK(by_zone.at("c.example.").id == "chosen");
        // Stable labels: the same member, the same id, whatever its case.
        CHECK(dns::xfr::member_id(N("B.Example.")) == dns::xfr::member_id(N("b.example.")));
        CHECK(dns::xfr::member_id(N("a.example.")) != dns::xfr::member_id(N("b.example.")));
        // Two members with one zone (or one id) are refused.
        std::vector<CatalogMember> dup(2);
        dup[0].zone = dup[1].zone = N("x.example.");
        CHECK_FALSE(dns::xfr::build_catalog(N("catalog.example."), 1, dup).has_value());
    }

    TEST_CASE(
        "producer: a change of the member list is an IXFR that gives the catalog built anew") {
        std::vector<CatalogMember> v1(40), v2;
        for (int i = 0; i < 40; ++i)
            v1[i].zone = N(("z" + std::to_string(i) + ".example.").c_str());
        v2 = v1;
        v2.erase(v2.begin() + 3);  // one removed
        v2[5].groups = {"moved"};  // one changed
        CatalogMember extra;
        extra.zone = N("new.example.");
        extra.ext["tsig"] = {"k."};
        v2.push_back(extra);  // one added
        auto before = dns::xfr::build_catalog(N("catalog.example."), 1, v1);
        REQUIRE(before.has_value());
        auto change = dns::xfr::change_catalog(*before, v1, v2, 2);
        REQUIRE_MESSAGE(change.has_value(), change.error().message);
        // Only what changed travels: SOA out and in, the removed member's PTR, the
        // group added, the new member's PTR and property.
        CHECK(change->diff.removed.size() == 2);
        CHECK(change->diff.added.size() == 4);
        auto rebuilt = dns::xfr::build_catalog(N("catalog.example."), 2, v2);
        REQUIRE(rebuilt.has_value());
        auto a = dns::xfr::records_of(*change->catalog), b = dns::xfr::records_of(**rebuilt);
        auto key = [](const dns::xfr::Record& r) {
            return r.owner + "|" + std::to_string(r.type) + "|" + r.rdata;
        };
        std::vector<std::string> ka, kb;
        for (const auto& r : a) ka.push_back(key(r));
        for (const auto& r : b) kb.push_back(key(r));
        std::sort(ka.begin(), ka.end());
        std::sort(kb.begin(), kb.end());
        CHECK(ka == kb);
    }

    TEST_CASE("to_text(): a catalog written as a master file parses back to the same records") {
        std::vector<CatalogMember> in(2);
        in[0].zone = N("a.example.");
        in[0].ext["note"] = {"with \"quotes\" and \\ backslash"};
        in[1].zone = N("b.example.");
        auto cat = dns::xfr::build_catalog(N("catalog.example."), 9, in);
        REQUIRE(cat.has_value());
        std::string text = dns::zonefile::to_text(**cat);
        auto back = dns::zonefile::parse(text, N("catalog.example."));
        REQUIRE_MESSAGE(back.has_value(), back.error().message);
        CHECK(dns::xfr::records_of(**back).size() == dns::xfr::records_of(**cat).size());
        auto m = catalog_members(**back);
        REQUIRE(m.has_value());
        CHECK(m->size() == 2);
    }

    TEST_CASE(
        "consumer delta: every kind of member change, read from the IXFR alone, agrees "
        "with reading both versions whole") {
        // Random member lists changed step by step by every kind of change a
        // producer makes: a member added, removed, given a coo or another, moved
        // to another entry id, an entry id reused for another zone, a group
        // changed (not a member change), several at once.
        std::mt19937 rng(7);
        const auto apex = N("catalog.example.");
        auto zone_name = [](int i) { return N(("m" + std::to_string(i) + ".Example.").c_str()); };
        std::vector<CatalogMember> cur;
        for (int i = 0; i < 30; ++i) {
            CatalogMember m;
            m.zone = zone_name(i);
            cur.push_back(m);
        }
        auto cat = dns::xfr::build_catalog(apex, 1, cur);
        REQUIRE(cat.has_value());
        dns::zone::ZonePtr z = *cat;
        int next = 30;
        auto coo_of = [](const CatalogMember& m) {
            return m.coo ? m.coo->lowercased().to_text() : std::string();
        };
        for (uint32_t serial = 2; serial < 400; ++serial) {
            std::vector<CatalogMember> nxt = cur;
            const int changes = 1 + static_cast<int>(rng() % 3);
            for (int c = 0; c < changes; ++c) {
                const size_t pick = nxt.empty() ? 0 : rng() % nxt.size();
                switch (nxt.empty() ? 0 : rng() % 6) {
                    case 0: {  // added
                        CatalogMember m;
                        m.zone = zone_name(next++);
                        nxt.push_back(m);
                        break;
                    }
                    case 1:  // removed
                        nxt.erase(nxt.begin() + static_cast<long>(pick));
                        break;
                    case 2:  // coo set, changed or cleared
                        if (rng() % 3 == 0)
                            nxt[pick].coo.reset();
                        else
                            nxt[pick].coo = N(rng() % 2 ? "other.example." : "third.example.");
                        break;
                    case 3:  // moved to another entry id
                        nxt[pick].id = "moved" + std::to_string(serial) + "-" + std::to_string(c);
                        break;
                    case 4: {  // the entry id now lists another zone
                        if (nxt[pick].id.empty())
                            nxt[pick].id = dns::xfr::member_id(nxt[pick].zone);
                        nxt[pick].zone = zone_name(next++);
                        break;
                    }
                    default:  // a group: not a change of the member list
                        nxt[pick].groups = {"g" + std::to_string(rng() % 3)};
                        break;
                }
            }
            auto ch = dns::xfr::change_catalog(z, cur, nxt, serial);
            REQUIRE_MESSAGE(ch.has_value(), ch.error().message);
            std::vector<dns::xfr::Diff> diffs{ch->diff};
            auto delta = dns::xfr::catalog_delta(*ch->catalog, diffs);
            REQUIRE(delta.has_value());
            // What reading both versions whole says.
            std::map<std::string, std::string> before, after;  // zone -> coo
            for (const auto& m : members_of(*z)) before[m.zone.lowercased().to_text()] = coo_of(m);
            for (const auto& m : members_of(*ch->catalog))
                after[m.zone.lowercased().to_text()] = coo_of(m);
            std::set<std::string> unlisted, want_unlisted;
            for (const auto& n : delta->unlisted) unlisted.insert(n.lowercased().to_text());
            for (const auto& [k, coo] : before)
                if (!after.count(k)) want_unlisted.insert(k);
            auto join = [](const std::set<std::string>& v) {
                std::string o;
                for (const auto& x : v) o += x + " ";
                return o;
            };
            INFO("serial " << serial << " unlisted: " << join(unlisted)
                           << "; expected: " << join(want_unlisted));
            CHECK(unlisted == want_unlisted);
            std::map<std::string, std::string> listed;
            for (const auto& m : delta->listed) listed[m.zone.lowercased().to_text()] = coo_of(m);
            for (const auto& [k, coo] : listed) {
                INFO(k);
                REQUIRE(after.count(k));
                CHECK(after[k] == coo);  // as the new version lists it
            }
            for (const auto& [k, coo] : after)
                if (!before.count(k) || before[k] != coo) {
                    INFO("new or changed: " << k);
                    CHECK(listed.count(k));
                }
            z = ch->catalog;
            cur = nxt;
        }
    }

    TEST_CASE("consumer delta: a change of the version, or no change, or only the SOA") {
        std::vector<CatalogMember> ms(3);
        for (int i = 0; i < 3; ++i) ms[i].zone = N(("z" + std::to_string(i) + ".example.").c_str());
        auto z = dns::xfr::build_catalog(N("catalog.example."), 1, ms);
        REQUIRE(z.has_value());
        auto rec = [](const char* owner, uint16_t type, std::string rdata) {
            auto n = N(owner);
            return dns::xfr::Record{std::string(reinterpret_cast<const char*>(n.data()), n.size()),
                                    type, 0, std::move(rdata)};
        };
        dns::xfr::Diff version{1,
                               2,
                               {rec("version.catalog.example.", 16,
                                    std::string("\x01"
                                                "2",
                                                2))},
                               {rec("VERSION.catalog.example.", 16,
                                    std::string("\x01"
                                                "3",
                                                2))}};
        CHECK_FALSE(dns::xfr::catalog_delta(**z, std::vector<dns::xfr::Diff>{version}).has_value());
        dns::xfr::Diff soa_only{
            1, 2, {rec("catalog.example.", 6, "x")}, {rec("catalog.example.", 6, "y")}};
        auto d = dns::xfr::catalog_delta(**z, std::vector<dns::xfr::Diff>{soa_only});
        REQUIRE(d.has_value());
        CHECK(d->listed.empty());
        CHECK(d->unlisted.empty());
        // An entry named in upper case is the same entry.
        auto id = dns::xfr::member_id(N("z1.example."));
        std::string up = id;
        for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        dns::xfr::Diff touch{
            1, 2, {}, {rec(("group." + up + ".ZONES.catalog.example.").c_str(), 16, "\x01g")}};
        d = dns::xfr::catalog_delta(**z, std::vector<dns::xfr::Diff>{touch});
        REQUIRE(d.has_value());
        REQUIRE(d->listed.size() == 1);
        CHECK(d->listed[0].zone == N("z1.example."));
    }
}
