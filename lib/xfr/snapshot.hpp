#pragma once
// A zone snapshot in a compact binary form, for a program's storage: every
// record in transfer form (lib/xfr/journal's record encoding), with the time
// the data was last verified current and the primary it came from. The
// journal (lib/xfr/journal) holds the differences that came after it;
// replay() applies them.
//
// Layout: magic "DNSDZN02", u64 verified time, u32 record count, u16 apex
// length, apex (wire), u8 primary length, primary (text "ADDR:PORT"), then each
// record (encode_record()). Integers big-endian. Version 1 ("DNSDZN01") lacks
// the primary and is still read.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/journal.hpp"
#include "lib/zone/zone.hpp"

namespace dns::xfr {

struct Snapshot {
    zone::ZonePtr zone;
    int64_t verified_unix = 0;  ///< wall-clock time the data was last known current
    std::string primary;        ///< the primary the data came from ("" = unknown)
};

/// Encodes a zone with its verification time and primary.
std::vector<uint8_t> encode_snapshot(const zone::Zone& zone, int64_t verified_unix,
                                     const std::string& primary);
/// Decodes a snapshot of zone `apex`; fails (malformed) on anything else.
Result<Snapshot> decode_snapshot(std::span<const uint8_t> bytes, const wire::Name& apex);
/// The byte offset of the verified time (to update it in place).
inline constexpr size_t kSnapshotVerifiedOffset = 8;

/// What replay() did.
struct Replayed {
    uint32_t entries = 0;  ///< journal entries applied
    std::string note;      ///< why (part of) the journal was not used, if it was not
};
/// Applies the journal entries that follow on from the snapshot's serial
/// (older ones, left by a crash between a snapshot and the journal's removal,
/// are skipped); on success the snapshot's zone and verified time move on.
Replayed replay(Snapshot& snapshot, std::vector<Journal::Entry> entries);

}  // namespace dns::xfr
