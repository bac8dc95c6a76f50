// The project's master-file scanner must read exactly what ldns reads: every
// zone here is loaded both ways and the snapshots are compared record by record.

#include "lib/zonefile/scanner.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/wire/rrtype.hpp"
#include "lib/zonefile/zonefile.hpp"

namespace {

using dns::wire::Name;

std::string hex(const uint8_t* p, size_t n) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

// Every record of a zone as "owner type ttl rdata-hex", sorted.
std::vector<std::string> dump(const dns::zone::Zone& z) {
    std::vector<std::string> out;
    for (uint32_t id = 0; id < z.node_count(); ++id) {
        const auto& n = z.node(id);
        std::string owner = dns::wire::to_text(z.lowner(n));
        for (const auto& rs : z.rrsets(n)) {
            for (uint32_t d = rs.first; d < rs.first + rs.count; ++d)
                out.push_back(owner + " " + dns::wire::type_to_text(rs.type) + " " +
                              std::to_string(rs.ttl) + " " +
                              hex(z.rdata_bytes(d), z.rdata(d).length));
            for (uint32_t d = rs.sig_first; d < rs.sig_first + rs.sig_count; ++d)
                out.push_back(owner + " RRSIG " + std::to_string(rs.sig_ttl) + " " +
                              hex(z.rdata_bytes(d), z.rdata(d).length));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

void same_both_ways(const std::string& text, const Name& origin) {
    dns::zonefile::LoadOptions fast, ldns;
    ldns.ldns_only = true;
    auto a = dns::zonefile::parse(text, origin, fast, "fast");
    auto b = dns::zonefile::parse(text, origin, ldns, "ldns");
    REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().message));
    REQUIRE_MESSAGE(a.has_value(), (a ? "" : a.error().message));
    auto da = dump(**a), db = dump(**b);
    CHECK(da.size() == db.size());
    for (size_t i = 0; i < std::min(da.size(), db.size()); ++i) CHECK(da[i] == db[i]);
}

}  // namespace

TEST_CASE("scanner and ldns read the same records from tricky text") {
    const std::string text = R"(
$ORIGIN example.org.
$TTL 1h
@   IN  SOA ns1 hostmaster.example.org. ( 2024010101 ; serial
            2h 1h 2w 5m )
    IN  NS  ns1
    NS      ns2.example.net.
ns1 3600 IN A 192.0.2.1
ns1 7200 IN AAAA 2001:db8::1
Mixed.Case 300 A 192.0.2.2
txt TXT "a \"quoted\" string" plain "\065\066C" ""
txt TXT ( "multi"
          "line" ) ; comment
mx  MX 10 mail
mx  MX 20 mail.example.net.
_sip._tcp SRV 0 5 5060 sip
cname CNAME target
dname DNAME example.net.
*.wild A 192.0.2.3
esc\.aped A 192.0.2.4
unknown TYPE65280 \# 4 0a000001
caa CAA 0 issue "ca.example.net"
ds DS 12345 13 2 ( 0123456789abcdef0123456789abcdef
                   0123456789abcdef0123456789abcdef )
sshfp SSHFP 1 1 0123456789abcdef0123456789abcdef01234567
$ORIGIN sub.example.org.
host A 192.0.2.5
@ A 192.0.2.6
)";
    same_both_ways(text, *Name::from_text("example.org."));
}

TEST_CASE("scanner and ldns read the same records from the project's zone files") {
    namespace fs = std::filesystem;
    const fs::path root = fs::path(TEST_DATA_DIR).parent_path().parent_path();
    std::vector<std::pair<fs::path, std::string>> files = {
        {root / "deploy/zones/example.com.zone", "example.com."},
        {root / "tests/integration/zones/example.com.zone", "example.com."},
        {root / "tests/integration/zones/example.net.zone", "example.net."},
    };
    for (const auto& [path, origin] : files) {
        CAPTURE(path.string());
        std::ifstream in(path);
        REQUIRE(in);
        std::stringstream ss;
        ss << in.rdbuf();
        same_both_ways(ss.str(), *Name::from_text(origin));
    }
}

TEST_CASE("scanner errors name the line") {
    auto z = dns::zonefile::parse("@ SOA ns host 1 2 3 4 5\n@ NS ns\nbad A 300.1.2.3\n",
                                  *Name::from_text("example."), {}, "f.zone");
    REQUIRE_FALSE(z.has_value());
    CHECK(z.error().message.find("f.zone:3:") == 0);

    z = dns::zonefile::parse("@ SOA ns host 1 2 3 4 5\n@ NS ( ns\n", *Name::from_text("example."),
                             {}, "g.zone");
    REQUIRE_FALSE(z.has_value());
    CHECK(z.error().message.find("unbalanced") != std::string::npos);

    z = dns::zonefile::parse("@ SOA ns host 1 2 3 4 5\n$INCLUDE /etc/passwd\n",
                             *Name::from_text("example."), {}, "h.zone");
    REQUIRE_FALSE(z.has_value());
    CHECK(z.error().message.find("h.zone:2:") == 0);
    CHECK(z.error().message.find("$INCLUDE") != std::string::npos);
}

TEST_CASE("class and TTL in either order (RFC 1035 5.1), which ldns does not accept") {
    auto z = dns::zonefile::parse("@ SOA ns host 1 2 3 4 5\n@ NS ns\nns IN 7200 A 192.0.2.1\n",
                                  *Name::from_text("example."));
    REQUIRE(z.has_value());
    uint8_t lname[] = {2, 'n', 's', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    uint32_t id = (*z)->find(lname, sizeof lname);
    REQUIRE(id != dns::zone::kNone);
    const auto* a = (*z)->rrset((*z)->node(id), dns::wire::type::A);
    REQUIRE(a != nullptr);
    CHECK(a->ttl == 7200);
}

TEST_CASE("TTL syntax") {
    uint32_t v = 0;
    CHECK(dns::zonefile::parse_ttl("3600", v));
    CHECK(v == 3600);
    CHECK(dns::zonefile::parse_ttl("1h30m", v));
    CHECK(v == 5400);
    CHECK(dns::zonefile::parse_ttl("2w", v));
    CHECK(v == 1209600);
    CHECK_FALSE(dns::zonefile::parse_ttl("1h30", v));
    CHECK_FALSE(dns::zonefile::parse_ttl("h", v));
    CHECK_FALSE(dns::zonefile::parse_ttl("4294967296", v));
    CHECK_FALSE(dns::zonefile::parse_ttl("", v));
}
