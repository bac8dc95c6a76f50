#include "lib/io/transfer_server.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "lib/base/log.hpp"
#include "lib/secondary/refresh.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/wire/writer.hpp"

namespace dns::io {

namespace ip = boost::asio::ip;
namespace t = wire::type;

namespace {

ip::address address_of(const sockaddr* sa) {
    if (!sa) return {};
    if (sa->sa_family == AF_INET) {
        ip::address_v4::bytes_type b;
        std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
        return ip::address_v4(b);
    }
    if (sa->sa_family == AF_INET6) {
        ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
        ip::address_v6 a(b);
        if (a.is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a);
        return a;
    }
    return {};
}

// An error answer: header, question, no records (then the TSIG error, if any).
size_t error_answer(const wire::Query& q, uint16_t rcode, uint8_t* out, size_t cap) {
    wire::Writer w(out, cap);
    w.reset(wire::kHeaderLen);
    if (!(w.name(q.qname, false) && w.u16(q.qtype) && w.u16(q.qclass))) return 0;
    wire::put16(out, q.id);
    wire::put16(out + 2,
                static_cast<uint16_t>(wire::flag::QR | (q.flags & 0x7800) | (rcode & 0xF)));
    wire::put16(out + 4, 1);
    wire::put16(out + 6, 0);
    wire::put16(out + 8, 0);
    wire::put16(out + 10, 0);
    return w.size();
}

// The transfer as a stream of messages, logged when it ends.
class Stream final : public MessageStream {
  public:
    Stream(xfr::TransferOut out, std::string what) : out_(std::move(out)), what_(std::move(what)) {}
    ~Stream() override {
        const char* style = out_.style() == xfr::TransferOut::Style::axfr   ? "full zone"
                            : out_.style() == xfr::TransferOut::Style::ixfr ? "incremental"
                                                                            : "up to date";
        if (out_.failed())
            LOG_WARN("%s: stopped after %zu records: a record does not fit a message",
                     what_.c_str(), out_.records());
        else
            LOG_INFO("%s: %s, %zu records in %zu messages", what_.c_str(), style, out_.records(),
                     out_.messages());
    }
    size_t next(uint8_t* out, size_t cap) override { return out_.next(out, cap); }

  private:
    xfr::TransferOut out_;
    std::string what_;
};

}  // namespace

bool TransferRule::matches(const ip::address& a) const {
    if (a.is_v4() != network.is_v4()) return false;
    auto cmp = [&](const auto& x, const auto& y) {
        unsigned bits = prefix;
        for (size_t i = 0; i < x.size() && bits > 0; ++i, bits = bits > 8 ? bits - 8 : 0) {
            uint8_t mask = static_cast<uint8_t>(bits >= 8 ? 0xFF : 0xFF << (8 - bits));
            if ((x[i] & mask) != (y[i] & mask)) return false;
        }
        return true;
    };
    if (a.is_v4()) return cmp(a.to_v4().to_bytes(), network.to_v4().to_bytes());
    return cmp(a.to_v6().to_bytes(), network.to_v6().to_bytes());
}

Result<TransferRule> parse_transfer_rule(const std::string& text) {
    // The key comes after the last ':' that is not part of an IPv6 address:
    // "2001:db8::/32:key" or "192.0.2.0/24:key"; "::1" has no key.
    std::string net = text, key;
    auto slash = text.find('/');
    if (slash != std::string::npos) {
        auto colon = text.find(':', slash);
        if (colon != std::string::npos) {
            net = text.substr(0, colon);
            key = text.substr(colon + 1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        auto colon = text.find(':');
        net = text.substr(0, colon);
        key = text.substr(colon + 1);
    }
    TransferRule r;
    std::string addr = net;
    slash = net.find('/');
    if (slash != std::string::npos) addr = net.substr(0, slash);
    boost::system::error_code ec;
    r.network = ip::make_address(addr, ec);
    if (ec) return make_error(Errc::syntax, "expects PREFIX[:KEY], bad address in '" + text + "'");
    const unsigned max = r.network.is_v4() ? 32 : 128;
    r.prefix = max;
    if (slash != std::string::npos) {
        const std::string bits = net.substr(slash + 1);
        char* end = nullptr;
        long n = std::strtol(bits.c_str(), &end, 10);
        if (bits.empty() || *end || n < 0 || static_cast<unsigned long>(n) > max)
            return make_error(Errc::syntax, "bad prefix length in '" + text + "'");
        r.prefix = static_cast<unsigned>(n);
    }
    if (!key.empty() && key.back() != '.') key += '.';
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.key = key;
    return r;
}

TransferServer::TransferServer(std::vector<TransferRule> rules, std::vector<xfr::TsigKey> keys,
                               const TransferSource& source)
    : rules_(std::move(rules)), keys_(std::move(keys)), source_(source) {}

bool TransferServer::is_transfer(std::span<const uint8_t> m) noexcept {
    if (m.size() < wire::kHeaderLen + 5 || (m[2] & 0x80) || ((m[2] >> 3) & 0xF) != 0) return false;
    size_t pos = wire::kHeaderLen;
    while (pos < m.size() && m[pos] != 0) {
        if (m[pos] > 63) return false;
        pos += m[pos] + 1u;
    }
    if (pos + 3 > m.size()) return false;
    uint16_t qtype = wire::get16(m.data() + pos + 1);
    return qtype == t::AXFR || qtype == t::IXFR;
}

bool TransferServer::handle(std::span<const uint8_t> message, const sockaddr* peer, uint8_t* out,
                            size_t cap, size_t& len, std::unique_ptr<MessageStream>& stream,
                            uint64_t now) const noexcept {
    try {
        wire::Query q;
        if (wire::parse_query(message, q) != wire::QueryStatus::ok) return false;
        if (q.qtype != t::AXFR && q.qtype != t::IXFR) return false;
        zone::ZonePtr z = source_.zone(q.lname, q.qname_len);
        if (!z) return false;  // not a served apex: NOTAUTH, as any server
        const ip::address from = address_of(peer);
        const TransferRule* rule = nullptr;
        for (const auto& r : rules_)
            if (r.matches(from)) {
                rule = &r;
                break;
            }
        if (!rule) return false;  // REFUSED, as any server
        const char* kind = q.qtype == t::AXFR ? "AXFR" : "IXFR";
        std::string what =
            std::string(kind) + " of " + z->apex().to_text() + " to " + from.to_string();
        std::optional<xfr::TsigSession> session;
        if (q.has_tsig || !rule->key.empty()) {
            uint16_t err = 0;
            auto v = xfr::TsigSession::verify_request(message, keys_, now, err);
            if (!v) {
                if (rule->key.empty() && err == 0) return false;
                LOG_INFO("%s refused: %s", what.c_str(), v.error().message.c_str());
                len = error_answer(
                    q, rule->key.empty() || err ? wire::rcode::NOTAUTH : wire::rcode::REFUSED, out,
                    cap);
                if (len && (err == xfr::tsig_error::BADSIG || err == xfr::tsig_error::BADKEY ||
                            err == xfr::tsig_error::BADTIME))
                    if (auto s = xfr::TsigSession::sign_error_response(message, keys_, err, out,
                                                                       len, cap, now))
                        len = *s;
                return true;
            }
            if (!rule->key.empty() && v->key().name.lowercased().to_text() != rule->key) {
                LOG_INFO("%s refused: signed with %s, not %s", what.c_str(),
                         v->key().name.to_text().c_str(), rule->key.c_str());
                len = error_answer(q, wire::rcode::REFUSED, out, cap);
                if (auto s = v->sign_response(out, len, cap, now)) len = *s;
                return true;
            }
            session.emplace(std::move(*v));
        }
        // IXFR: the client's serial from the SOA in the authority section (RFC 1995 §3).
        std::optional<uint32_t> client_serial;
        if (q.qtype == t::IXFR) {
            wire::RecordReader r(message);
            static thread_local uint8_t buf[wire::kMaxRdata];
            wire::RecordView rr;
            for (int section; (section = r.next(rr, buf)) > 0;)
                if (section == 2 && rr.type == t::SOA)
                    client_serial = secondary::serial_from_soa(rr.rdata, rr.rdata_len);
            if (!client_serial) {
                len = error_answer(q, wire::rcode::FORMERR, out, cap);
                return true;
            }
            what += " from serial " + std::to_string(*client_serial);
        }
        xfr::TransferOut t(q, z, client_serial, q.qtype == t::IXFR ? source_.history(*z) : nullptr);
        if (session) t.sign_with(std::move(*session), now);
        stream = std::make_unique<Stream>(std::move(t),
                                          what + " (serial " + std::to_string(z->serial()) + ")");
        len = 0;
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace dns::io
