#pragma once
// A message writer over a caller-owned buffer: no allocation. It compresses names
// (RFC 1035 §4.1.4) against names already written, refuses to grow past its
// limit, and can roll back to a mark so an RRset that does not fit leaves no trace.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dns::wire {

class Writer {
  public:
    /// buf must hold at least `capacity` bytes; nothing is written past `limit` (<= capacity).
    Writer(uint8_t* buf, size_t capacity) noexcept : buf_(buf), cap_(capacity), limit_(capacity) {}

    struct Mark {
        size_t pos;
        uint8_t entries;
    };

    uint8_t* data() noexcept { return buf_; }
    const uint8_t* data() const noexcept { return buf_; }
    size_t size() const noexcept { return pos_; }
    size_t limit() const noexcept { return limit_; }
    /// Lowers (or raises, up to capacity) the limit for what follows.
    void set_limit(size_t limit) noexcept { limit_ = limit < cap_ ? limit : cap_; }
    size_t room() const noexcept { return pos_ < limit_ ? limit_ - pos_ : 0; }

    Mark mark() const noexcept { return {pos_, entries_}; }
    void rollback(Mark m) noexcept {
        pos_ = m.pos;
        entries_ = m.entries;
    }
    /// Forgets every name written (use when a new message starts in the same buffer).
    void reset(size_t pos = 0) noexcept {
        pos_ = pos;
        entries_ = 0;
    }

    bool u8(uint8_t v) noexcept {
        if (room() < 1) return false;
        buf_[pos_++] = v;
        return true;
    }
    bool u16(uint16_t v) noexcept {
        if (room() < 2) return false;
        buf_[pos_] = static_cast<uint8_t>(v >> 8);
        buf_[pos_ + 1] = static_cast<uint8_t>(v);
        pos_ += 2;
        return true;
    }
    bool u32(uint32_t v) noexcept {
        if (room() < 4) return false;
        buf_[pos_] = static_cast<uint8_t>(v >> 24);
        buf_[pos_ + 1] = static_cast<uint8_t>(v >> 16);
        buf_[pos_ + 2] = static_cast<uint8_t>(v >> 8);
        buf_[pos_ + 3] = static_cast<uint8_t>(v);
        pos_ += 4;
        return true;
    }
    bool bytes(const void* p, size_t n) noexcept {
        if (room() < n) return false;
        std::memcpy(buf_ + pos_, p, n);
        pos_ += n;
        return true;
    }
    /// Overwrites a 16-bit value at an earlier offset (e.g. RDLENGTH, counts).
    void patch_u16(size_t at, uint16_t v) noexcept {
        buf_[at] = static_cast<uint8_t>(v >> 8);
        buf_[at + 1] = static_cast<uint8_t>(v);
    }

    /// Compress only against names with the same case (zone transfers: the
    /// copy keeps every name exactly as the zone has it, as BIND's xfrout).
    void set_case_sensitive(bool on) noexcept { case_sensitive_ = on; }

    /// Writes an uncompressed valid wire name; with `compress`, the longest suffix
    /// already in the message becomes a pointer. Labels written in full become
    /// candidates for later names either way.
    bool name(const uint8_t* name, bool compress) noexcept;
    /// Writes a compression pointer to an earlier offset holding a name.
    bool pointer(uint16_t offset) noexcept { return u16(static_cast<uint16_t>(0xC000 | offset)); }
    /// Registers a name already written at `offset` (e.g. the question) for compression.
    void remember_name(size_t offset) noexcept;
    /// Whether the name written at `offset` (pointers followed) equals `name`,
    /// ignoring ASCII case unless the writer is case-sensitive.
    bool name_at(size_t offset, const uint8_t* name) const noexcept {
        return matches(offset, name);
    }

  private:
    struct Entry {
        uint16_t offset;  ///< where a label sequence starts in the message
        uint16_t length;  ///< uncompressed length of the name from there
    };
    static constexpr size_t kMaxEntries = 64;

    bool matches(size_t offset, const uint8_t* suffix) const noexcept;

    uint8_t* buf_;
    size_t cap_;
    size_t limit_;
    size_t pos_ = 0;
    uint8_t entries_ = 0;
    bool case_sensitive_ = false;
    Entry entry_[kMaxEntries];
};

}  // namespace dns::wire
