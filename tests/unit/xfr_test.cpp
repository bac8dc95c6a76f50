// lib/xfr/transfer: the sans-I/O AXFR/IXFR consumer (TransferIn), apply() of
// IXFR differences and records_of(). Responses are built with
// dns::wire::Message + write_message, as a primary would send them.

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "lib/answer/answer.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/zone/zone_table.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

namespace w = dns::wire;
namespace t = dns::wire::type;
using dns::xfr::apply;
using dns::xfr::Diff;
using dns::xfr::Kind;
using dns::xfr::Limits;
using dns::xfr::records_of;
using dns::xfr::TransferIn;
using Status = dns::xfr::TransferIn::Status;
using Outcome = dns::xfr::TransferIn::Outcome;
using test::N;
using test::S;
using test::W;

namespace {

constexpr uint16_t kId = 0x4242;

std::string be32(uint32_t v) {
    return S({static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xFF),
              static_cast<int>((v >> 8) & 0xFF), static_cast<int>(v & 0xFF)});
}
// SOA RDATA as "ns1 hostmaster <serial> 7200 3600 1209600 300" in example.com.
std::string soa_rd(uint32_t serial) {
    return W("ns1.example.com.") + W("hostmaster.example.com.") + be32(serial) + be32(7200) +
           be32(3600) + be32(1209600) + be32(300);
}
std::string ip(int a, int b, int c, int d) { return S({a, b, c, d}); }
std::string txt(const std::string& s) { return std::string(1, static_cast<char>(s.size())) + s; }

w::RR rr(const char* owner, uint16_t type, std::string rdata, uint32_t ttl = 3600,
         uint16_t cls = w::rrclass::IN) {
    return w::RR{N(owner), type, cls, ttl, std::move(rdata)};
}
w::RR soa(uint32_t serial, const char* owner = "example.com.") {
    return rr(owner, t::SOA, soa_rd(serial));
}

// Serial 1 of example.com, as master-file text and as transfer records (SOA excluded).
const char* kV1 = R"(
$ORIGIN example.com.
$TTL 3600
@    SOA ns1 hostmaster 1 7200 3600 1209600 300
@    NS  ns1
ns1  A   192.0.2.1
www  A   192.0.2.80
old  A   192.0.2.99
)";
std::vector<w::RR> body_v1() {
    return {rr("example.com.", t::NS, W("ns1.example.com.")),
            rr("ns1.example.com.", t::A, ip(192, 0, 2, 1)),
            rr("www.example.com.", t::A, ip(192, 0, 2, 80)),
            rr("old.example.com.", t::A, ip(192, 0, 2, 99))};
}
// Serial 3, reached from 1 by the two differences of ixfr_1_to_3().
const char* kV3 = R"(
$ORIGIN example.com.
$TTL 3600
@    SOA ns1 hostmaster 3 7200 3600 1209600 300
@    NS  ns1
ns1  A   192.0.2.1
www  A   192.0.2.81
www  TXT "v3"
mail A   192.0.2.25
)";
std::vector<w::RR> body_v3() {
    return {rr("example.com.", t::NS, W("ns1.example.com.")),
            rr("ns1.example.com.", t::A, ip(192, 0, 2, 1)),
            rr("www.example.com.", t::A, ip(192, 0, 2, 81)),
            rr("www.example.com.", t::TXT, txt("v3")),
            rr("mail.example.com.", t::A, ip(192, 0, 2, 25))};
}
// IXFR 1 -> 2: -old A, +www A .81;  2 -> 3: -www A .80, +mail A, +www TXT.
std::vector<w::RR> ixfr_1_to_3() {
    return {soa(3),
            soa(1),
            rr("old.example.com.", t::A, ip(192, 0, 2, 99)),
            soa(2),
            rr("www.example.com.", t::A, ip(192, 0, 2, 81)),
            soa(2),
            rr("www.example.com.", t::A, ip(192, 0, 2, 80)),
            soa(3),
            rr("mail.example.com.", t::A, ip(192, 0, 2, 25)),
            rr("www.example.com.", t::TXT, txt("v3")),
            soa(3)};
}

dns::zone::ZonePtr parse_zone(const char* text) {
    auto z = dns::zonefile::parse(text, N("example.com."));
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

struct Msg {
    uint16_t id = kId;
    uint16_t flags = w::flag::QR | w::flag::AA;
    const char* qname = "example.com.";
    uint16_t qtype = t::AXFR;
    std::vector<w::RR> answer, authority, additional;
};

std::vector<uint8_t> bytes_of(const Msg& spec) {
    w::Message m;
    m.header.id = spec.id;
    m.header.flags = spec.flags;
    if (spec.qname) m.question.push_back({N(spec.qname), spec.qtype, w::rrclass::IN});
    m.answer = spec.answer;
    m.authority = spec.authority;
    m.additional = spec.additional;
    std::vector<uint8_t> out(65535);
    w::Writer wr(out.data(), out.size());
    REQUIRE(w::write_message(m, wr));
    out.resize(wr.size());
    return out;
}

std::vector<uint8_t> response(std::vector<w::RR> answer, uint16_t qtype = t::AXFR) {
    Msg m;
    m.qtype = qtype;
    m.answer = std::move(answer);
    return bytes_of(m);
}

std::vector<w::RR> concat(std::vector<w::RR> a, const std::vector<w::RR>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// A transfer that has been asked with request(kId), as the caller would.
TransferIn start(Kind kind, uint32_t serial = 0, Limits limits = {}) {
    TransferIn x(N("example.com."), kind, serial, limits);
    auto q = x.request(kId);
    REQUIRE(!q.empty());
    return x;
}

Status feed(TransferIn& x, const std::vector<uint8_t>& m) { return x.feed({m.data(), m.size()}); }

// Records in a comparable form, sorted: (lower-cased owner text, type, TTL, RDATA).
using Flat = std::vector<std::tuple<std::string, uint16_t, uint32_t, std::string>>;
Flat flat(const std::vector<dns::xfr::Record>& recs) {
    Flat f;
    for (const auto& r : recs) {
        auto owner = w::Name::from_wire_checked(
            {reinterpret_cast<const uint8_t*>(r.owner.data()), r.owner.size()});
        REQUIRE(owner.has_value());
        f.emplace_back(owner->lowercased().to_text(), r.type, r.ttl, r.rdata);
    }
    std::sort(f.begin(), f.end());
    return f;
}
Flat flat(const dns::zone::Zone& z) { return flat(records_of(z)); }

// The state every failure must leave behind.
void check_failed(TransferIn& x, Status s, const std::string& reason) {
    CHECK(s == Status::failed);
    CHECK_MESSAGE(x.error().find(reason) != std::string::npos, "error: \"", x.error(),
                  "\", expected \"", reason, "\"");
    CHECK(x.outcome() == Outcome::none);
    CHECK(x.zone() == nullptr);
    // A failed transfer stays failed, and keeps its first reason.
    std::string first = x.error();
    auto again = response(concat(concat({soa(1)}, body_v1()), {soa(1)}));
    CHECK(feed(x, again) == Status::failed);
    CHECK(x.error() == first);
    CHECK(x.outcome() == Outcome::none);
    CHECK(x.zone() == nullptr);
}

// Asks the zone through the answer engine.
w::Message ask(const dns::zone::ZonePtr& z, const char* qname, uint16_t qtype) {
    dns::zone::ZoneTable table({z});
    dns::answer::Identity id;
    dns::answer::Responder r(id);
    auto q = w::make_query(N(qname), qtype, 7);
    std::vector<uint8_t> out(65535);
    size_t n = r.respond(table, q, out.data(), out.size(), dns::answer::Transport::tcp);
    REQUIRE(n > 0);
    out.resize(n);
    auto m = w::parse_message(out);
    REQUIRE(m.has_value());
    return *m;
}

}  // namespace

TEST_SUITE("xfr") {
    TEST_CASE("request(): AXFR query with the caller's id, no authority") {
        TransferIn x(N("Example.COM."), Kind::axfr);
        auto q = x.request(0xBEEF);
        auto m = w::parse_message(q);
        REQUIRE(m.has_value());
        CHECK(m->header.id == 0xBEEF);
        CHECK((m->header.flags & w::flag::QR) == 0);
        CHECK(m->header.opcode() == w::opcode::QUERY);
        REQUIRE(m->question.size() == 1);
        CHECK(m->question[0].name == N("example.com."));
        CHECK(m->question[0].type == t::AXFR);
        CHECK(m->question[0].qclass == w::rrclass::IN);
        CHECK(m->answer.empty());
        CHECK(m->authority.empty());
        CHECK(x.kind() == Kind::axfr);
        CHECK(x.zone_name() == N("example.com."));
    }

    TEST_CASE("request(): IXFR query carries our serial in an authority SOA") {
        TransferIn x(N("example.com."), Kind::ixfr, 0xDEADBEEF);
        auto q = x.request(0x0102);
        auto m = w::parse_message(q);
        REQUIRE(m.has_value());
        CHECK(m->header.id == 0x0102);
        CHECK((m->header.flags & w::flag::QR) == 0);
        REQUIRE(m->question.size() == 1);
        CHECK(m->question[0].name == N("example.com."));
        CHECK(m->question[0].type == t::IXFR);
        CHECK(m->answer.empty());
        REQUIRE(m->authority.size() == 1);
        const w::RR& a = m->authority[0];
        CHECK(a.type == t::SOA);
        CHECK(a.rrclass == w::rrclass::IN);
        CHECK(a.owner == N("example.com."));
        REQUIRE(a.rdata.size() >= 20);
        CHECK(w::get32(reinterpret_cast<const uint8_t*>(a.rdata.data()) + a.rdata.size() - 20) ==
              0xDEADBEEF);
    }

    TEST_CASE("AXFR in one message") {
        auto x = start(Kind::axfr);
        auto m = response(concat(concat({soa(1)}, body_v1()), {soa(1)}));
        CHECK(feed(x, m) == Status::done);
        CHECK(x.outcome() == Outcome::full_zone);
        CHECK(x.error().empty());
        CHECK(x.rcode() == 0);
        CHECK(x.serial() == 1);
        CHECK(x.records() == 6);
        CHECK(x.messages() == 1);
        CHECK(x.bytes() == m.size());
        CHECK(x.diffs().empty());
        REQUIRE(x.zone() != nullptr);
        CHECK(x.zone()->serial() == 1);
        CHECK(x.zone()->apex() == N("example.com."));
        CHECK(x.zone()->record_count() == 5);
        CHECK(flat(*x.zone()) == flat(*parse_zone(kV1)));
    }

    TEST_CASE("AXFR split over several messages; authority/additional are not zone data") {
        auto x = start(Kind::axfr);
        Msg m1;
        m1.answer = {soa(1), body_v1()[0]};
        Msg m2;
        m2.answer = {body_v1()[1], body_v1()[2]};
        m2.additional = {rr("glue.example.com.", t::A, ip(192, 0, 2, 7))};  // not part of the zone
        Msg m3;
        m3.answer = {body_v1()[3], soa(1)};
        auto b1 = bytes_of(m1), b2 = bytes_of(m2), b3 = bytes_of(m3);
        CHECK(feed(x, b1) == Status::more);
        CHECK(x.outcome() == Outcome::none);
        CHECK(x.zone() == nullptr);
        CHECK(feed(x, b2) == Status::more);
        CHECK(x.outcome() == Outcome::none);
        CHECK(feed(x, b3) == Status::done);
        CHECK(x.outcome() == Outcome::full_zone);
        CHECK(x.messages() == 3);
        CHECK(x.records() == 6);
        CHECK(x.bytes() == b1.size() + b2.size() + b3.size());
        REQUIRE(x.zone() != nullptr);
        CHECK(flat(*x.zone()) == flat(*parse_zone(kV1)));
        CHECK(x.zone()->find(N("glue.example.com.").data(), N("glue.example.com.").size()) ==
              dns::zone::kNone);
    }

    TEST_CASE("AXFR: an empty middle message is harmless") {
        auto x = start(Kind::axfr);
        CHECK(feed(x, response({soa(1), body_v1()[0]})) == Status::more);
        CHECK(feed(x, response({})) == Status::more);
        CHECK(feed(x, response({body_v1()[1], soa(1)})) == Status::done);
        REQUIRE(x.zone() != nullptr);
        CHECK(x.zone()->record_count() == 3);
    }

    TEST_CASE("AXFR: the transferred zone is then served") {
        auto x = start(Kind::axfr);
        // Owner case as the primary sent it.
        auto body = body_v1();
        body.push_back(rr("WWW.example.com.", t::AAAA,
                          S({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80})));
        REQUIRE(feed(x, response(concat(concat({soa(1)}, body), {soa(1)}))) == Status::done);
        auto z = x.zone();
        REQUIRE(z != nullptr);

        auto a = ask(z, "www.example.com.", t::A);
        CHECK(a.rcode() == w::rcode::NOERROR);
        CHECK((a.header.flags & w::flag::AA) != 0);
        REQUIRE(a.answer.size() == 1);
        CHECK(a.answer[0].type == t::A);
        CHECK(a.answer[0].rdata == ip(192, 0, 2, 80));
        CHECK(a.answer[0].ttl == 3600);

        auto aaaa = ask(z, "www.example.com.", t::AAAA);
        REQUIRE(aaaa.answer.size() == 1);
        CHECK(aaaa.answer[0].rdata.size() == 16);

        auto soa_answer = ask(z, "example.com.", t::SOA);
        REQUIRE(soa_answer.answer.size() == 1);
        CHECK(soa_answer.answer[0].rdata == soa_rd(1));

        auto nx = ask(z, "nothere.example.com.", t::A);
        CHECK(nx.rcode() == w::rcode::NXDOMAIN);
        CHECK(nx.answer.empty());
        REQUIRE(nx.authority.size() == 1);
        CHECK(nx.authority[0].type == t::SOA);

        auto nodata = ask(z, "www.example.com.", t::MX);
        CHECK(nodata.rcode() == w::rcode::NOERROR);
        CHECK(nodata.answer.empty());
    }

    TEST_CASE("IXFR: two consecutive differences, applied") {
        auto x = start(Kind::ixfr, 1);
        auto recs = ixfr_1_to_3();
        // Split in two messages, in the middle of the second difference.
        std::vector<w::RR> first(recs.begin(), recs.begin() + 6),
            second(recs.begin() + 6, recs.end());
        CHECK(feed(x, response(first, t::IXFR)) == Status::more);
        CHECK(x.outcome() == Outcome::none);
        CHECK(feed(x, response(second, t::IXFR)) == Status::done);
        CHECK(x.outcome() == Outcome::incremental);
        CHECK(x.error().empty());
        CHECK(x.serial() == 3);
        CHECK(x.zone() == nullptr);
        CHECK(x.records() == recs.size());
        CHECK(x.messages() == 2);
        REQUIRE(x.diffs().size() == 2);

        const Diff& d1 = x.diffs()[0];
        CHECK(d1.from == 1);
        CHECK(d1.to == 2);
        REQUIRE(d1.removed.size() == 2);
        CHECK(d1.removed[0].type == t::SOA);
        CHECK(d1.removed[0].rdata == soa_rd(1));
        CHECK(d1.removed[1].owner == W("old.example.com."));
        CHECK(d1.removed[1].rdata == ip(192, 0, 2, 99));
        REQUIRE(d1.added.size() == 2);
        CHECK(d1.added[0].rdata == soa_rd(2));
        CHECK(d1.added[1].rdata == ip(192, 0, 2, 81));

        const Diff& d2 = x.diffs()[1];
        CHECK(d2.from == 2);
        CHECK(d2.to == 3);
        REQUIRE(d2.removed.size() == 2);
        CHECK(d2.removed[1].rdata == ip(192, 0, 2, 80));
        REQUIRE(d2.added.size() == 3);
        CHECK(d2.added[0].rdata == soa_rd(3));
        CHECK(d2.added[2].type == t::TXT);

        auto base = parse_zone(kV1);
        auto applied = apply(base, x.diffs());
        REQUIRE_MESSAGE(applied.has_value(), applied.error().message);
        CHECK((*applied)->serial() == 3);
        CHECK(flat(**applied) == flat(*parse_zone(kV3)));
        CHECK((*applied)->find(N("old.example.com.").data(), N("old.example.com.").size()) ==
              dns::zone::kNone);
        // The base snapshot is untouched.
        CHECK(base->serial() == 1);
        CHECK(flat(*base) == flat(*parse_zone(kV1)));
    }

    TEST_CASE("IXFR answered with a full zone (AXFR style)") {
        auto x = start(Kind::ixfr, 1);
        auto recs = concat(concat({soa(3)}, body_v3()), {soa(3)});
        CHECK(feed(x, response(recs, t::IXFR)) == Status::done);
        CHECK(x.outcome() == Outcome::full_zone);
        CHECK(x.serial() == 3);
        CHECK(x.diffs().empty());
        REQUIRE(x.zone() != nullptr);
        CHECK(x.zone()->serial() == 3);
        CHECK(flat(*x.zone()) == flat(*parse_zone(kV3)));
        CHECK(x.messages() == 1);
        // Seven records arrived; each must be counted once.
        CHECK(x.records() == recs.size());
    }

    TEST_CASE("IXFR answered with a full zone: max_records counts each record once") {
        auto recs = concat(concat({soa(3)}, body_v3()), {soa(3)});  // 7 records
        Limits lim;
        lim.max_records = recs.size();
        auto x = start(Kind::ixfr, 1, lim);
        // 7 records fit a limit of 7 (as they do for AXFR, see "limits: max_records").
        auto s = feed(x, response(recs, t::IXFR));
        CHECK_MESSAGE(s == Status::done, "error: ", x.error());
        CHECK(x.outcome() == Outcome::full_zone);
    }

    TEST_CASE("IXFR answered with a full zone whose opening SOA comes in a message of its own") {
        // RFC 5936 §2.2 / RFC 1995 over TCP: a primary may put any number of
        // records in each message, including the opening SOA alone.
        auto recs = concat(concat({soa(3)}, body_v3()), {soa(3)});
        auto x = start(Kind::ixfr, 1);
        auto s1 = feed(x, response({recs[0]}, t::IXFR));
        CHECK_MESSAGE(s1 == Status::more, "error: ", x.error());
        std::vector<w::RR> rest(recs.begin() + 1, recs.end());
        auto s2 = feed(x, response(rest, t::IXFR));
        CHECK_MESSAGE(s2 == Status::done, "error: ", x.error());
        CHECK(x.outcome() == Outcome::full_zone);

        // The same for AXFR works.
        auto y = start(Kind::axfr);
        CHECK(feed(y, response({soa(3)})) == Status::more);
        CHECK(feed(y, response(rest)) == Status::done);
        CHECK(y.outcome() == Outcome::full_zone);
    }

    TEST_CASE("IXFR incremental whose opening SOA comes in a message of its own") {
        auto recs = ixfr_1_to_3();
        auto x = start(Kind::ixfr, 1);
        auto s1 = feed(x, response({recs[0]}, t::IXFR));
        CHECK_MESSAGE(s1 == Status::more, "error: ", x.error());
        auto s2 = feed(x, response(std::vector<w::RR>(recs.begin() + 1, recs.end()), t::IXFR));
        CHECK_MESSAGE(s2 == Status::done, "error: ", x.error());
        CHECK(x.outcome() == Outcome::incremental);
        CHECK(x.diffs().size() == 2);
    }

    TEST_CASE("IXFR up to date: a single SOA with our serial") {
        auto x = start(Kind::ixfr, 7);
        CHECK(feed(x, response({soa(7)}, t::IXFR)) == Status::done);
        CHECK(x.outcome() == Outcome::up_to_date);
        CHECK(x.serial() == 7);
        CHECK(x.zone() == nullptr);
        CHECK(x.diffs().empty());
        CHECK(x.error().empty());
        // Nothing more may follow.
        CHECK(feed(x, response({soa(7)}, t::IXFR)) == Status::failed);
    }

    TEST_CASE("IXFR: a single SOA with an older serial means nothing newer") {
        auto x = start(Kind::ixfr, 7);
        CHECK(feed(x, response({soa(5)}, t::IXFR)) == Status::done);
        CHECK(x.outcome() == Outcome::up_to_date);
        CHECK(x.serial() == 5);
    }

    TEST_CASE("IXFR: a lone newer SOA in the first message waits for the rest") {
        // Over TCP the opening SOA may come in a message of its own (RFC 5936 §2.2).
        auto x = start(Kind::ixfr, 7);
        CHECK(feed(x, response({soa(8)}, t::IXFR)) == Status::more);
        CHECK(x.outcome() == Outcome::none);
    }

    TEST_CASE("refused by the primary: REFUSED, NOTAUTH") {
        for (uint16_t rc : {w::rcode::REFUSED, w::rcode::NOTAUTH}) {
            CAPTURE(rc);
            auto x = start(Kind::axfr);
            Msg m;
            m.flags = static_cast<uint16_t>(w::flag::QR | rc);
            auto s = feed(x, bytes_of(m));
            CHECK(x.rcode() == rc);
            check_failed(x, s, rc == w::rcode::REFUSED ? "REFUSED" : "NOTAUTH");
        }
        // Other codes are named too.
        auto x = start(Kind::ixfr, 1);
        Msg m;
        m.qtype = t::IXFR;
        m.flags = static_cast<uint16_t>(w::flag::QR | w::rcode::SERVFAIL);
        auto s = feed(x, bytes_of(m));
        CHECK(x.rcode() == w::rcode::SERVFAIL);
        check_failed(x, s, "SERVFAIL");
    }

    TEST_CASE("refused: wrong message ID") {
        auto x = start(Kind::axfr);
        Msg m;
        m.id = kId + 1;
        m.answer = concat(concat({soa(1)}, body_v1()), {soa(1)});
        auto s = feed(x, bytes_of(m));
        check_failed(x, s, "foreign message ID");
        CHECK(x.rcode() == 0);
    }

    TEST_CASE("refused: wrong ID in a later message") {
        auto x = start(Kind::axfr);
        CHECK(feed(x, response({soa(1), body_v1()[0]})) == Status::more);
        Msg m;
        m.id = 0x1111;
        m.answer = {soa(1)};
        check_failed(x, feed(x, bytes_of(m)), "foreign message ID");
    }

    TEST_CASE("refused: QR not set") {
        auto x = start(Kind::axfr);
        Msg m;
        m.flags = w::flag::AA;
        m.answer = concat(concat({soa(1)}, body_v1()), {soa(1)});
        check_failed(x, feed(x, bytes_of(m)), "a query where a response was expected");
    }

    TEST_CASE("refused: TC set") {
        auto x = start(Kind::axfr);
        Msg m;
        m.flags = w::flag::QR | w::flag::AA | w::flag::TC;
        m.answer = concat(concat({soa(1)}, body_v1()), {soa(1)});
        check_failed(x, feed(x, bytes_of(m)), "truncated");
    }

    TEST_CASE("refused: a response for another zone") {
        auto x = start(Kind::axfr);
        Msg m;
        m.qname = "example.net.";
        m.answer = concat(concat({soa(1)}, body_v1()), {soa(1)});
        check_failed(x, feed(x, bytes_of(m)), "another zone");
    }

    TEST_CASE("refused: the first record is not the zone's SOA") {
        SUBCASE("AXFR starting with NS") {
            auto x = start(Kind::axfr);
            auto s = feed(x, response(concat(body_v1(), {soa(1)})));
            check_failed(x, s, "does not start with the zone's SOA");
        }
        SUBCASE("IXFR starting with A") {
            auto x = start(Kind::ixfr, 1);
            auto s =
                feed(x, response({rr("www.example.com.", t::A, ip(1, 2, 3, 4)), soa(2)}, t::IXFR));
            check_failed(x, s, "does not start with the zone's SOA");
        }
        SUBCASE("an SOA, but not at the apex") {
            auto x = start(Kind::axfr);
            auto s = feed(x, response({soa(1, "sub.example.com."), body_v1()[0], soa(1)}));
            check_failed(x, s, "does not start with the zone's SOA");
        }
    }

    TEST_CASE("refused: the closing SOA differs from the opening one") {
        SUBCASE("AXFR") {
            auto x = start(Kind::axfr);
            auto s = feed(x, response(concat(concat({soa(1)}, body_v1()), {soa(2)})));
            check_failed(x, s, "closing SOA differs");
        }
        SUBCASE("IXFR in AXFR style") {
            auto x = start(Kind::ixfr, 1);
            auto s = feed(x, response(concat(concat({soa(3)}, body_v3()), {soa(4)}), t::IXFR));
            check_failed(x, s, "closing SOA differs");
        }
        SUBCASE("over two messages") {
            auto x = start(Kind::axfr);
            CHECK(feed(x, response(concat({soa(1)}, body_v1()))) == Status::more);
            check_failed(x, feed(x, response({soa(9)})), "closing SOA differs");
        }
    }

    TEST_CASE("refused: a record outside the zone") {
        SUBCASE("AXFR") {
            auto x = start(Kind::axfr);
            auto s = feed(x, response({soa(1), body_v1()[0],
                                       rr("www.example.net.", t::A, ip(192, 0, 2, 1)), soa(1)}));
            check_failed(x, s, "outside the zone");
        }
        SUBCASE("AXFR, a name that merely ends like the zone") {
            auto x = start(Kind::axfr);
            auto s = feed(x, response({soa(1), body_v1()[0],
                                       rr("badexample.com.", t::A, ip(192, 0, 2, 1)), soa(1)}));
            check_failed(x, s, "outside the zone");
        }
        SUBCASE("IXFR incremental, in the added records") {
            auto x = start(Kind::ixfr, 1);
            auto s = feed(x, response({soa(2), soa(1), soa(2),
                                       rr("evil.example.org.", t::A, ip(6, 6, 6, 6)), soa(2)},
                                      t::IXFR));
            check_failed(x, s, "outside the zone");
        }
        SUBCASE("IXFR incremental, in the removed records") {
            auto x = start(Kind::ixfr, 1);
            auto s = feed(x, response({soa(2), soa(1), rr("com.", t::NS, W("a.gtld-servers.net.")),
                                       soa(2), soa(2)},
                                      t::IXFR));
            check_failed(x, s, "outside the zone");
        }
        SUBCASE("IXFR in AXFR style") {
            auto x = start(Kind::ixfr, 1);
            auto s = feed(x, response({soa(3), body_v3()[0],
                                       rr("example.org.", t::A, ip(6, 6, 6, 6)), soa(3)},
                                      t::IXFR));
            check_failed(x, s, "outside the zone");
        }
    }

    TEST_CASE("refused: a record of another class") {
        auto x = start(Kind::axfr);
        auto s = feed(x, response({soa(1), body_v1()[0],
                                   rr("www.example.com.", t::A, ip(1, 2, 3, 4), 60, w::rrclass::CH),
                                   soa(1)}));
        check_failed(x, s, "class 3");
    }

    TEST_CASE("refused: records after the closing SOA, in the same message") {
        SUBCASE("AXFR") {
            auto x = start(Kind::axfr);
            auto s = feed(x, response({soa(1), body_v1()[0], soa(1),
                                       rr("www.example.com.", t::A, ip(1, 2, 3, 4))}));
            check_failed(x, s, "records after the closing SOA");
        }
        SUBCASE("IXFR incremental") {
            auto x = start(Kind::ixfr, 1);
            auto s = feed(x, response({soa(2), soa(1), soa(2), soa(2),
                                       rr("www.example.com.", t::A, ip(1, 2, 3, 4))},
                                      t::IXFR));
            check_failed(x, s, "records after the closing SOA");
        }
        SUBCASE("garbage bytes after the closing SOA") {
            auto x = start(Kind::axfr);
            auto m = response(concat(concat({soa(1)}, body_v1()), {soa(1)}));
            m.push_back(0xFF);
            check_failed(x, feed(x, m), "malformed record");
        }
    }

    TEST_CASE("refused: garbage bytes") {
        SUBCASE("shorter than a header") {
            auto x = start(Kind::axfr);
            std::vector<uint8_t> g{0x42, 0x42, 0x84, 0x00, 0x00};
            check_failed(x, feed(x, g), "malformed message");
        }
        SUBCASE("the question runs past the end") {
            auto x = start(Kind::axfr);
            test::Bytes b;
            b.header(kId, w::flag::QR, 1, 0, 0, 0).raw({7, 'e', 'x', 'a'});
            check_failed(x, x.feed(b.span()), "malformed message");
        }
        SUBCASE("a record runs past the end") {
            auto x = start(Kind::axfr);
            test::Bytes b;
            b.header(kId, w::flag::QR, 1, 1, 0, 0)
                .question("example.com.", t::AXFR)
                .rr_head("example.com.", t::SOA, 1, 3600, 200)
                .raw({0, 0});
            check_failed(x, x.feed(b.span()), "malformed record");
        }
        SUBCASE("a compression pointer loop in an owner") {
            auto x = start(Kind::axfr);
            test::Bytes b;
            b.header(kId, w::flag::QR, 1, 1, 0, 0).question("example.com.", t::AXFR);
            size_t at = b.size();
            b.ptr(static_cast<uint16_t>(at)).u16(t::A).u16(1).u32(60).u16(4).raw({1, 2, 3, 4});
            check_failed(x, x.feed(b.span()), "malformed record");
        }
        SUBCASE("trailing bytes after the records") {
            auto x = start(Kind::axfr);
            auto m = response(concat({soa(1)}, body_v1()));
            m.push_back(0);
            m.push_back(0);
            check_failed(x, feed(x, m), "malformed record");
        }
        SUBCASE("malformed SOA RDATA (one name, no second name nor numbers)") {
            auto x = start(Kind::axfr);
            test::Bytes b;
            b.header(kId, w::flag::QR, 1, 1, 0, 0).question("example.com.", t::AXFR);
            b.rr_head("example.com.", t::SOA, 1, 3600, 5).raw({3, 'n', 's', '1', 0});
            check_failed(x, x.feed(b.span()), "malformed record");
        }
        SUBCASE("malformed A RDATA in the body") {
            auto x = start(Kind::axfr);
            auto s =
                feed(x, response({soa(1), rr("www.example.com.", t::A, S({1, 2, 3})), soa(1)}));
            check_failed(x, s, "malformed A");
        }
    }

    TEST_CASE("a message after the transfer is done") {
        auto x = start(Kind::axfr);
        REQUIRE(feed(x, response(concat(concat({soa(1)}, body_v1()), {soa(1)}))) == Status::done);
        CHECK(feed(x, response({soa(1)})) == Status::failed);
        CHECK(x.error().find("after the end of the transfer") != std::string::npos);
    }

    TEST_CASE("limits: max_records") {
        auto recs = concat(concat({soa(1)}, body_v1()), {soa(1)});  // 6 records
        SUBCASE("exactly at the limit") {
            Limits lim;
            lim.max_records = 6;
            auto x = start(Kind::axfr, 0, lim);
            CHECK(feed(x, response(recs)) == Status::done);
            CHECK(x.records() == 6);
        }
        SUBCASE("one over") {
            Limits lim;
            lim.max_records = 5;
            auto x = start(Kind::axfr, 0, lim);
            check_failed(x, feed(x, response(recs)), "more than 5 records");
        }
        SUBCASE("IXFR incremental") {
            Limits lim;
            lim.max_records = 10;
            auto x = start(Kind::ixfr, 1, lim);
            check_failed(x, feed(x, response(ixfr_1_to_3(), t::IXFR)), "more than 10 records");
        }
    }

    TEST_CASE("limits: max_bytes") {
        auto m1 = response({soa(1), body_v1()[0]});
        auto m2 = response({body_v1()[1], soa(1)});
        SUBCASE("exactly at the limit") {
            Limits lim;
            lim.max_bytes = m1.size() + m2.size();
            auto x = start(Kind::axfr, 0, lim);
            CHECK(feed(x, m1) == Status::more);
            CHECK(feed(x, m2) == Status::done);
        }
        SUBCASE("one byte over") {
            Limits lim;
            lim.max_bytes = m1.size() + m2.size() - 1;
            auto x = start(Kind::axfr, 0, lim);
            CHECK(feed(x, m1) == Status::more);
            check_failed(x, feed(x, m2), "bytes");
        }
    }

    TEST_CASE("limits: max_messages") {
        Limits lim;
        lim.max_messages = 2;
        auto x = start(Kind::axfr, 0, lim);
        CHECK(feed(x, response({soa(1)})) == Status::more);
        CHECK(feed(x, response({body_v1()[0]})) == Status::more);
        check_failed(x, feed(x, response({soa(1)})), "more than 2 messages");
        CHECK(x.messages() == 3);

        auto y = start(Kind::axfr, 0, lim);
        CHECK(feed(y, response({soa(1), body_v1()[0]})) == Status::more);
        CHECK(feed(y, response({soa(1)})) == Status::done);
    }

    TEST_CASE("IXFR: differences that do not follow on") {
        SUBCASE("the second difference starts at the wrong serial") {
            auto x = start(Kind::ixfr, 1);
            auto s = feed(x, response({soa(3), soa(1), soa(2), soa(1), soa(3), soa(3)}, t::IXFR));
            check_failed(x, s, "do not follow on");
        }
        SUBCASE("a difference that does not move the serial forward") {
            auto x = start(Kind::ixfr, 1);
            auto s = feed(x, response({soa(3), soa(1), soa(1), soa(3)}, t::IXFR));
            check_failed(x, s, "does not move the serial forward");
        }
        SUBCASE("a difference that moves the serial backward") {
            auto x = start(Kind::ixfr, 5);
            auto s = feed(x, response({soa(9), soa(5), soa(4), soa(9)}, t::IXFR));
            check_failed(x, s, "does not move the serial forward");
        }
    }

    TEST_CASE("apply(): a removal the base zone lacks fails") {
        auto x = start(Kind::ixfr, 1);
        REQUIRE(feed(x, response({soa(2), soa(1), rr("nothere.example.com.", t::A, ip(10, 0, 0, 1)),
                                  soa(2), soa(2)},
                                 t::IXFR)) == Status::done);
        REQUIRE(x.outcome() == Outcome::incremental);
        auto r = apply(parse_zone(kV1), x.diffs());
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::semantic);
        CHECK(r.error().message.find("which the zone does not hold") != std::string::npos);

        // Same owner and type, other RDATA: still absent.
        Diff d{1,
               2,
               {{W("example.com."), t::SOA, 3600, soa_rd(1)},
                {W("www.example.com."), t::A, 3600, ip(192, 0, 2, 81)}},
               {{W("example.com."), t::SOA, 3600, soa_rd(2)}}};
        CHECK(!apply(parse_zone(kV1), {d}).has_value());
        // Removing the same record twice.
        Diff twice{1,
                   2,
                   {{W("example.com."), t::SOA, 3600, soa_rd(1)},
                    {W("www.example.com."), t::A, 3600, ip(192, 0, 2, 80)},
                    {W("WWW.Example.COM."), t::A, 3600, ip(192, 0, 2, 80)}},
                   {{W("example.com."), t::SOA, 3600, soa_rd(2)}}};
        CHECK(!apply(parse_zone(kV1), {twice}).has_value());
    }

    TEST_CASE("apply(): owner names match case-insensitively; duplicates are sets") {
        Diff d{1,
               2,
               {{W("example.com."), t::SOA, 3600, soa_rd(1)},
                {W("OLD.EXAMPLE.com."), t::A, 3600, ip(192, 0, 2, 99)}},
               {{W("example.com."), t::SOA, 3600, soa_rd(2)},
                {W("www.example.com."), t::A, 3600, ip(192, 0, 2, 80)},  // already present
                {W("new.example.com."), t::A, 3600, ip(192, 0, 2, 5)},
                {W("new.example.com."), t::A, 3600, ip(192, 0, 2, 5)}}};
        auto r = apply(parse_zone(kV1), {d});
        REQUIRE_MESSAGE(r.has_value(), r.error().message);
        CHECK((*r)->serial() == 2);
        CHECK((*r)->record_count() == 5);  // SOA, NS, ns1 A, www A, new A
        CHECK((*r)->find(N("old.example.com.").data(), N("old.example.com.").size()) ==
              dns::zone::kNone);
        uint32_t id = (*r)->find(N("new.example.com.").data(), N("new.example.com.").size());
        REQUIRE(id != dns::zone::kNone);
        const auto* a = (*r)->rrset((*r)->node(id), t::A);
        REQUIRE(a != nullptr);
        CHECK(a->count == 1);
    }

    TEST_CASE("apply(): a difference from another serial than the base's fails") {
        auto base = parse_zone(kV1);  // serial 1
        Diff d{2,
               3,
               {{W("example.com."), t::SOA, 3600, soa_rd(2)}},
               {{W("example.com."), t::SOA, 3600, soa_rd(3)}}};
        auto r = apply(base, {d});
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::semantic);
        CHECK(r.error().message.find("starts at serial 2") != std::string::npos);

        // Chained differences that skip a serial.
        Diff d12{1,
                 2,
                 {{W("example.com."), t::SOA, 3600, soa_rd(1)}},
                 {{W("example.com."), t::SOA, 3600, soa_rd(2)}}};
        Diff d34{3,
                 4,
                 {{W("example.com."), t::SOA, 3600, soa_rd(3)}},
                 {{W("example.com."), t::SOA, 3600, soa_rd(4)}}};
        CHECK(apply(base, {d12}).has_value());
        CHECK(!apply(base, {d12, d34}).has_value());
    }

    TEST_CASE("apply(): the resulting SOA must carry the serial the differences announce") {
        auto base = parse_zone(kV1);
        // Says 1 -> 2 but installs an SOA with serial 5.
        Diff d{1,
               2,
               {{W("example.com."), t::SOA, 3600, soa_rd(1)}},
               {{W("example.com."), t::SOA, 3600, soa_rd(5)}}};
        auto r = apply(base, {d});
        REQUIRE(!r.has_value());
        CHECK(r.error().message.find("expected 2") != std::string::npos);
        // Keeping the old SOA while adding a new one leaves two SOAs.
        Diff keep{1, 2, {}, {{W("example.com."), t::SOA, 3600, soa_rd(2)}}};
        CHECK(!apply(base, {keep}).has_value());
    }

    TEST_CASE("apply(): no differences gives the same zone") {
        auto base = parse_zone(kV1);
        auto r = apply(base, {});
        REQUIRE(r.has_value());
        CHECK(flat(**r) == flat(*base));
    }

    TEST_CASE("records_of(): SOA first, every record once, RRSIGs included") {
        const char* text = R"(
$ORIGIN example.com.
$TTL 3600
@   SOA   ns1 hostmaster 9 7200 3600 1209600 300
@   RRSIG SOA 8 2 3600 20300101000000 20200101000000 12345 example.com. c2lnbmF0dXJlLXNvYQ==
@   NS    ns1
@   NS    ns2
ns1 A     192.0.2.1
ns1 A     192.0.2.2
ns2 300 AAAA 2001:db8::2
sub NS    ns.elsewhere.net.
)";
        auto z = parse_zone(text);
        auto recs = records_of(*z);
        REQUIRE(recs.size() == 8);
        CHECK(recs[0].type == t::SOA);
        CHECK(recs[0].owner == W("example.com."));
        CHECK(recs[0].rdata.substr(recs[0].rdata.size() - 20, 4) == be32(9));
        size_t soas = 0, sigs = 0, ns = 0;
        for (const auto& r : recs) {
            soas += r.type == t::SOA;
            sigs += r.type == t::RRSIG;
            ns += r.type == t::NS;
            if (r.type == t::AAAA) CHECK(r.ttl == 300);
        }
        CHECK(soas == 1);
        CHECK(sigs == 1);
        CHECK(ns == 3);
        CHECK(z->record_count() == recs.size());
    }

}  // TEST_SUITE
