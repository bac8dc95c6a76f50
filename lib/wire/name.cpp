#include "lib/wire/name.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace dns::wire {

size_t name_length(const uint8_t* p) noexcept {
    const uint8_t* s = p;
    while (*p) p += *p + 1;
    return static_cast<size_t>(p - s) + 1;
}

size_t label_count(const uint8_t* p) noexcept {
    size_t n = 0;
    while (*p) {
        p += *p + 1;
        ++n;
    }
    return n;
}

bool name_equal(const uint8_t* a, const uint8_t* b) noexcept {
    for (;;) {
        uint8_t la = *a, lb = *b;
        if (la != lb) return false;
        if (la == 0) return true;
        ++a;
        ++b;
        for (uint8_t i = 0; i < la; ++i)
            if (lower(a[i]) != lower(b[i])) return false;
        a += la;
        b += la;
    }
}

namespace {
// Offsets of each label of a name, root excluded; returns the count.
size_t label_offsets(const uint8_t* p, uint8_t* offs) noexcept {
    size_t n = 0, pos = 0;
    while (p[pos]) {
        offs[n++] = static_cast<uint8_t>(pos);
        pos += p[pos] + 1;
    }
    return n;
}

int compare_label(const uint8_t* a, const uint8_t* b) noexcept {
    uint8_t la = *a++, lb = *b++;
    uint8_t n = la < lb ? la : lb;
    for (uint8_t i = 0; i < n; ++i) {
        uint8_t ca = lower(a[i]), cb = lower(b[i]);
        if (ca != cb) return ca < cb ? -1 : 1;
    }
    return la == lb ? 0 : (la < lb ? -1 : 1);
}
}  // namespace

int canonical_compare(const uint8_t* a, const uint8_t* b) noexcept {
    uint8_t oa[kMaxLabels], ob[kMaxLabels];
    size_t na = label_offsets(a, oa), nb = label_offsets(b, ob);
    while (na > 0 && nb > 0) {
        int c = compare_label(a + oa[--na], b + ob[--nb]);
        if (c) return c;
    }
    return na == nb ? 0 : (na < nb ? -1 : 1);
}

bool is_subdomain(const uint8_t* name, const uint8_t* zone) noexcept {
    size_t ln = name_length(name), lz = name_length(zone);
    if (lz > ln) return false;
    // Walk name's labels until the remaining length equals the zone's.
    const uint8_t* p = name;
    while (static_cast<size_t>(ln - (p - name)) > lz) p += *p + 1;
    if (static_cast<size_t>(ln - (p - name)) != lz) return false;
    return name_equal(p, zone);
}

void to_lower(const uint8_t* in, size_t len, uint8_t* out) noexcept {
    for (size_t i = 0; i < len; ++i) out[i] = lower(in[i]);
}

std::string to_text(const uint8_t* p) {
    if (*p == 0) return ".";
    std::string s;
    while (*p) {
        uint8_t len = *p++;
        for (uint8_t i = 0; i < len; ++i) {
            uint8_t c = p[i];
            if (c == '.' || c == '\\' || c == '(' || c == ')' || c == ';' || c == '"' || c == '@' ||
                c == '$') {
                s += '\\';
                s += static_cast<char>(c);
            } else if (c <= 0x20 || c >= 0x7f) {
                char buf[5];
                std::snprintf(buf, sizeof buf, "\\%03u", c);
                s += buf;
            } else {
                s += static_cast<char>(c);
            }
        }
        s += '.';
        p += len;
    }
    return s;
}

Result<Name> Name::from_text(std::string_view text, const Name* origin) {
    if (text == "@") {
        if (!origin) return make_error(Errc::bad_name, "'@' without an origin");
        return *origin;
    }
    if (text.empty()) return make_error(Errc::bad_name, "empty name");
    std::string w;
    w.reserve(text.size() + 2);
    if (text == ".") return Name();
    size_t i = 0;
    bool absolute = false;
    while (i < text.size()) {
        size_t len_pos = w.size();
        w.push_back(0);
        size_t len = 0;
        while (i < text.size() && text[i] != '.') {
            uint8_t c = static_cast<uint8_t>(text[i]);
            if (c == '\\') {
                if (i + 1 >= text.size())
                    return make_error(Errc::bad_name, "dangling '\\' in name");
                if (i + 3 < text.size() + 0 &&
                    std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
                    std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
                    std::isdigit(static_cast<unsigned char>(text[i + 3]))) {
                    int v =
                        (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                    if (v > 255) return make_error(Errc::bad_name, "escape \\DDD above 255");
                    c = static_cast<uint8_t>(v);
                    i += 4;
                } else {
                    c = static_cast<uint8_t>(text[i + 1]);
                    i += 2;
                }
            } else {
                ++i;
            }
            w.push_back(static_cast<char>(c));
            if (++len > kMaxLabelLen)
                return make_error(Errc::bad_name, "label longer than 63 octets");
        }
        if (len == 0)
            return make_error(Errc::bad_name, "empty label in '" + std::string(text) + "'");
        w[len_pos] = static_cast<char>(len);
        if (i < text.size()) {  // at a '.'
            ++i;
            if (i == text.size()) absolute = true;
        }
    }
    if (!absolute) {
        if (!origin) return make_error(Errc::bad_name, "relative name without an origin");
        w.append(reinterpret_cast<const char*>(origin->data()), origin->size());
    } else {
        w.push_back(0);
    }
    if (w.size() > kMaxNameLen) return make_error(Errc::bad_name, "name longer than 255 octets");
    return Name(std::move(w));
}

Result<Name> Name::from_wire_checked(std::span<const uint8_t> b) {
    size_t pos = 0;
    while (pos < b.size()) {
        uint8_t len = b[pos];
        if (len == 0) {
            if (pos + 1 != b.size()) break;
            if (b.size() > kMaxNameLen) break;
            return Name(std::string(reinterpret_cast<const char*>(b.data()), b.size()));
        }
        if (len > kMaxLabelLen) break;
        pos += len + 1;
    }
    return make_error(Errc::bad_name, "invalid wire name");
}

Name Name::parent() const {
    if (is_root()) return Name();
    return Name(wire_.substr(static_cast<uint8_t>(wire_[0]) + 1));
}

Name Name::lowercased() const {
    std::string w = wire_;
    for (auto& c : w) c = static_cast<char>(lower(static_cast<uint8_t>(c)));
    return Name(std::move(w));
}

Result<Name> Name::prepend(std::string_view label) const {
    if (label.empty() || label.size() > kMaxLabelLen)
        return make_error(Errc::bad_name, "bad label");
    if (wire_.size() + label.size() + 1 > kMaxNameLen)
        return make_error(Errc::bad_name, "name too long");
    std::string w;
    w.reserve(wire_.size() + label.size() + 1);
    w.push_back(static_cast<char>(label.size()));
    w.append(label);
    w.append(wire_);
    return Name(std::move(w));
}

uint64_t name_hash(const uint8_t* p, size_t len) noexcept {
    // Lower-case 8 bytes at a time by bit tricks: for bytes 'A'..'Z' set bit 5.
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        std::memcpy(&v, p + i, 8);
        uint64_t heptets = v & 0x7F7F7F7F7F7F7F7Full;
        uint64_t ge_a = heptets + 0x3F3F3F3F3F3F3F3Full;  // high bit set where byte >= 'A'
        uint64_t gt_z = heptets + 0x2525252525252525ull;  // high bit set where byte > 'Z'
        uint64_t is_upper = (ge_a & ~gt_z) & ~v & 0x8080808080808080ull;
        v |= is_upper >> 2;
        h = (h ^ v) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    uint64_t v = 0;
    for (size_t k = 0; i < len; ++i, ++k) v |= static_cast<uint64_t>(lower(p[i])) << (8 * k);
    h = (h ^ v) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return h;
}

}  // namespace dns::wire
