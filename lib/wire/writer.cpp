#include "lib/wire/writer.hpp"

#include "lib/wire/name.hpp"

namespace dns::wire {

bool Writer::matches(size_t off, const uint8_t* s) const noexcept {
    // The message bytes were written by us, so they are well formed: pointers
    // always lead backward to complete names.
    for (;;) {
        uint8_t l = buf_[off];
        if ((l & 0xC0) == 0xC0) {
            off = static_cast<size_t>(l & 0x3F) << 8 | buf_[off + 1];
            continue;
        }
        if (l != *s) return false;
        if (l == 0) return true;
        if (case_sensitive_) {
            if (std::memcmp(buf_ + off + 1, s + 1, l) != 0) return false;
        } else {
            for (uint8_t i = 1; i <= l; ++i)
                if (lower(buf_[off + i]) != lower(s[i])) return false;
        }
        off += l + 1u;
        s += l + 1u;
    }
}

void Writer::remember_name(size_t offset) noexcept {
    // Record each label start of the name at offset (uncompressed part only).
    size_t off = offset;
    size_t total = 0;
    // First measure the full uncompressed length by walking (following pointers).
    {
        size_t o = off;
        for (;;) {
            uint8_t l = buf_[o];
            if ((l & 0xC0) == 0xC0) {
                o = static_cast<size_t>(l & 0x3F) << 8 | buf_[o + 1];
                continue;
            }
            total += l + 1u;
            if (l == 0) break;
            o += l + 1u;
        }
    }
    while (entries_ < kMaxEntries && off < 0x3FFF) {
        uint8_t l = buf_[off];
        if (l == 0 || (l & 0xC0) == 0xC0) break;
        entry_[entries_++] = {static_cast<uint16_t>(off), static_cast<uint16_t>(total)};
        total -= l + 1u;
        off += l + 1u;
    }
}

bool Writer::name(const uint8_t* n, bool compress) noexcept {
    const size_t len = name_length(n);
    const size_t start = pos_;
    const uint8_t start_entries = entries_;
    auto fail = [&] {
        pos_ = start;
        entries_ = start_entries;
        return false;
    };
    size_t consumed = 0;  // bytes of n written so far
    while (n[consumed] != 0) {
        const size_t rest = len - consumed;
        if (compress) {
            for (uint8_t e = 0; e < entries_; ++e) {
                if (entry_[e].length == rest && matches(entry_[e].offset, n + consumed)) {
                    return pointer(entry_[e].offset) || fail();
                }
            }
        }
        const uint8_t l = n[consumed];
        const size_t at = pos_;
        if (!bytes(n + consumed, l + 1u)) return fail();
        if (entries_ < kMaxEntries && at < 0x3FFF)
            entry_[entries_++] = {static_cast<uint16_t>(at), static_cast<uint16_t>(rest)};
        consumed += l + 1u;
    }
    return u8(0) || fail();
}

}  // namespace dns::wire
