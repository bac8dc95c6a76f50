#pragma once
// FNV-1a (32 bits): the checksum of the project's own files (journal entries,
// the zone pack's records). It finds torn and garbled writes, not tampering.

#include <cstddef>
#include <cstdint>

namespace dns {

inline constexpr uint32_t kFnv1aSeed = 2166136261u;

/// FNV-1a of `n` bytes, going on from `h` (so a record can be hashed in parts).
inline uint32_t fnv1a(const uint8_t* p, size_t n, uint32_t h = kFnv1aSeed) noexcept {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    return h;
}

}  // namespace dns
