#pragma once
// A journal of zone differences on disk: what an IXFR brought, appended after
// a snapshot of the zone, so a change costs a write proportional to the
// change instead of rewriting the zone. dnsd keeps one beside each saved
// zone; zonesync will serve IXFR from the same format.
//
// File: magic "DNSDJN01", then entries. An entry is u32 length, the payload
// and a u32 FNV-1a checksum of the payload. Payload: u32 from serial, u32 to
// serial, u64 stamp (the writer's: dnsd stores when the data was verified),
// u32 removed count, u32 added count, then the records (encode_record()).
// Integers are big-endian. A torn or corrupt last entry (a crash during an
// append) ends the journal there; what precedes it stays valid.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/xfr/transfer.hpp"

namespace dns::xfr {

/// Appends one record: u8 owner length, owner (wire), u16 type, u32 TTL,
/// u16 RDATA length, RDATA.
void encode_record(std::vector<uint8_t>& out, const Record& r);
/// Reads one record written by encode_record(); false when truncated or the
/// owner is not a valid name.
bool decode_record(const uint8_t*& p, const uint8_t* end, Record& out);

class Journal {
  public:
    struct Entry {
        Diff diff;
        int64_t stamp = 0;
    };

    explicit Journal(std::string path) : path_(std::move(path)) {}
    const std::string& path() const { return path_; }

    /// Appends the differences, one entry each, in one write, then fsyncs.
    /// Creates the file when absent. Returns the journal's size afterwards.
    Result<size_t> append(std::span<const Diff> diffs, int64_t stamp) const;
    /// The entries in order. Stops at a torn or corrupt entry; `valid_bytes`
    /// receives the length of the good prefix (truncate() to it before the
    /// next append). Fails only when the file exists but is not a journal.
    Result<std::vector<Entry>> read(size_t* valid_bytes = nullptr) const;
    /// A journal's bytes holding `diffs`, one entry each (with the file's
    /// magic first when `with_magic`): what append() writes, for a program
    /// that keeps the entries elsewhere (zonesync: in its database).
    static std::vector<uint8_t> encode(std::span<const Diff> diffs, int64_t stamp,
                                       bool with_magic = true);
    /// The same from the bytes of a journal (for tests and fuzzing).
    static Result<std::vector<Entry>> parse(std::span<const uint8_t> data,
                                            size_t* valid_bytes = nullptr);
    /// Cuts the journal to `bytes` (after a torn entry).
    Result<void> truncate(size_t bytes) const;
    /// Bytes on disk (0 when absent).
    size_t size() const;
    /// Deletes the journal.
    void clear() const;

  private:
    std::string path_;
};

}  // namespace dns::xfr
