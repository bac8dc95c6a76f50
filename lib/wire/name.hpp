#pragma once
// Domain names in wire form (RFC 1035 §3.1): a sequence of length-prefixed labels
// ending with the root label. Comparison is case-insensitive for ASCII (RFC 4343);
// ordering is the DNSSEC canonical order (RFC 4034 §6.1).

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lib/base/result.hpp"

namespace dns::wire {

inline constexpr size_t kMaxNameLen = 255;
inline constexpr size_t kMaxLabelLen = 63;
inline constexpr size_t kMaxLabels = 128;

/// ASCII lower-casing table lookup; other bytes are unchanged.
inline uint8_t lower(uint8_t c) noexcept { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// ---- functions on raw, uncompressed, valid wire names ----

/// Length in bytes of the wire name starting at p (including the root byte).
size_t name_length(const uint8_t* p) noexcept;
/// Number of labels, not counting the root.
size_t label_count(const uint8_t* p) noexcept;
/// Case-insensitive equality.
bool name_equal(const uint8_t* a, const uint8_t* b) noexcept;
/// Canonical order (RFC 4034 §6.1): <0, 0, >0.
int canonical_compare(const uint8_t* a, const uint8_t* b) noexcept;
/// True when `name` equals `zone` or lies below it.
bool is_subdomain(const uint8_t* name, const uint8_t* zone) noexcept;
/// Writes the lower-cased copy of a wire name of length len into out.
void to_lower(const uint8_t* in, size_t len, uint8_t* out) noexcept;
/// Presentation form ("www.example.com."), with \DDD and \. escapes.
std::string to_text(const uint8_t* p);

/// An owned, absolute, uncompressed wire-format name. Original case is kept.
class Name {
  public:
    /// The root name ".".
    Name() : wire_(1, '\0') {}

    /// Parses presentation format; a relative name is completed with origin (if given).
    static Result<Name> from_text(std::string_view text, const Name* origin = nullptr);
    /// Takes a wire name that the caller knows to be valid and uncompressed.
    static Name from_wire(const uint8_t* p) {
        return Name(std::string(reinterpret_cast<const char*>(p), name_length(p)));
    }
    /// Validates and takes an uncompressed wire name of exactly `bytes.size()` bytes.
    static Result<Name> from_wire_checked(std::span<const uint8_t> bytes);

    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(wire_.data()); }
    size_t size() const { return wire_.size(); }
    std::span<const uint8_t> wire() const { return {data(), size()}; }
    size_t labels() const { return label_count(data()); }
    bool is_root() const { return wire_.size() == 1; }
    bool is_wildcard() const { return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*'; }

    /// The name with its first label removed; the root's parent is the root.
    Name parent() const;
    /// A lower-cased copy.
    Name lowercased() const;
    /// label + "." + this; fails if the result is too long.
    Result<Name> prepend(std::string_view label) const;
    bool is_subdomain_of(const Name& zone) const { return is_subdomain(data(), zone.data()); }
    std::string to_text() const { return wire::to_text(data()); }

    friend bool operator==(const Name& a, const Name& b) { return name_equal(a.data(), b.data()); }
    /// Canonical DNSSEC order.
    friend std::strong_ordering operator<=>(const Name& a, const Name& b) {
        int c = canonical_compare(a.data(), b.data());
        return c < 0 ? std::strong_ordering::less
                     : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
    }

  private:
    explicit Name(std::string w) : wire_(std::move(w)) {}
    std::string wire_;
};

/// Case-insensitive hash of a wire name (same value for any casing).
uint64_t name_hash(const uint8_t* p, size_t len) noexcept;

}  // namespace dns::wire
