// libFuzzer target for zone transfers in and out.
//
// The input is a first byte (AXFR or IXFR, and the limits) and then messages,
// each a 16-bit length and its bytes, fed to TransferIn as a primary's answer.
// Whatever comes out must hold: a failed transfer yields nothing; a full zone
// is a valid zone that TransferOut sends back and TransferIn reads again to
// the same records; an IXFR's differences either apply to the base zone or
// are refused cleanly. Built as fuzz_transfer (libFuzzer) and
// fuzz_replay_transfer (the seeds, in ordinary builds).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/xfr/transfer_out.hpp"
#include "lib/zonefile/zonefile.hpp"

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_transfer: %s\n", what);
        std::abort();
    }
}

const dns::wire::Name& origin() {
    static const dns::wire::Name n = *dns::wire::Name::from_text("example.com.");
    return n;
}

dns::zone::ZonePtr base() {
    static dns::zone::ZonePtr z = *dns::zonefile::parse(
        "$ORIGIN example.com.\n@ 3600 SOA ns1 hm 1 7200 3600 1209600 300\n@ NS ns1\nns1 A "
        "192.0.2.1\n"
        "www A 192.0.2.2\nwww TXT \"x\"\n*.w CNAME www\nsub NS ns.sub\nns.sub A 192.0.2.3\n",
        origin());
    return z;
}

std::vector<std::string> records(const dns::zone::Zone& z) {
    std::vector<std::string> out;
    for (const auto& r : dns::xfr::records_of(z)) {
        std::string owner;
        for (char c : r.owner)
            owner.push_back(static_cast<char>(dns::wire::lower(static_cast<uint8_t>(c))));
        out.push_back(owner + "|" + std::to_string(r.type) + "|" + std::to_string(r.ttl) + "|" +
                      r.rdata);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x21 && c < 0x7f) {
            out.push_back(static_cast<char>(c));
        } else {
            char b[8];
            std::snprintf(b, sizeof b, "\\%03u", c);
            out += b;
        }
    }
    return out;
}

// Sends `z` out by AXFR and reads it back: the same records.
void round_trip(const dns::zone::ZonePtr& z) {
    dns::xfr::TransferIn in(origin(), dns::xfr::Kind::axfr, 0);
    auto req = in.request(7);
    dns::wire::Query q;
    check(dns::wire::parse_query(req, q) == dns::wire::QueryStatus::ok,
          "own request does not parse");
    dns::xfr::TransferOut out(q, z, std::nullopt, nullptr);
    std::vector<uint8_t> buf(65535);
    for (int i = 0; i < 100000; ++i) {
        size_t n = out.next(buf.data(), buf.size());
        if (n == 0) break;
        check(in.feed({buf.data(), n}) != dns::xfr::TransferIn::Status::failed, "own AXFR refused");
    }
    if (out.failed()) return;  // a record too large for a message: not sendable, fine
    check(in.outcome() == dns::xfr::TransferIn::Outcome::full_zone, "own AXFR incomplete");
    const auto before = records(*z), after = records(*in.zone());
    if (before != after) {
        for (const auto& r : before)
            if (!std::binary_search(after.begin(), after.end(), r))
                std::fprintf(stderr, "  lost: %s\n", printable(r).c_str());
        for (const auto& r : after)
            if (!std::binary_search(before.begin(), before.end(), r))
                std::fprintf(stderr, "  new:  %s\n", printable(r).c_str());
    }
    check(before == after, "AXFR round trip changed the zone");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    dns::xfr::Limits limits;
    limits.max_records = (mode & 2) ? 50 : 0;
    limits.max_messages = (mode & 4) ? 3 : 0;
    const bool ixfr = mode & 1;
    dns::xfr::TransferIn t(origin(), ixfr ? dns::xfr::Kind::ixfr : dns::xfr::Kind::axfr,
                           ixfr ? 1 : 0, limits);
    t.request(0x4242);
    size_t pos = 1;
    auto st = dns::xfr::TransferIn::Status::more;
    while (pos + 2 <= size && st == dns::xfr::TransferIn::Status::more) {
        size_t len = static_cast<size_t>(data[pos]) << 8 | data[pos + 1];
        pos += 2;
        len = std::min(len, size - pos);
        std::vector<uint8_t> msg(data + pos, data + pos + len);  // exact size: ASan sees overreads
        st = t.feed(msg);
        pos += len;
    }
    if (st == dns::xfr::TransferIn::Status::failed) {
        check(!t.zone() && t.diffs().empty(), "a failed transfer left data");
        return 0;
    }
    if (st != dns::xfr::TransferIn::Status::done) return 0;
    switch (t.outcome()) {
        case dns::xfr::TransferIn::Outcome::full_zone:
            check(t.zone() != nullptr, "a full zone without a zone");
            check(t.zone()->apex() == origin(), "a zone of another apex");
            round_trip(t.zone());
            break;
        case dns::xfr::TransferIn::Outcome::incremental:
            if (auto applied = dns::xfr::apply(base(), t.diffs())) {
                check((*applied)->serial() == t.diffs().back().to,
                      "applied IXFR has another serial");
                round_trip(*applied);
            }
            break;
        default:
            break;
    }
    return 0;
}
