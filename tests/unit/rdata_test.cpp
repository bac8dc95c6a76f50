// lib/zonefile/rdata: the presentation-format encoders for the types ldns
// reads differently from Knot DNS and NSD. The expected bytes are what Knot
// DNS 3.2 and NSD 4.6 produce (zonefile_compare.py checks the same forms
// against the real servers); the refusals are forms both refuse.

#include <doctest/doctest.h>

#include <string>

#include "lib/base/base64.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/zone/zone.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

namespace t = dns::wire::type;
using test::N;

namespace {

// Loads "@ SOA ..." plus one record at "r" and returns that record's RDATA as
// hex, or "error: ..." with the loader's message.
std::string load_one(const std::string& type_and_rdata) {
    std::string text = "$ORIGIN types.example.\n$TTL 3600\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nr " +
                       type_and_rdata + "\n";
    auto z = dns::zonefile::parse(text, N("types.example."));
    if (!z) return "error: " + z.error().message;
    auto owner = N("r.types.example.");
    uint32_t id = (*z)->find(owner.data(), owner.size());
    if (id == dns::zone::kNone) return "error: no record";
    const auto& rs = (*z)->rrsets((*z)->node(id)).front();
    std::string hex;
    static const char* digits = "0123456789abcdef";
    const uint8_t* p = (*z)->rdata_bytes(rs.first);
    for (size_t i = 0; i < (*z)->rdata(rs.first).length; ++i) {
        hex.push_back(digits[p[i] >> 4]);
        hex.push_back(digits[p[i] & 15]);
    }
    return hex;
}

struct Case {
    const char* text;
    const char* want;  // hex, or the start of an error ("error")
};

void check_cases(std::initializer_list<Case> cases) {
    for (const auto& c : cases) {
        CAPTURE(c.text);
        std::string got = load_one(c.text);
        if (std::string(c.want) == "error")
            CHECK(got.rfind("error", 0) == 0);
        else
            CHECK(got == c.want);
    }
}

}  // namespace

TEST_SUITE("rdata") {
    TEST_CASE("SVCB and HTTPS: every SvcParam form of RFC 9460, keys sorted on the wire") {
        check_cases({
            // priority 1, target ".", alpn "h2","h3" (quoted as one value), port 853
            {"HTTPS 1 . alpn=\"h2,h3\"",
             "000100"
             "0001000602683202683"
             "3"},
            {"SVCB 1 . alpn=h2 port=853",
             "000100"
             "00010003026832"
             "000300020355"},
            {"SVCB 1 . port=\"1501\"",
             "000100"
             "000300"
             "0205dd"},
            // keys given out of order are written in order; ipv4hint/ipv6hint lists
            {"SVCB 1 . ipv6hint=2001:db8::1,2001:db8::2 ipv4hint=192.0.2.1,192.0.2.2",
             "000100"
             "000400"
             "08c0000201c0000202"
             "000600"
             "2020010db8000000000000000000000001"
             "20010db8000000000000000000000002"},
            // mandatory lists keys, sorted; no-default-alpn has no value
            {"SVCB 1 . mandatory=port,alpn alpn=h2 port=443 no-default-alpn",
             "000100"
             "0000000400010003"
             "00010003026832"
             "00020000"
             "0003000201bb"},
            // ech in base64, and without a value; unknown keys with and without a value
            {"HTTPS 1 . ech=AEP+DQA=",
             "000100"
             "00050005"
             "0043fe0d00"},
            {"HTTPS 1 . alpn=h2 ech",
             "000100"
             "00010003026832"
             "00050000"},
            {"SVCB 1 . key65333=ex1 key65444",
             "000100"
             "ff350003657831"
             "ffa40000"},
            {"SVCB 1 . key65333=\"a b\"",
             "000100"
             "ff350003612062"},
            // alias mode with a relative target name (case kept)
            {"SVCB 0 Svc",
             "0000"
             "03537663"
             "057479706573076578616d706c6500"},
            // value lists (appendix A.1): "\," survives the char-string level only when doubled
            {"SVCB 1 . alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
             "000100"
             "0001000c"
             "08665c6f6f2c626172"
             "026832"},
            {"SVCB 1 . alpn=h2\\,x,h3",
             "000100"
             "00010008"
             "026832"
             "0178"
             "026833"},
            {"SVCB 1 . alpn=h2\\\\,x,h3",
             "000100"
             "00010008"
             "0468322c78"
             "026833"},
            // dohpath (RFC 9461), key7
            {"HTTPS 1 . alpn=h2 dohpath=/dns-query{?dns}",
             "000100"
             "00010003026832"
             "00070010"
             "2f646e732d71756572797b3f646e737d"},
            // refused by Knot DNS and NSD alike (ldns accepts some of them)
            {"SVCB 1 . port=1 port=2", "error"},
            {"SVCB 1 . port=65536", "error"},
            {"SVCB 1 . mandatory=mandatory", "error"},
            {"SVCB 1 . mandatory=port", "error"},
            {"SVCB 1 . alpn=\"\"", "error"},
            {"SVCB 1 . alpn=h2,,h3", "error"},
            {"SVCB 1 . ipv4hint=\"\"", "error"},
            {"SVCB 1 . ipv4hint=192.0.2", "error"},
            {"SVCB 1 . KEY65333=x", "error"},
            {"SVCB 1 . key65535=x", "error"},
            {"SVCB 1 . key01=x", "error"},
            {"SVCB 1 . no-default-alpn=x", "error"},
            {"SVCB 1 . alpn = h2", "error"},
            {"SVCB 1 . bogus=1", "error"},
            {"SVCB 70000 . alpn=h2", "error"},
        });
    }

    TEST_CASE("CAA, URI, CSYNC: values quoted or not; an empty type bitmap") {
        check_cases({
            {"CAA 0 issue \"ca.example.net\"", "0005697373756563612e6578616d706c652e6e6574"},
            {"CAA 0 issue ca.example.net", "0005697373756563612e6578616d706c652e6e6574"},
            {"CAA 128 tbs \"a; b\"",
             "800374627361"
             "3b2062"},
            {"CAA 0 ISSUE \"x\"",
             "00054953535545"
             "78"},
            {"CAA 0 is-sue \"x\"", "error"},
            {"CAA 256 issue \"x\"", "error"},
            {"URI 10 1 \"https://x/\"",
             "000a0001"
             "68747470733a2f2f782f"},
            {"URI 1 1 http://x/",
             "00010001"
             "687474703a2f2f782f"},
            {"CSYNC 4294967295 0", "ffffffff0000"},
            {"CSYNC 66 3 A NS AAAA",
             "00000042"
             "0003"
             "000460000008"},
            {"CSYNC 1 0 TYPE1234",
             "000000010000"
             "041b"
             "0000000000000000000000000000000000000000000000000000"
             "20"},
        });
    }

    TEST_CASE("IPSECKEY, CERT, WKS and the digest types") {
        check_cases({
            {"IPSECKEY 10 1 2 192.0.2.38 AQNRU3mG",
             "0a0102c0000226"
             "010351537986"},
            {"IPSECKEY 10 1 0 192.0.2.3", "0a0100c0000203"},
            {"IPSECKEY 255 3 3 gw AQID",
             "ff0303"
             "026777057479706573076578616d706c6500"
             "010203"},
            {"IPSECKEY 1 0 1 . AQID", "010001010203"},
            {"IPSECKEY 1 0 1 x AQID", "error"},
            {"IPSECKEY 1 4 1 . AQID", "error"},
            {"CERT PKIX 1 RSASHA256 AAEC",
             "00010001"
             "08"
             "000102"},
            {"CERT 0 0 0 AAEC",
             "00000000"
             "00"
             "000102"},
            {"CERT -1 0 0 AAEC", "error"},
            {"WKS 192.0.2.1 TCP 21 25 53",
             "c0000201"
             "06"
             "00000440000004"},
            {"WKS 192.0.2.1 6 smtp", "error"},
            {"DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
             "ec45"
             "05"
             "01"
             "2bb183af5f22588179a53b0a98631fad1a292118"},
            {"DS 60485 RSASHA1 1 2BB183AF 5F225881 79A53B0A 98631FAD 1A292118",
             "ec45"
             "05"
             "01"
             "2bb183af5f22588179a53b0a98631fad1a292118"},
            {"SSHFP 1 1 abc", "error"},
            {"SSHFP 1 1 abcd", "0101abcd"},
            {"TLSA 3 1 1 ( 0011 2233 )", "03010100112233"},
            {"ZONEMD 2018031500 1 1 abcd",
             "7848b78c"
             "0101"
             "abcd"},
            {"DS 1 2 3", "error"},
        });
    }

    TEST_CASE("glued tokens reach ldns without a space: quoted parts of one field") {
        // NAPTR goes to ldns; a quoted flag glued to nothing is an ordinary field.
        CHECK(load_one("NAPTR 1 2 \"U\" \"E2U+sip\" \"!^.*$!sip:x@y!\" .").rfind("error", 0) != 0);
        CHECK(load_one("TXT \"a\"\"b\"") == "01610162");
    }

    TEST_CASE("base64 and hex helpers") {
        CHECK(dns::hex_decode("00aBff").value() == std::string("\x00\xab\xff", 3));
        CHECK_FALSE(dns::hex_decode("abc").has_value());
        CHECK_FALSE(dns::hex_decode("zz").has_value());
        CHECK(dns::base64_decode("AQID").value() == "\x01\x02\x03");
        CHECK_FALSE(dns::base64_decode("AQI").has_value());
    }

}  // TEST_SUITE
