#include "lib/zonefile/scanner.hpp"

#include <arpa/inet.h>
#include <strings.h>

#include <cctype>
#include <cstring>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::zonefile {

namespace t = wire::type;

bool parse_ttl(std::string_view s, uint32_t& out) noexcept {
    if (s.empty()) return false;
    uint64_t total = 0, cur = 0;
    bool digits = false, units = false;
    for (char ch : s) {
        if (ch >= '0' && ch <= '9') {
            cur = cur * 10 + static_cast<uint64_t>(ch - '0');
            if (cur > 0xFFFFFFFFull) return false;
            digits = true;
            continue;
        }
        uint64_t mul;
        switch (ch | 0x20) {
            case 's':
                mul = 1;
                break;
            case 'm':
                mul = 60;
                break;
            case 'h':
                mul = 3600;
                break;
            case 'd':
                mul = 86400;
                break;
            case 'w':
                mul = 604800;
                break;
            default:
                return false;
        }
        if (!digits) return false;
        total += cur * mul;
        cur = 0;
        digits = false;
        units = true;
    }
    if (digits) {
        if (units && cur) return false;  // "1h30" is ambiguous; BIND rejects it too
        total += cur;
    }
    if (total > 0xFFFFFFFFull) return false;
    out = static_cast<uint32_t>(total);
    return true;
}

Scanner::Scanner(std::string_view data, wire::Name origin, uint32_t default_ttl)
    : data_(data), origin_(std::move(origin)), default_ttl_(default_ttl) {}

// Splits one entry into tokens. Parentheses join lines; ';' starts a comment
// outside quotes; a backslash escapes the next character (kept in the token,
// decoded later by the field parsers).
bool Scanner::read_entry(std::string& error) {
    tokens_.clear();
    for (;;) {
        if (pos_ >= data_.size()) return false;
        entry_line_ = line_;
        leading_blank_ = data_[pos_] == ' ' || data_[pos_] == '\t';
        int depth = 0;
        // Whether a separator came since the last token: `alpn="h2,h3"` is one
        // field made of two tokens, and must reach ldns without a space inside.
        bool separated = true;
        while (pos_ < data_.size()) {
            char ch = data_[pos_];
            if (ch == '\n') {
                ++line_;
                ++pos_;
                separated = true;
                if (depth == 0) break;
                continue;
            }
            if (ch == ' ' || ch == '\t' || ch == '\r') {
                ++pos_;
                separated = true;
                continue;
            }
            if (ch == ';') {
                while (pos_ < data_.size() && data_[pos_] != '\n') ++pos_;
                continue;
            }
            if (ch == '(') {
                ++depth;
                ++pos_;
                separated = true;
                continue;
            }
            if (ch == ')') {
                if (--depth < 0) {
                    error = "unbalanced ')'";
                    return false;
                }
                ++pos_;
                separated = true;
                continue;
            }
            if (ch == '"') {
                size_t start = ++pos_;
                while (pos_ < data_.size() && data_[pos_] != '"') {
                    if (data_[pos_] == '\\' && pos_ + 1 < data_.size()) ++pos_;
                    if (data_[pos_] == '\n') ++line_;
                    ++pos_;
                }
                if (pos_ >= data_.size()) {
                    error = "unterminated quoted string";
                    return false;
                }
                tokens_.push_back({data_.substr(start, pos_ - start), true, !separated});
                separated = false;
                ++pos_;
                continue;
            }
            size_t start = pos_;
            while (pos_ < data_.size()) {
                char c = data_[pos_];
                if (c == '\\' && pos_ + 1 < data_.size()) {
                    pos_ += 2;
                    continue;
                }
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '(' ||
                    c == ')' || c == '"')
                    break;
                ++pos_;
            }
            tokens_.push_back({data_.substr(start, pos_ - start), false, !separated});
            separated = false;
        }
        if (depth > 0) {
            error = "unbalanced '('";
            return false;
        }
        if (!tokens_.empty()) return true;
    }
}

namespace {

bool parse_u16(std::string_view s, uint16_t& v) {
    auto n = parse_number(s, 0xFFFF);
    if (n) v = static_cast<uint16_t>(*n);
    return n.has_value();
}

bool parse_u32(std::string_view s, uint32_t& v) {
    auto n = parse_number(s, 0xFFFFFFFF);
    if (n) v = *n;
    return n.has_value();
}

// A <character-string> with \X and \DDD escapes decoded.
bool put_charstr(std::string& out, std::string_view s) {
    std::string v;
    if (!decode_escapes(s, v) || v.size() > 255) return false;
    out.push_back(static_cast<char>(v.size()));
    out += v;
    return true;
}

bool is_class(std::string_view s, uint16_t& c) {
    if (s.size() == 2 && (s[0] | 0x20) == 'i' && (s[1] | 0x20) == 'n') return c = 1, true;
    if (s.size() == 2 && (s[0] | 0x20) == 'c' && (s[1] | 0x20) == 'h') return c = 3, true;
    if (s.size() == 2 && (s[0] | 0x20) == 'h' && (s[1] | 0x20) == 's') return c = 4, true;
    if (s.size() > 5 && strncasecmp(s.data(), "CLASS", 5) == 0) return parse_u16(s.substr(5), c);
    return false;
}

}  // namespace

bool Scanner::parse_rdata(Entry& e, std::string& error) {
    // tokens_[first..] are the RDATA tokens.
    auto name = [&](std::string_view text, std::string& out) {
        auto n = wire::Name::from_text(text, &origin_);
        if (!n) {
            error = "bad name '" + std::string(text) + "': " + n.error().message;
            return false;
        }
        out.append(reinterpret_cast<const char*>(n->data()), n->size());
        return true;
    };
    const size_t first = tokens_.size() - rdata_count_;
    const Token* tk = tokens_.data() + first;
    const size_t n = rdata_count_;
    auto need = [&](size_t k) {
        if (n == k) return true;
        error = wire::type_to_text(e.type) + " needs " + std::to_string(k) + " fields, found " +
                std::to_string(n);
        return false;
    };
    std::string& out = e.rdata;
    out.clear();
    if (encode_rdata(e.type, std::span<const Token>(tk, n), origin_, out, error)) return true;
    // Quoted text where a name or number is expected goes to ldns (its rules).
    if (e.type != t::TXT && e.type != t::SPF)
        for (size_t i = 0; i < n; ++i)
            if (tk[i].quoted || tk[i].glued) return false;
    switch (e.type) {
        case t::A: {
            if (!need(1)) return true;
            char buf[16];
            if (tk[0].text.size() >= sizeof buf) return false;
            std::memcpy(buf, tk[0].text.data(), tk[0].text.size());
            buf[tk[0].text.size()] = 0;
            unsigned char a[4];
            if (inet_pton(AF_INET, buf, a) != 1) return false;
            out.assign(reinterpret_cast<char*>(a), 4);
            return true;
        }
        case t::AAAA: {
            if (!need(1)) return true;
            char buf[64];
            if (tk[0].text.size() >= sizeof buf) return false;
            std::memcpy(buf, tk[0].text.data(), tk[0].text.size());
            buf[tk[0].text.size()] = 0;
            unsigned char a[16];
            if (inet_pton(AF_INET6, buf, a) != 1) return false;
            out.assign(reinterpret_cast<char*>(a), 16);
            return true;
        }
        case t::NS:
        case t::CNAME:
        case t::PTR:
        case t::DNAME:
            if (!need(1)) return true;
            return name(tk[0].text, out);
        case t::MX: {
            uint16_t pref;
            if (!need(2)) return true;
            if (!parse_u16(tk[0].text, pref)) return false;
            put16(out, pref);
            return name(tk[1].text, out);
        }
        case t::SRV: {
            uint16_t v[3];
            if (!need(4)) return true;
            for (int i = 0; i < 3; ++i) {
                if (!parse_u16(tk[i].text, v[i])) return false;
                put16(out, v[i]);
            }
            return name(tk[3].text, out);
        }
        case t::TXT:
        case t::SPF:
            if (n == 0) return false;
            for (size_t i = 0; i < n; ++i) {
                if (!put_charstr(out, tk[i].text)) {
                    error = "TXT string longer than 255 bytes";
                    return true;
                }
            }
            return true;
        case t::SOA: {
            if (!need(7)) return true;
            if (!name(tk[0].text, out) || !name(tk[1].text, out)) return true;
            uint32_t serial;
            if (!parse_u32(tk[2].text, serial)) return false;
            put32(out, serial);
            for (int i = 3; i < 7; ++i) {
                uint32_t v;
                if (!parse_ttl(tk[i].text, v)) return false;
                put32(out, v);
            }
            return true;
        }
        default:
            return false;
    }
}

Scanner::Step Scanner::next(Entry& e, std::string& error) {
    for (;;) {
        error.clear();
        if (!read_entry(error)) {
            if (!error.empty()) {
                error = "line " + std::to_string(entry_line_) + ": " + error;
                return Step::error;
            }
            return Step::end;
        }
        e.line = entry_line_;
        auto fail = [&](const std::string& what) {
            error = "line " + std::to_string(entry_line_) + ": " + what;
            return Step::error;
        };
        std::string_view first = tokens_[0].text;
        if (!leading_blank_ && !tokens_[0].quoted && !first.empty() && first[0] == '$') {
            if (strncasecmp(first.data(), "$ORIGIN", first.size()) == 0 && first.size() == 7) {
                if (tokens_.size() != 2) return fail("$ORIGIN takes one name");
                auto o = wire::Name::from_text(tokens_[1].text, &origin_);
                if (!o) return fail("bad $ORIGIN: " + o.error().message);
                origin_ = *o;
                continue;
            }
            if (strncasecmp(first.data(), "$TTL", first.size()) == 0 && first.size() == 4) {
                if (tokens_.size() != 2 || !parse_ttl(tokens_[1].text, default_ttl_))
                    return fail("bad $TTL");
                have_ttl_ = true;
                continue;
            }
            if (strncasecmp(first.data(), "$INCLUDE", first.size()) == 0 && first.size() == 8)
                return fail("$INCLUDE is disabled (enable it with --allow-include)");
            return fail("unknown directive " + std::string(first));
        }
        size_t i = 0;
        if (leading_blank_) {
            if (!have_prev_) return fail("record without an owner name");
            e.owner = prev_owner_;
        } else {
            auto o = wire::Name::from_text(first, &origin_);
            if (!o) return fail("bad owner '" + std::string(first) + "': " + o.error().message);
            e.owner = *o;
            prev_owner_ = *o;
            have_prev_ = true;
            i = 1;
        }
        // [TTL] [class] type, with TTL and class in either order (RFC 1035 §5.1).
        bool have_ttl = false, have_class = false;
        e.rrclass = 1;
        e.ttl = default_ttl_;
        for (int k = 0; k < 2 && i < tokens_.size(); ++k) {
            std::string_view tok = tokens_[i].text;
            uint32_t ttl;
            uint16_t cls;
            if (!have_ttl && !tok.empty() && tok[0] >= '0' && tok[0] <= '9' &&
                parse_ttl(tok, ttl)) {
                e.ttl = ttl;
                have_ttl = true;
                ++i;
            } else if (!have_class && is_class(tok, cls)) {
                e.rrclass = cls;
                have_class = true;
                ++i;
            }
        }
        if (i >= tokens_.size()) return fail("record without a type");
        auto type = wire::type_from_text(tokens_[i].text);
        if (!type) return fail("unknown type '" + std::string(tokens_[i].text) + "'");
        e.type = *type;
        ++i;
        if (!have_ttl) {
            // RFC 2308 §4: $TTL, else the last explicit TTL, else the default.
            e.ttl = have_ttl_ ? default_ttl_ : (have_prev_ttl_ ? prev_ttl_ : default_ttl_);
        } else {
            prev_ttl_ = e.ttl;
            have_prev_ttl_ = true;
        }
        rdata_count_ = tokens_.size() - i;
        bool generic = rdata_count_ > 0 && tokens_[i].text == "\\#" && !tokens_[i].quoted;
        e.parsed = !generic && parse_rdata(e, error);
        if (!error.empty()) return fail(error);
        if (!e.parsed) {
            // Give ldns the record with explicit TTL and class; the owner is
            // already parsed (e.owner), and its text can be longer than ldns
            // takes (255 characters: "\000" escapes make it up to 4 times the
            // name), so ldns sees the root instead.
            e.text = ". " + std::to_string(e.ttl) + ' ' + wire::class_to_text(e.rrclass) + ' ' +
                     wire::type_to_text(e.type);
            for (size_t k = i; k < tokens_.size(); ++k) {
                if (!tokens_[k].glued) e.text += ' ';
                if (tokens_[k].quoted) e.text += '"';
                e.text.append(tokens_[k].text);
                if (tokens_[k].quoted) e.text += '"';
            }
        }
        return Step::entry;
    }
}

}  // namespace dns::zonefile
