// libFuzzer target for the query path and the message codec.
//
// For every input:
//  (a) parse_message() on the raw bytes; when it succeeds, the message is written
//      back with write_message() and must parse again with the same shape;
//  (b) Responder::respond() over a small static zone table, over UDP and TCP;
//      every non-empty response must parse with parse_message(), echo the query
//      ID, have QR set, and respect the UDP size limit;
//  (c) the same checks for a well-formed query built from the input bytes (a
//      name near the zones' contents, type, class, flags, EDNS options), so that
//      most inputs reach the answer algorithm rather than the parser's rejections.
// Any violation aborts, which libFuzzer (or fuzz_replay) reports as a crash.
//
// Built two ways (see CMakeLists.txt): with -fsanitize=fuzzer as `fuzz_answer`,
// and with replay_main.cpp as `fuzz_replay_answer`, which runs the seed corpus in
// ordinary builds.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lib/answer/answer.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/wire/writer.hpp"
#include "lib/zone/zone_table.hpp"
#include "lib/zonefile/zonefile.hpp"

namespace {

// A zone with every shape the answer algorithm treats specially: wildcards
// (plain and CNAME), a delegation with glue and DS, a delegation without DS,
// DNAME (out of zone and into the zone), CNAME chains, loops and dangling
// CNAMEs, empty non-terminals, a big RRset, and fake (never verified) RRSIG and
// NSEC records.
const char* kExample = R"(
$ORIGIN example.com.
$TTL 3600
@        IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@        RRSIG SOA 8 2 3600 20300101000000 20200101000000 12345 example.com. c2lnLXNvYQ==
@        NS    ns1
@        NS    ns2.example.net.
@        RRSIG NS 8 2 3600 20300101000000 20200101000000 12345 example.com. c2lnLW5z
@        MX    10 mail
@        MX    20 mail.example.net.
@        TXT   "v=spf1 -all"
@        300 NSEC *.cw.example.com. NS SOA MX TXT RRSIG NSEC
@        300 RRSIG NSEC 8 2 300 20300101000000 20200101000000 12345 example.com. c2lnLW5zZWM=
*.cw     CNAME www
*.cw     300 NSEC alias.example.com. CNAME RRSIG NSEC
alias    CNAME www
alias    RRSIG CNAME 8 3 3600 20300101000000 20200101000000 12345 example.com. c2lnLWFsaWFz
alias    300 NSEC big.example.com. CNAME RRSIG NSEC
big      TXT   "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      TXT   "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big      300 NSEC a.b.c.example.com. TXT RRSIG NSEC
a.b.c    A     192.0.2.3
a.b.c    300 NSEC chain1.example.com. A RRSIG NSEC
chain1   CNAME chain2
chain2   CNAME www
dangling CNAME nothere
dn       DNAME example.net.
loop1    CNAME loop2
loop2    CNAME loop1
mail     A     192.0.2.25
mail     AAAA  2001:db8::25
nods     NS    ns.example.net.
ns1      A     192.0.2.53
ns1      AAAA  2001:db8::53
old      DNAME new.example.com.
www.new  A     192.0.2.90
sub      NS    ns1.sub
sub      NS    ns.example.org.
sub      DS    12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE8A7B3D6F5E7C2D1B0A9F8E7D
sub      RRSIG DS 8 3 3600 20300101000000 20200101000000 12345 example.com. c2lnLWRz
ns1.sub  A     192.0.2.40
ns1.sub  AAAA  2001:db8::40
_sip._tcp SRV  10 60 5060 sip
sip      A     192.0.2.60
*.wild   A     192.0.2.100
*.wild   RRSIG A 8 3 3600 20300101000000 20200101000000 12345 example.com. c2lnLXdpbGQ=
*.wild   TXT   "wildcard"
host.wild A    192.0.2.101
www      A     192.0.2.80
www      A     192.0.2.81
www      AAAA  2001:db8::80
www      TXT   "hello" "world"
www      RRSIG A 8 3 600 20300101000000 20200101000000 12345 example.com. c2lnLXd3dw==
www      300 NSEC example.com. A AAAA TXT RRSIG NSEC
xn--bcher-kva CAA 0 issue "ca.example"
z        TYPE65280 \# 4 0a000001
)";

// NSEC3 (fake hashes: the chain is only as good as its order) with NSEC3PARAM.
const char* kNsec3 = R"(
$ORIGIN nsec3.test.
$TTL 3600
@    SOA   ns hostmaster 1 7200 3600 1209600 300
@    NS    ns
@    NSEC3PARAM 1 0 1 aabb
@    RRSIG SOA 8 2 3600 20300101000000 20200101000000 1 nsec3.test. c2ln
ns   A     192.0.2.1
*.w  A     192.0.2.2
d    NS    ns.example.net.
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 1 aabb 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA RRSIG NSEC3PARAM
2t7b4g4vsa5smi47k61mv5bv1a22bojr NSEC3 1 1 1 aabb 8r1lrdsf8ql1ekp30qq9fn36ml1qclsu A RRSIG
8r1lrdsf8ql1ekp30qq9fn36ml1qclsu NSEC3 1 0 1 aabb 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A
8r1lrdsf8ql1ekp30qq9fn36ml1qclsu RRSIG NSEC3 8 2 300 20300101000000 20200101000000 1 nsec3.test. c2ln
)";

// A child zone served next to its parent (DS from the parent side).
const char* kChild = R"(
$ORIGIN child.example.com.
@    SOA ns1 hostmaster 42 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.77
www  A   192.0.2.78
)";

struct State {
    dns::answer::Identity id;
    dns::zone::ZoneTable table;
    dns::answer::Responder responder{id};

    State() : table(load()) {
        id.nsid = "fuzz-pop";
        id.hostname = "fuzz.host";
        id.version = "dnsd fuzz";
    }

    static std::vector<dns::zone::ZonePtr> load() {
        std::vector<dns::zone::ZonePtr> zones;
        const std::pair<const char*, const char*> texts[] = {
            {kExample, "example.com."}, {kNsec3, "nsec3.test."}, {kChild, "child.example.com."}};
        for (const auto& [text, origin] : texts) {
            auto name = dns::wire::Name::from_text(origin);
            auto z = dns::zonefile::parse(text, *name, {}, origin);
            if (!z) {
                std::fprintf(stderr, "fuzz_answer: zone %s does not load: %s\n", origin,
                             z.error().message.c_str());
                std::abort();
            }
            zones.push_back(*z);
        }
        return zones;
    }
};

State& state() {
    static State s;
    return s;
}

[[noreturn]] void fail(const char* what, size_t size) {
    std::fprintf(stderr, "fuzz_answer: %s (input of %zu bytes)\n", what, size);
    std::abort();
}

// (a) the codec: parse, write back, parse again.
void check_codec(std::span<const uint8_t> in) {
    auto m = dns::wire::parse_message(in);
    if (!m) return;
    static std::vector<uint8_t> buf(256 * 1024);
    dns::wire::Writer w(buf.data(), buf.size());
    if (!dns::wire::write_message(*m, w)) return;  // may not fit its 16-bit fields; that is allowed
    auto again = dns::wire::parse_message({buf.data(), w.size()});
    if (!again) fail("write_message output does not parse", in.size());
    if (again->question.size() != m->question.size() || again->answer.size() != m->answer.size() ||
        again->authority.size() != m->authority.size() ||
        again->additional.size() != m->additional.size() ||
        again->edns.present != m->edns.present || again->has_tsig != m->has_tsig)
        fail("write_message changed the message", in.size());
    for (size_t i = 0; i < m->answer.size(); ++i)
        if (again->answer[i].rdata != m->answer[i].rdata ||
            again->answer[i].type != m->answer[i].type)
            fail("write_message changed RDATA", in.size());
}

// (b) the responder.
void check_respond(std::span<const uint8_t> in, dns::answer::Transport tr) {
    State& s = state();
    static uint8_t out[65535];
    size_t n = s.responder.respond(s.table, in, out, sizeof out, tr);
    if (n == 0) return;
    if (n > sizeof out) fail("response longer than the buffer", in.size());
    auto r = dns::wire::parse_message({out, n});
    if (!r) {
        std::fprintf(stderr, "fuzz_answer: response does not parse: %s\n",
                     r.error().message.c_str());
        fail("unparseable response", in.size());
    }
    if (in.size() < 2 || r->header.id != dns::wire::get16(in.data()))
        fail("response ID differs", in.size());
    if (!(r->header.flags & dns::wire::flag::QR)) fail("response without QR", in.size());
    if (tr == dns::answer::Transport::udp) {
        // 512 without EDNS; with EDNS at most max(512, min(client size, our maximum)).
        dns::wire::Query q{};
        bool edns = dns::wire::parse_query(in, q) == dns::wire::QueryStatus::ok && q.has_edns;
        size_t limit =
            edns ? std::max<size_t>(512, std::min<size_t>(q.udp_size, s.id.max_udp)) : 512;
        if (n > limit) fail("UDP response larger than allowed", in.size());
    }
}

// (c) structured: a well-formed query built from the input, for a name near the
// zones' contents, so that most inputs reach the answer algorithm.
void check_structured(std::span<const uint8_t> in) {
    static const char* const kNames[] = {"example.com.",
                                         "www.example.com.",
                                         "alias.example.com.",
                                         "chain1.example.com.",
                                         "dangling.example.com.",
                                         "loop1.example.com.",
                                         "wild.example.com.",
                                         "host.wild.example.com.",
                                         "cw.example.com.",
                                         "b.c.example.com.",
                                         "sub.example.com.",
                                         "ns1.sub.example.com.",
                                         "nods.example.com.",
                                         "dn.example.com.",
                                         "old.example.com.",
                                         "big.example.com.",
                                         "_tcp.example.com.",
                                         "z.example.com.",
                                         "child.example.com.",
                                         "nsec3.test.",
                                         "w.nsec3.test.",
                                         "d.nsec3.test.",
                                         "example.org.",
                                         "version.bind.",
                                         "id.server."};
    if (in.size() < 4) return;
    const uint8_t sel = in[0], f = in[3];
    const uint16_t qtype = static_cast<uint16_t>(in[1] << 8 | in[2]);
    auto base = dns::wire::Name::from_text(kNames[sel % (sizeof kNames / sizeof kNames[0])]);
    dns::wire::Name qname = *base;
    // Up to 3 prefix labels from the remaining bytes (any octets, '*' included).
    size_t pos = 4;
    for (int i = 0; i < ((sel >> 5) & 3) && pos < in.size(); ++i) {
        size_t len = 1 + in[pos] % 8;
        std::string label;
        for (size_t k = 1; k <= len && pos + k < in.size(); ++k)
            label.push_back(static_cast<char>(in[pos + k]));
        pos += len + 1;
        if (label.empty()) break;
        auto longer = qname.prepend(label);
        if (!longer) break;
        qname = *longer;
    }
    const uint16_t qclass = (f & 0x40) ? dns::wire::rrclass::CH : dns::wire::rrclass::IN;
    auto q = dns::wire::make_query(qname, qtype, 0xF00D, f & 1, f & 2, qclass);
    if (f & 4) {  // upper-case the question name
        for (size_t k = dns::wire::kHeaderLen; k < dns::wire::kHeaderLen + qname.size(); ++k)
            if (q[k] >= 'a' && q[k] <= 'z') q[k] = static_cast<uint8_t>(q[k] - 32);
    }
    if ((f & 1) && (f & 0x18)) {  // EDNS options: NSID and/or ZONEVERSION
        std::vector<uint8_t> opts;
        if (f & 0x08) opts.insert(opts.end(), {0, 3, 0, 0});
        if (f & 0x10) opts.insert(opts.end(), {0, 19, 0, 0});
        q.insert(q.end(), opts.begin(), opts.end());
        dns::wire::put16(q.data() + q.size() - opts.size() - 2, static_cast<uint16_t>(opts.size()));
    }
    if (f & 0x20) dns::wire::put16(q.data() + 2, 0x0100);  // RD
    check_respond(q, (f & 0x80) ? dns::answer::Transport::tcp : dns::answer::Transport::udp);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> in(data, size);
    check_codec(in);
    check_respond(in, dns::answer::Transport::udp);
    check_respond(in, dns::answer::Transport::tcp);
    check_structured(in);
    return 0;
}
