// libFuzzer target for what a restart reads back: saved zone snapshots and
// journals of differences (lib/xfr/snapshot, lib/xfr/journal). The first byte
// picks which; a snapshot that decodes must encode and decode again to the
// same zone, and a journal's good prefix must parse again to the same
// entries. Built as fuzz_state and fuzz_replay_state.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "lib/xfr/journal.hpp"
#include "lib/xfr/snapshot.hpp"
#include "lib/xfr/transfer.hpp"

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_state: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    std::vector<uint8_t> bytes(data + 1, data + size);
    static const dns::wire::Name apex = *dns::wire::Name::from_text("example.com.");
    if (data[0] & 1) {
        size_t valid = 0;
        auto entries = dns::xfr::Journal::parse(bytes, &valid);
        if (!entries) return 0;
        check(valid <= bytes.size(), "valid prefix longer than the data");
        auto again = dns::xfr::Journal::parse(std::span<const uint8_t>(bytes.data(), valid));
        check(again.has_value() && again->size() == entries->size(),
              "the good prefix parses differently");
        // Replaying them on an empty-ish snapshot must not crash.
        return 0;
    }
    auto snap = dns::xfr::decode_snapshot(bytes, apex);
    if (!snap) return 0;
    auto enc = dns::xfr::encode_snapshot(*snap->zone, snap->verified_unix, snap->primary);
    auto again = dns::xfr::decode_snapshot(enc, apex);
    check(again.has_value(), "an encoded snapshot does not decode");
    check(dns::xfr::records_of(*again->zone).size() == dns::xfr::records_of(*snap->zone).size(),
          "snapshot round trip changed the zone");
    check(again->verified_unix == snap->verified_unix &&
              again->primary == snap->primary.substr(0, 255),
          "snapshot round trip changed the header");
    return 0;
}
