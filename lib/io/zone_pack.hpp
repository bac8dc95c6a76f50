#pragma once
// Many small zones in one append-only file, for a state directory that holds
// tens of thousands of them. A file per zone costs an inode allocation, a
// rename and directory lookups for every write, and an open per zone at
// start; at 100,000 catalog members that is most of a POP's work (measured:
// half of a dnsd POP's CPU during a bulk add went to ext4's inode search).
// The pack appends a record per new version instead (one write and one
// fdatasync for a whole batch), reads the whole file once at open, and
// rewrites itself with the live records alone once garbage outweighs them.
//
// Layout: magic "DNSDPK01", then records: u32 magic, u32 body length, u32
// FNV-1a of the body (with the snapshot's verified time counted as zero, so
// touch() can rewrite it in place), body = u8 kind (1 put, 2 delete), u8 name
// length, the lower-cased apex (wire), and for a put the snapshot
// (lib/xfr/snapshot). The last record for a name wins. A record that does
// not check out ends the file: a torn tail is cut off at open.
//
// Thread-safe (one mutex); the file is opened on first use.

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/base/result.hpp"

namespace dns::io {

class ZonePack {
  public:
    explicit ZonePack(std::string path);
    ~ZonePack();
    ZonePack(const ZonePack&) = delete;
    ZonePack& operator=(const ZonePack&) = delete;

    const std::string& path() const { return path_; }
    /// Opens (creating it if needed) and indexes the file; later calls do
    /// nothing. A torn or garbled tail is cut off and described in note().
    Result<void> open();
    /// What open() had to repair ("" when nothing).
    std::string note() const;

    /// Whether the pack holds `key` (the lower-cased apex in wire form).
    bool contains(std::span<const uint8_t> key);
    /// The snapshot bytes of `key`; not_found when the pack does not hold it.
    Result<std::vector<uint8_t>> get(std::span<const uint8_t> key);

    struct Put {
        std::vector<uint8_t> key;       ///< lower-cased apex, wire form
        std::vector<uint8_t> snapshot;  ///< lib/xfr/snapshot bytes
    };
    /// Appends the puts and the deletions (keys not held are skipped) with one
    /// write and one fdatasync; on failure the file is cut back and nothing
    /// changes. May compact the file afterwards.
    Result<void> write(std::span<const Put> puts, std::span<const std::vector<uint8_t>> deletes);
    /// Rewrites the verification time of `key` in place (not synced: losing
    /// it costs a refresh). not_found when the pack does not hold it.
    Result<void> touch(std::span<const uint8_t> key, int64_t verified_unix);

    size_t size() const;        ///< zones held
    size_t file_bytes() const;  ///< the file's length
    size_t live_bytes() const;  ///< of it, the records that count

  private:
    struct Entry {
        uint64_t offset;  ///< of the record
        uint32_t length;  ///< of the whole record
        uint8_t name_len;
    };
    Result<void> open_locked();
    Result<void> compact_locked();
    static std::string key_of(std::span<const uint8_t> key) {
        return {reinterpret_cast<const char*>(key.data()), key.size()};
    }

    std::string path_;
    mutable std::mutex mu_;
    int fd_ = -1;
    bool opened_ = false;
    std::string note_;
    std::unordered_map<std::string, Entry> index_;
    uint64_t end_ = 0;   // file length
    uint64_t live_ = 0;  // bytes of the records in index_
};

}  // namespace dns::io
