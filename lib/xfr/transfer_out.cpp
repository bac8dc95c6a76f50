#include "lib/xfr/transfer_out.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include "lib/base/serial.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/name.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/wire/writer.hpp"

namespace dns::xfr {

namespace t = wire::type;

namespace {

// A record's identity for condensing: owner (lower case), type, TTL, RDATA.
std::string record_key(const Record& r) {
    std::string k;
    k.reserve(r.owner.size() + r.rdata.size() + 8);
    for (char c : r.owner) k.push_back(static_cast<char>(wire::lower(static_cast<uint8_t>(c))));
    k.push_back(static_cast<char>(r.type >> 8));
    k.push_back(static_cast<char>(r.type));
    for (int i = 3; i >= 0; --i) k.push_back(static_cast<char>(r.ttl >> (8 * i)));
    k += r.rdata;
    return k;
}

bool is_soa(const Record& r) { return r.type == t::SOA; }

}  // namespace

Diff condense(std::span<const Diff> diffs) {
    Diff out;
    if (diffs.empty()) return out;
    out.from = diffs.front().from;
    out.to = diffs.back().to;
    // Net effect: a record both added and removed along the way cancels out.
    std::map<std::string, Record> removed, added;
    for (const Diff& d : diffs) {
        for (const Record& r : d.removed) {
            if (is_soa(r)) continue;
            std::string k = record_key(r);
            if (!added.erase(k)) removed.emplace(std::move(k), r);
        }
        for (const Record& r : d.added) {
            if (is_soa(r)) continue;
            std::string k = record_key(r);
            if (!removed.erase(k)) added.emplace(std::move(k), r);
        }
    }
    // The old SOA first among the removed, the new one first among the added (RFC 1995 §4).
    for (const Record& r : diffs.front().removed)
        if (is_soa(r)) {
            out.removed.push_back(r);
            break;
        }
    for (const Record& r : diffs.back().added)
        if (is_soa(r)) {
            out.added.push_back(r);
            break;
        }
    for (auto& [k, r] : removed) out.removed.push_back(std::move(r));
    for (auto& [k, r] : added) out.added.push_back(std::move(r));
    return out;
}

Diff diff_zones(const zone::Zone& a, const zone::Zone& b) {
    auto keyed = [](const zone::Zone& z) {
        std::vector<std::pair<std::string, Record>> v;
        for (Record& r : records_of(z)) {
            if (is_soa(r)) continue;
            std::string k = record_key(r);
            v.emplace_back(std::move(k), std::move(r));
        }
        std::sort(v.begin(), v.end(),
                  [](const auto& x, const auto& y) { return x.first < y.first; });
        return v;
    };
    auto soa_of = [](const zone::Zone& z) {
        const zone::Node& apex = z.node(zone::Zone::apex_id());
        return Record{std::string(reinterpret_cast<const char*>(z.owner(apex)), apex.name_len),
                      t::SOA, z.soa().ttl,
                      std::string(reinterpret_cast<const char*>(z.rdata_bytes(z.soa().first)),
                                  z.rdata(z.soa().first).length)};
    };
    Diff d;
    d.from = a.serial();
    d.to = b.serial();
    d.removed.push_back(soa_of(a));
    d.added.push_back(soa_of(b));
    auto x = keyed(a), y = keyed(b);
    size_t i = 0, j = 0;
    while (i < x.size() || j < y.size()) {
        if (j == y.size() || (i < x.size() && x[i].first < y[j].first)) {
            d.removed.push_back(std::move(x[i++].second));
        } else if (i == x.size() || y[j].first < x[i].first) {
            d.added.push_back(std::move(y[j++].second));
        } else {
            ++i;
            ++j;
        }
    }
    return d;
}

// ---- TransferOut ----

TransferOut::TransferOut(const wire::Query& query, zone::ZonePtr zone,
                         std::optional<uint32_t> ixfr_serial,
                         std::shared_ptr<const History> history)
    : q_(query), zone_(std::move(zone)) {
    if (!ixfr_serial) return;  // AXFR
    const uint32_t current = zone_->serial();
    if (serial_le(current, *ixfr_serial) || current == *ixfr_serial) {
        style_ = Style::up_to_date;  // RFC 1995 §2: just our SOA
        return;
    }
    if (history && !history->empty() && history->back().to == current) {
        // Where the client's serial starts a run of differences that ends at ours.
        for (size_t i = 0; i < history->size(); ++i) {
            if ((*history)[i].from != *ixfr_serial) continue;
            bool chained = true;
            for (size_t k = i + 1; k < history->size() && chained; ++k)
                chained = (*history)[k].from == (*history)[k - 1].to;
            if (!chained) break;
            diff_ = condense(std::span<const Diff>(history->data() + i, history->size() - i));
            style_ = Style::ixfr;
            return;
        }
    }
    // The history does not reach back: the whole zone (RFC 1995 §4).
}

void TransferOut::sign_with(TsigSession session, uint64_t now) {
    tsig_.emplace(std::move(session));
    now_ = now;
}

bool TransferOut::write_owner(wire::Writer& w, const uint8_t* owner, uint32_t node) {
    const size_t at = w.size();
    if (node != kNoNode && node == last_node_ && last_owner_off_) return w.pointer(last_owner_off_);
    // The owner lies under the apex (bytes equal, case included): its own
    // labels, then a pointer to where the apex was written.
    const zone::Zone& z = *zone_;
    const uint8_t* apex = z.owner(z.node(zone::Zone::apex_id()));
    const size_t apex_len = wire::name_length(apex), len = wire::name_length(owner);
    size_t prefix = 0;  // bytes of `owner` before its apex suffix; len when not under the apex
    if (len >= apex_len && std::memcmp(owner + len - apex_len, apex, apex_len) == 0) {
        while (prefix < len - apex_len) prefix += owner[prefix] + 1u;
        if (prefix != len - apex_len) prefix = len;  // the suffix is not at a label boundary
    } else {
        prefix = len;
    }
    bool ok;
    if (apex_off_ && prefix < len) {
        ok = w.bytes(owner, prefix) && w.pointer(apex_off_);
    } else {
        ok = w.name(owner, true);
        // Find where the apex now is in the message: walk the name just
        // written (through its pointers) to the apex suffix.
        if (ok && prefix < len && !apex_off_) {
            size_t off = at, skipped = 0;
            for (int guard = 0; guard < 256; ++guard) {
                const uint8_t l = w.data()[off];
                if ((l & 0xC0) == 0xC0) {
                    off = static_cast<size_t>(l & 0x3F) << 8 | w.data()[off + 1];
                    continue;
                }
                if (skipped == prefix) {
                    if (off < 0x3FFF) apex_off_ = static_cast<uint16_t>(off);
                    break;
                }
                skipped += l + 1u;
                off += l + 1u;
            }
        }
    }
    if (!ok) return false;
    last_node_ = node;
    last_owner_off_ = at < 0x3FFF && w.data()[at] < 0xC0 ? static_cast<uint16_t>(at) : 0;
    if (node == kNoNode) last_owner_off_ = 0;
    return true;
}

bool TransferOut::write_record(wire::Writer& w, const uint8_t* owner, uint32_t node, uint16_t type,
                               uint32_t ttl, const uint8_t* rd, uint16_t len) {
    const auto mark = w.mark();
    const uint32_t last_node = last_node_;
    const uint16_t last_owner_off = last_owner_off_, apex_off = apex_off_;
    bool ok = write_owner(w, owner, node) && w.u16(type) && w.u16(wire::rrclass::IN) &&
              w.u32(ttl) && w.u16(0);
    const size_t rdstart = w.size();
    ok = ok && wire::write_rdata(w, type, rd, len);
    if (!ok) {
        w.rollback(mark);
        last_node_ = last_node;
        last_owner_off_ = last_owner_off;
        apex_off_ = apex_off;
        return false;
    }
    w.patch_u16(rdstart - 2, static_cast<uint16_t>(w.size() - rdstart));
    ++records_;
    return true;
}

bool TransferOut::write_soa(wire::Writer& w, bool) {
    const zone::Zone& z = *zone_;
    const zone::RRset& soa = z.soa();
    return write_record(w, z.owner(z.node(zone::Zone::apex_id())), zone::Zone::apex_id(), t::SOA,
                        soa.ttl, z.rdata_bytes(soa.first), z.rdata(soa.first).length);
}

struct TransferOut::Item {
    uint16_t type;
    uint32_t ttl;
    uint32_t rdata;
};

bool TransferOut::fill_axfr(wire::Writer& w) {
    const zone::Zone& z = *zone_;
    if (phase_ == 0) {
        if (!write_soa(w, true)) return false;
        phase_ = 1;
    }
    std::vector<Item> items;
    while (phase_ == 1) {
        if (node_ >= z.node_count()) {
            phase_ = 2;
            break;
        }
        const zone::Node& n = z.node(node_);
        items.clear();
        if (!(n.flags & zone::nf::removed)) {
            z.for_each_record(n, [&](uint16_t type, uint32_t ttl, uint32_t d) {
                if (!(type == t::SOA && node_ == zone::Zone::apex_id()))
                    items.push_back({type, ttl, d});
            });
        }
        while (record_in_node_ < items.size()) {
            const Item& it = items[record_in_node_];
            if (!write_record(w, z.owner(n), node_, it.type, it.ttl, z.rdata_bytes(it.rdata),
                              z.rdata(it.rdata).length))
                return false;
            ++record_in_node_;
        }
        record_in_node_ = 0;
        ++node_;
    }
    if (phase_ == 2) {
        if (!write_soa(w, true)) return false;
        phase_ = 3;
    }
    return true;
}

bool TransferOut::fill_ixfr(wire::Writer& w) {
    // The sequence: new SOA, the removed (old SOA first), the added (new SOA first), new SOA.
    const size_t total = 2 + diff_.removed.size() + diff_.added.size();
    auto put = [&](const Record& r) {
        return write_record(w, reinterpret_cast<const uint8_t*>(r.owner.data()), kNoNode, r.type,
                            r.ttl, reinterpret_cast<const uint8_t*>(r.rdata.data()),
                            static_cast<uint16_t>(r.rdata.size()));
    };
    while (ixfr_pos_ < total) {
        bool ok;
        if (ixfr_pos_ == 0 || ixfr_pos_ == total - 1) {
            ok = write_soa(w, true);
        } else if (ixfr_pos_ - 1 < diff_.removed.size()) {
            ok = put(diff_.removed[ixfr_pos_ - 1]);
        } else {
            ok = put(diff_.added[ixfr_pos_ - 1 - diff_.removed.size()]);
        }
        if (!ok) return false;
        ++ixfr_pos_;
    }
    phase_ = 3;
    return true;
}

size_t TransferOut::next(uint8_t* out, size_t cap) {
    if (phase_ == 3 || cap < 512) return 0;
    wire::Writer w(out, cap);
    w.set_case_sensitive(true);
    last_node_ = kNoNode;  // the hints point into the previous message
    last_owner_off_ = apex_off_ = 0;
    w.reset(wire::kHeaderLen);
    const bool first = messages_ == 0;
    if (first && !(w.name(q_.qname, false) && w.u16(q_.qtype) && w.u16(q_.qclass))) return 0;
    // Room for the TSIG record: the key name, the algorithm name, 16 fixed
    // octets and the MAC.
    const size_t reserve = tsig_ ? 2 * 255 + 26 + 64 : 0;
    w.set_limit(cap > reserve ? cap - reserve : 0);
    const size_t before = records_;
    if (style_ == Style::up_to_date) {
        if (write_soa(w, true)) phase_ = 3;
    } else if (style_ == Style::ixfr) {
        fill_ixfr(w);
    } else {
        fill_axfr(w);
    }
    const size_t count = records_ - before;
    if (count == 0 && phase_ != 3) {
        failed_ = true;  // a record larger than a message: cannot be sent
        phase_ = 3;
        return 0;
    }
    uint16_t flags = static_cast<uint16_t>(wire::flag::QR | wire::flag::AA | (q_.flags & 0x7800) |
                                           (q_.flags & wire::flag::RD));
    wire::put16(out, q_.id);
    wire::put16(out + 2, flags);
    wire::put16(out + 4, first ? 1 : 0);
    wire::put16(out + 6, static_cast<uint16_t>(count));
    wire::put16(out + 8, 0);
    wire::put16(out + 10, 0);
    size_t len = w.size();
    ++messages_;
    if (tsig_) {
        auto s = tsig_->sign_response(out, len, cap, now_);
        if (s) len = *s;
    }
    return len;
}

}  // namespace dns::xfr
