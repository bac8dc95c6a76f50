#include "lib/xfr/snapshot.hpp"

#include <cstring>

#include "lib/wire/rrtype.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/zone/builder.hpp"

namespace dns::xfr {
namespace {

constexpr char kMagic1[8] = {'D', 'N', 'S', 'D', 'Z', 'N', '0', '1'};
constexpr char kMagic[8] = {'D', 'N', 'S', 'D', 'Z', 'N', '0', '2'};

void put(std::vector<uint8_t>& b, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get(const uint8_t*& p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | *p++;
    return v;
}

}  // namespace

std::vector<uint8_t> encode_snapshot(const zone::Zone& zone, int64_t verified,
                                     const std::string& primary) {
    auto records = records_of(zone);
    std::vector<uint8_t> b(kMagic, kMagic + 8);
    size_t size = 32 + zone.apex().size();
    for (const auto& r : records) size += 9 + r.owner.size() + r.rdata.size();
    b.reserve(size);
    put(b, static_cast<uint64_t>(verified), 8);
    put(b, records.size(), 4);
    put(b, zone.apex().size(), 2);
    b.insert(b.end(), zone.apex().data(), zone.apex().data() + zone.apex().size());
    std::string p = primary.substr(0, 255);
    put(b, p.size(), 1);
    b.insert(b.end(), p.begin(), p.end());
    for (const auto& r : records) encode_record(b, r);
    return b;
}

Result<Snapshot> decode_snapshot(std::span<const uint8_t> data, const wire::Name& zone) {
    auto bad = [](const char* why) { return make_error(Errc::malformed, why); };
    if (data.size() < 22) return bad("not a saved zone");
    const bool v2 = std::memcmp(data.data(), kMagic, 8) == 0;
    if (!v2 && std::memcmp(data.data(), kMagic1, 8) != 0) return bad("not a saved zone");
    const uint8_t* p = data.data() + 8;
    const uint8_t* end = data.data() + data.size();
    Snapshot out;
    out.verified_unix = static_cast<int64_t>(get(p, 8));
    uint64_t count = get(p, 4);
    size_t alen = get(p, 2);
    if (static_cast<size_t>(end - p) < alen) return bad("truncated");
    auto apex = wire::Name::from_wire_checked({p, alen});
    if (!apex || !(*apex == zone)) return bad("holds another zone");
    p += alen;
    if (v2) {
        if (end - p < 1) return bad("truncated");
        size_t plen = *p++;
        if (static_cast<size_t>(end - p) < plen) return bad("truncated");
        out.primary.assign(reinterpret_cast<const char*>(p), plen);
        p += plen;
    }
    // Each record takes at least 10 bytes: a count beyond that is a lie.
    if (count > static_cast<uint64_t>(end - p) / 10 + 1)
        return bad("record count larger than the data");
    zone::Builder builder(*apex);
    Record rec;
    for (uint64_t i = 0; i < count; ++i) {
        if (!decode_record(p, end, rec)) return bad("truncated or bad owner name");
        auto r = builder.add(
            reinterpret_cast<const uint8_t*>(rec.owner.data()), rec.type, wire::rrclass::IN,
            rec.ttl, {reinterpret_cast<const uint8_t*>(rec.rdata.data()), rec.rdata.size()});
        if (!r) return make_error(Errc::malformed, r.error().message);
    }
    if (p != end) return bad("trailing bytes");
    auto z = builder.build();
    if (!z) return make_error(Errc::malformed, z.error().message);
    out.zone = std::move(*z);
    return out;
}

Replayed replay(Snapshot& s, std::vector<Journal::Entry> entries) {
    Replayed out;
    std::vector<Diff> diffs;
    int64_t stamp = s.verified_unix;
    uint32_t serial = s.zone->serial();
    for (auto& e : entries) {
        if (e.diff.from != serial) continue;
        serial = e.diff.to;
        stamp = std::max(stamp, e.stamp);
        diffs.push_back(std::move(e.diff));
    }
    if (diffs.empty()) return out;
    auto applied = xfr::apply(s.zone, diffs);
    if (!applied) {
        out.note = applied.error().message + "; serving the snapshot";
        return out;
    }
    s.zone = std::move(*applied);
    s.verified_unix = stamp;
    out.entries = static_cast<uint32_t>(diffs.size());
    return out;
}

}  // namespace dns::xfr
