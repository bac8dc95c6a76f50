#pragma once
// A bounds-checked reader over an untrusted DNS message. Every accessor returns
// false instead of reading past the end; callers discard the whole message on
// the first failure (never a partial parse).

#include <cstddef>
#include <cstdint>
#include <span>

namespace dns::wire {

class Reader {
  public:
    explicit Reader(std::span<const uint8_t> msg) noexcept : msg_(msg) {}

    size_t pos() const noexcept { return pos_; }
    size_t remaining() const noexcept { return msg_.size() - pos_; }
    std::span<const uint8_t> message() const noexcept { return msg_; }

    bool u8(uint8_t& v) noexcept;
    bool u16(uint16_t& v) noexcept;
    bool u32(uint32_t& v) noexcept;
    /// Points `p` at the next n bytes and skips them.
    bool bytes(size_t n, const uint8_t*& p) noexcept;
    bool skip(size_t n) noexcept;
    bool seek(size_t pos) noexcept;

    /// Reads a possibly compressed name at the current position into `out`
    /// (uncompressed wire form, at most 255 bytes) and sets len. Compression
    /// pointers must point strictly before the label sequence they end, which
    /// rules out loops and forward pointers.
    bool name(uint8_t* out, size_t& len) noexcept;

  private:
    std::span<const uint8_t> msg_;
    size_t pos_ = 0;
};

/// Reads the name at `pos` of `msg` (see Reader::name); returns the offset just after
/// the name's last byte in place (not after pointer targets), or 0 on error.
size_t read_name_at(std::span<const uint8_t> msg, size_t pos, uint8_t* out, size_t& len) noexcept;

}  // namespace dns::wire
