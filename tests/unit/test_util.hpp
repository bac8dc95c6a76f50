#pragma once
// Small helpers shared by the unit tests: names from text, a byte builder for
// hand-made (often hostile) DNS messages.

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/wire/name.hpp"
#include "lib/wire/rrtype.hpp"

namespace test {

/// A name from presentation text; fails the test if the text is invalid.
inline dns::wire::Name N(std::string_view text) {
    auto n = dns::wire::Name::from_text(text);
    REQUIRE_MESSAGE(n.has_value(), "bad test name: ", std::string(text));
    return *n;
}

/// Wire bytes of a name as a std::string (handy for comparing RDATA).
inline std::string W(std::string_view text) {
    auto n = N(text);
    return std::string(reinterpret_cast<const char*>(n.data()), n.size());
}

/// Builds raw message bytes field by field.
struct Bytes {
    std::vector<uint8_t> b;

    Bytes& u8(uint8_t v) {
        b.push_back(v);
        return *this;
    }
    Bytes& u16(uint16_t v) {
        b.push_back(static_cast<uint8_t>(v >> 8));
        b.push_back(static_cast<uint8_t>(v));
        return *this;
    }
    Bytes& u32(uint32_t v) {
        u16(static_cast<uint16_t>(v >> 16));
        return u16(static_cast<uint16_t>(v));
    }
    Bytes& raw(std::initializer_list<int> v) {
        for (int x : v) b.push_back(static_cast<uint8_t>(x));
        return *this;
    }
    Bytes& str(std::string_view s) {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    /// An uncompressed name.
    Bytes& name(std::string_view text) {
        auto n = N(text);
        b.insert(b.end(), n.data(), n.data() + n.size());
        return *this;
    }
    Bytes& ptr(uint16_t offset) { return u16(static_cast<uint16_t>(0xC000 | offset)); }
    Bytes& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
        return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }
    Bytes& question(std::string_view qname, uint16_t qtype, uint16_t qclass = 1) {
        return name(qname).u16(qtype).u16(qclass);
    }
    /// An OPT pseudo-RR with the given raw option bytes.
    Bytes& opt(uint16_t udp, uint32_t ttl, const std::vector<uint8_t>& options = {}) {
        u8(0)
            .u16(dns::wire::type::OPT)
            .u16(udp)
            .u32(ttl)
            .u16(static_cast<uint16_t>(options.size()));
        b.insert(b.end(), options.begin(), options.end());
        return *this;
    }
    /// A record header with RDLENGTH; RDATA follows separately.
    Bytes& rr_head(std::string_view owner, uint16_t type, uint16_t cls, uint32_t ttl,
                   uint16_t rdlen) {
        return name(owner).u16(type).u16(cls).u32(ttl).u16(rdlen);
    }
    size_t size() const { return b.size(); }
    std::span<const uint8_t> span() const { return {b.data(), b.size()}; }
    /// Overwrites a 16-bit field (e.g. a count) at an offset.
    Bytes& set16(size_t at, uint16_t v) {
        b[at] = static_cast<uint8_t>(v >> 8);
        b[at + 1] = static_cast<uint8_t>(v);
        return *this;
    }
};

inline std::string S(std::initializer_list<int> v) {
    std::string s;
    for (int x : v) s.push_back(static_cast<char>(x));
    return s;
}

}  // namespace test
