#include "lib/zone/builder.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_set>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/zone/node_writer.hpp"

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

Result<void> Builder::add(const uint8_t* owner_wire, uint16_t rrtype, uint16_t rrclass,
                          uint32_t ttl, std::span<const uint8_t> rdata) {
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
        return make_error(Errc::semantic,
                          "meta type " + wire::type_to_text(rrtype) + " in zone data");
    if (limits_.max_records && recs_.size() >= limits_.max_records)
        return make_error(Errc::limit,
                          "zone exceeds " + std::to_string(limits_.max_records) + " records");
    bytes_ += owner.size() + rdata.size();
    if (limits_.max_bytes && bytes_ > limits_.max_bytes)
        return make_error(Errc::limit,
                          "zone exceeds " + std::to_string(limits_.max_bytes) + " bytes");

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
    for (size_t p = 0; owner.data()[p]; p += owner.data()[p] + 1u)
        offs[n++] = static_cast<uint8_t>(p);
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
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'v')
            v = c - 'a' + 10;
        else
            return 0;
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
    Assembler(Zone& z, NodeWriter& w) : z_(z), w_(w), tok_(z.token_) {}

    void reserve(size_t names_bytes, size_t records, size_t owners) {
        z_.names_.reserve(names_bytes, tok_);
        z_.rdatas_.reserve(records, tok_);
        z_.nodes_.reserve(owners + owners / 8, tok_);
        size_t cap = 16;
        while (cap < owners * 2) cap <<= 1;
        z_.index_.assign(cap, Zone::kEmpty, tok_);
        z_.index_mask_ = cap - 1;
    }

    // Creates the node for `owner` (and any missing ancestors); returns its id.
    uint32_t node_for(const uint8_t* owner, size_t len, bool indexed) {
        uint32_t off = w_.append_name(owner, len);
        uint32_t loff = off + static_cast<uint32_t>(len);
        // Owners arrive in canonical order, so the parent is on the stack of the
        // current path from the apex; missing ancestors become empty non-terminals.
        const uint8_t* l = z_.names_.ptr(loff);
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
                parent =
                    w_.add_node(off + p, loff + p, static_cast<uint8_t>(len - p), parent, true);
                path_.push_back(parent);
            }
        }
        uint32_t id = w_.add_node(off, loff, static_cast<uint8_t>(len), parent, indexed);
        path_.push_back(id);
        return id;
    }

    // True when node `a` is a strict ancestor of the lower-cased name l.
    bool is_ancestor(uint32_t a, const uint8_t* l, size_t len) const {
        const Node& n = z_.nodes_[a];
        if (n.name_len >= len) return false;
        const uint8_t* an = z_.names_.ptr(n.lname);
        if (std::memcmp(l + (len - n.name_len), an, n.name_len) != 0) return false;
        // The suffix must start on a label boundary.
        size_t p = 0;
        while (p < len - n.name_len) p += l[p] + 1u;
        return p == len - n.name_len;
    }

  private:
    Zone& z_;
    NodeWriter& w_;
    const uint64_t tok_;
    std::vector<uint32_t> path_;
};

}  // namespace detail

const uint8_t* detail::rdata_target(uint16_t rrtype, const uint8_t* rd) noexcept {
    switch (rrtype) {
        case NS:
            return rd;
        case MX:
            return rd + 2;
        case SRV:
            return rd + 6;
        default:
            return nullptr;
    }
}

namespace detail {

uint32_t NodeWriter::append_name(const uint8_t* owner, size_t len) {
    uint32_t off = static_cast<uint32_t>(z_.names_.append_run(2 * len, z_.token_));
    uint8_t* w = &z_.names_.mut(off, z_.token_);
    std::memcpy(w, owner, len);
    wire::to_lower(owner, len, w + len);
    return off;
}

uint32_t NodeWriter::add_node(uint32_t name, uint32_t lname, uint8_t len, uint32_t parent,
                              bool indexed) {
    const uint64_t tok = z_.token_;
    Node n{};
    n.name = name;
    n.lname = lname;
    n.name_len = len;
    n.parent = parent;
    n.cut = kNone;
    n.wildcard = kNone;
    n.rrset_first = static_cast<uint32_t>(z_.rrsets_.size());
    const uint8_t* l = z_.names_.ptr(lname);
    n.labels = static_cast<uint8_t>(wire::label_count(l));
    uint32_t id = static_cast<uint32_t>(z_.nodes_.size());
    z_.nodes_.push_back(n, tok);
    z_.children_.push_back(0, tok);
    if (parent != kNone) ++z_.children_.mut(parent, tok);
    if (indexed) z_.index_insert(id, wire::name_hash(l, len));
    return id;
}

bool NodeWriter::in_nsec3_chain(const Zone& z, uint32_t id) {
    const Node& n = z.nodes_[id];
    return id != Zone::apex_id() && !(n.flags & nf::removed) && n.parent == Zone::apex_id() &&
           z.rrset(n, NSEC3) != nullptr;
}

bool NodeWriter::nsec3_entry(const Zone& z, uint32_t id, Zone::Nsec3Entry& out) {
    const uint8_t* l = z.names_.ptr(z.nodes_[id].lname);
    out = {};
    out.hash_len =
        static_cast<uint8_t>(base32hex_decode(l + 1, l[0], out.hash.data(), out.hash.size()));
    out.node = id;
    return out.hash_len != 0;
}

uint32_t NodeWriter::push_rdata(const RecView& r) {
    const uint64_t tok = z_.token_;
    uint32_t off = static_cast<uint32_t>(z_.data_.append(r.rdata, r.len, tok));
    uint32_t d = static_cast<uint32_t>(z_.rdatas_.size());
    z_.rdatas_.push_back({off, r.len}, tok);
    z_.targets_.push_back(kNone, tok);
    return d;
}

Result<size_t> NodeWriter::write(uint32_t id, std::span<const RecView> recs) {
    const uint64_t tok = z_.token_;
    const bool is_apex = id == Zone::apex_id();
    // RRSIGs over a type the name has are attached to that RRset; the others
    // ("orphans", e.g. left by a half-applied change) are kept as data in an
    // RRset of type RRSIG, as Knot DNS and NSD keep and serve them.
    auto covers_present = [&](const RecView& sig) {
        uint16_t covered = wire::get16(sig.rdata);
        return std::any_of(recs.begin(), recs.end(),
                           [&](const RecView& r) { return r.type == covered; });
    };
    size_t types = 0;
    bool orphans = false;
    for (size_t k = 0; k < recs.size(); ++k) {
        if (recs[k].type == SOA && !is_apex)
            return make_error(
                Errc::semantic,
                "SOA record at " + wire::to_text(z_.owner(z_.nodes_[id])) + ", not at the apex");
        if (recs[k].type == RRSIG) {
            orphans = orphans || !covers_present(recs[k]);
        } else if (k == 0 || recs[k].type != recs[k - 1].type) {
            ++types;
        }
    }
    if (orphans) ++types;
    if (types > decltype(z_.rrsets_)::kChunk)
        return make_error(Errc::limit, "more than " + std::to_string(decltype(z_.rrsets_)::kChunk) +
                                           " types at " + wire::to_text(z_.owner(z_.nodes_[id])));
    const uint32_t first = types ? static_cast<uint32_t>(z_.rrsets_.append_run(types, tok))
                                 : static_cast<uint32_t>(z_.rrsets_.size());
    size_t kept = 0;
    uint32_t q = first;
    // One RRset from records of one type (duplicate RDATA dropped).
    auto put_rrset = [&](std::span<const RecView> group) -> Result<void> {
        RRset rs{};
        rs.type = group[0].type;
        // RRs of one RRset with different TTLs: all take the lowest (RFC 2181 §5.2).
        rs.ttl =
            std::min_element(group.begin(), group.end(), [](const RecView& a, const RecView& b) {
                return a.ttl < b.ttl;
            })->ttl;
        rs.first = static_cast<uint32_t>(z_.rdatas_.size());
        auto same = [&](const RecView& x, uint32_t d) {
            const Rdata& rd = z_.rdatas_[d];
            // Empty RDATA may come with a null pointer: memcmp must not see it.
            return x.len == rd.length &&
                   (x.len == 0 || std::memcmp(x.rdata, z_.data_.ptr(rd.offset), x.len) == 0);
        };
        std::unordered_set<std::string_view> seen;
        const bool big = group.size() > 64;
        for (const RecView& x : group) {
            bool dup = false;
            if (big) {
                dup = !seen.emplace(reinterpret_cast<const char*>(x.rdata), x.len).second;
            } else {
                for (uint32_t d = rs.first; d < z_.rdatas_.size() && !dup; ++d) dup = same(x, d);
            }
            if (dup) continue;
            uint32_t d = push_rdata(x);
            if (rdata_target(x.type, x.rdata)) new_targets_.emplace_back(d, x.type);
        }
        if (z_.rdatas_.size() - rs.first > 65535)
            return make_error(Errc::limit, "RRset larger than 65535 records");
        rs.count = static_cast<uint16_t>(z_.rdatas_.size() - rs.first);
        kept += rs.count;
        z_.rrsets_.mut(q++, tok) = rs;
        return {};
    };
    sigs_.clear();
    orphans_.clear();
    for (size_t k = 0; k < recs.size();) {
        size_t e = k;
        while (e < recs.size() && recs[e].type == recs[k].type) ++e;
        if (recs[k].type == RRSIG) {
            for (size_t m = k; m < e; ++m) {
                if (covers_present(recs[m]))
                    sigs_.push_back(static_cast<uint32_t>(m));
                else
                    orphans_.push_back(recs[m]);
            }
            if (!orphans_.empty())
                if (auto r = put_rrset(orphans_); !r) return r.error();
        } else if (auto r = put_rrset(recs.subspan(k, e - k)); !r) {
            return r.error();
        }
        k = e;
    }
    Node& node = z_.nodes_.mut(id, tok);
    node.rrset_first = first;
    node.rrset_count = static_cast<uint16_t>(types);
    // Attach each RRSIG to the RRset it covers.
    std::stable_sort(sigs_.begin(), sigs_.end(), [&](uint32_t a, uint32_t b) {
        return wire::get16(recs[a].rdata) < wire::get16(recs[b].rdata);
    });
    for (size_t s = 0; s < sigs_.size();) {
        uint16_t covered = wire::get16(recs[sigs_[s]].rdata);
        size_t e = s;
        while (e < sigs_.size() && wire::get16(recs[sigs_[e]].rdata) == covered) ++e;
        for (uint32_t i = first; i < first + types; ++i) {
            if (z_.rrsets_[i].type != covered) continue;
            RRset& rs = z_.rrsets_.mut(i, tok);
            rs.sig_first = static_cast<uint32_t>(z_.rdatas_.size());
            rs.sig_ttl = recs[sigs_[s]].ttl;
            for (size_t m = s; m < e; ++m) push_rdata(recs[sigs_[m]]);
            rs.sig_count = static_cast<uint16_t>(e - s);
            kept += e - s;
        }
        s = e;
    }
    uint16_t flags = node.flags & nf::apex;
    for (uint32_t i = first; i < first + types; ++i) {
        uint16_t type = z_.rrsets_[i].type;
        if (type == NS && !is_apex) flags |= nf::delegation;
        if (type == DNAME) flags |= nf::dname;
        if (type == CNAME) flags |= nf::cname;
        if (type == NSEC) flags |= nf::has_nsec;
    }
    node.flags = flags;
    return kept;
}

void NodeWriter::resolve_target(uint32_t d, uint16_t rrtype,
                                std::vector<std::pair<uint32_t, uint16_t>>& unresolved) {
    const uint8_t* t = rdata_target(rrtype, z_.data_.ptr(z_.rdatas_[d].offset));
    size_t len = wire::name_length(t);
    uint8_t lbuf[wire::kMaxNameLen];
    wire::to_lower(t, len, lbuf);
    uint32_t id = z_.find(lbuf, len);
    if (id != z_.targets_[d]) z_.targets_.mut(d, z_.token_) = id;
    if (id == kNone && wire::is_subdomain(lbuf, z_.lapex_.data()))
        unresolved.emplace_back(d, rrtype);
}

void NodeWriter::retire_targets(const Node& old) {
    for (const RRset& rs : z_.rrsets(old)) {
        if (rs.type != NS && rs.type != MX && rs.type != SRV) continue;
        for (uint32_t d = rs.first; d < rs.first + rs.count; ++d)
            z_.targets_.mut(d, z_.token_) = kGarbage;
    }
}

Result<void> NodeWriter::read_soa() {
    const Node& apex = z_.nodes_[Zone::apex_id()];
    const RRset* soa = z_.rrset(apex, SOA);
    size_t count = soa ? soa->count : 0;  // distinct SOA RDATAs
    if (count != 1)
        return make_error(Errc::semantic, "zone " + z_.apex_.to_text() + " has " +
                                              std::to_string(count) + " SOA records (needs 1)");
    z_.soa_rrset_ =
        static_cast<uint32_t>(soa - z_.rrsets_.ptr(apex.rrset_first)) + apex.rrset_first;
    const Rdata& rd = z_.rdatas_[soa->first];
    const uint8_t* p = z_.data_.ptr(rd.offset);
    size_t fixed = rd.length - 20;
    z_.serial_ = wire::get32(p + fixed);
    z_.soa_expire_ = wire::get32(p + fixed + 12);
    uint32_t minimum = wire::get32(p + fixed + 16);
    z_.negative_ttl_ = std::min(soa->ttl, minimum);
    return {};
}

void read_nsec3_params(const Zone& z, Nsec3Params& out) {
    out = {};
    const RRset* p = z.rrset(z.node(Zone::apex_id()), NSEC3PARAM);
    if (!p) return;
    for (uint32_t d = p->first; d < p->first + p->count; ++d) {
        const uint8_t* rd = z.rdata_bytes(d);
        size_t len = z.rdata(d).length;
        if (len < 5 || len < 5u + rd[4]) continue;
        out.algorithm = rd[0];
        out.flags = rd[1];
        out.iterations = wire::get16(rd + 2);
        out.salt.assign(reinterpret_cast<const char*>(rd + 5), rd[4]);
        if (rd[1] == 0) break;
    }
}

}  // namespace detail

Result<ZonePtr> Builder::build() {
    auto zp = std::shared_ptr<Zone>(new Zone());
    Zone& z = *zp;
    z.token_ = detail::next_token();
    const uint64_t tok = z.token_;
    z.apex_ = apex_;
    z.lapex_ = apex_.lowercased();

    struct SortItem {
        uint64_t prefix;
        uint32_t index;
    };
    std::vector<SortItem> items(recs_.size());
    for (uint32_t i = 0; i < items.size(); ++i) items[i] = {recs_[i].prefix, i};
    // Apex records have empty keys; keep one byte so the key pointers are never null.
    if (keys_.empty()) keys_.push_back(0);
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
        return make_error(Errc::semantic,
                          "zone " + apex_.to_text() + " has no records at its apex");

    detail::NodeWriter writer(z);
    detail::Assembler as(z, writer);
    as.reserve(owners_.size() * 2, recs_.size(), owners);
    z.data_.reserve(rdata_.size(), tok);
    z.targets_.reserve(recs_.size(), tok);
    std::vector<detail::RecView> views;

    for (size_t i = 0; i < order.size();) {
        // One owner name: records [i, j), sorted by type.
        size_t j = i + 1;
        const Rec& first = recs_[order[i]];
        while (j < order.size()) {
            const Rec& r = recs_[order[j]];
            if (r.key_len != first.key_len ||
                std::memcmp(keys + r.key, keys + first.key, first.key_len) != 0)
                break;
            ++j;
        }
        bool only_nsec3 = true, any_nsec3 = false;
        views.clear();
        for (size_t k = i; k < j; ++k) {
            const Rec& r = recs_[order[k]];
            if (r.type != NSEC3 && r.type != RRSIG) only_nsec3 = false;
            any_nsec3 = any_nsec3 || r.type == NSEC3;
            views.push_back({r.type, r.ttl, rdata_.data() + r.rdata, r.rdata_len});
        }
        const uint8_t* owner = owners_.data() + first.owner;
        bool is_apex = first.owner_len == apex_.size();
        // NSEC3 owners live outside the name tree, as in Knot: they are not names
        // of the zone that queries can match.
        bool nsec3_owner = only_nsec3 && any_nsec3 && !is_apex;
        uint32_t id = as.node_for(owner, first.owner_len, !nsec3_owner);
        auto kept = writer.write(id, views);
        if (!kept) return kept.error();
        z.records_ += *kept;
        i = j;
    }
    if (auto soa = writer.read_soa(); !soa) return soa.error();

    // ---- cuts and wildcards (parents come before their children) ----
    z.nodes_.mut(Zone::apex_id(), tok).flags |= nf::apex;
    for (uint32_t id = 1; id < z.nodes_.size(); ++id) {
        Node& n = z.nodes_.mut(id, tok);
        const Node& p = z.nodes_[n.parent];
        n.cut =
            p.cut != kNone ? p.cut : ((p.flags & (nf::delegation | nf::dname)) ? n.parent : kNone);
        const uint8_t* on = z.names_.ptr(n.lname);
        if (on[0] == 1 && on[1] == '*') z.nodes_.mut(n.parent, tok).wildcard = id;
    }

    // ---- additional-section targets ----
    std::vector<std::pair<uint32_t, uint16_t>> unresolved;
    for (auto [d, type] : writer.new_targets()) writer.resolve_target(d, type, unresolved);
    if (!unresolved.empty())
        z.unresolved_ = std::make_shared<const decltype(unresolved)>(std::move(unresolved));

    // ---- DNSSEC chains ----
    detail::read_nsec3_params(z, z.nsec3_params_);
    std::vector<uint32_t> nsec_nodes;
    std::vector<Zone::Nsec3Entry> nsec3;
    for (uint32_t id = 0; id < z.nodes_.size(); ++id) {
        const Node& n = z.nodes_[id];
        if (n.flags & nf::has_nsec) nsec_nodes.push_back(id);
        Zone::Nsec3Entry e;
        if (detail::NodeWriter::in_nsec3_chain(z, id) && detail::NodeWriter::nsec3_entry(z, id, e))
            nsec3.push_back(e);
    }
    std::sort(nsec3.begin(), nsec3.end(), Zone::nsec3_less);
    if (!nsec_nodes.empty())
        z.nsec_nodes_ = std::make_shared<const std::vector<uint32_t>>(std::move(nsec_nodes));
    if (!nsec3.empty())
        z.nsec3_ = std::make_shared<const std::vector<Zone::Nsec3Entry>>(std::move(nsec3));

    recs_ = {};
    owners_ = {};
    keys_ = {};
    rdata_ = {};
    z.token_ = 0;  // published: never written again
    return ZonePtr(std::move(zp));
}

}  // namespace dns::zone
