// lib/zone/update: incremental updates must give the same answers as a zone
// built from scratch with the same records, leave the old snapshot untouched,
// and stay incremental for ordinary changes.
//
// The main test is differential: random changes (names appearing and
// disappearing, delegations with glue, wildcards, CNAME/DNAME, MX/SRV targets
// that come and go, NSEC and NSEC3 owners, RRSIGs) are applied step by step
// with the Updater, and after every step the answers of the updated zone are
// compared with those of a Builder run over the expected records.

#include "lib/zone/update.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "lib/answer/answer.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/zone/builder.hpp"
#include "lib/zone/zone_table.hpp"
#include "test_util.hpp"

namespace w = dns::wire;
namespace t = dns::wire::type;
using dns::zone::Builder;
using dns::zone::Updater;
using dns::zone::ZonePtr;
using test::N;
using test::W;

namespace {

const char* kApex = "example.test.";

struct Rec {
    std::string owner;  // wire, as written
    uint16_t type;
    uint32_t ttl;
    std::string rdata;
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(w::lower(static_cast<uint8_t>(c)));
    return s;
}

std::string u16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string u32(uint32_t v) {
    return u16(static_cast<uint16_t>(v >> 16)) + u16(static_cast<uint16_t>(v));
}

// The expected content of the zone: an ordered list, as a secondary sees it.
struct Model {
    std::vector<Rec> recs;

    bool has(const Rec& r) const {
        return std::any_of(recs.begin(), recs.end(), [&](const Rec& x) { return same(x, r); });
    }
    static bool same(const Rec& a, const Rec& b) {
        return a.type == b.type && a.rdata == b.rdata && lower(a.owner) == lower(b.owner);
    }
    void remove(const Rec& r) {
        auto it = std::find_if(recs.begin(), recs.end(), [&](const Rec& x) { return same(x, r); });
        if (it != recs.end()) recs.erase(it);
    }
    ZonePtr build() const {
        Builder b(N(kApex));
        for (const Rec& r : recs) {
            auto ok = b.add(reinterpret_cast<const uint8_t*>(r.owner.data()), r.type, 1, r.ttl,
                            {reinterpret_cast<const uint8_t*>(r.rdata.data()), r.rdata.size()});
            REQUIRE_MESSAGE(ok.has_value(), ok.error().message);
        }
        auto z = b.build();
        REQUIRE_MESSAGE(z.has_value(), z.error().message);
        return *z;
    }
};

// Random records over a small pool of names, so that changes collide.
struct Gen {
    std::mt19937 rng;
    std::vector<std::string> names;   // relative names ("" is the apex)
    std::vector<std::string> hashes;  // NSEC3 owner labels
    explicit Gen(uint32_t seed) : rng(seed) {
        names = {"",
                 "a",
                 "b",
                 "c",
                 "b.a",
                 "c.b.a",
                 "*",
                 "*.a",
                 "x.*.a",
                 "ns.d",
                 "d",
                 "e.d",
                 "www",
                 "mail",
                 "WWW",
                 "deep.er.than.that",
                 "er.than.that",
                 "f",
                 "g.f",
                 "*.g.f",
                 "h.g.f"};
        hashes = {"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom", "35mthgpgcu1qg68fab165klnsnk3dpvl",
                  "b4um86eghhds6nea196smvmlo4ors995", "gjeqe526plbf1g8mklp59enfd789njgi",
                  "kohar7mbb8dc2ce8a9qvl8hon4k53uhi"};
    }
    size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
    std::string name(const std::string& rel) { return W(rel.empty() ? kApex : rel + "." + kApex); }
    std::string any_name() { return name(names[pick(names.size())]); }
    std::string target() {
        // Mostly in the zone (maybe not yet existing), sometimes outside.
        if (pick(5) == 0) return W("ns.elsewhere.net.");
        return any_name();
    }
    std::string bitmap() {
        return std::string("\x00\x06\x40\x00\x00\x00\x00\x03", 8);
    }  // A, NS... RRSIG NSEC
    std::string rrsig(uint16_t covered) {
        return u16(covered) + std::string("\x08\x02", 2) + u32(300) + u32(2000000000) +
               u32(1500000000) + u16(static_cast<uint16_t>(pick(3) + 1)) + W(kApex) + "sig" +
               std::to_string(pick(4));
    }
    Rec random() {
        static const uint16_t types[] = {t::A,    t::A,     t::A,     t::AAAA,  t::TXT,
                                         t::MX,   t::NS,    t::CNAME, t::DNAME, t::SRV,
                                         t::NSEC, t::RRSIG, t::NSEC3, t::DS};
        uint16_t type = types[pick(std::size(types))];
        Rec r{any_name(), type, 300, {}};
        switch (type) {
            case t::A:
                r.rdata = std::string("\xc0\x00\x02", 3) + static_cast<char>(pick(4) + 1);
                break;
            case t::AAAA:
                r.rdata = std::string(15, '\x20') + static_cast<char>(pick(3));
                break;
            case t::TXT:
                r.rdata = std::string("\x03txt", 4) + static_cast<char>('0' + pick(3));
                r.rdata[0] = 4;
                break;
            case t::MX:
                r.rdata = u16(10) + target();
                break;
            case t::NS:
                r.rdata = target();
                break;
            case t::CNAME:
                r.rdata = target();
                break;
            case t::DNAME:
                r.rdata = W("example.net.");
                break;
            case t::SRV:
                r.rdata = u16(1) + u16(2) + u16(53) + target();
                break;
            case t::NSEC:
                r.rdata = any_name() + bitmap();
                break;
            case t::RRSIG: {
                static const uint16_t covered[] = {t::A, t::NS, t::NSEC, t::TXT, t::NSEC3, t::SOA};
                r.rdata = rrsig(covered[pick(std::size(covered))]);
                break;
            }
            case t::NSEC3: {
                r.owner = W(hashes[pick(hashes.size())] + "." + kApex);
                std::string next(20, '\0');
                for (auto& c : next) c = static_cast<char>(pick(256));
                r.rdata = std::string("\x01\x00\x00\x00\x00", 5) + static_cast<char>(20) + next +
                          bitmap();
                if (pick(3) == 0) r.type = t::RRSIG, r.rdata = rrsig(t::NSEC3);
                break;
            }
            case t::DS:
                r.rdata = u16(12345) + "\x08\x02" + std::string(32, '\x5a');
                break;
        }
        return r;
    }
};

Rec soa(uint32_t serial) {
    return {W(kApex), t::SOA, 3600,
            W("ns.example.test.") + W("hostmaster.example.test.") + u32(serial) + u32(3600) +
                u32(600) + u32(86400) + u32(60)};
}

// A response reduced to what must match: header bits, rcode, and each
// section as a sorted list of records (RRset order may differ).
using Section = std::vector<std::tuple<std::string, uint16_t, uint32_t, std::string>>;
struct Answer {
    uint16_t flags, rcode;
    Section an, au, ad;
    bool operator==(const Answer&) const = default;
};

Answer ask(const dns::zone::ZoneTable& table, const std::string& qname, uint16_t qtype,
           bool dnssec) {
    static const dns::answer::Identity id;
    static std::vector<uint8_t> out(65535);
    dns::answer::Responder r(id);
    auto q = w::make_query(N(qname), qtype, 7, true, dnssec);
    size_t n = r.respond(table, q, out.data(), out.size(), dns::answer::Transport::tcp);
    REQUIRE(n > 0);
    auto m = w::parse_message({out.data(), n});
    REQUIRE(m.has_value());
    auto section = [](const std::vector<w::RR>& rrs) {
        Section s;
        for (const auto& rr : rrs)
            s.emplace_back(lower(rr.owner.to_text()), rr.type, rr.ttl, rr.rdata);
        std::sort(s.begin(), s.end());
        return s;
    };
    return {m->header.flags, m->rcode(), section(m->answer), section(m->authority),
            section(m->additional)};
}

Answer ask(const ZonePtr& z, const std::string& qname, uint16_t qtype, bool dnssec) {
    return ask(dns::zone::ZoneTable({z}), qname, qtype, dnssec);
}

std::string show(const Answer& a) {
    std::string s = "rcode " + std::to_string(a.rcode) + " flags " + std::to_string(a.flags) + "\n";
    for (const Section* sec : {&a.an, &a.au, &a.ad}) {
        for (const auto& [o, ty, ttl, rd] : *sec)
            s += "  " + o + " " + w::type_to_text(ty) + " " + std::to_string(rd.size()) + "\n";
        s += "  --\n";
    }
    return s;
}

std::vector<std::string> query_names(const Gen& g) {
    std::vector<std::string> out;
    for (const auto& n : g.names) {
        std::string full = n.empty() ? kApex : n + "." + kApex;
        out.push_back(full);
        out.push_back("nx." + full);
        out.push_back("q.nx." + full);
    }
    for (const auto& h : g.hashes) out.push_back(h + "." + kApex);
    return out;
}

void compare_all(const ZonePtr& got, const ZonePtr& want, const Gen& g, const std::string& what) {
    static const uint16_t qtypes[] = {t::A, t::TXT, t::MX, t::NS, t::DS, t::SRV, t::NSEC, t::ANY};
    const dns::zone::ZoneTable tg({got}), tw({want});
    for (const auto& name : query_names(g))
        for (uint16_t qt : qtypes)
            for (bool dnssec : {false, true}) {
                Answer a = ask(tg, name, qt, dnssec), b = ask(tw, name, qt, dnssec);
                if (!(a == b)) {
                    FAIL_CHECK(what << ": answers differ for " << name << " " << w::type_to_text(qt)
                                    << (dnssec ? " +dnssec" : "") << "\ngot:\n"
                                    << show(a) << "want:\n"
                                    << show(b));
                    return;
                }
            }
}

}  // namespace

TEST_SUITE("update") {
    TEST_CASE(
        "random changes: the updated zone answers as a rebuilt one, and the old snapshot is "
        "untouched") {
        for (uint32_t seed : {1u, 2u, 3u}) {
            CAPTURE(seed);
            Gen g(seed);
            Model model;
            model.recs.push_back(soa(1));
            model.recs.push_back({W(kApex), t::NS, 3600, W("ns.example.test.")});
            model.recs.push_back(
                {W(kApex), t::NSEC3PARAM, 0, std::string("\x01\x00\x00\x00\x00", 5)});
            for (int i = 0; i < 40; ++i) {
                Rec r = g.random();
                if (!model.has(r)) model.recs.push_back(r);
            }
            ZonePtr zone = model.build();
            size_t incremental = 0, rebuilt = 0;
            std::map<std::string, int> reasons;
            for (uint32_t step = 0; step < 120; ++step) {
                CAPTURE(step);
                Model before = model;
                Updater u(zone);
                // The SOA changes as in every IXFR, then a few removals and additions.
                REQUIRE(u.remove(reinterpret_cast<const uint8_t*>(model.recs[0].owner.data()),
                                 t::SOA,
                                 {reinterpret_cast<const uint8_t*>(model.recs[0].rdata.data()),
                                  model.recs[0].rdata.size()}));
                model.recs.erase(model.recs.begin());
                size_t removals = g.pick(4), additions = g.pick(6);
                for (size_t i = 0; i < removals && model.recs.size() > 2; ++i) {
                    Rec r = model.recs[1 + g.pick(model.recs.size() - 1)];
                    if (r.type == t::NS && lower(r.owner) == W(kApex)) continue;
                    if (r.type == t::NSEC3PARAM && g.pick(4) != 0) continue;
                    auto ok = u.remove(
                        reinterpret_cast<const uint8_t*>(r.owner.data()), r.type,
                        {reinterpret_cast<const uint8_t*>(r.rdata.data()), r.rdata.size()});
                    REQUIRE_MESSAGE(ok.has_value(), ok.error().message);
                    model.remove(r);
                }
                Rec s = soa(step + 2);
                REQUIRE(u.add(reinterpret_cast<const uint8_t*>(s.owner.data()), t::SOA, s.ttl,
                              {reinterpret_cast<const uint8_t*>(s.rdata.data()), s.rdata.size()}));
                model.recs.insert(model.recs.begin(), s);
                for (size_t i = 0; i < additions; ++i) {
                    Rec r = g.random();
                    if (step % 40 == 39 && i == 0)
                        r = {W(kApex), t::NSEC3PARAM, 0, std::string("\x01\x00\x00\x01\x00", 5)};
                    REQUIRE(
                        u.add(reinterpret_cast<const uint8_t*>(r.owner.data()), r.type, r.ttl,
                              {reinterpret_cast<const uint8_t*>(r.rdata.data()), r.rdata.size()}));
                    if (!model.has(r)) model.recs.push_back(r);
                }
                auto next = u.finish();
                REQUIRE_MESSAGE(next.has_value(), next.error().message);
                (u.rebuilt_because().empty() ? incremental : rebuilt)++;
                if (!u.rebuilt_because().empty()) ++reasons[u.rebuilt_because()];
                // RRSIGs that cover nothing at their name stay (an RRset of type RRSIG) in both.
                ZonePtr want = model.build();
                CHECK((*next)->serial() == step + 2);
                CHECK((*next)->record_count() == want->record_count());
                compare_all(*next, want, g, "updated zone");
                if (step % 10 == 0)
                    compare_all(zone, before.build(), g, "old snapshot after the update");
                zone = *next;
            }
            std::string why;
            for (const auto& [r, n] : reasons) why += r + ": " + std::to_string(n) + "; ";
            MESSAGE("seed " << seed << ": " << incremental << " incremental, " << rebuilt
                            << " rebuilt (" << why << ")");
            // Most steps must take the incremental path, or this test proves little.
            CHECK(incremental > rebuilt * 2);
        }
    }

    TEST_CASE("a small change to a large zone is incremental and shares the rest") {
        Builder b(N(kApex));
        auto add = [&](Builder& bb, const std::string& owner, uint16_t type,
                       const std::string& rdata) {
            REQUIRE(bb.add(reinterpret_cast<const uint8_t*>(owner.data()), type, 1, 300,
                           {reinterpret_cast<const uint8_t*>(rdata.data()), rdata.size()}));
        };
        Rec s1 = soa(1);
        add(b, s1.owner, t::SOA, s1.rdata);
        add(b, W(kApex), t::NS, W("ns.example.test."));
        for (int i = 0; i < 20000; ++i)
            add(b, W("h" + std::to_string(i) + "." + kApex), t::A,
                std::string("\xc0\x00\x02\x01", 4));
        auto base = b.build();
        REQUIRE(base.has_value());

        Updater u(*base);
        REQUIRE(u.remove(reinterpret_cast<const uint8_t*>(s1.owner.data()), t::SOA,
                         {reinterpret_cast<const uint8_t*>(s1.rdata.data()), s1.rdata.size()}));
        Rec s2 = soa(2);
        REQUIRE(u.add(reinterpret_cast<const uint8_t*>(s2.owner.data()), t::SOA, 3600,
                      {reinterpret_cast<const uint8_t*>(s2.rdata.data()), s2.rdata.size()}));
        std::string h5 = W("h5." + std::string(kApex)), fresh = W("new.name." + std::string(kApex));
        std::string a = std::string("\xc0\x00\x02\x01", 4), a2 = std::string("\xc0\x00\x02\x09", 4);
        REQUIRE(u.remove(reinterpret_cast<const uint8_t*>(h5.data()), t::A,
                         {reinterpret_cast<const uint8_t*>(a.data()), 4}));
        REQUIRE(u.add(reinterpret_cast<const uint8_t*>(fresh.data()), t::A, 300,
                      {reinterpret_cast<const uint8_t*>(a2.data()), 4}));
        auto next = u.finish();
        REQUIRE(next.has_value());
        CHECK(u.rebuilt_because().empty());
        CHECK((*next)->serial() == 2);
        CHECK((*next)->record_count() == (*base)->record_count());
        CHECK((*next)->garbage() ==
              3);  // the apex's old SOA and NS (the apex is rewritten), h5's A
        CHECK(ask(*next, "h5.example.test.", t::A, false).rcode == w::rcode::NXDOMAIN);
        CHECK(ask(*base, "h5.example.test.", t::A, false).an.size() == 1);
        CHECK(ask(*next, "new.name.example.test.", t::A, false).an.size() == 1);
        CHECK(ask(*next, "name.example.test.", t::A, false).rcode ==
              w::rcode::NOERROR);  // an empty non-terminal
        CHECK(ask(*base, "new.name.example.test.", t::A, false).rcode == w::rcode::NXDOMAIN);
    }

    TEST_CASE("errors: removing what is absent, adding outside the zone or malformed data") {
        Model m;
        m.recs.push_back(soa(1));
        m.recs.push_back({W(kApex), t::NS, 3600, W("ns.example.test.")});
        ZonePtr z = m.build();
        std::string a = std::string("\xc0\x00\x02\x01", 4);
        auto span = [](const std::string& s) {
            return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        };
        Updater u(z);
        std::string www = W("www.example.test."), out = W("www.example.org.");
        CHECK(!u.remove(reinterpret_cast<const uint8_t*>(www.data()), t::A, span(a)));
        CHECK(!u.add(reinterpret_cast<const uint8_t*>(out.data()), t::A, 300, span(a)));
        CHECK(!u.add(reinterpret_cast<const uint8_t*>(www.data()), t::A, 300, span("abc")));
        CHECK(
            !u.add(reinterpret_cast<const uint8_t*>(www.data()), t::SOA, 300, span(soa(3).rdata)));
        // Removing the SOA without a new one leaves no valid zone.
        CHECK(u.remove(reinterpret_cast<const uint8_t*>(m.recs[0].owner.data()), t::SOA,
                       span(m.recs[0].rdata)));
        CHECK(!u.finish().has_value());
    }

}  // TEST_SUITE
