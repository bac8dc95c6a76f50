#include "lib/base/base64.hpp"

namespace dns {
namespace {

int b64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0)
        return make_error(Errc::syntax, "base64 length is not a multiple of 4");
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++pad;
                v[k] = 0;
                continue;
            }
            if (pad || c == '=')
                return make_error(Errc::syntax, "base64 padding in the wrong place");
            v[k] = b64_value(c);
            if (v[k] < 0)
                return make_error(Errc::syntax, "invalid base64 character '" + std::string(1, c) +
                                                    "' at offset " + std::to_string(i + k));
        }
        uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        out.push_back(static_cast<char>(n >> 16));
        if (pad < 2) out.push_back(static_cast<char>(n >> 8));
        if (pad < 1) out.push_back(static_cast<char>(n));
    }
    return out;
}

std::string base64_encode(std::span<const uint8_t> b) {
    static constexpr char kChars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((b.size() + 2) / 3 * 4);
    for (size_t i = 0; i < b.size(); i += 3) {
        uint32_t n = static_cast<uint32_t>(b[i]) << 16;
        if (i + 1 < b.size()) n |= static_cast<uint32_t>(b[i + 1]) << 8;
        if (i + 2 < b.size()) n |= b[i + 2];
        out.push_back(kChars[n >> 18 & 63]);
        out.push_back(kChars[n >> 12 & 63]);
        out.push_back(i + 1 < b.size() ? kChars[n >> 6 & 63] : '=');
        out.push_back(i + 2 < b.size() ? kChars[n & 63] : '=');
    }
    return out;
}

Result<std::string> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) return make_error(Errc::syntax, "odd number of hexadecimal digits");
    std::string out;
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0)
            return make_error(Errc::syntax,
                              "invalid hexadecimal digit at offset " + std::to_string(i));
        out.push_back(static_cast<char>(hi << 4 | lo));
    }
    return out;
}

}  // namespace dns
