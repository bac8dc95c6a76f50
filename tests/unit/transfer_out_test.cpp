// lib/xfr/transfer_out: outgoing AXFR and IXFR, checked by feeding them to
// the project's own consumer (TransferIn) and comparing what comes out with
// the zone that went in; condense() and diff_zones(); TSIG on every message.

#include "lib/xfr/transfer_out.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/xfr/tsig.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

namespace w = dns::wire;
namespace t = dns::wire::type;
using dns::xfr::Diff;
using dns::xfr::History;
using dns::xfr::Kind;
using dns::xfr::Record;
using dns::xfr::TransferIn;
using dns::xfr::TransferOut;
using test::N;

namespace {

std::string zone_text(uint32_t serial, int hosts, const std::string& extra = "") {
    std::string s = "$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster " +
                    std::to_string(serial) +
                    " 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nmail MX 10 ns1\n";
    for (int i = 0; i < hosts; ++i)
        s += "h" + std::to_string(i) + " TXT \"" +
             std::string(100, static_cast<char>('a' + i % 26)) + "\"\n";
    return s + extra;
}

dns::zone::ZonePtr zone(uint32_t serial, int hosts, const std::string& extra = "") {
    auto z = dns::zonefile::parse(zone_text(serial, hosts, extra), N("example.com."));
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

w::Query query_for(uint16_t qtype, uint16_t id, std::vector<uint8_t>& bytes,
                   uint32_t ixfr_serial = 0) {
    TransferIn in(N("example.com."), qtype == t::AXFR ? Kind::axfr : Kind::ixfr, ixfr_serial);
    bytes = in.request(id);
    w::Query q;
    REQUIRE(w::parse_query(bytes, q) == w::QueryStatus::ok);
    return q;
}

// Runs `out` into a TransferIn; returns the messages it took.
size_t pump(TransferOut& out, TransferIn& in, size_t cap = 65535,
            std::vector<std::vector<uint8_t>>* keep = nullptr) {
    std::vector<uint8_t> buf(cap);
    size_t messages = 0;
    for (int i = 0; i < 100000; ++i) {
        size_t n = out.next(buf.data(), cap);
        if (n == 0) break;
        ++messages;
        if (keep) keep->emplace_back(buf.begin(), buf.begin() + n);
        auto st = in.feed({buf.data(), n});
        REQUIRE_MESSAGE(st != TransferIn::Status::failed, in.error());
    }
    return messages;
}

std::vector<std::string> sorted_records(const dns::zone::Zone& z) {
    std::vector<std::string> out;
    for (const auto& r : dns::xfr::records_of(z))
        out.push_back(r.owner + "|" + std::to_string(r.type) + "|" + std::to_string(r.ttl) + "|" +
                      r.rdata);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_SUITE("transfer_out") {
    TEST_CASE("AXFR of a zone, in one message and in many, reads back as the same zone") {
        auto z = zone(7, 2000);
        for (size_t cap : {size_t(65535), size_t(512), size_t(4096)}) {
            CAPTURE(cap);
            std::vector<uint8_t> req;
            auto q = query_for(t::AXFR, 0x1234, req);
            TransferOut out(q, z, std::nullopt, nullptr);
            TransferIn in(N("example.com."), Kind::axfr, 0);
            in.request(0x1234);
            size_t messages = pump(out, in, cap);
            CHECK(in.outcome() == TransferIn::Outcome::full_zone);
            REQUIRE(in.zone());
            CHECK(sorted_records(*in.zone()) == sorted_records(*z));
            CHECK(out.records() == z->record_count() + 1);  // the SOA twice
            if (cap == 512) CHECK(messages > 100);
            if (cap == 65535) CHECK(messages < 10);
            CHECK(out.style() == TransferOut::Style::axfr);
        }
    }

    TEST_CASE("AXFR keeps the case of every name in RDATA (case-sensitive compression)") {
        // "examPle" in a target must not become a pointer to an earlier "example".
        auto z = zone(
            7, 0,
            "www CNAME host.examPle.com.\nsub NS ns.SUB.example.com.\nx MX 5 mail.EXAMPLE.com.\n");
        std::vector<uint8_t> req;
        auto q = query_for(t::AXFR, 0x1234, req);
        TransferOut out(q, z, std::nullopt, nullptr);
        TransferIn in(N("example.com."), Kind::axfr, 0);
        in.request(0x1234);
        pump(out, in);
        REQUIRE(in.zone());
        CHECK(sorted_records(*in.zone()) == sorted_records(*z));  // rdata compared byte for byte
    }

    TEST_CASE(
        "IXFR: up to date is one SOA; a history gives the condensed difference; no history gives "
        "the zone") {
        auto v1 = zone(1, 10);
        auto v2 = zone(2, 10, "new A 192.0.2.9\n");
        auto v3 = zone(3, 9, "new A 192.0.2.9\nnew2 A 192.0.2.10\n");  // h9 removed
        auto history = std::make_shared<History>();
        history->push_back(dns::xfr::diff_zones(*v1, *v2));
        history->push_back(dns::xfr::diff_zones(*v2, *v3));
        // The client at serial 1 gets one condensed difference leading to 3.
        {
            std::vector<uint8_t> req;
            auto q = query_for(t::IXFR, 9, req, 1);
            TransferOut out(q, v3, 1u, history);
            CHECK(out.style() == TransferOut::Style::ixfr);
            TransferIn in(N("example.com."), Kind::ixfr, 1);
            in.request(9);
            pump(out, in);
            REQUIRE(in.outcome() == TransferIn::Outcome::incremental);
            REQUIRE(in.diffs().size() == 1);
            CHECK(in.diffs()[0].from == 1);
            CHECK(in.diffs()[0].to == 3);
            CHECK(in.diffs()[0].removed.size() == 2);  // old SOA, h9
            CHECK(in.diffs()[0].added.size() == 3);    // new SOA, new, new2
            auto applied = dns::xfr::apply(v1, in.diffs());
            REQUIRE(applied.has_value());
            CHECK(sorted_records(**applied) == sorted_records(*v3));
        }
        // The client at serial 2: only the second difference.
        {
            std::vector<uint8_t> req;
            auto q = query_for(t::IXFR, 9, req, 2);
            TransferOut out(q, v3, 2u, history);
            TransferIn in(N("example.com."), Kind::ixfr, 2);
            in.request(9);
            pump(out, in);
            REQUIRE(in.outcome() == TransferIn::Outcome::incremental);
            CHECK(in.diffs()[0].from == 2);
            auto applied = dns::xfr::apply(v2, in.diffs());
            REQUIRE(applied.has_value());
            CHECK(sorted_records(**applied) == sorted_records(*v3));
        }
        // Up to date (and ahead of us): our SOA alone.
        for (uint32_t s : {3u, 4u}) {
            std::vector<uint8_t> req;
            auto q = query_for(t::IXFR, 9, req, s);
            TransferOut out(q, v3, s, history);
            CHECK(out.style() == TransferOut::Style::up_to_date);
            TransferIn in(N("example.com."), Kind::ixfr, s);
            in.request(9);
            CHECK(pump(out, in) == 1);
            CHECK(in.outcome() == TransferIn::Outcome::up_to_date);
        }
        // A serial the history does not reach: the whole zone, in IXFR form.
        for (auto h : {history, std::shared_ptr<History>()}) {
            std::vector<uint8_t> req;
            auto q = query_for(t::IXFR, 9, req, 0);
            TransferOut out(q, v3, 0u, h);
            CHECK(out.style() == TransferOut::Style::axfr);
            TransferIn in(N("example.com."), Kind::ixfr, 0);
            in.request(9);
            pump(out, in);
            CHECK(in.outcome() == TransferIn::Outcome::full_zone);
            CHECK(sorted_records(*in.zone()) == sorted_records(*v3));
        }
    }

    TEST_CASE("condense(): changes that undo each other vanish; TTL changes survive") {
        auto wire_of = [](const char* n) {
            auto name = N(n);
            return std::string(reinterpret_cast<const char*>(name.data()), name.size());
        };
        auto rec = [&](const char* owner, uint32_t ttl, const char* rd) {
            return Record{wire_of(owner), t::TXT, ttl, rd};
        };
        Record soa1{wire_of("example.com."), t::SOA, 1, "s1"}, soa2 = soa1, soa3 = soa1;
        soa2.rdata = "s2";
        soa3.rdata = "s3";
        std::vector<Diff> d(2);
        d[0].from = 1;
        d[0].to = 2;
        d[0].removed = {soa1, rec("a.example.com.", 300, "x")};
        d[0].added = {soa2, rec("a.example.com.", 600, "x"), rec("b.example.com.", 1, "y")};
        d[1].from = 2;
        d[1].to = 3;
        d[1].removed = {soa2, rec("B.example.com.", 1, "y")};
        d[1].added = {soa3, rec("c.example.com.", 1, "z")};
        Diff c = dns::xfr::condense(d);
        CHECK(c.from == 1);
        CHECK(c.to == 3);
        REQUIRE(c.removed.size() == 2);
        CHECK(c.removed[0].rdata == "s1");
        CHECK(c.removed[1].ttl == 300);
        REQUIRE(c.added.size() == 3);
        CHECK(c.added[0].rdata == "s3");
        // b was added then removed (owner case does not matter): gone.
        for (const auto& r : c.added) CHECK(r.rdata != "y");
    }

    TEST_CASE("TSIG: every message of the stream is signed and verifies as a stream") {
        auto key =
            dns::xfr::parse_tsig_key("xfr.key:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0")
                .value();
        auto z = zone(5, 600);
        dns::xfr::TsigSession client(key);
        TransferIn in(N("example.com."), Kind::axfr, 0);
        auto req = in.request(77);
        std::vector<uint8_t> signed_req(req.size() + 512);
        std::copy(req.begin(), req.end(), signed_req.begin());
        auto sl = client.sign_request(signed_req.data(), req.size(), signed_req.size(), 1000);
        REQUIRE(sl.has_value());
        signed_req.resize(*sl);
        uint16_t err = 0;
        auto server = dns::xfr::TsigSession::verify_request(signed_req, {key}, 1000, err);
        REQUIRE(server.has_value());
        w::Query q;
        REQUIRE(w::parse_query(signed_req, q) == w::QueryStatus::ok);
        TransferOut out(q, z, std::nullopt, nullptr);
        out.sign_with(std::move(*server), 1000);
        std::vector<std::vector<uint8_t>> messages;
        pump(out, in, 4096, &messages);
        REQUIRE(messages.size() > 5);
        for (const auto& m : messages) REQUIRE(client.verify_response(m, 1000).has_value());
        CHECK(client.finish().has_value());
        CHECK(in.outcome() == TransferIn::Outcome::full_zone);
    }

    TEST_CASE("diff_zones(): the difference between two versions applies to give the second") {
        auto a = zone(10, 50, "x A 192.0.2.1\ny AAAA 2001:db8::1\n");
        auto b = zone(11, 40, "x A 192.0.2.2\nz CNAME x\n");
        Diff d = dns::xfr::diff_zones(*a, *b);
        CHECK(d.from == 10);
        CHECK(d.to == 11);
        REQUIRE_FALSE(d.removed.empty());
        CHECK(d.removed[0].type == t::SOA);
        CHECK(d.added[0].type == t::SOA);
        auto applied = dns::xfr::apply(a, {d});
        REQUIRE(applied.has_value());
        CHECK(sorted_records(**applied) == sorted_records(*b));
        // Identical zones differ only in the SOA.
        Diff same = dns::xfr::diff_zones(*a, *a);
        CHECK(same.removed.size() == 1);
        CHECK(same.added.size() == 1);
    }

}  // TEST_SUITE
