// lib/answer: the Responder, end to end: zone text in, query bytes in,
// response bytes out, parsed back with parse_message.

#include "lib/answer/answer.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/zone/zone_table.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

namespace w = dns::wire;
namespace t = dns::wire::type;
namespace rc = dns::wire::rcode;
using dns::answer::Identity;
using dns::answer::Responder;
using dns::answer::Transport;
using test::Bytes;
using test::N;
using test::S;
using test::W;

namespace {

const char* kExample = R"(
$ORIGIN example.com.
$TTL 3600
@        3600 IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@        NS    ns1
@        NS    ns2
@        MX    10 mail
ns1      A     192.0.2.53
ns2      A     192.0.2.54
ns2      AAAA  2001:db8::54
mail     A     192.0.2.25
www      A     192.0.2.80
www      AAAA  2001:db8::80
www      TXT   "hello"
alias    CNAME www
chain1   CNAME chain2
chain2   CNAME www
dangling CNAME nothere
*.wild   A     192.0.2.100
*.wild   TXT   "wildcard"
host.wild A    192.0.2.101
a.b.c    A     192.0.2.3
sub      NS    ns1.sub
sub      NS    ns.elsewhere.net.
sub      DS    12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE8A7B3D6F5E7C2D1B0A9F8E7D
ns1.sub  A     192.0.2.40
nods     NS    ns.elsewhere.net.
dn       DNAME example.net.
old      DNAME new.example.com.
www.new  A     192.0.2.90
*.cw     CNAME www
loop1    CNAME loop2
loop2    CNAME loop1
ch1      CNAME ch2
ch2      CNAME ch3
ch3      CNAME ch4
ch4      CNAME ch5
ch5      CNAME ch6
ch6      CNAME ch7
ch7      CNAME www
self     DNAME a.self
*.lw     CNAME a.lw
*.sw     CNAME x.sw
out      CNAME host.example.org.
child    NS    ns1.child
child    DS    54321 8 2 0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9
ns1.child A    192.0.2.77
)";

// A child zone served next to its parent.
const char* kChild = R"(
$ORIGIN child.example.com.
@    SOA ns1 hostmaster 42 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.77
www  A   192.0.2.78
)";

// Signatures are not verified by the server: syntactically valid, fake RRSIGs do.
const char* kSigned = R"(
$ORIGIN signed.test.
$TTL 3600
@   SOA   ns hostmaster 7 7200 3600 1209600 300
@   RRSIG SOA 8 2 3600 20300101000000 20200101000000 12345 signed.test. c2lnbmF0dXJlLXNvYQ==
@   NS    ns
@   RRSIG NS 8 2 3600 20300101000000 20200101000000 12345 signed.test. c2lnbmF0dXJlLW5z
@   300 NSEC a.signed.test. NS SOA RRSIG NSEC
@   300 RRSIG NSEC 8 2 300 20300101000000 20200101000000 12345 signed.test. c2lnLW5zZWMtYXBleA==
a   A     192.0.2.1
a   RRSIG A 8 3 3600 20300101000000 20200101000000 12345 signed.test. c2lnLWE=
a   300 NSEC ns.signed.test. A RRSIG NSEC
a   300 RRSIG NSEC 8 3 300 20300101000000 20200101000000 12345 signed.test. c2lnLW5zZWMtYQ==
ns  A     192.0.2.53
ns  RRSIG A 8 3 3600 20300101000000 20200101000000 12345 signed.test. c2lnLW5z
ns  300 NSEC signed.test. A RRSIG NSEC
ns  300 RRSIG NSEC 8 3 300 20300101000000 20200101000000 12345 signed.test. c2lnLW5zZWMtbnM=
)";

// A signed zone with a secure delegation (DS and its RRSIG at the cut).
const char* kSignedDelegation = R"(
$ORIGIN deleg.test.
$TTL 3600
@      SOA   ns hostmaster 1 7200 3600 1209600 300
@      RRSIG SOA 8 2 3600 20300101000000 20200101000000 12345 deleg.test. c2lnLXNvYQ==
@      NS    ns
@      RRSIG NS 8 2 3600 20300101000000 20200101000000 12345 deleg.test. c2lnLW5z
@      300 NSEC ns.deleg.test. NS SOA RRSIG NSEC
@      300 RRSIG NSEC 8 2 300 20300101000000 20200101000000 12345 deleg.test. c2lnLW4x
ns     A     192.0.2.53
ns     RRSIG A 8 3 3600 20300101000000 20200101000000 12345 deleg.test. c2lnLWE=
ns     300 NSEC sub.deleg.test. A RRSIG NSEC
ns     300 RRSIG NSEC 8 3 300 20300101000000 20200101000000 12345 deleg.test. c2lnLW4y
sub    NS    ns.sub
sub    DS    12345 13 2 0c8e1a2f5a8e7c4d3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918076543210
sub    RRSIG DS 8 3 3600 20300101000000 20200101000000 12345 deleg.test. c2lnLWRz
sub    300 NSEC deleg.test. NS DS RRSIG NSEC
sub    300 RRSIG NSEC 8 3 300 20300101000000 20200101000000 12345 deleg.test. c2lnLW4z
ns.sub A     192.0.2.9
)";

dns::zone::ZonePtr load(const std::string& text, const char* origin) {
    auto z = dns::zonefile::parse(text, N(origin));
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

std::string big_zone() {
    std::string text = kExample;
    for (int i = 0; i < 10; ++i)
        text += "big TXT \"" + std::string(100, static_cast<char>('a' + i)) + "\"\n";
    return text;
}

struct Env {
    Identity id;
    // The child zone is a secondary's copy: its expiry time sits beside it in the table.
    dns::zone::ExpiryCell child_expiry = std::make_shared<std::atomic<int64_t>>(0);
    dns::zone::ZoneTable table;
    Env()
        : table({load(big_zone(), "example.com."), load(kSigned, "signed.test."),
                 load(kChild, "child.example.com."), load(kSignedDelegation, "deleg.test.")},
                {}, {nullptr, nullptr, child_expiry, nullptr}) {
        id.hostname = "pop1.test";
        id.version = "dnsd 9.9";
    }
};

Env& env() {
    static Env e;
    return e;
}

struct Response {
    std::vector<uint8_t> bytes;
    w::Message m;

    uint16_t rcode() const { return m.rcode(); }
    bool aa() const { return (m.header.flags & w::flag::AA) != 0; }
    bool tc() const { return (m.header.flags & w::flag::TC) != 0; }
    size_t count(const std::vector<w::RR>& sec, uint16_t type) const {
        return static_cast<size_t>(
            std::count_if(sec.begin(), sec.end(), [&](const w::RR& r) { return r.type == type; }));
    }
    const w::RR* find(const std::vector<w::RR>& sec, uint16_t type) const {
        for (const auto& r : sec)
            if (r.type == type) return &r;
        return nullptr;
    }
    const w::EdnsOption* option(uint16_t code) const {
        for (const auto& o : m.edns.options)
            if (o.code == code) return &o;
        return nullptr;
    }
};

Response ask_raw(std::span<const uint8_t> query, Transport tr = Transport::udp,
                 const Identity* id = nullptr) {
    Responder r(id ? *id : env().id);
    std::vector<uint8_t> out(65535);
    size_t n = r.respond(env().table, query, out.data(), out.size(), tr);
    REQUIRE(n > 0);
    out.resize(n);
    auto parsed = w::parse_message(out);
    REQUIRE_MESSAGE(parsed.has_value(), "response does not parse: ", parsed.error().message);
    Response resp{out, *parsed};
    CHECK((resp.m.header.flags & w::flag::QR) != 0);
    return resp;
}

Response ask(const char* qname, uint16_t qtype, bool edns = true, bool do_bit = false,
             Transport tr = Transport::udp, uint16_t qclass = w::rrclass::IN) {
    auto q = w::make_query(N(qname), qtype, 0x5151, edns, do_bit, qclass);
    q[2] |= 0x01;  // RD
    auto r = ask_raw(q, tr);
    CHECK(r.m.header.id == 0x5151);
    CHECK((r.m.header.flags & w::flag::RD) != 0);
    REQUIRE(r.m.question.size() == 1);
    CHECK(r.m.question[0].name.to_text() == N(qname).to_text());
    CHECK(r.m.question[0].type == qtype);
    return r;
}

// A query with EDNS options (raw option bytes).
std::vector<uint8_t> query_with(const char* qname, uint16_t qtype,
                                const std::vector<uint8_t>& options, uint32_t ttl = 0,
                                uint16_t udp = 1232) {
    Bytes b;
    b.header(0x0102, 0, 1, 0, 0, 1).question(qname, qtype).opt(udp, ttl, options);
    return b.b;
}

std::string ip4(int a, int b, int c, int d) { return S({a, b, c, d}); }

std::vector<std::string> rdatas(const std::vector<w::RR>& sec, uint16_t type) {
    std::vector<std::string> v;
    for (const auto& r : sec)
        if (r.type == type) v.push_back(r.rdata);
    std::sort(v.begin(), v.end());
    return v;
}

uint16_t covered(const w::RR& rrsig) {
    return static_cast<uint16_t>(static_cast<uint8_t>(rrsig.rdata[0]) << 8 |
                                 static_cast<uint8_t>(rrsig.rdata[1]));
}

}  // namespace

TEST_SUITE("answer") {
    TEST_CASE("exact answer") {
        auto r = ask("www.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        CHECK_FALSE(r.tc());
        REQUIRE(r.m.answer.size() == 1);
        CHECK(r.m.answer[0].owner.to_text() == "www.example.com.");
        CHECK(r.m.answer[0].type == t::A);
        CHECK(r.m.answer[0].rrclass == w::rrclass::IN);
        CHECK(r.m.answer[0].ttl == 3600);
        CHECK(r.m.answer[0].rdata == ip4(192, 0, 2, 80));
        CHECK(r.m.authority.empty());
        CHECK(r.m.edns.present);
    }

    TEST_CASE("MX answer with the exchange's address in the additional section") {
        auto r = ask("example.com.", t::MX);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        REQUIRE(r.m.answer.size() == 1);
        CHECK(r.m.answer[0].rdata == S({0, 10}) + W("mail.example.com."));
        REQUIRE(r.count(r.m.additional, t::A) == 1);
        CHECK(r.find(r.m.additional, t::A)->owner.to_text() == "mail.example.com.");
        CHECK(r.find(r.m.additional, t::A)->rdata == ip4(192, 0, 2, 25));
    }

    TEST_CASE("CNAME chain inside the zone") {
        auto r = ask("chain1.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        REQUIRE(r.m.answer.size() == 3);
        CHECK(r.m.answer[0].owner.to_text() == "chain1.example.com.");
        CHECK(r.m.answer[0].type == t::CNAME);
        CHECK(r.m.answer[0].rdata == W("chain2.example.com."));
        CHECK(r.m.answer[1].owner.to_text() == "chain2.example.com.");
        CHECK(r.m.answer[1].type == t::CNAME);
        CHECK(r.m.answer[1].rdata == W("www.example.com."));
        CHECK(r.m.answer[2].owner.to_text() == "www.example.com.");
        CHECK(r.m.answer[2].type == t::A);
        CHECK(r.m.answer[2].rdata == ip4(192, 0, 2, 80));

        // A CNAME query is answered with the CNAME itself, not followed.
        auto c = ask("alias.example.com.", t::CNAME);
        REQUIRE(c.m.answer.size() == 1);
        CHECK(c.m.answer[0].type == t::CNAME);
    }

    TEST_CASE("CNAME to a non-existent in-zone name: NXDOMAIN with the CNAME in the answer") {
        auto r = ask("dangling.example.com.", t::A);
        CHECK(r.rcode() == rc::NXDOMAIN);
        CHECK(r.aa());
        REQUIRE(r.m.answer.size() == 1);
        CHECK(r.m.answer[0].type == t::CNAME);
        CHECK(r.m.answer[0].rdata == W("nothere.example.com."));
        REQUIRE(r.count(r.m.authority, t::SOA) == 1);
        CHECK(r.find(r.m.authority, t::SOA)->ttl == 300);
    }

    TEST_CASE("wildcard synthesis: the owner is the query name") {
        auto r = ask("foo.wild.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        REQUIRE(r.m.answer.size() == 1);
        CHECK(r.m.answer[0].owner.to_text() == "foo.wild.example.com.");
        CHECK(r.m.answer[0].rdata == ip4(192, 0, 2, 100));

        // Several labels deep.
        auto deep = ask("a.b.wild.example.com.", t::TXT);
        REQUIRE(deep.m.answer.size() == 1);
        CHECK(deep.m.answer[0].owner.to_text() == "a.b.wild.example.com.");
        CHECK(deep.m.answer[0].rdata == S({8}) + "wildcard");

        // An existing name is not covered by the wildcard...
        auto host = ask("host.wild.example.com.", t::A);
        REQUIRE(host.m.answer.size() == 1);
        CHECK(host.m.answer[0].rdata == ip4(192, 0, 2, 101));
        // ...nor are names below it (RFC 4592: the closest encloser has no wildcard).
        auto below = ask("x.host.wild.example.com.", t::A);
        CHECK(below.rcode() == rc::NXDOMAIN);
        // The wildcard with another type: NODATA.
        auto nodata = ask("foo.wild.example.com.", t::MX);
        CHECK(nodata.rcode() == rc::NOERROR);
        CHECK(nodata.m.answer.empty());
        CHECK(nodata.count(nodata.m.authority, t::SOA) == 1);
    }

    TEST_CASE("NODATA: SOA in the authority section with TTL = min(SOA TTL, MINIMUM)") {
        auto r = ask("www.example.com.", t::MX);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        CHECK(r.m.answer.empty());
        REQUIRE(r.m.authority.size() == 1);
        const auto& soa = r.m.authority[0];
        CHECK(soa.type == t::SOA);
        CHECK(soa.owner.to_text() == "example.com.");
        CHECK(soa.ttl == 300);
        CHECK(soa.rdata.substr(0, 17) == W("ns1.example.com."));

        // An empty non-terminal is NODATA too, not NXDOMAIN.
        auto ent = ask("b.c.example.com.", t::A);
        CHECK(ent.rcode() == rc::NOERROR);
        CHECK(ent.m.answer.empty());
        CHECK(ent.count(ent.m.authority, t::SOA) == 1);
    }

    TEST_CASE("NXDOMAIN") {
        auto r = ask("nope.example.com.", t::A);
        CHECK(r.rcode() == rc::NXDOMAIN);
        CHECK(r.aa());
        CHECK(r.m.answer.empty());
        REQUIRE(r.m.authority.size() == 1);
        CHECK(r.m.authority[0].type == t::SOA);
        CHECK(r.m.authority[0].ttl == 300);
        auto deep = ask("x.y.nope.example.com.", t::AAAA);
        CHECK(deep.rcode() == rc::NXDOMAIN);
    }

    TEST_CASE("referral: no AA, NS in authority, glue in additional") {
        auto r = ask("www.sub.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK_FALSE(r.aa());
        CHECK(r.m.answer.empty());
        CHECK(r.count(r.m.authority, t::SOA) == 0);
        CHECK(r.count(r.m.authority, t::DS) == 0);  // no DO bit
        REQUIRE(r.count(r.m.authority, t::NS) == 2);
        for (const auto& rr : r.m.authority) CHECK(rr.owner.to_text() == "sub.example.com.");
        CHECK(rdatas(r.m.authority, t::NS) ==
              std::vector<std::string>{W("ns.elsewhere.net."), W("ns1.sub.example.com.")});
        REQUIRE(r.count(r.m.additional, t::A) == 1);
        CHECK(r.find(r.m.additional, t::A)->owner.to_text() == "ns1.sub.example.com.");
        CHECK(r.find(r.m.additional, t::A)->rdata == ip4(192, 0, 2, 40));

        // The delegation point itself, for NS, is a referral too.
        auto ns = ask("sub.example.com.", t::NS);
        CHECK_FALSE(ns.aa());
        CHECK(ns.m.answer.empty());
        CHECK(ns.count(ns.m.authority, t::NS) == 2);

        // An unsigned zone's DS records stay out of referrals, even with DO (RFC 4035 §3.1.4).
        auto d = ask("www.sub.example.com.", t::A, true, true);
        CHECK_FALSE(d.aa());
        CHECK(d.count(d.m.authority, t::DS) == 0);
        CHECK(d.count(d.m.authority, t::NS) == 2);
    }

    TEST_CASE("referral from a signed zone: DS and its RRSIG with DO only (RFC 4035 3.1.4)") {
        auto plain = ask("www.sub.deleg.test.", t::A, true, false);
        CHECK_FALSE(plain.aa());
        CHECK(plain.count(plain.m.authority, t::NS) == 1);
        CHECK(plain.count(plain.m.authority, t::DS) == 0);
        CHECK(plain.count(plain.m.authority, t::RRSIG) == 0);
        auto d = ask("www.sub.deleg.test.", t::A, true, true);
        CHECK_FALSE(d.aa());
        CHECK(d.count(d.m.authority, t::NS) == 1);
        CHECK(d.count(d.m.authority, t::DS) == 1);
        CHECK(d.count(d.m.authority, t::RRSIG) == 1);  // over the DS; NS at a cut is not signed
        CHECK(d.count(d.m.additional, t::A) == 1);     // glue
    }

    TEST_CASE("DS at a delegation is answered authoritatively by the parent") {
        auto r = ask("sub.example.com.", t::DS);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        REQUIRE(r.m.answer.size() == 1);
        CHECK(r.m.answer[0].type == t::DS);
        CHECK(r.m.answer[0].owner.to_text() == "sub.example.com.");
        CHECK(r.count(r.m.authority, t::NS) == 0);

        // No DS at the delegation: authoritative NODATA.
        auto none = ask("nods.example.com.", t::DS);
        CHECK(none.rcode() == rc::NOERROR);
        CHECK(none.aa());
        CHECK(none.m.answer.empty());
        CHECK(none.count(none.m.authority, t::SOA) == 1);
        CHECK(none.count(none.m.authority, t::NS) == 0);
    }

    TEST_CASE("DNAME: the DNAME and a synthesised CNAME") {
        auto r = ask("x.dn.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        REQUIRE(r.m.answer.size() == 2);
        CHECK(r.m.answer[0].type == t::DNAME);
        CHECK(r.m.answer[0].owner.to_text() == "dn.example.com.");
        CHECK(r.m.answer[0].rdata == W("example.net."));
        CHECK(r.m.answer[1].type == t::CNAME);
        CHECK(r.m.answer[1].owner.to_text() == "x.dn.example.com.");
        CHECK(r.m.answer[1].rdata == W("x.example.net."));
        CHECK(r.m.answer[1].ttl == r.m.answer[0].ttl);

        // A target inside the zone is followed.
        auto in = ask("www.old.example.com.", t::A);
        CHECK(in.rcode() == rc::NOERROR);
        REQUIRE(in.m.answer.size() == 3);
        CHECK(in.m.answer[0].type == t::DNAME);
        CHECK(in.m.answer[1].type == t::CNAME);
        CHECK(in.m.answer[1].rdata == W("www.new.example.com."));
        CHECK(in.m.answer[2].type == t::A);
        CHECK(in.m.answer[2].owner.to_text() == "www.new.example.com.");
        CHECK(in.m.answer[2].rdata == ip4(192, 0, 2, 90));

        // The DNAME owner itself is an ordinary name.
        auto own = ask("dn.example.com.", t::DNAME);
        REQUIRE(own.m.answer.size() == 1);
        CHECK(own.m.answer[0].type == t::DNAME);
        auto own_a = ask("dn.example.com.", t::A);
        CHECK(own_a.rcode() == rc::NOERROR);
        CHECK(own_a.m.answer.empty());
    }

    TEST_CASE("a child zone served next to its parent") {
        auto www = ask("www.child.example.com.", t::A);
        CHECK(www.rcode() == rc::NOERROR);
        CHECK(www.aa());
        REQUIRE(www.m.answer.size() == 1);
        CHECK(www.m.answer[0].rdata == ip4(192, 0, 2, 78));

        auto soa = ask("child.example.com.", t::SOA);
        CHECK(soa.aa());
        REQUIRE(soa.m.answer.size() == 1);
        CHECK(soa.m.answer[0].owner.to_text() == "child.example.com.");

        auto ns = ask("child.example.com.", t::NS);
        CHECK(ns.aa());
        CHECK(ns.m.answer.size() == 1);

        auto nx = ask("nope.child.example.com.", t::A);
        CHECK(nx.rcode() == rc::NXDOMAIN);
        REQUIRE(nx.count(nx.m.authority, t::SOA) == 1);
        CHECK(nx.find(nx.m.authority, t::SOA)->owner.to_text() == "child.example.com.");
        CHECK(nx.find(nx.m.authority, t::SOA)->ttl == 60);

        // DS lives on the parent side: answered from example.com.
        auto ds = ask("child.example.com.", t::DS);
        CHECK(ds.rcode() == rc::NOERROR);
        CHECK(ds.aa());
        REQUIRE(ds.m.answer.size() == 1);
        CHECK(ds.m.answer[0].type == t::DS);
        CHECK(ds.m.answer[0].rdata.substr(0, 2) == S({0xD4, 0x31}));  // key tag 54321
    }

    TEST_CASE("wildcard CNAME and CNAME loops") {
        auto r = ask("foo.cw.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        REQUIRE(r.m.answer.size() == 2);
        CHECK(r.m.answer[0].type == t::CNAME);
        CHECK(r.m.answer[0].owner.to_text() == "foo.cw.example.com.");
        CHECK(r.m.answer[1].type == t::A);
        CHECK(r.m.answer[1].owner.to_text() == "www.example.com.");

        // A loop ends where it comes back to a name already answered.
        auto loop = ask("loop1.example.com.", t::A);
        CHECK(loop.rcode() == rc::NOERROR);
        CHECK(loop.m.answer.size() == 2);
        CHECK(loop.m.authority.empty());
        for (const auto& rr : loop.m.answer) CHECK(rr.type == t::CNAME);
    }

    TEST_CASE(
        "a wildcard CNAME met again is written for its new owner, then the chain ends (as Knot)") {
        auto r = ask("x.lw.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        REQUIRE(r.m.answer.size() == 2);
        CHECK(r.m.answer[0].owner.to_text() == "x.lw.example.com.");
        CHECK(r.m.answer[1].owner.to_text() == "a.lw.example.com.");
        CHECK(r.m.authority.empty());
        // The same record is never written twice: x.sw -> x.sw.
        auto self = ask("x.sw.example.com.", t::A);
        REQUIRE(self.m.answer.size() == 1);
        CHECK(self.m.answer[0].rdata == W("x.sw.example.com."));
        auto other = ask("y.sw.example.com.", t::A);
        CHECK(other.m.answer.size() == 2);
    }

    TEST_CASE("chains: five CNAME/DNAME links are followed, then the answer is what was followed") {
        // ch1 -> ... -> ch7 -> www: the first five CNAMEs and nothing else (as Knot DNS).
        auto r = ask("ch1.example.com.", t::A);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        REQUIRE(r.m.answer.size() == 5);
        for (const auto& rr : r.m.answer) CHECK(rr.type == t::CNAME);
        CHECK(r.m.answer[4].owner.to_text() == "ch5.example.com.");
        CHECK(r.m.authority.empty());
        // A shorter chain reaches its data.
        auto s = ask("ch4.example.com.", t::A);
        REQUIRE(s.m.answer.size() == 5);
        CHECK(s.m.answer[4].type == t::A);

        // A DNAME below its own owner: one DNAME, five synthesised CNAMEs, no
        // truncation even at 512 octets without EDNS.
        for (bool edns : {false, true}) {
            auto d = ask("x.self.example.com.", t::A, edns);
            CHECK(d.rcode() == rc::NOERROR);
            CHECK_FALSE(d.tc());
            CHECK(d.count(d.m.answer, t::DNAME) == 1);
            REQUIRE(d.count(d.m.answer, t::CNAME) == 5);
            CHECK(d.m.answer.back().rdata == W("x.a.a.a.a.a.self.example.com."));
            CHECK(d.m.authority.empty());
        }
    }

    TEST_CASE("an alias leaving the zone ends the answer without an SOA") {
        auto c = ask("out.example.com.", t::A);
        CHECK(c.rcode() == rc::NOERROR);
        REQUIRE(c.m.answer.size() == 1);
        CHECK(c.m.authority.empty());
        auto d = ask("x.dn.example.com.", t::TXT, true, true);
        CHECK(d.rcode() == rc::NOERROR);
        CHECK(d.m.answer.size() == 2);
        CHECK(d.m.authority.empty());
    }

    TEST_CASE("RRSIG queries are not chased through a CNAME: signatures or NODATA") {
        // Unsigned: NODATA with the SOA, at a CNAME owner and through a wildcard CNAME.
        for (const char* name :
             {"alias.example.com.", "chain1.example.com.", "foo.cw.example.com."}) {
            CAPTURE(name);
            auto r = ask(name, t::RRSIG);
            CHECK(r.rcode() == rc::NOERROR);
            CHECK(r.aa());
            CHECK(r.m.answer.empty());
            CHECK(r.count(r.m.authority, t::SOA) == 1);
        }
        // Signed: every RRSIG at the name, with or without DO.
        for (bool do_bit : {false, true}) {
            auto r = ask("a.signed.test.", t::RRSIG, true, do_bit);
            CHECK(r.rcode() == rc::NOERROR);
            CHECK(r.m.answer.size() == 2);  // over A and NSEC
            for (const auto& rr : r.m.answer) CHECK(rr.type == t::RRSIG);
        }
        // NSEC at a CNAME owner is that name's own NODATA too.
        auto n = ask("alias.example.com.", t::NSEC);
        CHECK(n.m.answer.empty());
        CHECK(n.count(n.m.authority, t::SOA) == 1);
    }

    TEST_CASE("AXFR and IXFR: REFUSED for a served apex, NOTAUTH for any other name") {
        auto apex = ask("example.com.", t::AXFR, true, false, Transport::tcp);
        CHECK(apex.rcode() == rc::REFUSED);
        for (uint16_t qt : {t::AXFR, t::IXFR}) {
            for (const char* name :
                 {"www.example.com.", "b.c.example.com.", "example.org.", "com."}) {
                CAPTURE(name);
                auto r = ask(name, qt, true, false, Transport::tcp);
                CHECK(r.rcode() == rc::NOTAUTH);
                CHECK_FALSE(r.aa());
                CHECK(r.m.answer.empty());
            }
        }
        auto udp = ask("example.com.", t::AXFR);
        CHECK(udp.rcode() == rc::NOTIMP);
    }

    TEST_CASE("NOTIFY without a secondary engine is NOTAUTH, question echoed, AA clear") {
        auto q = w::make_query(N("example.com."), t::SOA, 7, false, false);
        q[2] = static_cast<uint8_t>((w::opcode::NOTIFY << 3) | 0x04);  // opcode NOTIFY, AA
        auto r = ask_raw(q);
        CHECK(r.rcode() == rc::NOTAUTH);
        CHECK_FALSE(r.aa());
        REQUIRE(r.m.question.size() == 1);
        CHECK(r.m.question[0].name.to_text() == "example.com.");
    }

    TEST_CASE("a name outside all zones is REFUSED") {
        auto r = ask("www.example.org.", t::A);
        CHECK(r.rcode() == rc::REFUSED);
        CHECK_FALSE(r.aa());
        CHECK(r.m.answer.empty());
        CHECK(r.m.authority.empty());
        auto parent = ask("com.", t::SOA);
        CHECK(parent.rcode() == rc::REFUSED);
    }

    TEST_CASE("EDNS version 1 -> BADVERS (rcode 16 through the OPT record)") {
        auto r = ask_raw(query_with("www.example.com.", t::A, {}, 0x00010000u));
        CHECK(r.m.edns.present);
        CHECK(r.rcode() == rc::BADVERS);
        CHECK(r.m.header.rcode() == 0);
        CHECK(r.m.edns.ext_rcode == 1);
        CHECK(r.m.edns.version == 0);
        CHECK(r.m.answer.empty());
    }

    TEST_CASE("QDCOUNT=2 -> FORMERR") {
        Bytes b;
        b.header(9, 0, 2, 0, 0, 0)
            .question("www.example.com.", t::A)
            .question("www.example.com.", t::AAAA);
        auto r = ask_raw(b.span());
        CHECK(r.rcode() == rc::FORMERR);
        CHECK(r.m.header.id == 9);
        CHECK(r.m.answer.empty());

        Bytes zero;
        zero.header(10, 0, 0, 0, 0, 0);
        auto z = ask_raw(zero.span());
        CHECK(z.rcode() == rc::FORMERR);
        CHECK(z.m.question.empty());
    }

    TEST_CASE("opcode 2 (STATUS) -> NOTIMP") {
        Bytes b;
        b.header(11, static_cast<uint16_t>(2 << 11), 1, 0, 0, 0).question("www.example.com.", t::A);
        auto r = ask_raw(b.span());
        CHECK(r.rcode() == rc::NOTIMP);
        CHECK(r.m.header.opcode() == 2);
        CHECK(r.m.answer.empty());
    }

    TEST_CASE("responses (QR set) and too small buffers get no answer") {
        auto q = w::make_query(N("www.example.com."), t::A, 1);
        q[2] |= 0x80;  // QR
        Responder r(env().id);
        std::vector<uint8_t> out(4096);
        CHECK(r.respond(env().table, q, out.data(), out.size(), Transport::udp) == 0);
        q[2] &= 0x7F;
        CHECK(r.respond(env().table, q, out.data(), 511, Transport::udp) == 0);
        CHECK(r.respond(env().table, q, out.data(), out.size(), Transport::udp) > 0);
        CHECK(r.counters().dropped == 2);
    }

    TEST_CASE("query-name case is preserved in the question and the answer owner") {
        auto q = w::make_query(N("WwW.ExAmPlE.cOm."), t::A, 3);
        auto r = ask_raw(q);
        REQUIRE(r.m.question.size() == 1);
        CHECK(r.m.question[0].name.to_text() == "WwW.ExAmPlE.cOm.");
        REQUIRE(r.m.answer.size() == 1);
        CHECK(r.m.answer[0].owner.to_text() == "WwW.ExAmPlE.cOm.");
        // The exact question bytes are echoed.
        CHECK(std::equal(q.begin() + 12, q.begin() + 12 + 17 + 4, r.bytes.begin() + 12));

        auto wq = w::make_query(N("FoO.WiLd.example.COM."), t::A, 4);
        auto wr = ask_raw(wq);
        REQUIRE(wr.m.answer.size() == 1);
        CHECK(wr.m.answer[0].owner.to_text() == "FoO.WiLd.example.COM.");
    }

    TEST_CASE("UDP without EDNS and a big answer -> TC; over TCP -> everything") {
        auto udp = ask("big.example.com.", t::TXT, false);
        CHECK(udp.tc());
        CHECK(udp.bytes.size() <= 512);
        CHECK_FALSE(udp.m.edns.present);
        CHECK(udp.m.answer.size() < 10);

        auto edns512 = ask_raw(query_with("big.example.com.", t::TXT, {}, 0, 512));
        CHECK(edns512.tc());
        CHECK(edns512.bytes.size() <= 512);
        CHECK(edns512.m.edns.present);

        auto edns = ask("big.example.com.", t::TXT, true);  // 1232 bytes: fits
        CHECK_FALSE(edns.tc());
        CHECK(edns.m.answer.size() == 10);

        auto tcp = ask("big.example.com.", t::TXT, false, false, Transport::tcp);
        CHECK_FALSE(tcp.tc());
        CHECK(tcp.m.answer.size() == 10);
        CHECK(tcp.bytes.size() > 1000);
    }

    TEST_CASE("ANY: minimal (one RRset) over UDP and over TCP, as Knot DNS and NSD") {
        auto udp = ask("www.example.com.", t::ANY);
        CHECK(udp.rcode() == rc::NOERROR);
        REQUIRE_FALSE(udp.m.answer.empty());
        const uint16_t first = udp.m.answer[0].type;
        for (const auto& rr : udp.m.answer) CHECK(rr.type == first);

        auto tcp = ask("www.example.com.", t::ANY, true, false, Transport::tcp);
        CHECK(tcp.rcode() == rc::NOERROR);
        REQUIRE(tcp.m.answer.size() == 1);
        CHECK(tcp.m.answer[0].type == t::A);  // the lowest type at the name
    }

    TEST_CASE("CH TXT version.bind and id.server") {
        auto v = ask("version.bind.", t::TXT, true, false, Transport::udp, w::rrclass::CH);
        CHECK(v.rcode() == rc::NOERROR);
        REQUIRE(v.m.answer.size() == 1);
        CHECK(v.m.answer[0].type == t::TXT);
        CHECK(v.m.answer[0].rrclass == w::rrclass::CH);
        CHECK(v.m.answer[0].rdata == S({8}) + "dnsd 9.9");

        auto id = ask("ID.Server.", t::TXT, true, false, Transport::udp, w::rrclass::CH);
        CHECK(id.rcode() == rc::NOERROR);
        REQUIRE(id.m.answer.size() == 1);
        CHECK(id.m.answer[0].owner.to_text() == "ID.Server.");
        CHECK(id.m.answer[0].rdata == S({9}) + "pop1.test");

        auto host = ask("hostname.bind.", t::TXT, true, false, Transport::udp, w::rrclass::CH);
        REQUIRE(host.m.answer.size() == 1);
        CHECK(host.m.answer[0].rdata == S({9}) + "pop1.test");

        auto other = ask("authors.bind.", t::TXT, true, false, Transport::udp, w::rrclass::CH);
        CHECK(other.rcode() == rc::REFUSED);
        CHECK(other.m.answer.empty());

        // Only TXT (and ANY) is answered.
        auto a = ask("version.bind.", t::A, true, false, Transport::udp, w::rrclass::CH);
        CHECK(a.rcode() == rc::REFUSED);

        // An empty identity or version refuses.
        Identity quiet;
        auto q = w::make_query(N("version.bind."), t::TXT, 1, true, false, w::rrclass::CH);
        auto r = ask_raw(q, Transport::udp, &quiet);
        CHECK(r.rcode() == rc::REFUSED);
        CHECK(r.m.answer.empty());
    }

    TEST_CASE("NSID is echoed when configured and asked for") {
        Identity with = env().id;
        with.nsid = "pop1-nsid";
        const std::vector<uint8_t> nsid_opt = {0, 3, 0, 0};
        auto r = ask_raw(query_with("www.example.com.", t::A, nsid_opt), Transport::udp, &with);
        CHECK(r.rcode() == rc::NOERROR);
        const auto* o = r.option(w::edns_opt::NSID);
        REQUIRE(o);
        CHECK(o->data == "pop1-nsid");
        CHECK(r.m.answer.size() == 1);

        // Not asked: not sent.
        auto q = w::make_query(N("www.example.com."), t::A, 1);
        auto plain = ask_raw(q, Transport::udp, &with);
        CHECK(plain.option(w::edns_opt::NSID) == nullptr);
        // Asked but not configured: not sent.
        auto none = ask_raw(query_with("www.example.com.", t::A, nsid_opt));
        CHECK(none.option(w::edns_opt::NSID) == nullptr);
        // Also on error responses that carry an OPT record.
        auto refused =
            ask_raw(query_with("www.example.org.", t::A, nsid_opt), Transport::udp, &with);
        CHECK(refused.rcode() == rc::REFUSED);
        REQUIRE(refused.option(w::edns_opt::NSID));
        CHECK(refused.option(w::edns_opt::NSID)->data == "pop1-nsid");
    }

    TEST_CASE(
        "EDNS EXPIRE (RFC 7314): the SOA expire field, or what is left of a secondary's timer") {
        const std::vector<uint8_t> ex = {0, 9, 0, 0};
        auto r = ask_raw(query_with("example.com.", t::SOA, ex));
        CHECK(r.rcode() == rc::NOERROR);
        const auto* o = r.option(w::edns_opt::EXPIRE);
        REQUIRE(o);
        CHECK(o->data == S({0, 0x12, 0x75, 0}));  // 1209600, the SOA expire field

        // A secondary's copy: the seconds until it expires, then 0.
        auto& cell = *env().child_expiry;
        cell.store(std::time(nullptr) + 1000);
        auto sec = ask_raw(query_with("child.example.com.", t::SOA, ex));
        REQUIRE(sec.option(w::edns_opt::EXPIRE));
        const std::string& d = sec.option(w::edns_opt::EXPIRE)->data;
        REQUIRE(d.size() == 4);
        uint32_t left = w::get32(reinterpret_cast<const uint8_t*>(d.data()));
        CHECK(left <= 1000);
        CHECK(left >= 990);
        cell.store(std::time(nullptr) - 5);
        auto gone = ask_raw(query_with("child.example.com.", t::SOA, ex));
        REQUIRE(gone.option(w::edns_opt::EXPIRE));
        CHECK(gone.option(w::edns_opt::EXPIRE)->data == S({0, 0, 0, 0}));
        cell.store(0);

        // Only for SOA queries, only when asked, never on REFUSED.
        CHECK(ask_raw(query_with("www.example.com.", t::A, ex)).option(w::edns_opt::EXPIRE) ==
              nullptr);
        CHECK(ask("example.com.", t::SOA).option(w::edns_opt::EXPIRE) == nullptr);
        CHECK(ask_raw(query_with("example.org.", t::SOA, ex)).option(w::edns_opt::EXPIRE) ==
              nullptr);
    }

    TEST_CASE("ZONEVERSION carries the zone serial") {
        const std::vector<uint8_t> zv = {0, 19, 0, 0};
        auto r = ask_raw(query_with("www.example.com.", t::A, zv));
        CHECK(r.rcode() == rc::NOERROR);
        const auto* o = r.option(w::edns_opt::ZONEVERSION);
        REQUIRE(o);
        // RFC 9660: label count of the apex, type 0 (SOA serial), the serial.
        CHECK(o->data == S({2, 0, 0x78, 0xA3, 0xF1, 0x75}));  // 2024010101

        auto nx = ask_raw(query_with("nope.signed.test.", t::A, zv));
        CHECK(nx.rcode() == rc::NXDOMAIN);
        const auto* o2 = nx.option(w::edns_opt::ZONEVERSION);
        REQUIRE(o2);
        CHECK(o2->data == S({2, 0, 0, 0, 0, 7}));

        // No zone, no version.
        auto refused = ask_raw(query_with("www.example.org.", t::A, zv));
        CHECK(refused.option(w::edns_opt::ZONEVERSION) == nullptr);
        // Not asked, not sent.
        auto plain = ask("www.example.com.", t::A);
        CHECK(plain.option(w::edns_opt::ZONEVERSION) == nullptr);
    }

    TEST_CASE("DO=1 on a presigned zone: positive answer with RRSIG") {
        auto r = ask("a.signed.test.", t::A, true, true);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        CHECK(r.m.edns.do_bit);
        REQUIRE(r.m.answer.size() == 2);
        CHECK(r.m.answer[0].type == t::A);
        CHECK(r.m.answer[1].type == t::RRSIG);
        CHECK(r.m.answer[1].owner.to_text() == "a.signed.test.");
        CHECK(covered(r.m.answer[1]) == t::A);
        CHECK(r.m.authority.empty());

        // Without DO, no signatures.
        auto plain = ask("a.signed.test.", t::A, true, false);
        REQUIRE(plain.m.answer.size() == 1);
        CHECK(plain.m.answer[0].type == t::A);
        CHECK_FALSE(plain.m.edns.do_bit);
    }

    TEST_CASE("DO=1 on a presigned zone: NODATA with SOA, NSEC and their RRSIGs") {
        auto r = ask("a.signed.test.", t::MX, true, true);
        CHECK(r.rcode() == rc::NOERROR);
        CHECK(r.aa());
        CHECK(r.m.answer.empty());
        CHECK(r.count(r.m.authority, t::SOA) == 1);
        REQUIRE(r.count(r.m.authority, t::NSEC) == 1);
        const auto* nsec = r.find(r.m.authority, t::NSEC);
        CHECK(nsec->owner.to_text() == "a.signed.test.");
        CHECK(nsec->rdata.substr(0, 16) == W("ns.signed.test."));
        REQUIRE(r.count(r.m.authority, t::RRSIG) == 2);
        std::vector<uint16_t> cov;
        for (const auto& rr : r.m.authority)
            if (rr.type == t::RRSIG) cov.push_back(covered(rr));
        std::sort(cov.begin(), cov.end());
        CHECK(cov == std::vector<uint16_t>{t::SOA, t::NSEC});
        // The SOA's signature has the SOA's negative TTL at most.
        for (const auto& rr : r.m.authority)
            if (rr.type == t::RRSIG && covered(rr) == t::SOA) CHECK(rr.ttl <= 300);
        CHECK(r.m.authority.size() == 4);
    }

    TEST_CASE("DO=1 on a presigned zone: NXDOMAIN with covering NSECs") {
        auto r = ask("b.signed.test.", t::A, true, true);
        CHECK(r.rcode() == rc::NXDOMAIN);
        CHECK(r.aa());
        CHECK(r.m.answer.empty());
        CHECK(r.count(r.m.authority, t::SOA) == 1);
        // a.signed.test NSEC (a -> ns) covers b; the apex NSEC (apex -> a) covers *.signed.test.
        REQUIRE(r.count(r.m.authority, t::NSEC) == 2);
        std::vector<std::string> owners;
        for (const auto& rr : r.m.authority)
            if (rr.type == t::NSEC) owners.push_back(rr.owner.to_text());
        std::sort(owners.begin(), owners.end());
        CHECK(owners == std::vector<std::string>{"a.signed.test.", "signed.test."});
        CHECK(r.count(r.m.authority, t::RRSIG) == 3);
        CHECK(r.m.authority.size() == 6);
        // Nothing DNSSEC without DO.
        auto plain = ask("b.signed.test.", t::A, true, false);
        CHECK(plain.rcode() == rc::NXDOMAIN);
        CHECK(plain.m.authority.size() == 1);
    }

    TEST_CASE("every response parses and its counts match, for many query shapes") {
        const char* names[] = {
            "example.com.",          "www.example.com.",    "alias.example.com.",
            "dangling.example.com.", "x.wild.example.com.", "sub.example.com.",
            "a.sub.example.com.",    "x.dn.example.com.",   "www.old.example.com.",
            "b.c.example.com.",      "nope.example.com.",   "a.signed.test.",
            "zz.signed.test.",       "signed.test.",        "www.example.org."};
        const uint16_t types[] = {t::A,  t::AAAA,  t::NS,  t::SOA,   t::MX,   t::TXT, t::CNAME,
                                  t::DS, t::DNAME, t::ANY, t::RRSIG, t::NSEC, 65280};
        for (const char* name : names) {
            for (uint16_t type : types) {
                for (int variant = 0; variant < 4; ++variant) {
                    INFO("name = ", std::string(name));
                    CAPTURE(type);
                    CAPTURE(variant);
                    auto q = w::make_query(N(name), type, 77, variant & 1, variant & 2);
                    auto r = ask_raw(q, (variant & 1) ? Transport::udp : Transport::tcp);
                    CHECK(r.m.header.ancount == r.m.answer.size());
                    CHECK(r.m.header.nscount == r.m.authority.size());
                }
            }
        }
    }

}  // TEST_SUITE
