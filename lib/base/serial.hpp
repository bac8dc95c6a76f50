#pragma once
// RFC 1982 serial number arithmetic for 32-bit SOA serials.

#include <cstdint>

namespace dns {

/// True when serial a precedes b (RFC 1982 §3.2). Undefined pairs (distance 2^31) compare false.
constexpr bool serial_lt(uint32_t a, uint32_t b) noexcept {
    return a != b && ((a < b && b - a < 0x80000000u) || (a > b && a - b > 0x80000000u));
}
constexpr bool serial_gt(uint32_t a, uint32_t b) noexcept { return serial_lt(b, a); }
constexpr bool serial_le(uint32_t a, uint32_t b) noexcept { return a == b || serial_lt(a, b); }

/// Adds n (at most 2^31 - 1) to serial s (RFC 1982 §3.1).
constexpr uint32_t serial_add(uint32_t s, uint32_t n) noexcept { return s + n; }

}  // namespace dns
