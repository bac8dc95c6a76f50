// lib/xfr/tsig: key parsing, dnspython known-answer vectors (signing, verifying,
// request MAC chaining, TCP streams), and the failure cases of RFC 8945.

#include "lib/xfr/tsig.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "test_util.hpp"

namespace x = dns::xfr;
namespace w = dns::wire;
using Bytes8 = std::vector<uint8_t>;
using test::N;

namespace {

#include "tsig_vectors.inc"

constexpr size_t kCap = 65535;

/// The error message of a failed Result ("" when it holds a value).
template <class R>
std::string why(const R& r) {
    return r.has_value() ? std::string() : r.error().message;
}

x::TsigKey key_of(const char* spec) {
    auto k = x::parse_tsig_key(spec);
    REQUIRE_MESSAGE(k.has_value(), spec, ": ", why(k));
    return *k;
}

/// Signs msg as a client request; returns the signed bytes.
Bytes8 sign_request(x::TsigSession& s, Bytes8 msg, uint64_t now) {
    size_t len = msg.size();
    msg.resize(kCap);
    auto n = s.sign_request(msg.data(), len, msg.size(), now);
    REQUIRE_MESSAGE(n.has_value(), why(n));
    msg.resize(*n);
    return msg;
}

/// Signs msg as a server response; returns the signed bytes.
Bytes8 sign_response(x::TsigSession& s, Bytes8 msg, uint64_t now) {
    size_t len = msg.size();
    msg.resize(kCap);
    auto n = s.sign_response(msg.data(), len, msg.size(), now);
    REQUIRE_MESSAGE(n.has_value(), why(n));
    msg.resize(*n);
    return msg;
}

/// The message without its TSIG RR (ARCOUNT decremented).
Bytes8 strip_tsig(const Bytes8& msg) {
    auto t = x::parse_tsig(msg);
    REQUIRE(t.has_value());
    Bytes8 out(msg.begin(), msg.begin() + static_cast<long>(t->rr_offset));
    w::put16(out.data() + 10, static_cast<uint16_t>(w::get16(out.data() + 10) - 1));
    return out;
}

/// The message with its TSIG MAC cut down to `size` octets (RDLENGTH adjusted).
Bytes8 truncate_mac(const Bytes8& msg, size_t size) {
    auto t = x::parse_tsig(msg);
    REQUIRE(t.has_value());
    REQUIRE(size <= t->mac.size());
    const size_t cut = t->mac.size() - size;
    Bytes8 out = msg;
    const size_t mac_at = t->mac_offset, rd_at = t->rdata_offset;
    out.erase(out.begin() + static_cast<long>(mac_at + size),
              out.begin() + static_cast<long>(mac_at + t->mac.size()));
    w::put16(out.data() + mac_at - 2, static_cast<uint16_t>(size));
    w::put16(out.data() + rd_at - 2, static_cast<uint16_t>(w::get16(out.data() + rd_at - 2) - cut));
    return out;
}

/// One message of a made-up AXFR response stream: `n` A records.
Bytes8 stream_message(uint16_t id, int index, int n = 2) {
    test::Bytes b;
    b.header(id, w::flag::QR | w::flag::AA, 1, static_cast<uint16_t>(n), 0, 0);
    b.question("example.org.", w::type::AXFR);
    for (int i = 0; i < n; ++i)
        b.ptr(12).u16(w::type::A).u16(1).u32(3600).u16(4).raw({192, 0, 2, index * 10 + i});
    return b.b;
}

const char* kKey256 = "xfr.key:hmac-sha256:c2VjcmV0IGtleSBmb3IgdGhlIHVuaXQgdGVzdHM=";
const char* kKey1 = "xfr.key:hmac-sha1:c2hvcnRlciBzZWNyZXQ=";

struct Exchange {
    x::TsigSession client;
    x::TsigSession server;
};

/// A client signs an AXFR query at `now`; the server verifies it.
Exchange exchange(const char* spec, uint64_t now) {
    x::TsigKey key = key_of(spec);
    x::TsigSession client(key);
    Bytes8 q =
        sign_request(client, w::make_query(N("example.org."), w::type::AXFR, 0x4242, false), now);
    uint16_t err = 99;
    auto server = x::TsigSession::verify_request(q, {key}, now, err);
    REQUIRE_MESSAGE(server.has_value(), why(server));
    CHECK(err == x::tsig_error::NOERROR);
    return {std::move(client), std::move(*server)};
}

}  // namespace

TEST_SUITE("tsig") {
    TEST_CASE("parse_tsig_key accepts NAME:ALGORITHM:BASE64SECRET") {
        auto k = x::parse_tsig_key("xfr.example:hmac-sha256:c2VjcmV0");
        REQUIRE(k.has_value());
        CHECK(k->name == N("xfr.example."));
        CHECK(k->algorithm == x::TsigAlgorithm::hmac_sha256);
        CHECK(k->secret == "secret");

        k = x::parse_tsig_key("Key.Name.:HMAC-SHA512.:YQ==");
        REQUIRE(k.has_value());
        CHECK(k->name.to_text() == "Key.Name.");
        CHECK(k->algorithm == x::TsigAlgorithm::hmac_sha512);
        CHECK(k->secret == "a");

        k = x::parse_tsig_key("a:hmac-sha1:YWI=");
        REQUIRE(k.has_value());
        CHECK(k->algorithm == x::TsigAlgorithm::hmac_sha1);
        CHECK(k->secret == "ab");
        CHECK(x::parse_tsig_key("a:hmac-sha224:YWJj").has_value());
        CHECK(x::parse_tsig_key("a:hmac-sha384:YWJj").has_value());
        // ':' in the name: the spec is split from the right.
        k = x::parse_tsig_key("we\\:ird:hmac-sha256:YWJj");
        REQUIRE(k.has_value());
        CHECK(k->name.to_text() == "we:ird.");
    }

    TEST_CASE("parse_tsig_key names what is wrong") {
        auto err = [](const char* spec) {
            auto k = x::parse_tsig_key(spec);
            REQUIRE_FALSE(k.has_value());
            return k.error();
        };
        CHECK(err("justaname").message.find("NAME:ALGORITHM:BASE64SECRET") != std::string::npos);
        CHECK(err("name:c2VjcmV0").message.find("NAME:ALGORITHM") != std::string::npos);
        CHECK(err(":hmac-sha256:c2VjcmV0").message.find("name is empty") != std::string::npos);
        CHECK(err("k::c2VjcmV0").message.find("algorithm is empty") != std::string::npos);
        CHECK(err("k:hmac-sha256:").message.find("secret is empty") != std::string::npos);
        CHECK(err("a..b:hmac-sha256:c2VjcmV0").message.find("key name") != std::string::npos);
        auto md5 = err("k:hmac-md5:c2VjcmV0");
        CHECK(md5.code == dns::Errc::unsupported);
        CHECK(md5.message.find("HMAC-MD5") != std::string::npos);
        CHECK(err("k:hmac-md5.sig-alg.reg.int.:c2VjcmV0").code == dns::Errc::unsupported);
        auto unknown = err("k:hmac-sha3:c2VjcmV0");
        CHECK(unknown.code == dns::Errc::not_found);
        CHECK(unknown.message.find("hmac-sha3") != std::string::npos);
        CHECK(err("k:hmac-sha256:c2VjcmV").message.find("base64") != std::string::npos);
        CHECK(err("k:hmac-sha256:c2Vj!mV0").message.find("'!'") != std::string::npos);
        CHECK(err("k:hmac-sha256:c2V=cmV0").message.find("padding") != std::string::npos);
    }

    TEST_CASE("base64 round trip") {
        for (size_t n = 0; n < 40; ++n) {
            Bytes8 b(n);
            for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 37 + n);
            std::string e = x::base64_encode(b);
            auto d = x::base64_decode(e);
            REQUIRE(d.has_value());
            CHECK(*d == std::string(b.begin(), b.end()));
        }
        CHECK(x::base64_encode(Bytes8{'f', 'o', 'o', 'b'}) == "Zm9vYg==");
        CHECK(x::base64_decode("Zm9vYmE=").value() == "fooba");
    }

    TEST_CASE("algorithm names and sizes") {
        CHECK(x::algorithm_name(x::TsigAlgorithm::hmac_sha256) == "hmac-sha256.");
        CHECK(x::algorithm_digest_size(x::TsigAlgorithm::hmac_sha1) == 20);
        CHECK(x::algorithm_digest_size(x::TsigAlgorithm::hmac_sha224) == 28);
        CHECK(x::algorithm_digest_size(x::TsigAlgorithm::hmac_sha512) == 64);
        CHECK(x::algorithm_from_text("HMAC-SHA384.").value() == x::TsigAlgorithm::hmac_sha384);
    }

    TEST_CASE("known answers: our request signature is dnspython's, byte for byte") {
        for (const auto& v : kTsigVectors) {
            CAPTURE(v.algorithm);
            x::TsigSession s(key_of(v.key_spec));
            CHECK(sign_request(s, v.query, kVectorTime) == v.query_signed);
            x::TsigSession a(key_of(v.key_spec));
            CHECK(sign_request(a, v.axfr, kVectorTime) == v.axfr_signed);
            CHECK(x::message_has_tsig(v.query_signed));
            CHECK_FALSE(x::message_has_tsig(v.query));
        }
    }

    TEST_CASE("known answers: server verifies dnspython's requests and signs its responses") {
        std::vector<x::TsigKey> keys;
        for (const auto& v : kTsigVectors) keys.push_back(key_of(v.key_spec));
        for (size_t i = 0; i < kTsigVectors.size(); ++i) {
            const auto& v = kTsigVectors[i];
            CAPTURE(v.algorithm);
            uint16_t err = 99;
            auto s = x::TsigSession::verify_request(v.query_signed, keys, kVectorTime + 100, err);
            REQUIRE_MESSAGE(s.has_value(), why(s));
            CHECK(err == 0);
            CHECK(s->key().name == keys[i].name);
            // The response without its TSIG, signed by us, is dnspython's response.
            CHECK(sign_response(*s, strip_tsig(v.response), kVectorTime + 1) == v.response);

            auto a = x::TsigSession::verify_request(v.axfr_signed, keys, kVectorTime, err);
            REQUIRE(a.has_value());
            CHECK(sign_response(*a, strip_tsig(v.stream[0]), kVectorTime + 2) == v.stream[0]);
            CHECK_FALSE(x::message_has_tsig(v.stream[1]));
            a->add_unsigned_response(v.stream[1]);
            CHECK(sign_response(*a, strip_tsig(v.stream[2]), kVectorTime + 3) == v.stream[2]);
        }
    }

    TEST_CASE("known answers: client verifies dnspython's response and stream") {
        for (const auto& v : kTsigVectors) {
            CAPTURE(v.algorithm);
            x::TsigSession s(key_of(v.key_spec));
            REQUIRE(sign_request(s, v.query, kVectorTime) == v.query_signed);
            CHECK_FALSE(s.finish().has_value());
            auto r = s.verify_response(v.response, kVectorTime + 5);
            CHECK_MESSAGE(r.has_value(), why(r));
            CHECK(s.last_verified());
            CHECK(s.finish().has_value());

            x::TsigSession a(key_of(v.key_spec));
            REQUIRE(sign_request(a, v.axfr, kVectorTime) == v.axfr_signed);
            CHECK(a.verify_response(v.stream[0], kVectorTime).has_value());
            CHECK(a.last_verified());
            CHECK(a.verify_response(v.stream[1], kVectorTime).has_value());
            CHECK_FALSE(a.last_verified());
            CHECK_FALSE(a.finish().has_value());
            r = a.verify_response(v.stream[2], kVectorTime);
            CHECK_MESSAGE(r.has_value(), why(r));
            CHECK(a.finish().has_value());
            CHECK(a.error() == 0);

            // The response does not verify against another request's MAC.
            x::TsigSession other(key_of(v.key_spec));
            sign_request(other, v.query, kVectorTime + 1);
            CHECK_FALSE(other.verify_response(v.response, kVectorTime).has_value());
            CHECK(other.error() == x::tsig_error::BADSIG);
        }
    }

    TEST_CASE("stream: server signs three messages, client verifies") {
        auto [client, server] = exchange(kKey256, 1000);
        for (int i = 0; i < 3; ++i) {
            Bytes8 m = sign_response(server, stream_message(0x4242, i), 1000 + i);
            auto r = client.verify_response(m, 1001);
            CHECK_MESSAGE(r.has_value(), why(r));
        }
        CHECK(client.finish().has_value());
    }

    TEST_CASE("stream: an unsigned middle message is accepted, an unsigned last one is not") {
        auto [client, server] = exchange(kKey256, 1000);
        Bytes8 m0 = sign_response(server, stream_message(0x4242, 0), 1000);
        Bytes8 m1 = stream_message(0x4242, 1);
        server.add_unsigned_response(m1);
        Bytes8 m2 = stream_message(0x4242, 2, 5);
        server.add_unsigned_response(m2);
        Bytes8 m3 = sign_response(server, stream_message(0x4242, 3), 1001);
        Bytes8 m4 = stream_message(0x4242, 4);
        CHECK(client.verify_response(m0, 1000).has_value());
        CHECK(client.verify_response(m1, 1000).has_value());
        CHECK(client.verify_response(m2, 1000).has_value());
        CHECK_FALSE(client.last_verified());
        CHECK(client.verify_response(m3, 1000).has_value());
        CHECK(client.finish().has_value());
        CHECK(client.verify_response(m4, 1000).has_value());
        auto f = client.finish();
        REQUIRE_FALSE(f.has_value());
        CHECK(f.error().message.find("last message") != std::string::npos);
    }

    TEST_CASE("stream: an unsigned first message and 100 unsigned in a row are rejected") {
        {
            auto [client, server] = exchange(kKey256, 1000);
            CHECK_FALSE(client.verify_response(stream_message(0x4242, 0), 1000).has_value());
            CHECK(client.error() == x::tsig_error::BADSIG);
        }
        auto [client, server] = exchange(kKey256, 1000);
        REQUIRE(client.verify_response(sign_response(server, stream_message(0x4242, 0), 1000), 1000)
                    .has_value());
        for (int i = 0; i < 99; ++i)
            REQUIRE(client.verify_response(stream_message(0x4242, 1), 1000).has_value());
        CHECK_FALSE(client.verify_response(stream_message(0x4242, 1), 1000).has_value());
        // A failed session stays failed.
        CHECK_FALSE(
            client.verify_response(sign_response(server, stream_message(0x4242, 2), 1000), 1000)
                .has_value());
        CHECK_FALSE(client.finish().has_value());
    }

    TEST_CASE("stream: a flipped bit is BADSIG") {
        auto [client, server] = exchange(kKey256, 1000);
        Bytes8 m0 = sign_response(server, stream_message(0x4242, 0), 1000);
        Bytes8 m1 = sign_response(server, stream_message(0x4242, 1), 1000);
        CHECK(client.verify_response(m0, 1000).has_value());
        m1[m1.size() / 3] ^= 0x01;  // inside the answer, outside the TSIG
        CHECK_FALSE(client.verify_response(m1, 1000).has_value());
        CHECK(client.error() == x::tsig_error::BADSIG);

        // A flipped bit in the MAC itself, in the first message.
        auto ex = exchange(kKey256, 1000);
        Bytes8 f = sign_response(ex.server, stream_message(0x4242, 0), 1000);
        auto t = x::parse_tsig(f);
        REQUIRE(t.has_value());
        f[t->mac_offset + 5] ^= 0x80;
        CHECK_FALSE(ex.client.verify_response(f, 1000).has_value());
        CHECK(ex.client.error() == x::tsig_error::BADSIG);
    }

    TEST_CASE("stream: messages out of order are BADSIG") {
        auto [client, server] = exchange(kKey256, 1000);
        Bytes8 m0 = sign_response(server, stream_message(0x4242, 0), 1000);
        Bytes8 m1 = sign_response(server, stream_message(0x4242, 1), 1000);
        Bytes8 m2 = sign_response(server, stream_message(0x4242, 2), 1000);
        CHECK(client.verify_response(m0, 1000).has_value());
        CHECK_FALSE(client.verify_response(m2, 1000).has_value());
        CHECK(client.error() == x::tsig_error::BADSIG);
    }

    TEST_CASE("wrong key name or algorithm is BADKEY") {
        auto [client, server] = exchange(kKey256, 1000);
        Bytes8 m0 = sign_response(server, stream_message(0x4242, 0), 1000);

        // Same secret, different key name.
        x::TsigKey other = key_of(kKey256);
        other.name = N("other.key.");
        x::TsigSession c2(other);
        sign_request(c2, w::make_query(N("example.org."), w::type::AXFR, 0x4242, false), 1000);
        CHECK_FALSE(c2.verify_response(m0, 1000).has_value());
        CHECK(c2.error() == x::tsig_error::BADKEY);

        // Same name and secret, different algorithm.
        x::TsigKey sha512 = key_of(kKey256);
        sha512.algorithm = x::TsigAlgorithm::hmac_sha512;
        x::TsigSession c3(sha512);
        sign_request(c3, w::make_query(N("example.org."), w::type::AXFR, 0x4242, false), 1000);
        CHECK_FALSE(c3.verify_response(m0, 1000).has_value());
        CHECK(c3.error() == x::tsig_error::BADKEY);

        // The key name compares case-insensitively.
        x::TsigKey upper = key_of(kKey256);
        upper.name = N("XFR.Key.");
        x::TsigSession c4(upper);
        Bytes8 q =
            sign_request(c4, w::make_query(N("example.org."), w::type::AXFR, 0x4242, false), 1000);
        uint16_t err = 0;
        auto s4 = x::TsigSession::verify_request(q, {key_of(kKey256)}, 1000, err);
        REQUIRE(s4.has_value());
        CHECK(c4.verify_response(sign_response(*s4, stream_message(0x4242, 0), 1000), 1000)
                  .has_value());
    }

    TEST_CASE("time outside the fudge is BADTIME") {
        {
            auto [client, server] = exchange(kKey256, 1000);
            Bytes8 m0 = sign_response(server, stream_message(0x4242, 0), 1000);
            CHECK(client.verify_response(m0, 1000 + x::kTsigFudge).has_value());
        }
        {
            auto [client, server] = exchange(kKey256, 1000);
            Bytes8 m0 = sign_response(server, stream_message(0x4242, 0), 1000);
            CHECK_FALSE(client.verify_response(m0, 1000 + x::kTsigFudge + 1).has_value());
            CHECK(client.error() == x::tsig_error::BADTIME);
        }
        {
            auto [client, server] = exchange(kKey256, 1000);
            Bytes8 m0 = sign_response(server, stream_message(0x4242, 0), 1000);
            Bytes8 m1 = sign_response(server, stream_message(0x4242, 1), 2000);
            CHECK(client.verify_response(m0, 1000).has_value());
            CHECK_FALSE(client.verify_response(m1, 1000).has_value());
            CHECK(client.error() == x::tsig_error::BADTIME);
        }
    }

    TEST_CASE("truncated MACs: max(10, half the hash) and up are accepted, shorter rejected") {
        struct Case {
            const char* spec;
            size_t shortest;
        };
        for (Case c : {Case{kKey256, 16}, Case{kKey1, 10}}) {
            CAPTURE(c.spec);
            const size_t full = x::algorithm_digest_size(key_of(c.spec).algorithm);
            for (size_t size : {c.shortest, c.shortest - 1, full}) {
                CAPTURE(size);
                const bool ok = size >= c.shortest;
                // Client side, first message and a subsequent one.
                auto [client, server] = exchange(c.spec, 1000);
                Bytes8 m0 =
                    truncate_mac(sign_response(server, stream_message(0x4242, 0), 1000), size);
                CHECK(client.verify_response(m0, 1000).has_value() == ok);
                if (ok) {
                    Bytes8 m1 =
                        truncate_mac(sign_response(server, stream_message(0x4242, 1), 1000), size);
                    // The client chains the (truncated) MAC it saw; this server chains
                    // its full MAC, so only untruncated streams continue.
                    CHECK(client.verify_response(m1, 1000).has_value() == (size == full));
                } else {
                    CHECK(client.error() == x::tsig_error::FORMERR);
                }
                // Server side.
                x::TsigKey key = key_of(c.spec);
                x::TsigSession cs(key);
                Bytes8 q = truncate_mac(
                    sign_request(cs, w::make_query(N("example.org."), w::type::SOA, 7), 1000),
                    size);
                uint16_t err = 0;
                auto s = x::TsigSession::verify_request(q, {key}, 1000, err);
                CHECK(s.has_value() == ok);
                CHECK(err == (ok ? x::tsig_error::NOERROR : x::tsig_error::FORMERR));
            }
        }
    }

    TEST_CASE("a MAC longer than the hash is FORMERR") {
        // A SHA-512 signature presented as SHA-256: rewrite the algorithm name keeps the
        // length of the label, so the message stays well formed.
        x::TsigKey k512 = key_of(kKey256);
        k512.algorithm = x::TsigAlgorithm::hmac_sha512;
        x::TsigSession cs(k512);
        Bytes8 q = sign_request(cs, w::make_query(N("example.org."), w::type::SOA, 7), 1000);
        auto t = x::parse_tsig(q);
        REQUIRE(t.has_value());
        std::memcpy(q.data() + t->rdata_offset + 1, "hmac-sha256", 11);
        uint16_t err = 0;
        auto s = x::TsigSession::verify_request(q, {key_of(kKey256)}, 1000, err);
        CHECK_FALSE(s.has_value());
        CHECK(err == x::tsig_error::FORMERR);
    }

    TEST_CASE("server: verify_request failures and their TSIG errors") {
        x::TsigKey key = key_of(kKey256);
        x::TsigSession cs(key);
        const Bytes8 plain = w::make_query(N("example.org."), w::type::SOA, 7);
        const Bytes8 q = sign_request(cs, plain, 1000);
        uint16_t err = 99;

        auto r = x::TsigSession::verify_request(plain, {key}, 1000, err);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == dns::Errc::not_found);
        CHECK(err == x::tsig_error::NOERROR);

        x::TsigKey stranger = key;
        stranger.name = N("stranger.");
        CHECK_FALSE(x::TsigSession::verify_request(q, {stranger}, 1000, err).has_value());
        CHECK(err == x::tsig_error::BADKEY);
        CHECK_FALSE(x::TsigSession::verify_request(q, {}, 1000, err).has_value());
        CHECK(err == x::tsig_error::BADKEY);

        x::TsigKey other_secret = key;
        other_secret.secret = "not the secret";
        CHECK_FALSE(x::TsigSession::verify_request(q, {other_secret}, 1000, err).has_value());
        CHECK(err == x::tsig_error::BADSIG);

        Bytes8 flipped = q;
        flipped[14] ^= 0x20;  // case of the question name
        CHECK_FALSE(x::TsigSession::verify_request(flipped, {key}, 1000, err).has_value());
        CHECK(err == x::tsig_error::BADSIG);

        CHECK_FALSE(x::TsigSession::verify_request(q, {key}, 1301, err).has_value());
        CHECK(err == x::tsig_error::BADTIME);
        CHECK_FALSE(x::TsigSession::verify_request(q, {key}, 699, err).has_value());
        CHECK(err == x::tsig_error::BADTIME);
        CHECK(x::TsigSession::verify_request(q, {stranger, key}, 700, err).has_value());
        CHECK(err == x::tsig_error::NOERROR);

        // An ID changed in transit does not matter: the digest uses the Original ID.
        Bytes8 new_id = q;
        w::put16(new_id.data(), 0x9999);
        CHECK(x::TsigSession::verify_request(new_id, {key}, 1000, err).has_value());

        // TSIG not last: FORMERR.
        test::Bytes notlast;
        notlast.b = q;
        w::put16(notlast.b.data() + 10, 2);
        notlast.rr_head("x.", w::type::A, 1, 0, 4).raw({1, 2, 3, 4});
        CHECK_FALSE(x::TsigSession::verify_request(notlast.b, {key}, 1000, err).has_value());
        CHECK(err == x::tsig_error::FORMERR);
        CHECK_FALSE(x::message_has_tsig(notlast.b));

        // hmac-md5: BADKEY (the algorithm is not implemented).
        test::Bytes md5;
        md5.b = plain;
        w::put16(md5.b.data() + 10, static_cast<uint16_t>(w::get16(md5.b.data() + 10) + 1));
        md5.rr_head("xfr.key.", w::type::TSIG, w::rrclass::ANY, 0, 26 + 10 + 16 + 6)
            .name("hmac-md5.sig-alg.reg.int.")
            .u16(0)
            .u32(1000)
            .u16(300)
            .u16(16);
        for (int i = 0; i < 16; ++i) md5.u8(0xAA);
        md5.u16(7).u16(0).u16(0);
        REQUIRE(x::message_has_tsig(md5.b));
        CHECK_FALSE(x::TsigSession::verify_request(md5.b, {key}, 1000, err).has_value());
        CHECK(err == x::tsig_error::BADKEY);

        // Sign requests only once.
        Bytes8 twice = q;
        twice.resize(kCap);
        CHECK_FALSE(cs.sign_request(twice.data(), q.size(), twice.size(), 1000).has_value());
        // No room.
        Bytes8 tight = plain;
        tight.resize(plain.size() + 20);
        CHECK(cs.sign_request(tight.data(), plain.size(), tight.size(), 1000).error().code ==
              dns::Errc::limit);
    }

    TEST_CASE("error responses: unsigned BADKEY/BADSIG, signed BADTIME") {
        x::TsigKey key = key_of(kKey256);
        x::TsigSession cs(key);
        const Bytes8 q = sign_request(cs, w::make_query(N("example.org."), w::type::SOA, 7), 1000);
        uint16_t err = 0;
        auto s = x::TsigSession::verify_request(q, {key}, 5000, err);
        REQUIRE_FALSE(s.has_value());
        REQUIRE(err == x::tsig_error::BADTIME);

        test::Bytes resp;
        resp.header(7, w::flag::QR | w::rcode::NOTAUTH, 1, 0, 0, 0)
            .question("example.org.", w::type::SOA);
        Bytes8 buf = resp.b;
        buf.resize(kCap);
        auto n = x::TsigSession::sign_error_response(q, {key}, err, buf.data(), resp.size(),
                                                     buf.size(), 5000);
        REQUIRE(n.has_value());
        buf.resize(*n);
        auto t = x::parse_tsig(buf);
        REQUIRE(t.has_value());
        CHECK(t->error == x::tsig_error::BADTIME);
        CHECK(t->time_signed == 1000);
        REQUIRE(t->other.size() == 6);
        CHECK(w::get16(t->other.data()) == 0);
        CHECK(w::get32(t->other.data() + 2) == 5000);
        CHECK(t->mac.size() == 32);
        // The client verifies the MAC and then reports the server's error.
        CHECK_FALSE(cs.verify_response(buf, 1000).has_value());
        CHECK(cs.error() == x::tsig_error::BADTIME);

        // A tampered BADTIME response is BADSIG instead.
        x::TsigSession cs2(key);
        const Bytes8 q2 =
            sign_request(cs2, w::make_query(N("example.org."), w::type::SOA, 7), 1000);
        Bytes8 b2 = resp.b;
        b2.resize(kCap);
        n = x::TsigSession::sign_error_response(q2, {key}, x::tsig_error::BADTIME, b2.data(),
                                                resp.size(), b2.size(), 5000);
        REQUIRE(n.has_value());
        b2.resize(*n);
        b2[3] ^= 1;
        CHECK_FALSE(cs2.verify_response(b2, 1000).has_value());
        CHECK(cs2.error() == x::tsig_error::BADSIG);

        for (uint16_t e : {x::tsig_error::BADKEY, x::tsig_error::BADSIG}) {
            x::TsigSession c(key);
            const Bytes8 rq = sign_request(c, w::make_query(N("example.org."), w::type::SOA, 7), 1);
            Bytes8 b = resp.b;
            b.resize(kCap);
            n = x::TsigSession::sign_error_response(rq, {}, e, b.data(), resp.size(), b.size(), 2);
            REQUIRE(n.has_value());
            b.resize(*n);
            auto et = x::parse_tsig(b);
            REQUIRE(et.has_value());
            CHECK(et->mac.empty());
            CHECK(et->error == e);
            CHECK(w::name_equal(et->key_name, key.name.data()));
            CHECK_FALSE(c.verify_response(b, 2).has_value());
            CHECK(c.error() == e);
        }
        Bytes8 b = resp.b;
        b.resize(kCap);
        CHECK_FALSE(x::TsigSession::sign_error_response(q, {key}, x::tsig_error::FORMERR, b.data(),
                                                        resp.size(), b.size(), 2)
                        .has_value());
    }

    TEST_CASE("parse_tsig rejects malformed TSIG records") {
        x::TsigKey key = key_of(kKey256);
        x::TsigSession cs(key);
        const Bytes8 q = sign_request(cs, w::make_query(N("example.org."), w::type::SOA, 7), 1000);
        auto t = x::parse_tsig(q);
        REQUIRE(t.has_value());
        CHECK(t->fudge == 300);
        CHECK(t->original_id == 7);
        CHECK(t->time_signed == 1000);

        Bytes8 b = q;
        b.push_back(0);  // trailing byte
        CHECK(x::parse_tsig(b).error().code == dns::Errc::malformed);
        b = q;
        w::put16(b.data() + t->rdata_offset - 8, 1);  // class IN
        CHECK(x::parse_tsig(b).error().code == dns::Errc::malformed);
        b = q;
        w::put16(b.data() + t->mac_offset - 2, 33);  // MAC size past the RDATA
        CHECK(x::parse_tsig(b).error().code == dns::Errc::malformed);
        b = q;
        b.resize(b.size() - 1);
        CHECK(x::parse_tsig(b).error().code == dns::Errc::malformed);
        CHECK(x::parse_tsig(Bytes8{1, 2, 3}).error().code == dns::Errc::malformed);
        CHECK(x::parse_tsig(w::make_query(N("a."), 1, 1)).error().code == dns::Errc::not_found);
    }
}
