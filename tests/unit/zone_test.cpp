// lib/zone: Builder (validation, tree, precomputed flags), Zone lookups,
// ZoneTable longest match, base32hex.

#include "lib/zone/zone.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lib/wire/rrtype.hpp"
#include "lib/zone/builder.hpp"
#include "lib/zone/zone_store.hpp"
#include "lib/zone/zone_table.hpp"
#include "test_util.hpp"

namespace t = dns::wire::type;
using dns::Errc;
using dns::zone::Builder;
using dns::zone::kNone;
using dns::zone::Zone;
using dns::zone::ZonePtr;
using dns::zone::ZoneTable;
using test::N;
using test::S;
using test::W;
namespace nf = dns::zone::nf;

namespace {

std::string soa_rdata(uint32_t serial = 1, uint32_t minimum = 300,
                      const char* mname = "ns1.example.com.") {
    std::string rd = W(mname) + W("hostmaster.example.com.");
    for (uint32_t v : {serial, 7200u, 3600u, 1209600u, minimum}) {
        rd.push_back(static_cast<char>(v >> 24));
        rd.push_back(static_cast<char>(v >> 16));
        rd.push_back(static_cast<char>(v >> 8));
        rd.push_back(static_cast<char>(v));
    }
    return rd;
}
std::string a(int x, int y, int z, int w) { return S({x, y, z, w}); }
std::string mx(int pref, const char* name) { return S({pref >> 8, pref & 0xFF}) + W(name); }
std::string srv(int prio, int weight, int port, const char* name) {
    return S({prio >> 8, prio & 0xFF, weight >> 8, weight & 0xFF, port >> 8, port & 0xFF}) +
           W(name);
}
std::string txt(const std::string& s) { return std::string(1, static_cast<char>(s.size())) + s; }

dns::Result<void> add(Builder& b, const char* owner, uint16_t type, const std::string& rd,
                      uint32_t ttl = 3600, uint16_t cls = 1) {
    return b.add(N(owner), type, cls, ttl,
                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rd.data()), rd.size()));
}

void must_add(Builder& b, const char* owner, uint16_t type, const std::string& rd,
              uint32_t ttl = 3600) {
    auto r = add(b, owner, type, rd, ttl);
    REQUIRE_MESSAGE(r.has_value(), owner, ": ", r.error().message);
}

// example.com with SOA and apex NS.
Builder base(const char* apex = "example.com.", uint32_t serial = 1) {
    Builder b(N(apex));
    std::string ap(apex);
    must_add(b, apex, t::SOA, soa_rdata(serial));
    must_add(b, apex, t::NS, W((ap == "." ? std::string("ns1.") : "ns1." + ap).c_str()));
    return b;
}

ZonePtr build(Builder& b) {
    auto z = b.build();
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

// A zone with just SOA and NS at `apex`.
ZonePtr make_zone(const char* apex, uint32_t serial) {
    Builder b = base(apex, serial);
    return build(b);
}

uint32_t find(const Zone& z, const char* name) {
    auto n = N(name).lowercased();
    return z.find(n.data(), n.size());
}

const dns::zone::Node& node(const Zone& z, const char* name) {
    uint32_t id = find(z, name);
    REQUIRE_MESSAGE(id != kNone, name, " not in the zone");
    return z.node(id);
}

std::string rdata_of(const Zone& z, uint32_t i) {
    return std::string(reinterpret_cast<const char*>(z.rdata_bytes(i)), z.rdata(i).length);
}

const Zone* lookup(const ZoneTable& t, const char* name) {
    auto n = N(name).lowercased();
    return t.find(n.data(), n.size());
}

}  // namespace

TEST_SUITE("zone") {
    TEST_CASE("Builder: a minimal zone") {
        Builder b = base("example.com.", 2024010101);
        must_add(b, "www.example.com.", t::A, a(192, 0, 2, 1), 600);
        CHECK(b.records() == 3);
        auto z = build(b);
        CHECK(z->apex() == N("example.com."));
        CHECK(z->serial() == 2024010101u);
        CHECK(z->node_count() == 2);
        CHECK(z->record_count() == 3);
        CHECK(z->soa().type == t::SOA);
        CHECK(z->soa().count == 1);
        const auto& apex = z->node(Zone::apex_id());
        CHECK((apex.flags & nf::apex) != 0);
        CHECK(apex.parent == kNone);
        CHECK(dns::wire::to_text(z->owner(apex)) == "example.com.");
        const auto& www = node(*z, "www.example.com.");
        CHECK(www.parent == Zone::apex_id());
        CHECK(www.rrset_count == 1);
        const auto* rs = z->rrset(www, t::A);
        REQUIRE(rs);
        CHECK(rs->ttl == 600);
        CHECK(rs->count == 1);
        CHECK(rdata_of(*z, rs->first) == a(192, 0, 2, 1));
        CHECK(z->rrset(www, t::AAAA) == nullptr);
        CHECK(find(*z, "nope.example.com.") == kNone);
        CHECK(z->memory_usage() > 0);
        // The builder is left empty.
        CHECK(b.records() == 0);
    }

    TEST_CASE("Builder: owners keep their case, lookups use lower case") {
        Builder b = base();
        must_add(b, "MiXeD.Example.COM.", t::A, a(192, 0, 2, 7));
        auto z = build(b);
        const auto& n = node(*z, "mixed.example.com.");
        CHECK(dns::wire::to_text(z->owner(n)) == "MiXeD.Example.COM.");
        CHECK(dns::wire::to_text(z->lowner(n)) == "mixed.example.com.");
    }

    TEST_CASE("Builder: empty non-terminals are created") {
        Builder b = base();
        must_add(b, "a.b.c.example.com.", t::A, a(192, 0, 2, 3));
        must_add(b, "x.c.example.com.", t::TXT, txt("x"));
        auto z = build(b);
        CHECK(z->node_count() == 5);  // apex, c, b.c, a.b.c, x.c
        const auto& c = node(*z, "c.example.com.");
        const auto& bc = node(*z, "b.c.example.com.");
        const auto& abc = node(*z, "a.b.c.example.com.");
        const auto& xc = node(*z, "x.c.example.com.");
        CHECK(c.rrset_count == 0);
        CHECK(bc.rrset_count == 0);
        CHECK(abc.rrset_count == 1);
        CHECK(c.parent == Zone::apex_id());
        CHECK(bc.parent == find(*z, "c.example.com."));
        CHECK(abc.parent == find(*z, "b.c.example.com."));
        CHECK(xc.parent == find(*z, "c.example.com."));
        CHECK(abc.labels == 5);
        CHECK(c.labels == 3);
    }

    TEST_CASE("Builder: wildcard children are linked to their parent") {
        Builder b = base();
        must_add(b, "*.example.com.", t::A, a(192, 0, 2, 100));
        must_add(b, "*.sub.example.com.", t::TXT, txt("w"));  // sub is an empty non-terminal
        must_add(b, "host.example.com.", t::A, a(192, 0, 2, 1));
        auto z = build(b);
        const auto& apex = z->node(Zone::apex_id());
        REQUIRE(apex.wildcard != kNone);
        CHECK(apex.wildcard == find(*z, "*.example.com."));
        const auto& sub = node(*z, "sub.example.com.");
        CHECK(sub.rrset_count == 0);
        CHECK(sub.wildcard == find(*z, "*.sub.example.com."));
        CHECK(node(*z, "host.example.com.").wildcard == kNone);
        CHECK(node(*z, "*.example.com.").wildcard == kNone);
    }

    TEST_CASE("Builder: delegations set the cut of every name below them") {
        Builder b = base();
        must_add(b, "sub.example.com.", t::NS, W("ns.sub.example.com."));
        must_add(b, "sub.example.com.", t::DS, std::string(36, '\x01'));
        must_add(b, "ns.sub.example.com.", t::A, a(192, 0, 2, 40));
        must_add(b, "deep.x.sub.example.com.", t::A, a(192, 0, 2, 41));
        must_add(b, "www.example.com.", t::A, a(192, 0, 2, 1));
        auto z = build(b);
        const uint32_t sub_id = find(*z, "sub.example.com.");
        const auto& sub = z->node(sub_id);
        CHECK((sub.flags & nf::delegation) != 0);
        CHECK(sub.cut == kNone);  // the delegation point itself is on the parent side
        CHECK(node(*z, "ns.sub.example.com.").cut == sub_id);
        CHECK(node(*z, "x.sub.example.com.").cut == sub_id);  // empty non-terminal below the cut
        CHECK(node(*z, "deep.x.sub.example.com.").cut == sub_id);
        CHECK(node(*z, "www.example.com.").cut == kNone);
        // NS at the apex is not a delegation.
        const auto& apex = z->node(Zone::apex_id());
        CHECK((apex.flags & nf::delegation) == 0);
        CHECK(apex.cut == kNone);
    }

    TEST_CASE("Builder: names below a DNAME have it as their cut") {
        Builder b = base();
        must_add(b, "dn.example.com.", t::DNAME, W("example.net."));
        must_add(b, "occluded.dn.example.com.", t::A, a(192, 0, 2, 9));
        must_add(b, "al.example.com.", t::CNAME, W("www.example.com."));
        auto z = build(b);
        const uint32_t dn = find(*z, "dn.example.com.");
        CHECK((z->node(dn).flags & nf::dname) != 0);
        CHECK((z->node(dn).flags & nf::delegation) == 0);
        CHECK(z->node(dn).cut == kNone);
        CHECK(node(*z, "occluded.dn.example.com.").cut == dn);
        CHECK((node(*z, "al.example.com.").flags & nf::cname) != 0);
    }

    TEST_CASE("Builder: a delegation below a delegation keeps the upper cut") {
        Builder b = base();
        must_add(b, "a.example.com.", t::NS, W("ns.elsewhere."));
        must_add(b, "b.a.example.com.", t::NS, W("ns.elsewhere."));
        must_add(b, "c.b.a.example.com.", t::A, a(1, 2, 3, 4));
        auto z = build(b);
        const uint32_t upper = find(*z, "a.example.com.");
        CHECK(node(*z, "b.a.example.com.").cut == upper);
        CHECK(node(*z, "c.b.a.example.com.").cut == upper);
    }

    TEST_CASE("Builder: duplicate records are removed") {
        Builder b = base();
        must_add(b, "www.example.com.", t::A, a(192, 0, 2, 1));
        must_add(b, "www.example.com.", t::A, a(192, 0, 2, 2));
        must_add(b, "WWW.example.com.", t::A, a(192, 0, 2, 1));  // same owner, other case
        must_add(b, "www.example.com.", t::A, a(192, 0, 2, 1),
                 60);  // TTL does not make it different
        auto z = build(b);
        const auto* rs = z->rrset(node(*z, "www.example.com."), t::A);
        REQUIRE(rs);
        CHECK(rs->count == 2);
        CHECK(z->record_count() == 4);  // SOA, NS, 2 A
        // The big-RRset path (more than 64 records) removes duplicates too.
        Builder big = base();
        for (int round = 0; round < 2; ++round)
            for (int i = 0; i < 100; ++i)
                must_add(big, "many.example.com.", t::A, a(10, 0, i / 256, i % 256));
        auto bz = build(big);
        const auto* brs = bz->rrset(node(*bz, "many.example.com."), t::A);
        REQUIRE(brs);
        CHECK(brs->count == 100);
    }

    TEST_CASE("Builder: out-of-zone records are counted and dropped") {
        Builder b = base();
        auto r = add(b, "www.example.org.", t::A, a(192, 0, 2, 1));
        CHECK(r.has_value());
        auto r2 = add(b, "com.", t::A, a(192, 0, 2, 1));
        CHECK(r2.has_value());
        auto r3 = add(b, "badexample.com.", t::A, a(192, 0, 2, 1));
        CHECK(r3.has_value());
        CHECK(b.out_of_zone() == 3);
        CHECK(b.records() == 2);
        auto z = build(b);
        CHECK(z->record_count() == 2);
        auto org = N("www.example.org.");
        CHECK(z->find(org.data(), org.size()) == kNone);
    }

    TEST_CASE("Builder: SOA errors") {
        SUBCASE("no SOA") {
            Builder b(N("example.com."));
            must_add(b, "example.com.", t::NS, W("ns1.example.com."));
            must_add(b, "www.example.com.", t::A, a(192, 0, 2, 1));
            auto z = b.build();
            REQUIRE_FALSE(z);
            CHECK(z.error().code == Errc::semantic);
            CHECK(z.error().message.find("SOA") != std::string::npos);
        }
        SUBCASE("no records at all") {
            Builder b(N("example.com."));
            auto z = b.build();
            REQUIRE_FALSE(z);
            CHECK(z.error().code == Errc::semantic);
        }
        SUBCASE("nothing at the apex") {
            Builder b(N("example.com."));
            must_add(b, "www.example.com.", t::SOA, soa_rdata());
            auto z = b.build();
            REQUIRE_FALSE(z);
            CHECK(z.error().code == Errc::semantic);
        }
        SUBCASE("SOA below the apex") {
            Builder b = base();
            must_add(b, "www.example.com.", t::SOA, soa_rdata());
            auto z = b.build();
            REQUIRE_FALSE(z);
            CHECK(z.error().code == Errc::semantic);
            CHECK(z.error().message.find("www.example.com.") != std::string::npos);
        }
        SUBCASE("two different SOA records at the apex") {
            Builder b = base("example.com.", 1);
            must_add(b, "example.com.", t::SOA, soa_rdata(2));
            auto z = b.build();
            INFO("a zone has exactly one SOA record (RFC 1035 5.2); two SOA RDATAs must not load");
            REQUIRE_FALSE(z.has_value());
            CHECK(z.error().code == Errc::semantic);
        }
        SUBCASE("the same SOA twice is a duplicate, not a second SOA") {
            Builder b = base("example.com.", 7);
            must_add(b, "example.com.", t::SOA, soa_rdata(7));
            auto z = b.build();
            REQUIRE(z);
            CHECK((*z)->soa().count == 1);
            CHECK((*z)->serial() == 7);
        }
    }

    TEST_CASE("Builder: limits") {
        SUBCASE("max_records") {
            Builder b(N("example.com."), {3, 0});
            must_add(b, "example.com.", t::SOA, soa_rdata());
            must_add(b, "example.com.", t::NS, W("ns1.example.com."));
            must_add(b, "a.example.com.", t::A, a(1, 2, 3, 4));
            auto r = add(b, "b.example.com.", t::A, a(1, 2, 3, 5));
            REQUIRE_FALSE(r);
            CHECK(r.error().code == Errc::limit);
            CHECK(b.records() == 3);
            // Out-of-zone records do not count against the limit.
            CHECK(add(b, "x.example.org.", t::A, a(1, 2, 3, 5)).has_value());
        }
        SUBCASE("max_bytes") {
            // owner + RDATA bytes: SOA at example.com. is 13 + RDATA.
            const size_t soa_bytes = 13 + soa_rdata().size();
            Builder b(N("example.com."), {0, soa_bytes + 13 + 4});
            must_add(b, "example.com.", t::SOA, soa_rdata());
            must_add(b, "example.com.", t::A, a(1, 2, 3, 4));  // exactly at the limit
            auto r = add(b, "example.com.", t::A, a(1, 2, 3, 5));
            REQUIRE_FALSE(r);
            CHECK(r.error().code == Errc::limit);
        }
        SUBCASE("unlimited by default") {
            Builder b = base();
            for (int i = 0; i < 2000; ++i)
                must_add(b, "x.example.com.", t::A, a(10, 1, i / 256, i % 256));
            auto z = build(b);
            CHECK(z->record_count() == 2002);
        }
    }

    TEST_CASE("Builder: malformed RDATA and bad classes are rejected") {
        Builder b = base();
        auto r = add(b, "a.example.com.", t::A, S({1, 2, 3}));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::malformed);
        CHECK(r.error().message.find("a.example.com.") != std::string::npos);
        CHECK_FALSE(add(b, "a.example.com.", t::AAAA, std::string(15, '\0')));
        CHECK_FALSE(add(b, "a.example.com.", t::MX, S({0, 10, 3, 'f', 'o'})));  // name cut
        CHECK_FALSE(add(b, "a.example.com.", t::NS, S({1, 'a', 0xC0, 0x0C})));  // compressed
        CHECK_FALSE(
            add(b, "a.example.com.", t::CNAME, W("x.example.com.") + "junk"));  // extra bytes
        CHECK_FALSE(add(b, "a.example.com.", t::SOA, soa_rdata().substr(0, 30)));
        auto ch = add(b, "a.example.com.", t::TXT, txt("x"), 0, dns::wire::rrclass::CH);
        REQUIRE_FALSE(ch);
        CHECK(ch.error().code == Errc::semantic);
        CHECK_FALSE(add(b, "a.example.com.", t::OPT, ""));
        CHECK_FALSE(add(b, "a.example.com.", t::ANY, ""));
        CHECK(b.records() == 2);  // nothing was added
        // Unknown types take any RDATA.
        CHECK(add(b, "a.example.com.", 65280, S({0x0a, 0, 0, 1})).has_value());
    }

    TEST_CASE("Builder: additional-section targets for NS, MX and SRV") {
        Builder b = base();
        must_add(b, "example.com.", t::NS, W("ns.elsewhere.net."));
        must_add(b, "ns1.example.com.", t::A, a(192, 0, 2, 53));
        must_add(b, "example.com.", t::MX, mx(10, "mail.example.com."));
        must_add(b, "example.com.", t::MX, mx(20, "nomail.example.com."));
        must_add(b, "mail.example.com.", t::AAAA, std::string(16, '\x20'));
        must_add(b, "_sip._tcp.example.com.", t::SRV, srv(10, 60, 5060, "SIP.example.com."));
        must_add(b, "sip.example.com.", t::A, a(192, 0, 2, 60));
        must_add(b, "al.example.com.", t::CNAME, W("ns1.example.com."));
        auto z = build(b);
        const auto& apex = z->node(Zone::apex_id());
        const auto* ns = z->rrset(apex, t::NS);
        REQUIRE(ns);
        REQUIRE(ns->count == 2);
        for (uint32_t d = ns->first; d < ns->first + ns->count; ++d) {
            if (rdata_of(*z, d) == W("ns1.example.com."))
                CHECK(z->target(d) == find(*z, "ns1.example.com."));
            else
                CHECK(z->target(d) == kNone);
        }
        const auto* mxs = z->rrset(apex, t::MX);
        REQUIRE(mxs);
        REQUIRE(mxs->count == 2);
        for (uint32_t d = mxs->first; d < mxs->first + mxs->count; ++d) {
            if (rdata_of(*z, d) == mx(10, "mail.example.com."))
                CHECK(z->target(d) == find(*z, "mail.example.com."));
            else
                CHECK(z->target(d) == kNone);  // no such name
        }
        const auto* s = z->rrset(node(*z, "_sip._tcp.example.com."), t::SRV);
        REQUIRE(s);
        CHECK(z->target(s->first) == find(*z, "sip.example.com."));  // found whatever the case
        const auto* cn = z->rrset(node(*z, "al.example.com."), t::CNAME);
        REQUIRE(cn);
        CHECK(z->target(cn->first) == kNone);  // only NS, MX and SRV have targets
    }

    TEST_CASE("Builder: negative TTL is min(SOA TTL, MINIMUM)") {
        {
            Builder b(N("example.com."));
            must_add(b, "example.com.", t::SOA, soa_rdata(1, 300), 3600);
            auto z = build(b);
            CHECK(z->negative_ttl() == 300);
            CHECK(z->soa().ttl == 3600);
        }
        {
            Builder b(N("example.com."));
            must_add(b, "example.com.", t::SOA, soa_rdata(1, 86400), 60);
            auto z = build(b);
            CHECK(z->negative_ttl() == 60);
        }
        {
            Builder b(N("example.com."));
            must_add(b, "example.com.", t::SOA, soa_rdata(1, 0), 60);
            auto z = build(b);
            CHECK(z->negative_ttl() == 0);
        }
    }

    TEST_CASE("Builder: RRSIGs are attached to the RRset they cover") {
        auto sig = [](uint16_t covered, uint8_t tag) {
            std::string rd = S({covered >> 8, covered & 0xFF, 8, 3, 0, 0, 0x0E, 0x10, 0x70, 0, 0, 0,
                                0x60, 0, 0, 0, 0, tag});
            return rd + W("example.com.") + std::string(8, static_cast<char>(tag));
        };
        Builder b = base();
        must_add(b, "www.example.com.", t::A, a(192, 0, 2, 1));
        must_add(b, "www.example.com.", t::RRSIG, sig(t::A, 1), 300);
        must_add(b, "www.example.com.", t::RRSIG, sig(t::A, 2), 300);
        must_add(b, "www.example.com.", t::RRSIG, sig(t::MX, 3));  // orphan: no MX here
        must_add(b, "www.example.com.", t::NSEC, W("example.com.") + S({0, 1, 0x40}));
        auto z = build(b);
        const auto& www = node(*z, "www.example.com.");
        // A and NSEC, and the orphan in an RRset of type RRSIG (kept and served, as
        // Knot DNS and NSD do); covering RRSIGs are not an RRset of their own.
        CHECK(www.rrset_count == 3);
        const auto* orphans = z->rrset(www, t::RRSIG);
        REQUIRE(orphans);
        CHECK(orphans->count == 1);
        CHECK(rdata_of(*z, orphans->first) == sig(t::MX, 3));
        const auto* rs = z->rrset(www, t::A);
        REQUIRE(rs);
        CHECK(rs->sig_count == 2);
        CHECK(rs->sig_ttl == 300);
        CHECK(rdata_of(*z, rs->sig_first) == sig(t::A, 1));
        CHECK(rdata_of(*z, rs->sig_first + 1) == sig(t::A, 2));
        const auto* nsec = z->rrset(www, t::NSEC);
        REQUIRE(nsec);
        CHECK(nsec->sig_count == 0);
        CHECK((www.flags & nf::has_nsec) != 0);
        CHECK(z->has_nsec());
        CHECK_FALSE(z->has_nsec3());
        // nsec_for: the NSEC owner at or before a name in canonical order.
        auto q = N("x.www.example.com.");
        CHECK(z->nsec_for(q.data()) == find(*z, "www.example.com."));
        auto exact = N("www.example.com.");
        CHECK(z->nsec_for(exact.data()) == find(*z, "www.example.com."));
        // Before the first NSEC owner it wraps to the last one.
        auto before = N("a.example.com.");
        CHECK(z->nsec_for(before.data()) == find(*z, "www.example.com."));
    }

    TEST_CASE("Zone: many names are all found") {
        Builder b = base();
        for (int i = 0; i < 3000; ++i) {
            std::string owner = "h" + std::to_string(i) + ".example.com.";
            must_add(b, owner.c_str(), t::A, a(10, 0, i / 256, i % 256));
        }
        auto z = build(b);
        CHECK(z->node_count() == 3001);
        for (int i = 0; i < 3000; i += 7) {
            std::string owner = "h" + std::to_string(i) + ".example.com.";
            uint32_t id = find(*z, owner.c_str());
            REQUIRE(id != kNone);
            CHECK(dns::wire::to_text(z->owner(z->node(id))) == owner);
            const auto* rs = z->rrset(z->node(id), t::A);
            REQUIRE(rs);
            CHECK(rdata_of(*z, rs->first) == a(10, 0, i / 256, i % 256));
        }
        CHECK(find(*z, "h3000.example.com.") == kNone);
    }

    TEST_CASE("ZoneTable: longest match with nested zones") {
        Builder pb = base("example.com.", 1);
        Builder cb = base("sub.example.com.", 2);
        auto parent = build(pb);
        auto child = build(cb);
        ZoneTable table({parent, child});
        CHECK(table.size() == 2);
        CHECK(lookup(table, "www.sub.example.com.") == child.get());
        CHECK(lookup(table, "a.b.c.sub.example.com.") == child.get());
        CHECK(lookup(table, "sub.example.com.") == child.get());
        CHECK(lookup(table, "www.example.com.") == parent.get());
        CHECK(lookup(table, "example.com.") == parent.get());
        CHECK(lookup(table, "xsub.example.com.") == parent.get());
        CHECK(lookup(table, "sub.example.com.x.") == nullptr);
        CHECK(lookup(table, "com.") == nullptr);
        CHECK(lookup(table, ".") == nullptr);
        CHECK(lookup(table, "example.org.") == nullptr);
        auto e = N("example.com.");
        CHECK(table.find_exact(e.data(), e.size()) == parent.get());
        auto w = N("www.example.com.");
        CHECK(table.find_exact(w.data(), w.size()) == nullptr);
        // Order of the zones does not matter.
        ZoneTable reversed({child, parent});
        CHECK(lookup(reversed, "www.sub.example.com.") == child.get());
        CHECK(lookup(reversed, "www.example.com.") == parent.get());
    }

    TEST_CASE("ZoneTable: zones of very different depths") {
        auto root = make_zone(".", 1);
        auto deep = make_zone("a.b.c.d.e.", 2);
        auto top = make_zone("e.", 3);
        (void)root;
        ZoneTable table({deep, top});
        CHECK(lookup(table, "x.y.a.b.c.d.e.") == deep.get());
        CHECK(lookup(table, "a.b.c.d.e.") == deep.get());
        CHECK(lookup(table, "b.c.d.e.") == top.get());
        CHECK(lookup(table, "x.d.e.") == top.get());
        CHECK(lookup(table, "f.") == nullptr);
        ZoneTable with_root({deep, top, root});
        CHECK(lookup(with_root, "f.") == root.get());
        CHECK(lookup(with_root, ".") == root.get());
        CHECK(lookup(with_root, "x.d.e.") == top.get());
        CHECK(lookup(with_root, "z.a.b.c.d.e.") == deep.get());
    }

    TEST_CASE("ZoneTable: many zones") {
        std::vector<ZonePtr> zones;
        for (int i = 0; i < 300; ++i) {
            std::string apex = "zone" + std::to_string(i) + ".test.";
            Builder b = base(apex.c_str(), static_cast<uint32_t>(i));
            zones.push_back(build(b));
        }
        ZoneTable table(zones);
        CHECK(table.size() == 300);
        for (int i = 0; i < 300; ++i) {
            std::string name = "www.Zone" + std::to_string(i) + ".TEST.";
            const Zone* z = lookup(table, name.c_str());
            REQUIRE(z);
            CHECK(z->serial() == static_cast<uint32_t>(i));
        }
        CHECK(lookup(table, "www.zone300.test.") == nullptr);
        CHECK(lookup(table, "test.") == nullptr);
    }

    TEST_CASE(
        "ZoneStore: commits rebuild only changed shards; every zone is found after "
        "changes, removals, expiry marks and both sources") {
        using Source = dns::zone::ZoneStore::Source;
        dns::zone::ZoneStore store;
        auto name = [](int i) { return "z" + std::to_string(i) + ".Shard.test."; };
        for (int i = 0; i < 3000; ++i) store.set(Source::secondary, make_zone(name(i).c_str(), 1));
        store.commit();
        auto t1 = store.get();
        CHECK(t1->size() == 3000);
        // Changes to a few zones: a new serial, removals, an expired mark, a file copy.
        for (int i = 0; i < 3000; i += 97)
            store.set(Source::secondary, make_zone(name(i).c_str(), 2));
        for (int i = 1; i < 3000; i += 301)
            store.remove(Source::secondary, N(name(i).c_str()).lowercased().to_text());
        store.set_expired(Source::secondary, "z5.shard.test.", true);
        store.set_expires_at(Source::secondary, "z6.shard.test.", 1000 + 77);
        store.set(Source::file, make_zone(name(8).c_str(), 9));
        store.commit();
        auto t2 = store.get();
        CHECK(t1->size() == 3000);  // a published table never changes
        CHECK(t2->size() == 3000 - 10);
        CHECK(t2->expired_count() == 1);
        size_t seen = 0;
        t2->for_each([&](const ZonePtr&, bool) { ++seen; });
        CHECK(seen == t2->size());
        for (int i = 0; i < 3000; ++i) {
            INFO(name(i));
            std::string q = "www." + name(i);
            auto w = N(q.c_str()).lowercased();
            bool expired = false;
            uint32_t index = 0;
            const Zone* z = t2->find(w.data(), w.size(), &expired, &index);
            if (i % 301 == 1) {
                CHECK(z == nullptr);
                continue;
            }
            REQUIRE(z);
            CHECK(z->serial() == (i == 8 ? 9u : i % 97 == 0 ? 2u : 1u));
            CHECK(expired == (i == 5));
            CHECK(t2->expire_remaining(index, 1000) == (i == 6 ? 77u : z->soa_expire()));
        }
        // The file copy wins while it is there; removing it uncovers the secondary's.
        store.remove(Source::file, "z8.shard.test.");
        store.commit();
        auto w = N("z8.shard.test.");
        REQUIRE(store.get()->find_exact(w.data(), w.size()));
        CHECK(store.get()->find_exact(w.data(), w.size())->serial() == 1);
    }

    TEST_CASE("ZoneTable: with() replaces by apex and without() removes") {
        auto v1 = make_zone("example.com.", 1);
        auto v2 = make_zone("EXAMPLE.com.", 2);
        auto other = make_zone("example.net.", 9);
        ZoneTable empty;
        CHECK(lookup(empty, "www.example.com.") == nullptr);
        auto t1 = empty.with(v1);
        CHECK(lookup(*t1, "www.example.com.") == v1.get());
        auto t2 = t1->with(other)->with(v2);
        CHECK(t2->size() == 2);
        CHECK(lookup(*t2, "www.example.com.")->serial() == 2);
        CHECK(lookup(*t2, "www.example.net.") == other.get());
        auto t3 = t2->without(N("example.com."));
        CHECK(t3->size() == 1);
        CHECK(lookup(*t3, "www.example.com.") == nullptr);
        CHECK(lookup(*t3, "www.example.net.") == other.get());
        // The old tables are unchanged.
        CHECK(lookup(*t1, "www.example.com.") == v1.get());
    }

    TEST_CASE("base32hex_decode (RFC 4648 test vectors, no padding)") {
        auto dec = [](const std::string& in, size_t cap = 32) {
            uint8_t out[32];
            size_t n = dns::zone::base32hex_decode(reinterpret_cast<const uint8_t*>(in.data()),
                                                   in.size(), out, cap);
            return std::make_pair(n, std::string(reinterpret_cast<char*>(out), n));
        };
        CHECK(dec("CO").second == "f");
        CHECK(dec("CPNG").second == "fo");
        CHECK(dec("CPNMU").second == "foo");
        CHECK(dec("CPNMUOG").second == "foob");
        CHECK(dec("CPNMUOJ1").second == "fooba");
        CHECK(dec("CPNMUOJ1E8").second == "foobar");
        CHECK(dec("cpnmuoj1e8").second == "foobar");  // case-insensitive
        CHECK(dec("CPNMUOJ1E8").first == 6);
        CHECK(dec("CPNMUOJ1W8").first == 0);     // 'W' is outside the alphabet
        CHECK(dec("CPNMUOJ1=").first == 0);      // no padding accepted
        CHECK(dec("CPNMUOJ1E8", 5).first == 0);  // does not fit
        CHECK(dec("CPNMUOJ1E8", 6).first == 6);
        CHECK(dec("").first == 0);
        // A 32-character NSEC3 owner label is 20 bytes of SHA-1.
        CHECK(dec("0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM").first == 20);
    }

}  // TEST_SUITE
