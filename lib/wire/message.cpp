#include "lib/wire/message.hpp"

#include <cstring>

#include "lib/wire/reader.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::wire {
namespace {

size_t fixed_width(Field f) {
    switch (f) {
        case Field::fixed1:
            return 1;
        case Field::fixed2:
            return 2;
        case Field::fixed4:
            return 4;
        case Field::fixed16:
            return 16;
        case Field::fixed18:
            return 18;
        case Field::fixed20:
            return 20;
        default:
            return 0;
    }
}

Error malformed(const char* what) { return make_error(Errc::malformed, what); }

Result<RR> read_rr(Reader& r) {
    uint8_t buf[kMaxNameLen];
    size_t len = 0;
    if (!r.name(buf, len)) return malformed("bad owner name");
    RR rr{Name::from_wire(buf), 0, 0, 0, {}};
    uint16_t rdlen = 0;
    if (!r.u16(rr.type) || !r.u16(rr.rrclass) || !r.u32(rr.ttl) || !r.u16(rdlen))
        return malformed("truncated record header");
    size_t at = r.pos();
    if (!r.skip(rdlen)) return malformed("RDATA runs past the message");
    if (rr.type == type::OPT || !rdata_has_names(rr.type)) {
        rr.rdata.assign(reinterpret_cast<const char*>(r.message().data() + at), rdlen);
        return rr;
    }
    auto rd = decompress_rdata(r.message(), at, rdlen, rr.type);
    if (!rd) return std::move(rd).error();
    rr.rdata = std::move(*rd);
    return rr;
}

}  // namespace

long decompress_rdata_into(std::span<const uint8_t> msg, size_t pos, uint16_t rdlen,
                           uint16_t rrtype, uint8_t* out) noexcept {
    const size_t end = pos + rdlen;
    if (end > msg.size()) return -1;
    size_t n = 0;
    for (const Field* f = rdata_layout(rrtype); *f != Field::end; ++f) {
        switch (*f) {
            case Field::cname:
            case Field::name: {
                size_t len = 0;
                size_t after = read_name_at(msg, pos, out + n, len);
                if (!after || after > end) return -1;
                n += len;
                pos = after;
                break;
            }
            case Field::charstr: {
                if (pos >= end || pos + 1 + msg[pos] > end) return -1;
                size_t len = 1u + msg[pos];
                std::memcpy(out + n, msg.data() + pos, len);
                n += len;
                pos += len;
                break;
            }
            case Field::rest:
                std::memcpy(out + n, msg.data() + pos, end - pos);
                n += end - pos;
                pos = end;
                break;
            default: {
                size_t w = fixed_width(*f);
                if (pos + w > end) return -1;
                std::memcpy(out + n, msg.data() + pos, w);
                n += w;
                pos += w;
            }
        }
    }
    if (pos != end || n > 65535) return -1;
    return static_cast<long>(n);
}

Result<std::string> decompress_rdata(std::span<const uint8_t> msg, size_t pos, uint16_t rdlen,
                                     uint16_t rrtype) {
    std::string out(kMaxRdata, '\0');
    long n = decompress_rdata_into(msg, pos, rdlen, rrtype, reinterpret_cast<uint8_t*>(out.data()));
    if (n < 0) return malformed("bad RDATA");
    out.resize(static_cast<size_t>(n));
    return out;
}

RecordReader::RecordReader(std::span<const uint8_t> msg) noexcept : msg_(msg) {
    if (msg.size() < kHeaderLen) return;
    const uint8_t* p = msg.data();
    h_ = {get16(p), get16(p + 2), get16(p + 4), get16(p + 6), get16(p + 8), get16(p + 10)};
    qd_ = h_.qdcount;
    for (uint16_t i = 0; i < h_.qdcount; ++i) {
        size_t len = 0;
        uint8_t buf[kMaxNameLen];
        size_t after = read_name_at(msg, pos_, i == 0 ? qname_ : buf, len);
        if (!after || after + 4 > msg.size()) return;
        if (i == 0) qtype_ = get16(msg.data() + after);
        pos_ = after + 4;
    }
    ok_ = true;
}

int RecordReader::next(RecordView& rr, uint8_t* buf) noexcept {
    if (!ok_) return -1;
    const uint32_t total = static_cast<uint32_t>(h_.ancount) + h_.nscount + h_.arcount;
    if (index_ >= total) return pos_ == msg_.size() ? 0 : -1;
    size_t after = read_name_at(msg_, pos_, rr.owner, rr.owner_len);
    if (!after || after + 10 > msg_.size()) return -1;
    const uint8_t* p = msg_.data() + after;
    rr.type = get16(p);
    rr.rrclass = get16(p + 2);
    rr.ttl = get32(p + 4);
    uint16_t rdlen = get16(p + 8);
    size_t rd = after + 10;
    if (rd + rdlen > msg_.size()) return -1;
    if (rr.type == type::OPT || !rdata_has_names(rr.type)) {
        rr.rdata = msg_.data() + rd;
        rr.rdata_len = rdlen;
    } else {
        long n = decompress_rdata_into(msg_, rd, rdlen, rr.type, buf);
        if (n < 0) return -1;
        rr.rdata = buf;
        rr.rdata_len = static_cast<size_t>(n);
    }
    pos_ = rd + rdlen;
    uint32_t i = index_++;
    if (i < h_.ancount) return 1;
    if (i < static_cast<uint32_t>(h_.ancount) + h_.nscount) return 2;
    return 3;
}

Result<Message> parse_message(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    Message m;
    Header& h = m.header;
    if (!r.u16(h.id) || !r.u16(h.flags) || !r.u16(h.qdcount) || !r.u16(h.ancount) ||
        !r.u16(h.nscount) || !r.u16(h.arcount))
        return malformed("message shorter than a header");
    uint8_t buf[kMaxNameLen];
    for (uint16_t i = 0; i < h.qdcount; ++i) {
        size_t len = 0;
        Question q;
        if (!r.name(buf, len) || !r.u16(q.type) || !r.u16(q.qclass))
            return malformed("bad question");
        q.name = Name::from_wire(buf);
        m.question.push_back(std::move(q));
    }
    auto section = [&](uint16_t count, std::vector<RR>& out) -> Result<void> {
        for (uint16_t i = 0; i < count; ++i) {
            auto rr = read_rr(r);
            if (!rr) return std::move(rr).error();
            out.push_back(std::move(*rr));
        }
        return {};
    };
    if (auto s = section(h.ancount, m.answer); !s) return s.error();
    if (auto s = section(h.nscount, m.authority); !s) return s.error();
    for (uint16_t i = 0; i < h.arcount; ++i) {
        size_t at = r.pos();
        auto rr = read_rr(r);
        if (!rr) return std::move(rr).error();
        if (m.has_tsig) return malformed("TSIG is not the last record");
        if (rr->type == type::OPT) {
            if (m.edns.present) return malformed("more than one OPT record");
            if (!rr->owner.is_root()) return malformed("OPT owner is not the root");
            m.edns.present = true;
            m.edns.udp_size = rr->rrclass;
            m.edns.ext_rcode = static_cast<uint8_t>(rr->ttl >> 24);
            m.edns.version = static_cast<uint8_t>(rr->ttl >> 16);
            m.edns.do_bit = (rr->ttl & 0x8000) != 0;
            const std::string& d = rr->rdata;
            for (size_t p = 0; p < d.size();) {
                if (p + 4 > d.size()) return malformed("truncated EDNS option");
                auto u = reinterpret_cast<const uint8_t*>(d.data()) + p;
                uint16_t code = get16(u), olen = get16(u + 2);
                if (p + 4 + olen > d.size()) return malformed("truncated EDNS option");
                m.edns.options.push_back({code, d.substr(p + 4, olen)});
                p += 4u + olen;
            }
            continue;
        }
        if (rr->type == type::TSIG) {
            m.has_tsig = true;
            m.tsig_offset = at;
        }
        m.additional.push_back(std::move(*rr));
    }
    if (r.remaining() != 0) return malformed("trailing bytes after the last record");
    return m;
}

bool write_rdata(Writer& w, uint16_t rrtype, const uint8_t* rd, uint16_t rdlen) {
    const Field* f = rdata_layout(rrtype);
    if (*f == Field::rest) return w.bytes(rd, rdlen);
    size_t pos = 0;
    for (; *f != Field::end; ++f) {
        switch (*f) {
            case Field::cname:
            case Field::name:
                if (!w.name(rd + pos, *f == Field::cname)) return false;
                pos += name_length(rd + pos);
                break;
            case Field::charstr:
                if (!w.bytes(rd + pos, 1u + rd[pos])) return false;
                pos += 1u + rd[pos];
                break;
            case Field::rest:
                if (!w.bytes(rd + pos, rdlen - pos)) return false;
                pos = rdlen;
                break;
            default: {
                size_t width = fixed_width(*f);
                if (!w.bytes(rd + pos, width)) return false;
                pos += width;
            }
        }
    }
    return true;
}

bool write_rr(Writer& w, const uint8_t* owner, uint16_t rrtype, uint16_t rrclass, uint32_t ttl,
              const uint8_t* rdata, uint16_t rdlen) {
    auto m = w.mark();
    if (!w.name(owner, true) || !w.u16(rrtype) || !w.u16(rrclass) || !w.u32(ttl) || !w.u16(0)) {
        w.rollback(m);
        return false;
    }
    size_t rdstart = w.size();
    if (!write_rdata(w, rrtype, rdata, rdlen)) {
        w.rollback(m);
        return false;
    }
    w.patch_u16(rdstart - 2, static_cast<uint16_t>(w.size() - rdstart));
    return true;
}

bool write_message(const Message& m, Writer& w) {
    const Header& h = m.header;
    uint16_t arcount = static_cast<uint16_t>(m.additional.size() + (m.edns.present ? 1 : 0));
    if (!w.u16(h.id) || !w.u16(h.flags) || !w.u16(static_cast<uint16_t>(m.question.size())) ||
        !w.u16(static_cast<uint16_t>(m.answer.size())) ||
        !w.u16(static_cast<uint16_t>(m.authority.size())) || !w.u16(arcount))
        return false;
    for (const auto& q : m.question)
        if (!w.name(q.name.data(), true) || !w.u16(q.type) || !w.u16(q.qclass)) return false;
    auto put = [&](const RR& rr) {
        return write_rr(w, rr.owner.data(), rr.type, rr.rrclass, rr.ttl,
                        reinterpret_cast<const uint8_t*>(rr.rdata.data()),
                        static_cast<uint16_t>(rr.rdata.size()));
    };
    for (const auto& rr : m.answer)
        if (!put(rr)) return false;
    for (const auto& rr : m.authority)
        if (!put(rr)) return false;
    // OPT goes before TSIG, which must stay last.
    size_t i = 0;
    for (; i < m.additional.size() && m.additional[i].type != type::TSIG; ++i)
        if (!put(m.additional[i])) return false;
    if (m.edns.present) {
        std::string opts;
        for (const auto& o : m.edns.options) {
            uint8_t hdr[4];
            put16(hdr, o.code);
            put16(hdr + 2, static_cast<uint16_t>(o.data.size()));
            opts.append(reinterpret_cast<const char*>(hdr), 4).append(o.data);
        }
        uint32_t ttl = static_cast<uint32_t>(m.edns.ext_rcode) << 24 |
                       static_cast<uint32_t>(m.edns.version) << 16 | (m.edns.do_bit ? 0x8000u : 0);
        if (!w.u8(0) || !w.u16(type::OPT) || !w.u16(m.edns.udp_size) || !w.u32(ttl) ||
            !w.u16(static_cast<uint16_t>(opts.size())) || !w.bytes(opts.data(), opts.size()))
            return false;
    }
    for (; i < m.additional.size(); ++i)
        if (!put(m.additional[i])) return false;
    return true;
}

int64_t edns_expire(const uint8_t* p, size_t len) noexcept {
    for (size_t off = 0; off + 4 <= len;) {
        uint16_t code = get16(p + off), olen = get16(p + off + 2);
        if (off + 4 + olen > len) return -1;
        if (code == edns_opt::EXPIRE && olen == 4) return get32(p + off + 4);
        off += 4u + olen;
    }
    return -1;
}

void append_edns_option(std::vector<uint8_t>& query, uint16_t code, std::span<const uint8_t> data) {
    // The OPT RDATA length is the last two bytes before the existing options;
    // with make_query() there are none yet, so it is the query's last field.
    const size_t rdlen_at = query.size() - 2;
    uint16_t rdlen = get16(query.data() + rdlen_at);
    if (rdlen != 0) return;  // only for make_query() output
    uint8_t head[4];
    put16(head, code);
    put16(head + 2, static_cast<uint16_t>(data.size()));
    query.insert(query.end(), head, head + 4);
    query.insert(query.end(), data.begin(), data.end());
    put16(query.data() + rdlen_at, static_cast<uint16_t>(4 + data.size()));
}

std::vector<uint8_t> make_query(const Name& qname, uint16_t qtype, uint16_t id, bool edns,
                                bool do_bit, uint16_t qclass) {
    Message m;
    m.header.id = id;
    m.question.push_back({qname, qtype, qclass});
    if (edns) {
        m.edns.present = true;
        m.edns.udp_size = 1232;
        m.edns.do_bit = do_bit;
    }
    std::vector<uint8_t> out(kHeaderLen + qname.size() + 4 + 11);
    Writer w(out.data(), out.size());
    bool ok = write_message(m, w);
    (void)ok;  // sized exactly above
    out.resize(w.size());
    return out;
}

QueryStatus parse_query(std::span<const uint8_t> bytes, Query& q) noexcept {
    if (bytes.size() < kHeaderLen) return QueryStatus::drop;
    const uint8_t* p = bytes.data();
    q.id = get16(p);
    q.flags = get16(p + 2);
    q.question_end = 0;
    q.has_edns = q.do_bit = q.nsid = q.zoneversion = q.expire = q.has_tsig = false;
    q.edns_version = 0;
    q.udp_size = 512;
    if (q.flags & flag::QR) return QueryStatus::drop;
    const uint16_t qd = get16(p + 4), an = get16(p + 6), ns = get16(p + 8), ar = get16(p + 10);
    Reader r(bytes);
    r.skip(kHeaderLen);
    if (qd != 1) return q.opcode() == opcode::QUERY ? QueryStatus::formerr : QueryStatus::notimp;
    size_t len = 0;
    if (!r.name(q.qname, len) || !r.u16(q.qtype) || !r.u16(q.qclass)) return QueryStatus::formerr;
    q.qname_len = static_cast<uint8_t>(len);
    to_lower(q.qname, len, q.lname);
    q.question_end = static_cast<uint16_t>(r.pos());
    if (q.opcode() != opcode::QUERY && q.opcode() != opcode::NOTIFY) return QueryStatus::notimp;
    uint8_t name[kMaxNameLen];
    for (uint32_t i = 0; i < static_cast<uint32_t>(an) + ns; ++i) {
        uint16_t t, c, rdlen;
        uint32_t ttl;
        if (!r.name(name, len) || !r.u16(t) || !r.u16(c) || !r.u32(ttl) || !r.u16(rdlen) ||
            !r.skip(rdlen))
            return QueryStatus::formerr;
    }
    for (uint16_t i = 0; i < ar; ++i) {
        uint16_t t, c, rdlen;
        uint32_t ttl;
        if (q.has_tsig) return QueryStatus::formerr;  // TSIG must be last
        if (!r.name(name, len) || !r.u16(t) || !r.u16(c) || !r.u32(ttl) || !r.u16(rdlen))
            return QueryStatus::formerr;
        const uint8_t* rd;
        if (!r.bytes(rdlen, rd)) return QueryStatus::formerr;
        if (t == type::TSIG) {
            q.has_tsig = true;
            continue;
        }
        if (t != type::OPT) continue;
        if (q.has_edns || len != 1) return QueryStatus::formerr;
        q.has_edns = true;
        q.udp_size = c < 512 ? 512 : c;
        q.edns_version = static_cast<uint8_t>(ttl >> 16);
        q.do_bit = (ttl & 0x8000) != 0;
        for (size_t o = 0; o < rdlen;) {
            if (o + 4 > rdlen) return QueryStatus::formerr;
            uint16_t code = get16(rd + o), olen = get16(rd + o + 2);
            if (o + 4 + olen > rdlen) return QueryStatus::formerr;
            if (code == edns_opt::NSID) q.nsid = true;
            if (code == edns_opt::ZONEVERSION) q.zoneversion = true;
            if (code == edns_opt::EXPIRE) q.expire = true;
            o += 4u + olen;
        }
    }
    if (r.remaining() != 0) return QueryStatus::formerr;
    return QueryStatus::ok;
}

}  // namespace dns::wire

namespace dns::wire {

bool rdata_well_formed(uint16_t rrtype, const uint8_t* rd, size_t len) noexcept {
    if (rrtype == type::A) return len == 4;
    if (rrtype == type::AAAA) return len == 16;
    size_t pos = 0;
    for (const Field* f = rdata_layout(rrtype); *f != Field::end; ++f) {
        switch (*f) {
            case Field::cname:
            case Field::name: {
                size_t start = pos;
                for (;;) {
                    if (pos >= len) return false;
                    uint8_t l = rd[pos];
                    if (l > kMaxLabelLen) return false;
                    pos += l + 1u;
                    if (l == 0) break;
                }
                if (pos - start > kMaxNameLen) return false;
                break;
            }
            case Field::charstr:
                if (pos >= len || pos + 1 + rd[pos] > len) return false;
                pos += 1u + rd[pos];
                break;
            case Field::rest:
                pos = len;
                break;
            default:
                pos += fixed_width(*f);
                if (pos > len) return false;
        }
    }
    return pos == len;
}

}  // namespace dns::wire
