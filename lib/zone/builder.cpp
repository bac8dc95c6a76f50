#include "lib/zone/builder.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_set>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::zone {

using wire::type::CNAME;
using wire::type::DNAME;
using wire::type::MX;
using wire::type::NS;
using wire::type::NSEC;
using wire::type::NSEC3;
using wire::type::NSEC3PARAM;
using wire::type::RRSIG;
using wire::type::SOA;
using wire::type::SRV;

Builder::Builder(wire::Name apex, Limits limits) : apex_(std::move(apex)), limits_(limits) {}

Result<void> Builder::add(const uint8_t* owner_wire, uint16_t rrtype, uint16_t rrclass, uint32_t ttl,
                          std::span<const uint8_t> rdata) {
    struct Owner {
        const uint8_t* p;
        size_t n;
        const uint8_t* data() const { return p; }
        size_t size() const { return n; }
        std::string to_text() const { return wire::to_text(p); }
    } owner{owner_wire, wire::name_length(owner_wire)};
    if (rrclass != wire::rrclass::IN)
        return make_error(Errc::semantic, "class " + wire::class_to_text(rrclass) + " record at " +
                                              owner.to_text() + " (only IN is served)");
    if (!wire::is_subdomain(owner.data(), apex_.data())) {
        ++out_of_zone_;
        return {};
    }
    if (rdata.size() > 65535 || !wire::rdata_well_formed(rrtype, rdata.data(), rdata.size()))
        return make_error(Errc::malformed, "malformed " + wire::type_to_text(rrtype) +
                                               " RDATA at " + owner.to_text());
    if (wire::is_meta_type(rrtype))
        return make_error(Errc::semantic, "meta type " + wire::type_to_text(rrtype) + " in zone data");
    if (limits_.max_records && recs_.size() >= limits_.max_records)
        return make_error(Errc::limit, "zone exceeds " + std::to_string(limits_.max_records) + " records");
    bytes_ += owner.size() + rdata.size();
    if (limits_.max_bytes && bytes_ > limits_.max_bytes)
        return make_error(Errc::limit, "zone exceeds " + std::to_string(limits_.max_bytes) + " bytes");

    Rec r{};
    r.owner = static_cast<uint32_t>(owners_.size());
    r.owner_len = static_cast<uint8_t>(owner.size());
    owners_.insert(owners_.end(), owner.data(), owner.data() + owner.size());
    // Canonical sort key: labels right to left, lower-cased, each ended by 0x00;
    // bytes 0x00 and 0x01 are escaped as 0x01 b so the order stays exact.
    r.key = static_cast<uint32_t>(keys_.size());
    // The apex labels, common to every record, are left out of the key.
    uint8_t offs[wire::kMaxLabels];
    size_t n = 0;
    for (size_t p = 0; owner.data()[p]; p += owner.data()[p] + 1u) offs[n++] = static_cast<uint8_t>(p);
    n -= apex_.labels();
    while (n > 0) {
        const uint8_t* l = owner.data() + offs[--n];
        for (uint8_t i = 1; i <= l[0]; ++i) {
            uint8_t c = wire::lower(l[i]);
            if (c <= 1) keys_.push_back(1);
            keys_.push_back(c);
        }
        keys_.push_back(0);
    }
    r.key_len = static_cast<uint16_t>(keys_.size() - r.key);
    // The first 8 key bytes, big-endian, settle most comparisons without touching keys_.
    r.prefix = 0;
    for (size_t i = 0; i < 8; ++i)
        r.prefix = r.prefix << 8 | (i < r.key_len ? keys_[r.key + i] : 0);
    r.rdata = static_cast<uint32_t>(rdata_.size());
    r.rdata_len = static_cast<uint16_t>(rdata.size());
    rdata_.insert(rdata_.end(), rdata.begin(), rdata.end());
    r.ttl = ttl;
    r.type = rrtype;
    recs_.push_back(r);
    return {};
}

size_t base32hex_decode(const uint8_t* in, size_t len, uint8_t* out, size_t cap) noexcept {
    uint32_t buf = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        uint8_t c = wire::lower(in[i]), v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'v') v = c - 'a' + 10;
        else return 0;
        buf = buf << 5 | v;
        bits += 5;
        if (bits >= 8) {
            if (n == cap) return 0;
            out[n++] = static_cast<uint8_t>(buf >> (bits - 8));
            bits -= 8;
        }
    }
    return n;
}

namespace detail {

// Collects the nodes of a zone from sorted records and indexes them in the
// zone's own open-addressing table as it goes.
class Assembler {
public:
    explicit Assembler(Zone& z) : z_(z) {}

    void reserve(size_t names_bytes, size_t records, size_t owners) {
        z_.names_.reserve(names_bytes);
        z_.rdatas_.reserve(records);
        z_.nodes_.reserve(owners + owners / 8);
        size_t cap = 16;
        while (cap < owners * 2) cap <<= 1;
        z_.index_.assign(cap, Zone::kEmpty);
        z_.index_mask_ = cap - 1;
    }

    // Creates the node for `owner` (and any missing ancestors); returns its id.
    uint32_t node_for(const uint8_t* owner, size_t len, bool indexed) {
        uint32_t off = static_cast<uint32_t>(z_.names_.size());
        z_.names_.insert(z_.names_.end(), owner, owner + len);
        for (size_t i = 0; i < len; ++i) z_.names_.push_back(wire::lower(owner[i]));
        uint32_t loff = off + static_cast<uint32_t>(len);
        // Owners arrive in canonical order, so the parent is on the stack of the
        // current path from the apex; missing ancestors become empty non-terminals.
        const uint8_t* l = z_.names_.data() + loff;
        while (!path_.empty() && !is_ancestor(path_.back(), l, len)) path_.pop_back();
        uint32_t parent = path_.empty() ? kNone : path_.back();
        if (parent != kNone) {
            size_t plen = z_.nodes_[parent].name_len;
            uint32_t chain[wire::kMaxLabels];
            size_t nchain = 0;
            for (size_t p = owner[0] + 1u; len - p > plen; p += owner[p] + 1u)
                chain[nchain++] = static_cast<uint32_t>(p);
            while (nchain > 0) {
                uint32_t p = chain[--nchain];
                parent = add_node(off + p, loff + p, static_cast<uint8_t>(len - p), parent, true);
                path_.push_back(parent);
            }
        }
        uint32_t id = add_node(off, loff, static_cast<uint8_t>(len), parent, indexed);
        path_.push_back(id);
        return id;
    }

    // True when node `a` is a strict ancestor of the lower-cased name l.
    bool is_ancestor(uint32_t a, const uint8_t* l, size_t len) const {
        const Node& n = z_.nodes_[a];
        if (n.name_len >= len) return false;
        const uint8_t* an = z_.names_.data() + n.lname;
        if (std::memcmp(l + (len - n.name_len), an, n.name_len) != 0) return false;
        // The suffix must start on a label boundary.
        size_t p = 0;
        while (p < len - n.name_len) p += l[p] + 1u;
        return p == len - n.name_len;
    }

private:
    uint32_t add_node(uint32_t name, uint32_t lname, uint8_t len, uint32_t parent, bool indexed) {
        Node n{};
        n.name = name;
        n.lname = lname;
        n.name_len = len;
        n.parent = parent;
        n.cut = kNone;
        n.wildcard = kNone;
        n.rrset_first = static_cast<uint32_t>(z_.rrsets_.size());
        const uint8_t* l = z_.names_.data() + lname;
        n.labels = static_cast<uint8_t>(wire::label_count(l));
        uint64_t h = wire::name_hash(l, len);
        uint32_t id = static_cast<uint32_t>(z_.nodes_.size());
        z_.nodes_.push_back(n);
        if (indexed) {
            if (++indexed_ * 2 > z_.index_.size()) grow();
            insert(id, h);
        }
        return id;
    }

    void insert(uint32_t id, uint64_t h) {
        size_t slot = h & z_.index_mask_;
        while (z_.index_[slot] != Zone::kEmpty) slot = (slot + 1) & z_.index_mask_;
        z_.index_[slot] = Zone::entry(h, id);
    }

    void grow() {
        std::vector<uint64_t> old = std::move(z_.index_);
        z_.index_.assign(old.size() * 2, Zone::kEmpty);
        z_.index_mask_ = z_.index_.size() - 1;
        for (uint64_t e : old) {
            if (e == Zone::kEmpty) continue;
            uint32_t id = static_cast<uint32_t>(e);
            const Node& n = z_.nodes_[id];
            insert(id, wire::name_hash(z_.names_.data() + n.lname, n.name_len));
        }
    }

    Zone& z_;
    size_t indexed_ = 0;
    std::vector<uint32_t> path_;
};

}  // namespace detail

namespace {

const uint8_t* rdata_target(uint16_t rrtype, const uint8_t* rd) {
    switch (rrtype) {
        case NS: return rd;
        case MX: return rd + 2;
        case SRV: return rd + 6;
        default: return nullptr;
    }
}

}  // namespace

Result<ZonePtr> Builder::build() {
    auto zp = std::shared_ptr<Zone>(new Zone());
    Zone& z = *zp;
    z.apex_ = apex_;
    z.lapex_ = apex_.lowercased();

    struct SortItem {
        uint64_t prefix;
        uint32_t index;
    };
    std::vector<SortItem> items(recs_.size());
    for (uint32_t i = 0; i < items.size(); ++i) items[i] = {recs_[i].prefix, i};
    const uint8_t* keys = keys_.data();
    std::sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
        if (a.prefix != b.prefix) return a.prefix < b.prefix;
        const Rec& x = recs_[a.index];
        const Rec& y = recs_[b.index];
        int c = std::memcmp(keys + x.key, keys + y.key, std::min(x.key_len, y.key_len));
        if (c) return c < 0;
        if (x.key_len != y.key_len) return x.key_len < y.key_len;
        if (x.type != y.type) return x.type < y.type;
        return a.index < b.index;
    });
    std::vector<uint32_t> order(items.size());
    size_t owners = 0;
    for (size_t i = 0; i < items.size(); ++i) {
        order[i] = items[i].index;
        const Rec& r = recs_[order[i]];
        if (i == 0 || r.key_len != recs_[order[i - 1]].key_len ||
            std::memcmp(keys + r.key, keys + recs_[order[i - 1]].key, r.key_len) != 0)
            ++owners;
    }
    items = {};
    if (order.empty() || !wire::name_equal(owners_.data() + recs_[order[0]].owner, apex_.data()))
        return make_error(Errc::semantic, "zone " + apex_.to_text() + " has no records at its apex");

    detail::Assembler as(z);
    as.reserve(owners_.size() * 2, recs_.size(), owners);
    z.data_.reserve(rdata_.size());
    std::vector<uint32_t> sigs;  // record indexes of the RRSIGs at the current node
    size_t soa_count = 0;

    auto push_rdata = [&](const Rec& r) {
        z.rdatas_.push_back({static_cast<uint32_t>(z.data_.size()), r.rdata_len});
        z.data_.insert(z.data_.end(), rdata_.data() + r.rdata, rdata_.data() + r.rdata + r.rdata_len);
    };
    auto same_rdata = [&](const Rec& a, uint32_t rdata_index) {
        const Rdata& d = z.rdatas_[rdata_index];
        return a.rdata_len == d.length &&
               std::memcmp(rdata_.data() + a.rdata, z.data_.data() + d.offset, d.length) == 0;
    };

    for (size_t i = 0; i < order.size();) {
        // One owner name: records [i, j).
        size_t j = i + 1;
        const Rec& first = recs_[order[i]];
        while (j < order.size()) {
            const Rec& r = recs_[order[j]];
            if (r.key_len != first.key_len ||
                std::memcmp(keys + r.key, keys + first.key, first.key_len) != 0)
                break;
            ++j;
        }
        bool only_nsec3 = true;
        for (size_t k = i; k < j; ++k) {
            const Rec& r = recs_[order[k]];
            if (r.type != NSEC3 && r.type != RRSIG) only_nsec3 = false;
        }
        const uint8_t* owner = owners_.data() + first.owner;
        bool is_apex = first.owner_len == apex_.size();
        // NSEC3 owners live outside the name tree, as in Knot: they are not names
        // of the zone that queries can match.
        bool nsec3_owner = only_nsec3 && !is_apex;
        uint32_t id = as.node_for(owner, first.owner_len, !nsec3_owner);
        Node& node = z.nodes_[id];
        node.rrset_first = static_cast<uint32_t>(z.rrsets_.size());
        sigs.clear();
        for (size_t k = i; k < j;) {
            const Rec& r = recs_[order[k]];
            if (r.type == RRSIG) {
                sigs.push_back(order[k]);
                ++k;
                continue;
            }
            if (r.type == SOA) {
                if (!is_apex)
                    return make_error(Errc::semantic, "SOA record at " + wire::to_text(owner) +
                                                          ", not at the apex");
                ++soa_count;
            }
            RRset rs{};
            rs.type = r.type;
            rs.ttl = r.ttl;
            rs.first = static_cast<uint32_t>(z.rdatas_.size());
            rs.sig_first = 0;
            size_t e = k;
            while (e < j && recs_[order[e]].type == r.type) ++e;
            std::unordered_set<std::string_view> seen;
            const bool big = e - k > 64;
            for (size_t m = k; m < e; ++m) {
                const Rec& x = recs_[order[m]];
                bool dup = false;
                if (big) {
                    dup = !seen.emplace(reinterpret_cast<const char*>(rdata_.data()) + x.rdata,
                                        x.rdata_len).second;
                } else {
                    for (uint32_t d = rs.first; d < z.rdatas_.size() && !dup; ++d)
                        dup = same_rdata(x, d);
                }
                if (!dup) push_rdata(x);
            }
            rs.count = static_cast<uint16_t>(z.rdatas_.size() - rs.first);
            if (z.rdatas_.size() - rs.first > 65535)
                return make_error(Errc::limit, "RRset larger than 65535 records");
            z.rrsets_.push_back(rs);
            k = e;
        }
        node.rrset_count = static_cast<uint16_t>(z.rrsets_.size() - node.rrset_first);
        // Attach each RRSIG to the RRset it covers; orphans are dropped.
        std::stable_sort(sigs.begin(), sigs.end(), [&](uint32_t a, uint32_t b) {
            return wire::get16(rdata_.data() + recs_[a].rdata) <
                   wire::get16(rdata_.data() + recs_[b].rdata);
        });
        for (size_t s = 0; s < sigs.size();) {
            uint16_t covered = wire::get16(rdata_.data() + recs_[sigs[s]].rdata);
            size_t e = s;
            while (e < sigs.size() && wire::get16(rdata_.data() + recs_[sigs[e]].rdata) == covered) ++e;
            for (uint32_t q = node.rrset_first; q < node.rrset_first + node.rrset_count; ++q) {
                if (z.rrsets_[q].type != covered) continue;
                z.rrsets_[q].sig_first = static_cast<uint32_t>(z.rdatas_.size());
                z.rrsets_[q].sig_ttl = recs_[sigs[s]].ttl;
                for (size_t m = s; m < e; ++m) push_rdata(recs_[sigs[m]]);
                z.rrsets_[q].sig_count = static_cast<uint16_t>(e - s);
            }
            s = e;
        }
        i = j;
    }
    if (const RRset* soa = z.rrset(z.nodes_[0], SOA)) soa_count = soa->count;  // distinct SOA RDATAs
    if (soa_count != 1)
        return make_error(Errc::semantic, "zone " + apex_.to_text() + " has " +
                                              std::to_string(soa_count) + " SOA records (needs 1)");

    // ---- precompute flags, cuts, wildcards ----
    for (uint32_t id = 0; id < z.nodes_.size(); ++id) {
        Node& n = z.nodes_[id];
        for (const RRset& rs : z.rrsets(n)) {
            if (rs.type == NS && id != 0) n.flags |= nf::delegation;
            if (rs.type == DNAME) n.flags |= nf::dname;
            if (rs.type == CNAME) n.flags |= nf::cname;
            if (rs.type == NSEC) n.flags |= nf::has_nsec;
            if (rs.type == SOA) z.soa_rrset_ = static_cast<uint32_t>(&rs - z.rrsets_.data());
        }
        if (id == 0) {
            n.flags |= nf::apex;
            continue;
        }
        const Node& p = z.nodes_[n.parent];
        n.cut = p.cut != kNone ? p.cut : ((p.flags & (nf::delegation | nf::dname)) ? n.parent : kNone);
        const uint8_t* on = z.names_.data() + n.lname;
        if (on[0] == 1 && on[1] == '*') z.nodes_[n.parent].wildcard = id;
    }
    {
        const Rdata& soa = z.rdatas_[z.rrsets_[z.soa_rrset_].first];
        const uint8_t* rd = z.data_.data() + soa.offset;
        size_t fixed = soa.length - 20;
        z.serial_ = wire::get32(rd + fixed);
        uint32_t minimum = wire::get32(rd + fixed + 16);
        z.negative_ttl_ = std::min(z.rrsets_[z.soa_rrset_].ttl, minimum);
    }

    // ---- additional-section targets ----
    z.targets_.assign(z.rdatas_.size(), kNone);
    uint8_t lbuf[wire::kMaxNameLen];
    for (const RRset& rs : z.rrsets_) {
        if (rs.type != NS && rs.type != MX && rs.type != SRV) continue;
        for (uint32_t d = rs.first; d < rs.first + rs.count; ++d) {
            const uint8_t* t = rdata_target(rs.type, z.data_.data() + z.rdatas_[d].offset);
            size_t len = wire::name_length(t);
            wire::to_lower(t, len, lbuf);
            z.targets_[d] = z.find(lbuf, len);
        }
    }

    // ---- DNSSEC chains ----
    if (const RRset* p = z.rrset(z.nodes_[0], NSEC3PARAM)) {
        for (uint32_t d = p->first; d < p->first + p->count; ++d) {
            const uint8_t* rd = z.data_.data() + z.rdatas_[d].offset;
            size_t len = z.rdatas_[d].length;
            if (len < 5 || len < 5u + rd[4]) continue;
            z.nsec3_params_.algorithm = rd[0];
            z.nsec3_params_.flags = rd[1];
            z.nsec3_params_.iterations = wire::get16(rd + 2);
            z.nsec3_params_.salt.assign(reinterpret_cast<const char*>(rd + 5), rd[4]);
            if (rd[1] == 0) break;
        }
    }
    for (uint32_t id = 0; id < z.nodes_.size(); ++id) {
        const Node& n = z.nodes_[id];
        if (n.flags & nf::has_nsec) z.nsec_nodes_.push_back(id);
        if (id != 0 && z.rrset(n, NSEC3) && n.parent == 0) {
            Zone::Nsec3Entry e{};
            const uint8_t* l = z.names_.data() + n.lname;
            e.hash_len = static_cast<uint8_t>(base32hex_decode(l + 1, l[0], e.hash.data(), e.hash.size()));
            e.node = id;
            if (e.hash_len) z.nsec3_.push_back(e);
        }
    }
    std::sort(z.nsec3_.begin(), z.nsec3_.end(), [](const auto& a, const auto& b) {
        return std::lexicographical_compare(a.hash.begin(), a.hash.begin() + a.hash_len,
                                            b.hash.begin(), b.hash.begin() + b.hash_len);
    });

    recs_ = {};
    owners_ = {};
    keys_ = {};
    rdata_ = {};
    return ZonePtr(std::move(zp));
}

}  // namespace dns::zone
