#include "lib/io/notify_gate.hpp"

#include <netinet/in.h>

#include <cstring>

#include "lib/base/log.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/wire/writer.hpp"

namespace dns::io {
namespace {

boost::asio::ip::address address_of(const sockaddr* sa) {
    namespace ip = boost::asio::ip;
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

// Header and question of the answer, and an OPT when the NOTIFY had one.
size_t write_answer(const wire::Query& q, bool question, uint16_t rcode, bool aa, uint8_t* out,
                    size_t cap) {
    wire::Writer w(out, cap);
    w.reset(wire::kHeaderLen);
    if (question && !(w.name(q.qname, false) && w.u16(q.qtype) && w.u16(q.qclass))) return 0;
    uint16_t arcount = 0;
    if (q.has_edns) {
        if (!(w.u8(0) && w.u16(wire::type::OPT) && w.u16(1232) &&
              w.u8(static_cast<uint8_t>(rcode >> 4)) && w.u8(0) && w.u16(0) && w.u16(0)))
            return 0;
        arcount = 1;
    }
    uint16_t flags =
        static_cast<uint16_t>(wire::flag::QR | (q.flags & 0x7800) | (q.flags & wire::flag::RD) |
                              (aa ? wire::flag::AA : 0) | (rcode & 0xF));
    wire::put16(out, q.id);
    wire::put16(out + 2, flags);
    wire::put16(out + 4, question ? 1 : 0);
    wire::put16(out + 6, 0);
    wire::put16(out + 8, 0);
    wire::put16(out + 10, arcount);
    return w.size();
}

// The serial of the zone's SOA in a NOTIFY's answer section (RFC 1996 §3.7), if any.
std::optional<uint32_t> notify_serial(std::span<const uint8_t> query, const wire::Query& q) {
    wire::RecordReader r(query);
    if (!r.ok() || r.header().ancount == 0) return std::nullopt;
    static thread_local std::vector<uint8_t> buf(wire::kMaxRdata);
    wire::RecordView rr;
    for (int section; (section = r.next(rr, buf.data())) == 1;) {
        if (rr.type != wire::type::SOA || !wire::name_equal(rr.owner, q.lname)) continue;
        size_t pos = 0;
        for (int n = 0; n < 2 && pos < rr.rdata_len; ++n) pos += wire::name_length(rr.rdata + pos);
        if (pos + 4 > rr.rdata_len) return std::nullopt;
        return wire::get32(rr.rdata + pos);
    }
    return std::nullopt;
}

}  // namespace

size_t NotifyGate::respond(std::span<const uint8_t> query, const sockaddr* peer, uint8_t* out,
                           size_t cap, uint64_t now) noexcept {
    try {
        wire::Query q;
        wire::QueryStatus st = wire::parse_query(query, q);
        if (st == wire::QueryStatus::drop || cap < 512) return 0;
        if (st != wire::QueryStatus::ok) {
            refused_.fetch_add(1, std::memory_order_relaxed);
            return write_answer(q, q.question_end != 0, wire::rcode::FORMERR, false, out, cap);
        }
        const std::string zone = wire::to_text(q.lname);
        const auto from = address_of(peer);
        auto refuse = [&](const char* why) {
            refused_.fetch_add(1, std::memory_order_relaxed);
            LOG_INFO("NOTIFY for %s from %s refused: %s", zone.c_str(), from.to_string().c_str(),
                     why);
            return write_answer(q, true, wire::rcode::NOTAUTH, false, out, cap);
        };
        auto acl = acl_.load();
        auto it = acl->find(zone);
        if (it == acl->end()) {
            std::lock_guard lock(members_mu_);
            if (auto m = members_.find(zone); m != members_.end()) it = acl->find(m->second);
        }
        if (it == acl->end()) return refuse("not a secondary zone here");
        const NotifySource& src = it->second;
        bool known = false;
        for (const auto& a : src.primaries) known = known || a == from;
        if (!known) return refuse("not one of the zone's primaries");
        std::optional<xfr::TsigSession> session;
        if (src.key) {
            std::vector<xfr::TsigKey> keys{*src.key};
            uint16_t err = 0;
            auto v = xfr::TsigSession::verify_request(query, keys, now, err);
            if (!v) {
                size_t len = refuse("TSIG verification failed");
                // RFC 8945 §5.3.2: the TSIG error rides on the NOTAUTH answer.
                if (len && (err == xfr::tsig_error::BADSIG || err == xfr::tsig_error::BADKEY ||
                            err == xfr::tsig_error::BADTIME)) {
                    auto signed_len =
                        xfr::TsigSession::sign_error_response(query, keys, err, out, len, cap, now);
                    if (signed_len) len = *signed_len;
                }
                return len;
            }
            session.emplace(std::move(*v));
        }
        accepted_.fetch_add(1, std::memory_order_relaxed);
        if (accept_) accept_(zone, from.to_string(), notify_serial(query, q));
        size_t len = write_answer(q, true, wire::rcode::NOERROR, true, out, cap);
        if (len && session) {
            auto signed_len = session->sign_response(out, len, cap, now);
            if (signed_len) len = *signed_len;
        }
        return len;
    } catch (...) {
        return 0;  // out of memory: no answer, the primary will retry
    }
}

}  // namespace dns::io
