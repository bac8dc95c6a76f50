// lib/wire: Reader, compressed names, the message parser and writer, the
// query-path parser, the RR type table.

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/wire/reader.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/wire/writer.hpp"
#include "test_util.hpp"

namespace w = dns::wire;
namespace t = dns::wire::type;
using test::Bytes;
using test::N;
using test::S;
using test::W;

namespace {

// read_name_at as text; "" when it fails. `end` receives the return value.
std::string name_at(const Bytes& m, size_t pos, size_t* end = nullptr, size_t* len_out = nullptr) {
    uint8_t out[w::kMaxNameLen];
    size_t len = 0;
    size_t e = w::read_name_at(m.span(), pos, out, len);
    if (end) *end = e;
    if (len_out) *len_out = len;
    if (!e) return "";
    REQUIRE(len <= w::kMaxNameLen);
    REQUIRE(len == w::name_length(out));
    return w::to_text(out);
}

Bytes header_only() {
    Bytes b;
    b.header(0, 0, 0, 0, 0, 0);
    return b;
}

std::string label(size_t n, char c = 'x') { return std::string(n, c); }

// A plain query: header, one question, optional additional records appended by the caller.
Bytes query(uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar,
            const char* qname = "www.example.com.", uint16_t qtype = t::A) {
    Bytes b;
    b.header(0x4242, flags, qd, an, ns, ar);
    if (qd) b.question(qname, qtype);
    return b;
}

std::vector<uint8_t> option(uint16_t code, const std::string& data) {
    std::vector<uint8_t> o(4 + data.size());
    w::put16(o.data(), code);
    w::put16(o.data() + 2, static_cast<uint16_t>(data.size()));
    std::memcpy(o.data() + 4, data.data(), data.size());
    return o;
}

std::vector<uint8_t> cat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

w::QueryStatus pq(const Bytes& b, w::Query& q) { return w::parse_query(b.span(), q); }

}  // namespace

TEST_SUITE("wire") {
    // ---------------------------------------------------------------- Reader

    TEST_CASE("Reader reads integers big-endian and never past the end") {
        const uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE};
        w::Reader r(data);
        uint8_t a;
        uint16_t b;
        uint32_t c;
        REQUIRE(r.u8(a));
        CHECK(a == 0x12);
        REQUIRE(r.u16(b));
        CHECK(b == 0x3456);
        CHECK(r.pos() == 3);
        CHECK(r.remaining() == 4);
        REQUIRE(r.u32(c));
        CHECK(c == 0x789ABCDEu);
        CHECK(r.remaining() == 0);
        CHECK_FALSE(r.u8(a));
        CHECK_FALSE(r.u16(b));
        CHECK_FALSE(r.u32(c));
        CHECK(r.pos() == 7);

        w::Reader r2(data);
        REQUIRE(r2.skip(5));
        CHECK_FALSE(r2.u32(c));  // 2 left
        CHECK(r2.pos() == 5);    // a failed read does not move
        REQUIRE(r2.u16(b));
        CHECK(b == 0xBCDE);
    }

    TEST_CASE("Reader bytes, skip and seek are bounds-checked") {
        const uint8_t data[] = {1, 2, 3, 4, 5};
        w::Reader r(data);
        const uint8_t* p = nullptr;
        REQUIRE(r.bytes(2, p));
        CHECK(p == data);
        CHECK(r.pos() == 2);
        CHECK_FALSE(r.bytes(4, p));
        CHECK(r.pos() == 2);
        CHECK_FALSE(r.skip(4));
        CHECK(r.skip(3));
        CHECK(r.remaining() == 0);
        CHECK(r.seek(1));
        CHECK(r.pos() == 1);
        CHECK(r.seek(5));  // the end itself is a valid position
        CHECK_FALSE(r.seek(6));
        CHECK(r.pos() == 5);
        CHECK(r.message().size() == 5);
    }

    // ---------------------------------------------------------------- compressed names

    TEST_CASE("read_name_at: uncompressed and valid compression") {
        Bytes m = header_only();
        m.name("example.com.");             // 12..24
        m.raw({3, 'w', 'w', 'w'}).ptr(12);  // 25..30
        m.raw({1, 'a'}).ptr(25);            // 31..34
        m.ptr(31);                          // 35..36
        size_t end = 0, len = 0;
        CHECK(name_at(m, 12, &end, &len) == "example.com.");
        CHECK(end == 25);
        CHECK(len == 13);
        CHECK(name_at(m, 25, &end, &len) == "www.example.com.");
        CHECK(end == 31);  // just after the pointer, not after its target
        CHECK(len == 17);
        CHECK(name_at(m, 31, &end) == "a.www.example.com.");
        CHECK(end == 35);
        CHECK(name_at(m, 35, &end) == "a.www.example.com.");  // pointer to a pointer chain
        CHECK(end == 37);

        // Through Reader::name too: the position moves past the name in place.
        w::Reader r(m.span());
        REQUIRE(r.seek(25));
        uint8_t out[w::kMaxNameLen];
        size_t l = 0;
        REQUIRE(r.name(out, l));
        CHECK(r.pos() == 31);
        CHECK(w::to_text(out) == "www.example.com.");
    }

    TEST_CASE("read_name_at: the root and a pointer to a root") {
        Bytes m = header_only();
        m.u8(0);    // 12
        m.ptr(12);  // 13
        size_t end = 0, len = 0;
        CHECK(name_at(m, 12, &end, &len) == ".");
        CHECK(end == 13);
        CHECK(len == 1);
        CHECK(name_at(m, 13, &end, &len) == ".");
        CHECK(end == 15);
        CHECK(len == 1);
    }

    TEST_CASE("read_name_at: pointer loops are rejected") {
        Bytes m = header_only();
        m.ptr(14);  // 12 -> 14
        m.ptr(12);  // 14 -> 12
        size_t end = 1;
        CHECK(name_at(m, 12, &end) == "");
        CHECK(end == 0);
        CHECK(name_at(m, 14, &end) == "");
        CHECK(end == 0);

        // A label, then a pointer back to that label: a.a.a.a... forever.
        Bytes m2 = header_only();
        m2.raw({1, 'a'}).ptr(12);
        CHECK(name_at(m2, 12, &end) == "");
        CHECK(end == 0);

        // A longer cycle through three pointers, entered in the middle.
        Bytes m3 = header_only();
        m3.raw({1, 'a'}).ptr(18);  // 12: a -> 18
        m3.raw({1, 'b'}).ptr(12);  // 16: b -> 12
        m3.raw({1, 'c'}).ptr(16);  // 20: c -> 16; 18 is b's pointer, which leads back to 12
        CHECK(name_at(m3, 20, &end) == "");
        CHECK(name_at(m3, 16, &end) == "");
        CHECK(name_at(m3, 12, &end) == "");
    }

    TEST_CASE("read_name_at: self pointers are rejected") {
        Bytes m = header_only();
        m.ptr(12);
        size_t end = 1;
        CHECK(name_at(m, 12, &end) == "");
        CHECK(end == 0);
    }

    TEST_CASE("read_name_at: forward pointers are rejected") {
        Bytes m = header_only();
        m.ptr(16);           // 12 -> 16, forward
        m.raw({0, 0});       // 14
        m.raw({1, 'b', 0});  // 16: a valid name
        size_t end = 1;
        CHECK(name_at(m, 16, &end) == "b.");
        CHECK(name_at(m, 12, &end) == "");
        CHECK(end == 0);
    }

    TEST_CASE("read_name_at: pointers out of the message and cut pointers are rejected") {
        Bytes m = header_only();
        m.raw({0xFF, 0xFF});  // pointer to 0x3FFF
        size_t end = 1;
        CHECK(name_at(m, 12, &end) == "");
        CHECK(end == 0);

        Bytes cut = header_only();
        cut.raw({1, 'a', 0xC0});  // the pointer's second byte is missing
        CHECK(name_at(cut, 12, &end) == "");
        CHECK(end == 0);

        // Reading at or past the end.
        Bytes e = header_only();
        CHECK(name_at(e, 12, &end) == "");
        CHECK(name_at(e, 1000, &end) == "");
    }

    TEST_CASE("read_name_at: truncated labels are rejected") {
        size_t end = 1;
        Bytes a = header_only();
        a.raw({5, 'a', 'b'});
        CHECK(name_at(a, 12, &end) == "");
        CHECK(end == 0);
        Bytes b = header_only();
        b.raw({1, 'a'});  // no root label
        CHECK(name_at(b, 12, &end) == "");
        CHECK(end == 0);
        Bytes c = header_only();
        c.raw({3, 'a', 'b', 'c'});  // label complete, root missing
        CHECK(name_at(c, 12, &end) == "");
    }

    TEST_CASE("read_name_at: names longer than 255 octets are rejected") {
        // Uncompressed: 3 x 63 + 61 + root = 255 is fine, 3 x 63 + 62 + root = 256 is not.
        Bytes ok = header_only();
        ok.name(label(63) + "." + label(63) + "." + label(63) + "." + label(61) + ".");
        size_t end = 0, len = 0;
        CHECK(name_at(ok, 12, &end, &len) != "");
        CHECK(len == 255);
        CHECK(end == 12 + 255);

        Bytes bad = header_only();
        for (int i = 0; i < 3; ++i) bad.u8(63).str(label(63));
        bad.u8(62).str(label(62)).u8(0);
        CHECK(name_at(bad, 12, &end) == "");
        CHECK(end == 0);

        // Through compression: 193 octets at 12, then 64 + pointer = 257.
        Bytes cm = header_only();
        cm.name(label(63) + "." + label(63) + "." + label(63) + ".");  // 12..204
        size_t long_at = cm.size();
        cm.u8(63).str(label(63, 'y')).ptr(12);
        size_t fits_at = cm.size();
        cm.u8(61).str(label(61, 'z')).ptr(12);  // 62 + 193 = 255
        CHECK(name_at(cm, long_at, &end) == "");
        CHECK(end == 0);
        CHECK(name_at(cm, fits_at, &end, &len) != "");
        CHECK(len == 255);

        // Pointer chains that each add a little: 100 pointers to "a." labels would
        // pass 255 octets long before the chain ends.
        Bytes chain = header_only();
        chain.u8(0);  // 12: root
        size_t prev = 12;
        for (int i = 0; i < 140; ++i) {
            size_t here = chain.size();
            chain.raw({1, 'a'}).ptr(static_cast<uint16_t>(prev));
            prev = here;
        }
        CHECK(name_at(chain, prev, &end) == "");
        CHECK(end == 0);
    }

    TEST_CASE("read_name_at: extended label types (0x40, 0x80) are rejected") {
        size_t end = 1;
        Bytes a = header_only();
        a.raw({0x41, 0x00, 0x00});
        CHECK(name_at(a, 12, &end) == "");
        CHECK(end == 0);
        Bytes b = header_only();
        b.raw({1, 'a', 0x80, 0x01, 0});
        CHECK(name_at(b, 12, &end) == "");
        CHECK(end == 0);
    }

    // ---------------------------------------------------------------- parse_message

    TEST_CASE("parse_message: a well-formed message with compressed RDATA") {
        Bytes m;
        m.header(0xABCD, w::flag::QR | w::flag::AA | w::flag::RD, 1, 2, 0, 0);
        m.question("example.com.", t::MX);  // name at 12
        // MX 10 mail.example.com (compressed to the question)
        m.ptr(12)
            .u16(t::MX)
            .u16(1)
            .u32(300)
            .u16(2 + 5 + 2)
            .u16(10)
            .raw({4, 'm', 'a', 'i', 'l'})
            .ptr(12);
        // mail.example.com A 192.0.2.1
        m.raw({4, 'm', 'a', 'i', 'l'}).ptr(12).u16(t::A).u16(1).u32(60).u16(4).raw({192, 0, 2, 1});
        auto r = w::parse_message(m.span());
        REQUIRE(r);
        const w::Message& msg = *r;
        CHECK(msg.header.id == 0xABCD);
        CHECK((msg.header.flags & w::flag::AA) != 0);
        CHECK(msg.header.opcode() == 0);
        CHECK(msg.header.rcode() == 0);
        REQUIRE(msg.question.size() == 1);
        CHECK(msg.question[0].name == N("example.com."));
        CHECK(msg.question[0].type == t::MX);
        CHECK(msg.question[0].qclass == 1);
        REQUIRE(msg.answer.size() == 2);
        CHECK(msg.answer[0].owner.to_text() == "example.com.");
        CHECK(msg.answer[0].ttl == 300);
        CHECK(msg.answer[0].rdata == S({0, 10}) + W("mail.example.com."));
        CHECK(msg.answer[1].owner.to_text() == "mail.example.com.");
        CHECK(msg.answer[1].rdata == S({192, 0, 2, 1}));
        CHECK_FALSE(msg.edns.present);
        CHECK_FALSE(msg.has_tsig);
    }

    TEST_CASE("parse_message: shorter than a header") {
        Bytes m = header_only();
        m.b.pop_back();
        CHECK_FALSE(w::parse_message(m.span()));
        CHECK_FALSE(w::parse_message({}));
    }

    TEST_CASE("parse_message: counts larger than the data") {
        Bytes q;
        q.header(1, 0, 1, 0, 0, 0);
        CHECK_FALSE(w::parse_message(q.span()));  // question missing

        Bytes m;
        m.header(1, 0, 1, 3, 0, 0).question("a.example.", t::A);
        m.rr_head("a.example.", t::A, 1, 60, 4).raw({1, 2, 3, 4});
        auto r = w::parse_message(m.span());
        REQUIRE_FALSE(r);
        CHECK(r.error().code == dns::Errc::malformed);
        m.set16(6, 1);  // the right count parses
        CHECK(w::parse_message(m.span()));
        m.set16(10, 0xFFFF);  // huge additional count
        CHECK_FALSE(w::parse_message(m.span()));
        m.set16(10, 0).set16(8, 2);  // authority count without records
        CHECK_FALSE(w::parse_message(m.span()));
    }

    TEST_CASE("parse_message: truncated records") {
        Bytes full;
        full.header(1, 0, 1, 1, 0, 0).question("a.example.", t::A);
        full.rr_head("a.example.", t::A, 1, 60, 4).raw({1, 2, 3, 4});
        REQUIRE(w::parse_message(full.span()));
        // Every proper prefix that ends inside the answer record fails.
        for (size_t cut = 12 + 14; cut < full.size(); ++cut) {
            CAPTURE(cut);
            std::span<const uint8_t> part(full.b.data(), cut);
            CHECK_FALSE(w::parse_message(part));
        }
    }

    TEST_CASE("parse_message: RDATA running past the end") {
        Bytes m;
        m.header(1, 0, 0, 1, 0, 0);
        m.rr_head("a.example.", t::TXT, 1, 60, 10).raw({3, 'a', 'b', 'c'});
        auto r = w::parse_message(m.span());
        REQUIRE_FALSE(r);
        CHECK(r.error().code == dns::Errc::malformed);

        // A name inside RDATA that runs past RDLENGTH (MX with RDLENGTH 4).
        Bytes mx;
        mx.header(1, 0, 0, 1, 0, 0);
        mx.rr_head("a.example.", t::MX, 1, 60, 4).u16(10).raw({3, 'f', 'o', 'o', 0});
        CHECK_FALSE(w::parse_message(mx.span()));

        // Fixed fields of SOA cut by RDLENGTH.
        Bytes soa;
        soa.header(1, 0, 0, 1, 0, 0);
        soa.rr_head("example.", t::SOA, 1, 60, 3 + 3 + 19).raw({1, 'a', 0}).raw({1, 'b', 0});
        for (int i = 0; i < 19; ++i) soa.u8(0);
        CHECK_FALSE(w::parse_message(soa.span()));
    }

    TEST_CASE("parse_message: bad compression inside a message is an error") {
        Bytes m;
        m.header(1, 0, 1, 0, 0, 0);
        m.ptr(12).u16(t::A).u16(1);  // the question name points at itself
        CHECK_FALSE(w::parse_message(m.span()));

        // MX whose exchange name points forward, past the end of the message.
        Bytes fwd;
        fwd.header(1, 0, 0, 1, 0, 0);
        fwd.rr_head("a.example.", t::MX, 1, 60, 4).u16(10).ptr(40);
        CHECK_FALSE(w::parse_message(fwd.span()));
        // The same record pointing back at its owner parses.
        Bytes back;
        back.header(1, 0, 0, 1, 0, 0);
        back.rr_head("a.example.", t::MX, 1, 60, 4).u16(10).ptr(12);
        auto r = w::parse_message(back.span());
        REQUIRE(r);
        CHECK(r->answer[0].rdata == S({0, 10}) + W("a.example."));
    }

    TEST_CASE("parse_message: EDNS") {
        Bytes m;
        m.header(7, 0, 1, 0, 0, 1).question("example.", t::SOA);
        m.opt(4096, 0x01008000u,
              cat(option(w::edns_opt::NSID, ""), option(w::edns_opt::COOKIE, "12345678")));
        auto r = w::parse_message(m.span());
        REQUIRE(r);
        CHECK(r->edns.present);
        CHECK(r->edns.udp_size == 4096);
        CHECK(r->edns.ext_rcode == 1);
        CHECK(r->edns.version == 0);
        CHECK(r->edns.do_bit);
        CHECK(r->rcode() == 16);
        CHECK(r->additional.empty());  // OPT is moved out
        REQUIRE(r->edns.options.size() == 2);
        CHECK(r->edns.options[0].code == w::edns_opt::NSID);
        CHECK(r->edns.options[0].data.empty());
        CHECK(r->edns.options[1].code == w::edns_opt::COOKIE);
        CHECK(r->edns.options[1].data == "12345678");
    }

    TEST_CASE("parse_message: two OPT records are an error") {
        Bytes m;
        m.header(7, 0, 1, 0, 0, 2).question("example.", t::SOA);
        m.opt(1232, 0).opt(1232, 0);
        auto r = w::parse_message(m.span());
        REQUIRE_FALSE(r);
        CHECK(r.error().code == dns::Errc::malformed);
    }

    TEST_CASE("parse_message: OPT with a non-root owner or a truncated option") {
        Bytes m;
        m.header(7, 0, 1, 0, 0, 1).question("example.", t::SOA);
        m.rr_head("example.", t::OPT, 1232, 0, 0);
        CHECK_FALSE(w::parse_message(m.span()));

        Bytes o;
        o.header(7, 0, 1, 0, 0, 1).question("example.", t::SOA);
        o.opt(1232, 0, {0, 3, 0, 5, 'a', 'b'});  // option length 5, 2 bytes present
        CHECK_FALSE(w::parse_message(o.span()));

        Bytes o2;
        o2.header(7, 0, 1, 0, 0, 1).question("example.", t::SOA);
        o2.opt(1232, 0, {0, 3, 0});  // option header cut
        CHECK_FALSE(w::parse_message(o2.span()));
    }

    TEST_CASE("parse_message: trailing bytes are an error") {
        Bytes m;
        m.header(7, 0, 1, 0, 0, 0).question("example.", t::A);
        REQUIRE(w::parse_message(m.span()));
        m.u8(0);
        auto r = w::parse_message(m.span());
        REQUIRE_FALSE(r);
        CHECK(r.error().code == dns::Errc::malformed);
    }

    TEST_CASE("parse_message: TSIG must be the last record") {
        const std::string tsig_rdata = W("hmac-sha256.") + std::string(16, '\x01');
        Bytes last;
        last.header(7, 0, 1, 0, 0, 2).question("example.", t::A);
        last.opt(1232, 0);
        size_t tsig_at = last.size();
        last.rr_head("key.example.", t::TSIG, w::rrclass::ANY, 0,
                     static_cast<uint16_t>(tsig_rdata.size()))
            .str(tsig_rdata);
        auto r = w::parse_message(last.span());
        REQUIRE(r);
        CHECK(r->has_tsig);
        CHECK(r->tsig_offset == tsig_at);
        REQUIRE(r->additional.size() == 1);
        CHECK(r->additional[0].type == t::TSIG);
        CHECK(r->edns.present);

        Bytes notlast;
        notlast.header(7, 0, 1, 0, 0, 2).question("example.", t::A);
        notlast
            .rr_head("key.example.", t::TSIG, w::rrclass::ANY, 0,
                     static_cast<uint16_t>(tsig_rdata.size()))
            .str(tsig_rdata);
        notlast.opt(1232, 0);
        CHECK_FALSE(w::parse_message(notlast.span()));
    }

    // ---------------------------------------------------------------- decompress_rdata

    TEST_CASE("decompress_rdata: MX and SOA") {
        Bytes m = header_only();
        m.name("example.com.");  // 12
        size_t mx_at = m.size();
        m.u16(20).raw({4, 'm', 'a', 'i', 'l'}).ptr(12);
        uint16_t mx_len = static_cast<uint16_t>(m.size() - mx_at);
        size_t soa_at = m.size();
        m.raw({3, 'n', 's', '1'})
            .ptr(12)
            .raw({10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r'})
            .ptr(12);
        m.u32(2024010101).u32(7200).u32(3600).u32(1209600).u32(300);
        uint16_t soa_len = static_cast<uint16_t>(m.size() - soa_at);

        auto mx = w::decompress_rdata(m.span(), mx_at, mx_len, t::MX);
        REQUIRE(mx);
        CHECK(*mx == S({0, 20}) + W("mail.example.com."));

        auto soa = w::decompress_rdata(m.span(), soa_at, soa_len, t::SOA);
        REQUIRE(soa);
        std::string fixed = S({0x78, 0xA3, 0xF1, 0x75, 0,    0, 0x1C, 0x20, 0, 0,
                               0x0E, 0x10, 0,    0x12, 0x75, 0, 0,    0,    1, 0x2C});
        CHECK(*soa == W("ns1.example.com.") + W("hostmaster.example.com.") + fixed);

        // One octet short of the fixed fields, one octet too many, and past the message.
        CHECK_FALSE(
            w::decompress_rdata(m.span(), soa_at, static_cast<uint16_t>(soa_len - 1), t::SOA));
        CHECK_FALSE(w::decompress_rdata(m.span(), mx_at, static_cast<uint16_t>(mx_len + 1), t::MX));
        CHECK_FALSE(
            w::decompress_rdata(m.span(), soa_at, static_cast<uint16_t>(soa_len + 1), t::SOA));
        // An MX too short for its preference.
        CHECK_FALSE(w::decompress_rdata(m.span(), mx_at, 1, t::MX));
    }

    TEST_CASE("decompress_rdata: opaque types are copied, RRSIG signer names expanded") {
        Bytes m = header_only();
        m.name("example.com.");  // 12
        size_t txt_at = m.size();
        m.raw({2, 'h', 'i', 0xC0, 0x0C});  // looks like a pointer, but TXT is opaque
        auto txt = w::decompress_rdata(m.span(), txt_at, 5, t::TXT);
        REQUIRE(txt);
        CHECK(*txt == S({2, 'h', 'i', 0xC0, 0x0C}));

        size_t sig_at = m.size();
        for (int i = 0; i < 18; ++i) m.u8(static_cast<uint8_t>(i));
        m.ptr(12).raw({0xAA, 0xBB, 0xCC});
        auto sig = w::decompress_rdata(m.span(), sig_at, static_cast<uint16_t>(m.size() - sig_at),
                                       t::RRSIG);
        REQUIRE(sig);
        std::string fixed;
        for (int i = 0; i < 18; ++i) fixed.push_back(static_cast<char>(i));
        CHECK(*sig == fixed + W("example.com.") + S({0xAA, 0xBB, 0xCC}));
    }

    // ---------------------------------------------------------------- Writer

    TEST_CASE("Writer: a name written twice becomes a 2-byte pointer") {
        uint8_t buf[512];
        w::Writer wr(buf, sizeof buf);
        uint8_t zeros[12] = {};
        REQUIRE(wr.bytes(zeros, 12));
        w::Name n = N("www.example.com.");
        REQUIRE(wr.name(n.data(), true));
        CHECK(wr.size() == 12 + 17);
        REQUIRE(wr.name(n.data(), true));
        CHECK(wr.size() == 12 + 17 + 2);
        CHECK(buf[29] == 0xC0);
        CHECK(buf[30] == 12);
        // Suffixes too.
        w::Name ex = N("example.com.");
        REQUIRE(wr.name(ex.data(), true));
        CHECK(wr.size() == 33);
        CHECK(buf[31] == 0xC0);
        CHECK(buf[32] == 16);
        w::Name com = N("com.");
        REQUIRE(wr.name(com.data(), true));
        CHECK(buf[33] == 0xC0);
        CHECK(buf[34] == 24);
        // The root is never compressed: one zero byte.
        w::Name root;
        REQUIRE(wr.name(root.data(), true));
        CHECK(wr.size() == 36);
        CHECK(buf[35] == 0);
        // Every name reads back.
        Bytes all;
        all.b.assign(buf, buf + wr.size());
        CHECK(name_at(all, 29) == "www.example.com.");
        CHECK(name_at(all, 31) == "example.com.");
        CHECK(name_at(all, 33) == "com.");
    }

    TEST_CASE("Writer: suffix match is case-insensitive") {
        uint8_t buf[512];
        w::Writer wr(buf, sizeof buf);
        uint8_t zeros[12] = {};
        REQUIRE(wr.bytes(zeros, 12));
        w::Name a = N("WWW.Example.COM.");
        w::Name b = N("mail.example.com.");
        REQUIRE(wr.name(a.data(), true));
        REQUIRE(wr.name(b.data(), true));
        CHECK(wr.size() == 29 + 5 + 2);
        CHECK(std::memcmp(buf + 29, "\x04mail\xC0\x10", 7) == 0);
        // The second name does not match a different suffix.
        w::Name c = N("www.example.net.");
        size_t before = wr.size();
        REQUIRE(wr.name(c.data(), true));
        CHECK(wr.size() == before + c.size());
    }

    TEST_CASE("Writer: case-sensitive compression points only at the same bytes") {
        uint8_t buf[512];
        w::Writer wr(buf, sizeof buf);
        wr.set_case_sensitive(true);
        uint8_t zeros[12] = {};
        REQUIRE(wr.bytes(zeros, 12));
        w::Name a = N("www.example.com.");
        w::Name b = N("mail.Example.com.");  // only "com." matches exactly
        REQUIRE(wr.name(a.data(), true));
        REQUIRE(wr.name(b.data(), true));
        CHECK(wr.size() == 29 + 5 + 8 + 2);
        CHECK(std::memcmp(buf + 29,
                          "\x04mail\x07"
                          "Example\xC0\x18",
                          15) == 0);
        w::Name c = N("ftp.example.com.");  // the whole suffix "example.com." matches
        size_t before = wr.size();
        REQUIRE(wr.name(c.data(), true));
        CHECK(wr.size() == before + 4 + 2);
    }

    TEST_CASE("Writer: compress=false writes in full but still offers the labels") {
        uint8_t buf[512];
        w::Writer wr(buf, sizeof buf);
        uint8_t zeros[12] = {};
        REQUIRE(wr.bytes(zeros, 12));
        w::Name a = N("a.example.org.");
        REQUIRE(wr.name(a.data(), false));
        REQUIRE(wr.name(a.data(), false));
        CHECK(wr.size() == 12 + 2 * a.size());
        w::Name b = N("b.example.org.");
        REQUIRE(wr.name(b.data(), true));
        CHECK(wr.size() == 12 + 2 * a.size() + 4);
        CHECK(buf[12 + 2 * a.size() + 2] == 0xC0);
        CHECK(buf[12 + 2 * a.size() + 3] == 14);  // example.org. of the first copy
    }

    TEST_CASE("Writer: the limit is never passed and a failed write leaves no trace") {
        uint8_t buf[64];
        std::memset(buf, 0xEE, sizeof buf);
        w::Writer wr(buf, sizeof buf);
        CHECK(wr.limit() == 64);
        wr.set_limit(20);
        CHECK(wr.limit() == 20);
        CHECK(wr.room() == 20);
        uint8_t zeros[12] = {};
        REQUIRE(wr.bytes(zeros, 12));
        w::Name n = N("www.example.com.");
        CHECK_FALSE(wr.name(n.data(), true));
        CHECK(wr.size() == 12);
        CHECK(buf[20] == 0xEE);  // nothing written past the limit
        REQUIRE(wr.u32(1));
        REQUIRE(wr.u16(2));
        CHECK(wr.room() == 2);
        CHECK_FALSE(wr.u32(3));
        CHECK(wr.size() == 18);
        CHECK(wr.u16(4));
        CHECK(wr.room() == 0);
        CHECK_FALSE(wr.u8(5));
        CHECK_FALSE(wr.bytes(zeros, 1));
        CHECK(wr.size() == 20);
        CHECK(buf[20] == 0xEE);
        // The failed name was not remembered: with room again it is written in full.
        wr.set_limit(1000);  // clamped to the capacity
        CHECK(wr.limit() == 64);
        w::Name ex = N("example.com.");
        REQUIRE(wr.name(ex.data(), true));
        CHECK(wr.size() == 20 + ex.size());
    }

    TEST_CASE("Writer: mark and rollback") {
        uint8_t buf[512];
        w::Writer wr(buf, sizeof buf);
        uint8_t zeros[12] = {};
        REQUIRE(wr.bytes(zeros, 12));
        auto m = wr.mark();
        w::Name n = N("www.example.com.");
        REQUIRE(wr.name(n.data(), true));
        REQUIRE(wr.u16(1));
        wr.rollback(m);
        CHECK(wr.size() == 12);
        // The rolled-back name is forgotten: no pointer into the discarded bytes.
        w::Name ex = N("example.com.");
        REQUIRE(wr.name(ex.data(), true));
        CHECK(wr.size() == 12 + ex.size());
        // reset() forgets everything.
        wr.reset(12);
        REQUIRE(wr.name(ex.data(), true));
        CHECK(wr.size() == 12 + ex.size());
    }

    TEST_CASE("Writer: no pointers to offsets beyond 0x3FFF") {
        std::vector<uint8_t> buf(0x5000);
        w::Writer wr(buf.data(), buf.size());
        std::vector<uint8_t> fill(0x4000, 0);
        REQUIRE(wr.bytes(fill.data(), fill.size()));
        w::Name n = N("www.example.com.");
        REQUIRE(wr.name(n.data(), true));
        size_t after_first = wr.size();
        REQUIRE(wr.name(n.data(), true));
        CHECK(wr.size() == after_first + n.size());
    }

    TEST_CASE("Writer: patch_u16, pointer and remember_name") {
        uint8_t buf[128];
        w::Writer wr(buf, sizeof buf);
        REQUIRE(wr.u16(0));
        wr.patch_u16(0, 0xBEEF);
        CHECK(buf[0] == 0xBE);
        CHECK(buf[1] == 0xEF);
        // A name copied in by hand and registered.
        size_t at = wr.size();
        w::Name n = N("host.example.");
        REQUIRE(wr.bytes(n.data(), n.size()));
        wr.remember_name(at);
        w::Name e = N("example.");
        REQUIRE(wr.name(e.data(), true));
        CHECK(buf[at + n.size()] == 0xC0);
        CHECK(buf[at + n.size() + 1] == at + 5);
        REQUIRE(wr.pointer(static_cast<uint16_t>(at)));
        CHECK(buf[wr.size() - 2] == 0xC0);
        CHECK(buf[wr.size() - 1] == at);
    }

    TEST_CASE("write_rr rolls back when the record does not fit") {
        uint8_t buf[64];
        w::Writer wr(buf, sizeof buf);
        uint8_t zeros[12] = {};
        REQUIRE(wr.bytes(zeros, 12));
        w::Name owner = N("www.example.com.");
        std::string rd(40, 'x');
        CHECK_FALSE(w::write_rr(wr, owner.data(), t::NULL_, 1, 60,
                                reinterpret_cast<const uint8_t*>(rd.data()),
                                static_cast<uint16_t>(rd.size())));
        CHECK(wr.size() == 12);
        const uint8_t a[4] = {192, 0, 2, 1};
        REQUIRE(w::write_rr(wr, owner.data(), t::A, 1, 60, a, 4));
        CHECK(wr.size() == 12 + 17 + 10 + 4);
        CHECK(buf[12 + 17 + 8] == 0);  // RDLENGTH patched to 4
        CHECK(buf[12 + 17 + 9] == 4);
    }

    // ---------------------------------------------------------------- write_message

    TEST_CASE("write_message -> parse_message round trip") {
        w::Message m;
        m.header.id = 0xBEEF;
        m.header.flags = w::flag::QR | w::flag::AA | w::flag::RD | 3;  // NXDOMAIN
        m.question.push_back({N("WWW.example.com."), t::A, 1});
        m.answer.push_back({N("www.example.com."), t::CNAME, 1, 300, W("host.example.com.")});
        m.answer.push_back({N("host.example.com."), t::A, 1, 60, S({192, 0, 2, 1})});
        m.answer.push_back({N("example.com."), t::MX, 1, 60, S({0, 10}) + W("mail.example.com.")});
        m.answer.push_back({N("example.com."), t::TXT, 1, 60, S({5, 'h', 'e', 'l', 'l', 'o'})});
        m.authority.push_back({N("example.com."), t::NS, 1, 3600, W("ns1.example.com.")});
        m.authority.push_back(
            {N("example.com."), t::SOA, 1, 3600,
             W("ns1.example.com.") + W("h.example.com.") + std::string(20, '\x01')});
        m.additional.push_back({N("ns1.example.com."), t::A, 1, 3600, S({192, 0, 2, 53})});
        m.additional.push_back({N("ns1.example.com."), t::AAAA, 1, 3600, std::string(16, '\x20')});
        m.edns.present = true;
        m.edns.udp_size = 4096;
        m.edns.do_bit = true;
        m.edns.ext_rcode = 0;
        m.edns.options.push_back({w::edns_opt::NSID, "pop1"});
        m.edns.options.push_back({w::edns_opt::COOKIE, "abcdefgh"});
        m.additional.push_back(
            {N("key.example."), t::TSIG, w::rrclass::ANY, 0, W("hmac-sha256.") + "sig"});

        std::vector<uint8_t> buf(4096);
        w::Writer wr(buf.data(), buf.size());
        REQUIRE(w::write_message(m, wr));
        // The answer owner is compressed to the question name.
        CHECK(buf[12 + 17 + 4] == 0xC0);
        CHECK(buf[12 + 17 + 5] == 12);

        auto r = w::parse_message({buf.data(), wr.size()});
        REQUIRE(r);
        const w::Message& p = *r;
        CHECK(p.header.id == 0xBEEF);
        CHECK(p.header.flags == m.header.flags);
        CHECK(p.header.ancount == 4);
        CHECK(p.header.nscount == 2);
        CHECK(p.header.arcount == 4);
        REQUIRE(p.question.size() == 1);
        CHECK(p.question[0].name.to_text() == "WWW.example.com.");
        auto same = [](const std::vector<w::RR>& a, const std::vector<w::RR>& b) {
            REQUIRE(a.size() == b.size());
            for (size_t i = 0; i < a.size(); ++i) {
                CAPTURE(i);
                CHECK(a[i].owner == b[i].owner);  // case may come from a compression target
                CHECK(a[i].type == b[i].type);
                CHECK(a[i].rrclass == b[i].rrclass);
                CHECK(a[i].ttl == b[i].ttl);
                CHECK(a[i].rdata == b[i].rdata);
            }
        };
        same(p.answer, m.answer);
        same(p.authority, m.authority);
        same(p.additional, m.additional);
        CHECK(p.has_tsig);
        CHECK(p.edns.present);
        CHECK(p.edns.udp_size == 4096);
        CHECK(p.edns.do_bit);
        REQUIRE(p.edns.options.size() == 2);
        CHECK(p.edns.options[0].code == w::edns_opt::NSID);
        CHECK(p.edns.options[0].data == "pop1");
        CHECK(p.edns.options[1].data == "abcdefgh");
        // Compression made the message smaller than its names written in full.
        size_t full = 12 + 17 + 4;
        for (const auto* sec : {&m.answer, &m.authority, &m.additional})
            for (const auto& rr : *sec) full += rr.owner.size() + 10 + rr.rdata.size();
        full += 11 + 4 + 4 + 4 + 8;
        CHECK(wr.size() < full);
    }

    TEST_CASE("write_message fails cleanly when the buffer is too small") {
        w::Message m;
        m.question.push_back({N("www.example.com."), t::A, 1});
        m.answer.push_back({N("www.example.com."), t::A, 1, 60, S({1, 2, 3, 4})});
        uint8_t buf[40];
        w::Writer wr(buf, sizeof buf);
        CHECK_FALSE(w::write_message(m, wr));
        CHECK(wr.size() <= sizeof buf);
    }

    TEST_CASE("make_query builds a parseable query") {
        auto q = w::make_query(N("WWW.Example.com."), t::AAAA, 0x1234, true, true);
        auto r = w::parse_message(q);
        REQUIRE(r);
        CHECK(r->header.id == 0x1234);
        CHECK((r->header.flags & w::flag::QR) == 0);
        REQUIRE(r->question.size() == 1);
        CHECK(r->question[0].name.to_text() == "WWW.Example.com.");
        CHECK(r->question[0].type == t::AAAA);
        CHECK(r->question[0].qclass == 1);
        CHECK(r->edns.present);
        CHECK(r->edns.udp_size == 1232);
        CHECK(r->edns.do_bit);
        CHECK(q.size() == 12 + 17 + 4 + 11);

        auto plain = w::make_query(N("example.com."), t::SOA, 1, false, false, w::rrclass::CH);
        CHECK(plain.size() == 12 + 13 + 4);
        auto pr = w::parse_message(plain);
        REQUIRE(pr);
        CHECK_FALSE(pr->edns.present);
        CHECK(pr->question[0].qclass == w::rrclass::CH);
    }

    // ---------------------------------------------------------------- parse_query

    TEST_CASE("parse_query: a good query") {
        auto bytes = w::make_query(N("WWW.Example.com."), t::MX, 0x7777, true, true);
        w::Query q{};
        REQUIRE(w::parse_query(bytes, q) == w::QueryStatus::ok);
        CHECK(q.id == 0x7777);
        CHECK(q.qtype == t::MX);
        CHECK(q.qclass == 1);
        CHECK(q.qname_len == 17);
        CHECK(w::to_text(q.qname) == "WWW.Example.com.");
        CHECK(w::to_text(q.lname) == "www.example.com.");
        CHECK(q.question_end == 12 + 17 + 4);
        CHECK(q.has_edns);
        CHECK(q.udp_size == 1232);
        CHECK(q.do_bit);
        CHECK(q.edns_version == 0);
        CHECK_FALSE(q.nsid);
        CHECK_FALSE(q.zoneversion);
        CHECK_FALSE(q.has_tsig);
        CHECK(q.opcode() == 0);

        auto plain = w::make_query(N("example.com."), t::A, 1, false);
        REQUIRE(w::parse_query(plain, q) == w::QueryStatus::ok);
        CHECK_FALSE(q.has_edns);
        CHECK_FALSE(q.do_bit);
        CHECK(q.udp_size == 512);
    }

    TEST_CASE("parse_query: no header or QR set -> drop") {
        w::Query q{};
        Bytes tiny;
        tiny.raw({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0});
        CHECK(pq(tiny, q) == w::QueryStatus::drop);
        CHECK(w::parse_query({}, q) == w::QueryStatus::drop);
        Bytes resp = query(w::flag::QR, 1, 0, 0, 0);
        CHECK(pq(resp, q) == w::QueryStatus::drop);
        Bytes resp_aa = query(w::flag::QR | w::flag::AA, 1, 0, 0, 0);
        CHECK(pq(resp_aa, q) == w::QueryStatus::drop);
    }

    TEST_CASE("parse_query: QDCOUNT 0 or 2 -> FORMERR") {
        w::Query q{};
        Bytes zero = query(0, 0, 0, 0, 0);
        CHECK(pq(zero, q) == w::QueryStatus::formerr);
        CHECK(q.question_end == 0);
        Bytes two;
        two.header(1, 0, 2, 0, 0, 0).question("a.example.", t::A).question("b.example.", t::A);
        CHECK(pq(two, q) == w::QueryStatus::formerr);
        CHECK(q.question_end == 0);
    }

    TEST_CASE("parse_query: opcodes other than QUERY and NOTIFY -> NOTIMP") {
        w::Query q{};
        for (uint16_t op : {1, 2, 3, 5, 6, 15}) {
            CAPTURE(op);
            Bytes b = query(static_cast<uint16_t>(op << 11), 1, 0, 0, 0);
            CHECK(pq(b, q) == w::QueryStatus::notimp);
            CHECK(q.opcode() == op);
        }
        // With a question, it is kept for the response.
        Bytes status = query(static_cast<uint16_t>(2 << 11), 1, 0, 0, 0);
        REQUIRE(pq(status, q) == w::QueryStatus::notimp);
        CHECK(q.question_end == status.size());
        // NOTIFY (4) is parsed like a query.
        Bytes notify = query(static_cast<uint16_t>(4 << 11), 1, 0, 0, 0, "example.com.", t::SOA);
        CHECK(pq(notify, q) == w::QueryStatus::ok);
        CHECK(q.opcode() == 4);
    }

    TEST_CASE("parse_query: EDNS fields") {
        w::Query q{};
        SUBCASE("small UDP size is raised to 512") {
            Bytes b = query(0, 1, 0, 0, 1);
            b.opt(100, 0);
            REQUIRE(pq(b, q) == w::QueryStatus::ok);
            CHECK(q.has_edns);
            CHECK(q.udp_size == 512);
        }
        SUBCASE("large UDP size is kept") {
            Bytes b = query(0, 1, 0, 0, 1);
            b.opt(4096, 0);
            REQUIRE(pq(b, q) == w::QueryStatus::ok);
            CHECK(q.udp_size == 4096);
            CHECK_FALSE(q.do_bit);
        }
        SUBCASE("DO bit and version") {
            Bytes b = query(0, 1, 0, 0, 1);
            b.opt(1232, 0x00018000u);
            REQUIRE(pq(b, q) == w::QueryStatus::ok);
            CHECK(q.do_bit);
            CHECK(q.edns_version == 1);
        }
        SUBCASE("NSID and ZONEVERSION options among others") {
            Bytes b = query(0, 1, 0, 0, 1);
            b.opt(1232, 0,
                  cat(cat(option(w::edns_opt::COOKIE, "12345678"), option(w::edns_opt::NSID, "")),
                      option(w::edns_opt::ZONEVERSION, "")));
            REQUIRE(pq(b, q) == w::QueryStatus::ok);
            CHECK(q.nsid);
            CHECK(q.zoneversion);
        }
        SUBCASE("no options") {
            Bytes b = query(0, 1, 0, 0, 1);
            b.opt(1232, 0, option(w::edns_opt::COOKIE, "12345678"));
            REQUIRE(pq(b, q) == w::QueryStatus::ok);
            CHECK_FALSE(q.nsid);
            CHECK_FALSE(q.zoneversion);
        }
        SUBCASE("truncated option -> FORMERR") {
            Bytes b = query(0, 1, 0, 0, 1);
            b.opt(1232, 0, {0, 3, 0, 4, 'a'});
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
        SUBCASE("two OPT records -> FORMERR") {
            Bytes b = query(0, 1, 0, 0, 2);
            b.opt(1232, 0).opt(1232, 0);
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
        SUBCASE("OPT with a non-root owner -> FORMERR") {
            Bytes b = query(0, 1, 0, 0, 1);
            b.rr_head("x.", t::OPT, 1232, 0, 0);
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
    }

    TEST_CASE("parse_query: TSIG must be last") {
        w::Query q{};
        const std::string tsig = W("hmac-sha256.") + std::string(10, '\x02');
        Bytes last = query(0, 1, 0, 0, 2);
        last.opt(1232, 0);
        last.rr_head("key.", t::TSIG, w::rrclass::ANY, 0, static_cast<uint16_t>(tsig.size()))
            .str(tsig);
        REQUIRE(pq(last, q) == w::QueryStatus::ok);
        CHECK(q.has_tsig);
        CHECK(q.has_edns);

        Bytes notlast = query(0, 1, 0, 0, 2);
        notlast.rr_head("key.", t::TSIG, w::rrclass::ANY, 0, static_cast<uint16_t>(tsig.size()))
            .str(tsig);
        notlast.opt(1232, 0);
        CHECK(pq(notlast, q) == w::QueryStatus::formerr);

        Bytes two = query(0, 1, 0, 0, 2);
        two.rr_head("key.", t::TSIG, w::rrclass::ANY, 0, static_cast<uint16_t>(tsig.size()))
            .str(tsig);
        two.rr_head("key.", t::TSIG, w::rrclass::ANY, 0, static_cast<uint16_t>(tsig.size()))
            .str(tsig);
        CHECK(pq(two, q) == w::QueryStatus::formerr);
    }

    TEST_CASE("parse_query: malformed input -> FORMERR") {
        w::Query q{};
        SUBCASE("trailing bytes") {
            Bytes b = query(0, 1, 0, 0, 0);
            b.u8(0);
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
        SUBCASE("question cut short") {
            Bytes b = query(0, 1, 0, 0, 0);
            b.b.resize(b.size() - 1);
            CHECK(pq(b, q) == w::QueryStatus::formerr);
            CHECK(q.question_end == 0);
        }
        SUBCASE("question name with a pointer loop") {
            Bytes b;
            b.header(1, 0, 1, 0, 0, 0).ptr(12).u16(t::A).u16(1);
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
        SUBCASE("additional count larger than the data") {
            Bytes b = query(0, 1, 0, 0, 3);
            b.opt(1232, 0);
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
        SUBCASE("answer record with RDATA past the end") {
            Bytes b = query(0, 1, 1, 0, 0);
            b.rr_head("a.", t::A, 1, 0, 8).raw({1, 2, 3, 4});
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
        SUBCASE("a well-formed answer record is skipped") {
            Bytes b = query(0, 1, 1, 0, 0);
            b.rr_head("a.", t::A, 1, 0, 4).raw({1, 2, 3, 4});
            CHECK(pq(b, q) == w::QueryStatus::ok);
        }
        SUBCASE("counts of 65535 everywhere") {
            Bytes b = query(0, 1, 0xFFFF, 0xFFFF, 0xFFFF);
            CHECK(pq(b, q) == w::QueryStatus::formerr);
        }
    }

    // ---------------------------------------------------------------- rdata_well_formed, rrtype

    TEST_CASE("rdata_well_formed") {
        auto ok = [](uint16_t type, const std::string& rd) {
            return w::rdata_well_formed(type, reinterpret_cast<const uint8_t*>(rd.data()),
                                        rd.size());
        };
        CHECK(ok(t::A, S({1, 2, 3, 4})));
        CHECK_FALSE(ok(t::A, S({1, 2, 3})));
        CHECK_FALSE(ok(t::A, S({1, 2, 3, 4, 5})));
        CHECK(ok(t::AAAA, std::string(16, '\0')));
        CHECK_FALSE(ok(t::AAAA, std::string(15, '\0')));
        CHECK(ok(t::NS, W("ns1.example.")));
        CHECK_FALSE(ok(t::NS, S({1, 'a', 0xC0, 0x0C})));  // compressed
        CHECK_FALSE(ok(t::NS, S({3, 'n', 's'})));         // cut
        CHECK_FALSE(ok(t::NS, W("ns1.example.") + "x"));  // extra byte
        CHECK(ok(t::MX, S({0, 10}) + W("mail.example.")));
        CHECK_FALSE(ok(t::MX, S({0})));
        CHECK_FALSE(ok(t::MX, S({0, 10})));
        std::string soa = W("ns.") + W("h.") + std::string(20, '\0');
        CHECK(ok(t::SOA, soa));
        CHECK_FALSE(ok(t::SOA, soa.substr(0, soa.size() - 1)));
        CHECK(ok(t::TXT, S({2, 'h', 'i', 0})));
        CHECK(ok(65280, S({0x0a, 0, 0, 1})));
        CHECK(ok(65280, ""));
        CHECK(ok(t::SRV, S({0, 1, 0, 2, 0, 3}) + W("sip.example.")));
        CHECK_FALSE(ok(t::SRV, S({0, 1, 0, 2, 0, 3})));
    }

    TEST_CASE("RR type table") {
        CHECK(w::type_from_text("A") == t::A);
        CHECK(w::type_from_text("aaaa") == t::AAAA);
        CHECK(w::type_from_text("Rrsig") == t::RRSIG);
        CHECK(w::type_from_text("TYPE65280") == 65280);
        CHECK(w::type_from_text("type1") == 1);
        CHECK_FALSE(w::type_from_text("TYPE65536"));
        CHECK_FALSE(w::type_from_text("TYPE"));
        CHECK_FALSE(w::type_from_text("TYPE1x"));
        CHECK_FALSE(w::type_from_text("FOO"));
        CHECK_FALSE(w::type_from_text("AA"));
        CHECK(w::type_to_text(t::MX) == "MX");
        CHECK(w::type_to_text(65280) == "TYPE65280");
        CHECK(w::class_to_text(1) == "IN");
        CHECK(w::class_to_text(3) == "CH");
        CHECK(w::class_to_text(42) == "CLASS42");
        CHECK(w::rdata_has_names(t::MX));
        CHECK(w::rdata_has_names(t::SOA));
        CHECK(w::rdata_has_names(t::RRSIG));
        CHECK_FALSE(w::rdata_has_names(t::A));
        CHECK_FALSE(w::rdata_has_names(t::TXT));
        CHECK_FALSE(w::rdata_has_names(65280));
        CHECK(w::is_meta_type(t::OPT));
        CHECK(w::is_meta_type(t::ANY));
        CHECK(w::is_meta_type(t::AXFR));
        CHECK(w::is_meta_type(t::TSIG));
        CHECK_FALSE(w::is_meta_type(t::A));
        CHECK_FALSE(w::is_meta_type(t::URI));
    }

}  // TEST_SUITE
