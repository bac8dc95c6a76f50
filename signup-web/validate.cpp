#include "signup-web/validate.hpp"

#include <libpsl.h>

#include <cctype>
#include <cstdio>

#include "lib/options/options.hpp"

namespace signup {

using dns::Errc;
using dns::make_error;

dns::Result<std::shared_ptr<const PublicSuffixes>> PublicSuffixes::load(const std::string& path) {
    psl_ctx_t* ctx = nullptr;
    if (path.empty()) {
        ctx = psl_latest(nullptr);  // the newest of the system's list and the built-in one
        if (!ctx) ctx = const_cast<psl_ctx_t*>(psl_builtin());
    } else {
        ctx = psl_load_file(path.c_str());
    }
    if (!ctx)
        return make_error(Errc::io, "cannot read the public suffix list" +
                                        (path.empty() ? std::string() : " " + path));
    return std::shared_ptr<const PublicSuffixes>(new PublicSuffixes(ctx));
}

PublicSuffixes::~PublicSuffixes() {
    auto* ctx = static_cast<psl_ctx_t*>(ctx_);
    if (ctx != psl_builtin()) psl_free(ctx);
}

bool PublicSuffixes::is_public_suffix(const dns::wire::Name& name) const {
    std::string text = name.lowercased().to_text();
    if (!text.empty() && text.back() == '.') text.pop_back();
    // PSL_TYPE_ANY with the "*" rule: a TLD missing from the list is a suffix too.
    return psl_is_public_suffix2(static_cast<const psl_ctx_t*>(ctx_), text.c_str(), PSL_TYPE_ANY);
}

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

dns::Result<dns::wire::Name> parse_domain(std::string_view text, const PublicSuffixes& psl) {
    text = trim(text);
    if (text.empty()) return make_error(Errc::syntax, "enter the domain of your zone");
    for (unsigned char c : text)
        if (c <= ' ' || c >= 0x7f || c == '\\' || c == '@' || c == '/' || c == ':')
            return make_error(Errc::syntax,
                              "'" + std::string(text) +
                                  "' is not a domain name: use letters, digits, '-' and dots "
                                  "(an internationalised name in its xn-- form)");
    auto n = dns::wire::Name::from_text(text.back() == '.' ? text : std::string(text) + ".");
    if (!n)
        return make_error(Errc::syntax, "'" + std::string(text) + "' is not a domain name (" +
                                            n.error().message + ")");
    if (n->is_root()) return make_error(Errc::syntax, "enter a whole domain, not the root");
    for (const char* p = reinterpret_cast<const char*>(n->data()); *p; p += 1 + *p)
        if (*p > 63 || *p == 0)
            return make_error(Errc::syntax, "'" + std::string(text) + "' has an empty label");
    auto lower = n->lowercased();
    if (psl.is_public_suffix(lower))
        return make_error(Errc::semantic,
                          lower.to_text() +
                              " is a public suffix (like com or co.uk): only a domain "
                              "registered under one can be signed up");
    return lower;
}

bool is_public_address(const boost::asio::ip::address& a) {
    if (a.is_v4()) {
        const uint32_t v = a.to_v4().to_uint();
        struct Net {
            uint32_t net;
            int len;
        };
        // RFC 6890's special-purpose ranges (and multicast, reserved).
        static constexpr Net kNot[] = {
            {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},
            {0xA9FE0000, 16}, {0xAC100000, 12}, {0xC0000000, 24}, {0xC0000200, 24},
            {0xC0586300, 24}, {0xC0A80000, 16}, {0xC6120000, 15}, {0xC6336400, 24},
            {0xCB007100, 24}, {0xE0000000, 4},  {0xF0000000, 4},
        };
        for (const auto& n : kNot)
            if ((v >> (32 - n.len)) == (n.net >> (32 - n.len))) return false;
        return true;
    }
    const auto b = a.to_v6().to_bytes();
    if (a.to_v6().is_v4_mapped())
        return is_public_address(
            boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()));
    // Only global unicast (2000::/3) is public; within it, documentation
    // (2001:db8::/32), ORCHID and benchmarking (2001::/23 but Teredo), and
    // 6to4 relays are not destinations for transfers.
    if ((b[0] & 0xE0) != 0x20) return false;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02 && !(b[2] == 0 && b[3] == 0)) return false;
    if (b[0] == 0x20 && b[1] == 0x02) return false;  // 6to4
    return true;
}

dns::Result<std::vector<dns::io::Endpoint>> parse_primaries(std::string_view text,
                                                            bool allow_private) {
    std::vector<dns::io::Endpoint> out;
    std::string item;
    auto take = [&]() -> dns::Result<void> {
        if (item.empty()) return {};
        auto e = dns::options::server_address(item);
        if (!e)
            return make_error(Errc::syntax, "'" + item +
                                                "' is not an IP address (with an optional "
                                                "port: 192.0.2.1:53 or [2001:db8::1]:53)");
        if (!allow_private && !is_public_address(e->address))
            return make_error(Errc::semantic,
                              "'" + item +
                                  "' is not a public address (private, loopback, link-local or "
                                  "reserved): we transfer zones over the Internet only");
        for (const auto& o : out)
            if (o == *e) return make_error(Errc::syntax, "'" + item + "' is named twice");
        out.push_back(*e);
        item.clear();
        return {};
    };
    for (char c : text) {
        if (c == ',' || c == ';' || std::isspace(static_cast<unsigned char>(c))) {
            if (auto r = take(); !r) return r.error();
        } else {
            item += c;
        }
    }
    if (auto r = take(); !r) return r.error();
    if (out.empty()) return make_error(Errc::syntax, "enter at least one primary address");
    if (out.size() > 8) return make_error(Errc::limit, "at most 8 primaries, please");
    return out;
}

dns::Result<std::string> parse_key_name(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::string();
    auto n = dns::options::domain_name(text);
    if (!n) return make_error(Errc::syntax, "'" + std::string(text) + "' is not a TSIG key name");
    return n->lowercased().to_text();
}

dns::Result<std::string> mailbox_of(const dns::wire::Name& rname) {
    const uint8_t* p = rname.data();
    if (rname.labels() < 3)  // a local part and a domain of at least two labels
        return make_error(Errc::semantic,
                          "the SOA RNAME '" + rname.to_text() +
                              "' is not a mail address (it needs a mailbox label and a domain)");
    auto bad = [&](const std::string& why) {
        return make_error(Errc::semantic, "the SOA RNAME '" + rname.to_text() +
                                              "' is not a usable mail address (" + why + ")");
    };
    auto mail_char = [](unsigned char c) {
        return c > ' ' && c < 0x7f && c != '@' && c != '<' && c != '>' && c != '"' && c != '\\' &&
               c != '(' && c != ')' && c != ',' && c != ';' && c != ':' && c != '[' && c != ']';
    };
    std::string local(reinterpret_cast<const char*>(p + 1), p[0]);
    for (unsigned char c : local)
        if (!mail_char(c)) return bad("its mailbox has a character mail cannot carry");
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos)
        return bad("its mailbox has a misplaced dot");
    std::string domain;
    for (p += 1 + p[0]; *p; p += 1 + *p) {
        std::string label(reinterpret_cast<const char*>(p + 1), *p);
        for (unsigned char c : label)
            if (!(std::isalnum(c) || c == '-' || c == '_'))
                return bad("its domain has a character outside letters, digits and '-'");
        for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        domain += (domain.empty() ? "" : ".") + label;
    }
    return local + "@" + domain;
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace signup
