#pragma once
// Base64 (RFC 4648 §4) and hexadecimal text, for keys, signatures and secrets.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lib/base/result.hpp"

namespace dns {

/// Standard base64 (padding required, no whitespace) to octets.
Result<std::string> base64_decode(std::string_view text);
/// Octets to standard base64 with padding.
std::string base64_encode(std::span<const uint8_t> bytes);
/// Hexadecimal digits (either case, an even number of them) to octets.
Result<std::string> hex_decode(std::string_view text);

}  // namespace dns
