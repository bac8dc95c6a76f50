#include "lib/zonefile/rdata.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

#include "lib/base/base64.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::zonefile {
namespace {

namespace t = wire::type;

bool ipv4(std::string_view s, std::string& out) {
    char buf[INET_ADDRSTRLEN];
    if (s.size() >= sizeof buf) return false;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = 0;
    unsigned char a[4];
    if (inet_pton(AF_INET, buf, a) != 1) return false;
    out.append(reinterpret_cast<const char*>(a), 4);
    return true;
}

bool ipv6(std::string_view s, std::string& out) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (s.size() >= sizeof buf) return false;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = 0;
    unsigned char a[16];
    if (inet_pton(AF_INET6, buf, a) != 1) return false;
    out.append(reinterpret_cast<const char*>(a), 16);
    return true;
}

// Reads the fields of one record in order; each method reports the first error.
class Fields {
  public:
    Fields(std::span<const Token> tokens, const wire::Name& origin, std::string& error)
        : tk_(tokens), origin_(origin), error_(error) {}

    bool more() const { return i_ < tk_.size(); }
    bool fail(const std::string& what) {
        if (error_.empty()) error_ = what;
        return false;
    }
    // The next field: a token and the tokens glued to it (`a"b"c` is one field).
    std::optional<std::string> field(const char* what) {
        if (!more()) {
            fail(std::string("missing ") + what);
            return std::nullopt;
        }
        std::string v;
        do {
            if (!decode_escapes(tk_[i_].text, v)) {
                fail(std::string("bad escape in ") + what);
                return std::nullopt;
            }
            ++i_;
        } while (i_ < tk_.size() && tk_[i_].glued);
        return v;
    }
    // The next field as raw text (escapes kept), for keys and numbers.
    std::optional<std::string_view> raw(const char* what) {
        if (!more()) {
            fail(std::string("missing ") + what);
            return std::nullopt;
        }
        if (tk_[i_].quoted || (i_ + 1 < tk_.size() && tk_[i_ + 1].glued)) {
            fail(std::string("bad ") + what + " '" + std::string(tk_[i_].text) + "'");
            return std::nullopt;
        }
        return tk_[i_++].text;
    }
    bool u8(std::string& out, const char* what) { return uint(out, what, 0xFF, 1); }
    bool u16(std::string& out, const char* what) { return uint(out, what, 0xFFFF, 2); }
    bool u32(std::string& out, const char* what) { return uint(out, what, 0xFFFFFFFF, 4); }
    bool name(std::string& out, const char* what) {
        auto s = raw(what);
        if (!s) return false;
        auto n = wire::Name::from_text(*s, &origin_);
        if (!n)
            return fail(std::string("bad ") + what + " '" + std::string(*s) +
                        "': " + n.error().message);
        out.append(reinterpret_cast<const char*>(n->data()), n->size());
        return true;
    }
    // All remaining fields as one base64 text (keys and signatures may be split).
    bool base64_rest(std::string& out, const char* what) {
        std::string text;
        for (; i_ < tk_.size(); ++i_) {
            if (tk_[i_].quoted) return fail(std::string("quoted text in ") + what);
            text.append(tk_[i_].text);
        }
        auto d = base64_decode(text);
        if (!d) return fail(std::string("bad ") + what + ": " + d.error().message);
        out += *d;
        return true;
    }
    // All remaining fields as one hexadecimal text: an even number of digits,
    // at least two (ldns pads an odd count with a zero; Knot DNS and NSD refuse it).
    bool hex_rest(std::string& out, const char* what) {
        std::string text;
        for (; i_ < tk_.size(); ++i_) {
            if (tk_[i_].quoted) return fail(std::string("quoted text in ") + what);
            text.append(tk_[i_].text);
        }
        if (text.empty()) return fail(std::string("missing ") + what);
        auto d = hex_decode(text);
        if (!d) return fail(std::string("bad ") + what + ": " + d.error().message);
        out += *d;
        return true;
    }
    bool done() {
        return more() ? fail("unexpected field '" + std::string(tk_[i_].text) + "'") : true;
    }

  private:
    bool uint(std::string& out, const char* what, uint32_t max, int width) {
        auto s = raw(what);
        if (!s) return false;
        auto n = parse_number(*s, max);
        if (!n) return fail(std::string("bad ") + what + " '" + std::string(*s) + "'");
        if (width == 1) out.push_back(static_cast<char>(*n));
        if (width == 2) put16(out, static_cast<uint16_t>(*n));
        if (width == 4) put32(out, *n);
        return true;
    }

    std::span<const Token> tk_;
    const wire::Name& origin_;
    std::string& error_;
    size_t i_ = 0;
};

// ---- type bitmaps (RFC 4034 §4.1.2), for CSYNC ----

bool type_bitmap(Fields& f, std::string& out) {
    std::vector<uint16_t> types;
    while (f.more()) {
        auto s = f.raw("type");
        if (!s) return false;
        auto ty = wire::type_from_text(*s);
        if (!ty) return f.fail("unknown type '" + std::string(*s) + "'");
        types.push_back(*ty);
    }
    std::sort(types.begin(), types.end());
    types.erase(std::unique(types.begin(), types.end()), types.end());
    for (size_t i = 0; i < types.size();) {
        uint8_t window = static_cast<uint8_t>(types[i] >> 8);
        std::array<uint8_t, 32> bits{};
        size_t len = 0;
        for (; i < types.size() && (types[i] >> 8) == window; ++i) {
            uint8_t low = static_cast<uint8_t>(types[i]);
            bits[low / 8] |= static_cast<uint8_t>(0x80 >> (low % 8));
            len = low / 8 + 1u;
        }
        out.push_back(static_cast<char>(window));
        out.push_back(static_cast<char>(len));
        out.append(reinterpret_cast<const char*>(bits.data()), len);
    }
    return true;
}

// ---- SVCB and HTTPS (RFC 9460 §2.1, appendix A) ----

namespace svc {

constexpr uint16_t kMandatory = 0, kAlpn = 1, kNoDefaultAlpn = 2, kPort = 3, kIpv4Hint = 4,
                   kEch = 5, kIpv6Hint = 6, kDohPath = 7;
constexpr std::array<std::string_view, 8> kNames = {
    "mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint", "dohpath"};

// "alpn", or "keyNNNNN" (decimal, no leading zero; 65535 is reserved).
std::optional<uint16_t> key_from_text(std::string_view s) {
    for (size_t k = 0; k < kNames.size(); ++k)
        if (s == kNames[k]) return static_cast<uint16_t>(k);
    if (s.size() > 3 && s.substr(0, 3) == "key") {
        std::string_view digits = s.substr(3);
        if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
        if (auto n = parse_number(digits, 65534)) return static_cast<uint16_t>(*n);
    }
    return std::nullopt;
}

// A value-list (appendix A.1): items split at commas, "\," and "\\" escaped.
std::optional<std::vector<std::string>> value_list(std::string_view v) {
    std::vector<std::string> items(1);
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) {
            items.back().push_back(v[++i]);
        } else if (v[i] == ',') {
            items.emplace_back();
        } else {
            items.back().push_back(v[i]);
        }
    }
    for (const auto& it : items)
        if (it.empty()) return std::nullopt;
    return items;
}

struct Param {
    uint16_t key;
    std::string value;  // wire form
};

// Encodes one SvcParam's value (`v` already has the char-string escapes undone).
bool encode_value(uint16_t key, const std::optional<std::string>& v, std::string& out,
                  std::string& error) {
    auto need = [&]() {
        if (v && !v->empty()) return true;
        error = "SvcParam " +
                (key < kNames.size() ? std::string(kNames[key]) : "key" + std::to_string(key)) +
                " needs a value";
        return false;
    };
    switch (key) {
        case kMandatory: {
            if (!need()) return false;
            auto items = value_list(*v);
            if (!items) return error = "empty key in mandatory", false;
            std::vector<uint16_t> keys;
            for (const auto& it : *items) {
                auto k = key_from_text(it);
                if (!k) return error = "unknown key '" + it + "' in mandatory", false;
                if (*k == kMandatory) return error = "mandatory lists itself", false;
                keys.push_back(*k);
            }
            std::sort(keys.begin(), keys.end());
            if (std::adjacent_find(keys.begin(), keys.end()) != keys.end())
                return error = "a key listed twice in mandatory", false;
            for (uint16_t k : keys) put16(out, k);
            return true;
        }
        case kAlpn: {
            if (!need()) return false;
            auto items = value_list(*v);
            if (!items) return error = "empty alpn item", false;
            for (const auto& it : *items) {
                if (it.size() > 255) return error = "alpn item longer than 255 octets", false;
                out.push_back(static_cast<char>(it.size()));
                out += it;
            }
            return true;
        }
        case kNoDefaultAlpn:
            if (v && !v->empty()) return error = "no-default-alpn takes no value", false;
            return true;
        case kPort: {
            if (!need()) return false;
            auto n = parse_number(*v, 0xFFFF);
            if (!n) return error = "bad port '" + *v + "'", false;
            put16(out, static_cast<uint16_t>(*n));
            return true;
        }
        case kIpv4Hint:
        case kIpv6Hint: {
            if (!need()) return false;
            size_t start = 0;
            for (;;) {
                size_t comma = v->find(',', start);
                std::string_view a = std::string_view(*v).substr(
                    start, comma == std::string::npos ? std::string::npos : comma - start);
                if (!(key == kIpv4Hint ? ipv4(a, out) : ipv6(a, out)))
                    return error = "bad address '" + std::string(a) + "' in " +
                                   std::string(kNames[key]),
                           false;
                if (comma == std::string::npos) return true;
                start = comma + 1;
            }
        }
        case kEch: {
            if (!v || v->empty()) return true;
            auto d = base64_decode(*v);
            if (!d) return error = "bad ech: " + d.error().message, false;
            out += *d;
            return true;
        }
        case kDohPath:
            if (!need()) return false;
            out += *v;
            return true;
        default:
            if (v) out += *v;
            return true;
    }
}

bool encode(Fields& f, std::span<const Token> tk, std::string& out, std::string& error) {
    if (!f.u16(out, "SvcPriority") || !f.name(out, "TargetName")) return false;
    std::vector<Param> params;
    // Each SvcParam is one field: `key`, `key=value` or `key="value"` (tokens glued).
    for (size_t i = 2; i < tk.size();) {
        if (tk[i].quoted)
            return f.fail("SvcParam without a key: \"" + std::string(tk[i].text) + "\"");
        std::string_view first = tk[i].text;
        size_t eq = first.find('=');
        auto key = key_from_text(first.substr(0, eq));
        if (!key) return f.fail("unknown SvcParam key '" + std::string(first.substr(0, eq)) + "'");
        std::optional<std::string> value;
        ++i;
        if (eq != std::string_view::npos) {
            value.emplace();
            if (!decode_escapes(first.substr(eq + 1), *value))
                return f.fail("bad escape in SvcParam value");
            for (; i < tk.size() && tk[i].glued; ++i)
                if (!decode_escapes(tk[i].text, *value))
                    return f.fail("bad escape in SvcParam value");
        } else if (i < tk.size() && tk[i].glued) {
            return f.fail("SvcParam '" + std::string(first) + "' followed by text without '='");
        }
        Param p{*key, {}};
        if (!encode_value(*key, value, p.value, error)) return false;
        if (p.value.size() > 0xFFFF) return f.fail("SvcParam value too long");
        params.push_back(std::move(p));
    }
    std::sort(params.begin(), params.end(),
              [](const Param& a, const Param& b) { return a.key < b.key; });
    for (size_t k = 1; k < params.size(); ++k)
        if (params[k].key == params[k - 1].key) return f.fail("SvcParam key given twice");
    // Every key that mandatory lists must be present (RFC 9460 §8).
    if (!params.empty() && params[0].key == kMandatory) {
        const std::string& m = params[0].value;
        for (size_t k = 0; k + 1 < m.size(); k += 2) {
            uint16_t want = static_cast<uint16_t>(static_cast<uint8_t>(m[k]) << 8 |
                                                  static_cast<uint8_t>(m[k + 1]));
            bool present = std::any_of(params.begin(), params.end(),
                                       [&](const Param& p) { return p.key == want; });
            if (!present)
                return f.fail("mandatory key " + std::to_string(want) + " is not in the record");
        }
    }
    for (const auto& p : params) {
        put16(out, p.key);
        put16(out, static_cast<uint16_t>(p.value.size()));
        out += p.value;
    }
    return true;
}

}  // namespace svc

// ---- the others ----

bool encode_caa(Fields& f, std::string& out) {
    if (!f.u8(out, "flags")) return false;
    auto tag = f.raw("tag");
    if (!tag) return false;
    if (tag->empty() || tag->size() > 255 || !std::all_of(tag->begin(), tag->end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c));
        }))
        return f.fail("bad CAA tag '" + std::string(*tag) + "'");
    out.push_back(static_cast<char>(tag->size()));
    out += *tag;
    auto value = f.field("CAA value");
    if (!value) return false;
    out += *value;
    return f.done();
}

bool encode_uri(Fields& f, std::string& out) {
    if (!f.u16(out, "priority") || !f.u16(out, "weight")) return false;
    auto target = f.field("URI target");
    if (!target) return false;
    out += *target;
    return f.done();
}

bool encode_csync(Fields& f, std::string& out) {
    return f.u32(out, "SOA serial") && f.u16(out, "flags") && type_bitmap(f, out);
}

// WKS (RFC 1035 §3.4.2): services as port numbers only. ldns turns service
// names into nothing; NSD reads them from the local services database, which
// is not the same on every host. (Knot DNS refuses WKS altogether.)
bool encode_wks(Fields& f, std::string& out) {
    auto addr = f.raw("address");
    if (!addr) return false;
    if (!ipv4(*addr, out)) return f.fail("bad address '" + std::string(*addr) + "'");
    auto proto = f.raw("protocol");
    if (!proto) return false;
    std::string p(*proto);
    for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::optional<uint32_t> pv = p == "tcp"   ? 6u
                                 : p == "udp" ? 17u
                                              : parse_number(p, 255).value_or(256u);
    if (*pv > 255) return f.fail("bad protocol '" + std::string(*proto) + "'");
    out.push_back(static_cast<char>(*pv));
    std::string bits;
    while (f.more()) {
        auto svc = f.raw("port");
        if (!svc) return false;
        auto port = parse_number(*svc, 0xFFFF);
        if (!port) return f.fail("WKS service '" + std::string(*svc) + "' is not a port number");
        if (bits.size() <= *port / 8) bits.resize(*port / 8 + 1, '\0');
        bits[*port / 8] = static_cast<char>(bits[*port / 8] | (0x80 >> (*port % 8)));
    }
    out += bits;
    return true;
}

bool encode_ipseckey(Fields& f, std::string& out) {
    if (!f.u8(out, "precedence") || !f.u8(out, "gateway type") || !f.u8(out, "algorithm"))
        return false;
    const uint8_t gw_type = static_cast<uint8_t>(out[1]);
    switch (gw_type) {
        case 0: {
            auto g = f.raw("gateway");
            if (!g) return false;
            if (*g != ".") return f.fail("gateway type 0 needs '.' as the gateway");
            break;
        }
        case 1:
        case 2: {
            auto g = f.raw("gateway");
            if (!g) return false;
            if (!(gw_type == 1 ? ipv4(*g, out) : ipv6(*g, out)))
                return f.fail("bad gateway address '" + std::string(*g) + "'");
            break;
        }
        case 3:
            if (!f.name(out, "gateway")) return false;
            break;
        default:
            return f.fail("unknown gateway type " + std::to_string(gw_type));
    }
    return f.base64_rest(out, "public key");
}

struct Mnemonic {
    std::string_view text;
    uint16_t value;
};

std::optional<uint16_t> mnemonic_or_number(std::string_view s, std::span<const Mnemonic> table,
                                           uint32_t max) {
    for (const auto& m : table)
        if (s.size() == m.text.size() &&
            std::equal(s.begin(), s.end(), m.text.begin(),
                       [](char a, char b) { return std::toupper(a) == b; }))
            return m.value;
    if (auto n = parse_number(s, max)) return static_cast<uint16_t>(*n);
    return std::nullopt;
}

// DNSSEC algorithm mnemonics (RFC 4034 appendix A.1 and its successors).
constexpr Mnemonic kAlgorithms[] = {{"RSAMD5", 1},
                                    {"DH", 2},
                                    {"DSA", 3},
                                    {"RSASHA1", 5},
                                    {"DSA-NSEC3-SHA1", 6},
                                    {"RSASHA1-NSEC3-SHA1", 7},
                                    {"RSASHA256", 8},
                                    {"RSASHA512", 10},
                                    {"ECC-GOST", 12},
                                    {"ECDSAP256SHA256", 13},
                                    {"ECDSAP384SHA384", 14},
                                    {"ED25519", 15},
                                    {"ED448", 16},
                                    {"INDIRECT", 252},
                                    {"PRIVATEDNS", 253},
                                    {"PRIVATEOID", 254}};

bool algorithm(Fields& f, std::string& out) {
    auto alg = f.raw("algorithm");
    if (!alg) return false;
    auto av = mnemonic_or_number(*alg, kAlgorithms, 0xFF);
    if (!av) return f.fail("bad algorithm '" + std::string(*alg) + "'");
    out.push_back(static_cast<char>(*av));
    return true;
}

// DS, CDS, DLV (RFC 4034 §5.3), SSHFP (RFC 4255), TLSA and SMIMEA (RFC 6698,
// 8162), ZONEMD (RFC 8976): numbers, then the digest in hexadecimal.
bool encode_digest(uint16_t rrtype, Fields& f, std::string& out) {
    switch (rrtype) {
        case t::DS:
        case t::CDS:
        case t::DLV:
            if (!f.u16(out, "key tag") || !algorithm(f, out) || !f.u8(out, "digest type"))
                return false;
            break;
        case t::SSHFP:
            if (!f.u8(out, "algorithm") || !f.u8(out, "fingerprint type")) return false;
            break;
        case t::TLSA:
        case t::SMIMEA:
            if (!f.u8(out, "usage") || !f.u8(out, "selector") || !f.u8(out, "matching type"))
                return false;
            break;
        case t::ZONEMD:
            if (!f.u32(out, "serial") || !f.u8(out, "scheme") || !f.u8(out, "hash algorithm"))
                return false;
            break;
        default:
            return false;
    }
    return f.hex_rest(out, "digest");
}

bool encode_cert(Fields& f, std::string& out) {
    // RFC 4398 §2.1 certificate types; the algorithm as for DNSSEC (§2.2).
    static constexpr Mnemonic kTypes[] = {{"PKIX", 1},  {"SPKI", 2}, {"PGP", 3},    {"IPKIX", 4},
                                          {"ISPKI", 5}, {"IPGP", 6}, {"ACPKIX", 7}, {"IACPKIX", 8},
                                          {"URI", 253}, {"OID", 254}};
    auto type = f.raw("certificate type");
    if (!type) return false;
    auto tv = mnemonic_or_number(*type, kTypes, 0xFFFF);
    if (!tv) return f.fail("bad certificate type '" + std::string(*type) + "'");
    put16(out, *tv);
    if (!f.u16(out, "key tag") || !algorithm(f, out)) return false;
    return f.base64_rest(out, "certificate");
}

}  // namespace

void put16(std::string& out, uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}

void put32(std::string& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v));
}

std::optional<uint32_t> parse_number(std::string_view s, uint32_t max) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t n = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return std::nullopt;
        n = n * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (n > max) return std::nullopt;
    return static_cast<uint32_t>(n);
}

bool decode_escapes(std::string_view s, std::string& out) {
    for (size_t i = 0; i < s.size(); ++i) {
        char ch = s[i];
        if (ch != '\\' || i + 1 >= s.size()) {
            out.push_back(ch);
            continue;
        }
        if (i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(s[i + 2])) &&
            std::isdigit(static_cast<unsigned char>(s[i + 3]))) {
            int d = (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
            if (d > 255) return false;
            out.push_back(static_cast<char>(d));
            i += 3;
        } else {
            out.push_back(s[++i]);
        }
    }
    return true;
}

bool encode_rdata(uint16_t rrtype, std::span<const Token> tokens, const wire::Name& origin,
                  std::string& out, std::string& error) {
    Fields f(tokens, origin, error);
    out.clear();
    switch (rrtype) {
        case t::SVCB:
        case t::HTTPS:
            svc::encode(f, tokens, out, error);
            break;
        case t::CAA:
            encode_caa(f, out);
            break;
        case t::URI:
            encode_uri(f, out);
            break;
        case t::CSYNC:
            encode_csync(f, out);
            break;
        case t::IPSECKEY:
            encode_ipseckey(f, out);
            break;
        case t::WKS:
            encode_wks(f, out);
            break;
        case t::CERT:
            encode_cert(f, out);
            break;
        case t::DS:
        case t::CDS:
        case t::DLV:
        case t::SSHFP:
        case t::TLSA:
        case t::SMIMEA:
        case t::ZONEMD:
            encode_digest(rrtype, f, out);
            break;
        default:
            return false;  // not one of ours
    }
    return true;
}

}  // namespace dns::zonefile
