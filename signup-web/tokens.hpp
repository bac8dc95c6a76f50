#pragma once
// Confirmation tokens: 256 random bits (OpenSSL's RAND_bytes), written in
// URL-safe base64; the database keeps only their SHA-256, so a copy of it
// confirms nothing.
#include <string>
#include <string_view>

namespace signup {

/// A fresh token (43 characters of base64url).
std::string new_token();
/// The SHA-256 of a token, in hex: what the store keeps and looks up.
std::string token_hash(std::string_view token);
/// Constant-time equality (CSRF tokens).
bool same_secret(std::string_view a, std::string_view b);

}  // namespace signup
