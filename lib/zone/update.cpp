#include "lib/zone/update.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/zone/builder.hpp"
#include "lib/zone/node_writer.hpp"

namespace dns::zone {

namespace t = wire::type;

namespace {

std::string lowered(const uint8_t* owner, size_t len) {
    std::string k(len, '\0');
    wire::to_lower(owner, len, reinterpret_cast<uint8_t*>(k.data()));
    return k;
}

bool is_wildcard(const uint8_t* lname) { return lname[0] == 1 && lname[1] == '*'; }

constexpr uint16_t kCutFlags = nf::delegation | nf::dname;

}  // namespace

Updater::Updater(ZonePtr base) : base_(std::move(base)) {}

Updater::Edit& Updater::edit_of(const uint8_t* owner, size_t len) {
    std::string key = lowered(owner, len);
    auto [it, fresh] = edits_.try_emplace(key);
    Edit& e = it->second;
    if (!fresh) return e;
    e.owner.assign(reinterpret_cast<const char*>(owner), len);
    const Zone& z = *base_;
    const auto* l = reinterpret_cast<const uint8_t*>(key.data());
    uint32_t id = z.find(l, len);
    if (id == kNone && z.nsec3_ && wire::label_count(l) == z.apex().labels() + 1) {
        // NSEC3 owners are not in the index; find them by their hash.
        uint8_t hash[20];
        size_t n = base32hex_decode(l + 1, l[0], hash, sizeof hash);
        bool exact = false;
        uint32_t c = n ? z.nsec3_for(hash, n, exact) : kNone;
        if (exact && z.node(c).name_len == len && std::memcmp(z.lowner(z.node(c)), l, len) == 0) {
            id = c;
            e.base_nsec3 = true;
        }
    }
    if (id == kNone) return e;
    e.base = id;
    const Node& n = z.node(id);
    e.owner.assign(reinterpret_cast<const char*>(z.owner(n)), len);
    z.for_each_record(n, [&](uint16_t type, uint32_t ttl, uint32_t d) {
        e.recs.push_back(
            {type, ttl,
             std::string(reinterpret_cast<const char*>(z.rdata_bytes(d)), z.rdata(d).length)});
    });
    e.base_records = e.recs.size();
    return e;
}

Result<void> Updater::remove(const uint8_t* owner, uint16_t rrtype,
                             std::span<const uint8_t> rdata) {
    size_t len = wire::name_length(owner);
    auto missing = [&] {
        return make_error(Errc::semantic, "removes " + wire::to_text(owner) + " " +
                                              wire::type_to_text(rrtype) +
                                              ", which the zone does not hold");
    };
    if (!wire::is_subdomain(owner, base_->apex().data())) return missing();
    Edit& e = edit_of(owner, len);
    auto it = std::find_if(e.recs.begin(), e.recs.end(), [&](const Rec& r) {
        return r.type == rrtype && r.rdata.size() == rdata.size() &&
               std::memcmp(r.rdata.data(), rdata.data(), rdata.size()) == 0;
    });
    if (it == e.recs.end()) return missing();
    e.recs.erase(it);
    if (rrtype == t::NSEC3PARAM) nsec3param_changed_ = true;
    return {};
}

Result<void> Updater::add(const uint8_t* owner, uint16_t rrtype, uint32_t ttl,
                          std::span<const uint8_t> rdata) {
    size_t len = wire::name_length(owner);
    if (!wire::is_subdomain(owner, base_->apex().data()))
        return make_error(Errc::semantic, "adds " + wire::to_text(owner) + ", outside the zone");
    if (rdata.size() > 65535 || !wire::rdata_well_formed(rrtype, rdata.data(), rdata.size()))
        return make_error(Errc::malformed, "malformed " + wire::type_to_text(rrtype) +
                                               " RDATA at " + wire::to_text(owner));
    if (wire::is_meta_type(rrtype))
        return make_error(Errc::semantic,
                          "meta type " + wire::type_to_text(rrtype) + " in zone data");
    if (rrtype == t::SOA && len != base_->apex().size())
        return make_error(Errc::semantic,
                          "SOA record at " + wire::to_text(owner) + ", not at the apex");
    Edit& e = edit_of(owner, len);
    for (const Rec& r : e.recs)
        if (r.type == rrtype && r.rdata.size() == rdata.size() &&
            std::memcmp(r.rdata.data(), rdata.data(), rdata.size()) == 0)
            return {};
    e.recs.push_back(
        {rrtype, ttl, std::string(reinterpret_cast<const char*>(rdata.data()), rdata.size())});
    if (rrtype == t::NSEC3PARAM) nsec3param_changed_ = true;
    return {};
}

Result<ZonePtr> Updater::rebuild(const Zone& from, bool apply_edits, std::string why) {
    rebuilt_ = std::move(why);
    Builder b(from.apex());
    std::unordered_set<uint32_t> skip;
    if (apply_edits)
        for (const auto& [key, e] : edits_)
            if (e.base != kNone) skip.insert(e.base);
    for (uint32_t id = 0; id < from.node_count(); ++id) {
        const Node& n = from.node(id);
        if ((n.flags & nf::removed) || skip.count(id)) continue;
        Result<void> r;
        from.for_each_record(n, [&](uint16_t type, uint32_t ttl, uint32_t d) {
            if (r)
                r = b.add(from.owner(n), type, wire::rrclass::IN, ttl,
                          {from.rdata_bytes(d), from.rdata(d).length});
        });
        if (!r) return r.error();
    }
    if (apply_edits) {
        for (const auto& [key, e] : edits_) {
            for (const Rec& rec : e.recs) {
                auto r =
                    b.add(reinterpret_cast<const uint8_t*>(e.owner.data()), rec.type,
                          wire::rrclass::IN, rec.ttl,
                          {reinterpret_cast<const uint8_t*>(rec.rdata.data()), rec.rdata.size()});
                if (!r) return r.error();
            }
        }
    }
    return b.build();
}

uint32_t Updater::new_node(Zone& z, detail::NodeWriter& w, const uint8_t* owner, size_t len,
                           uint32_t parent, bool indexed) {
    uint32_t off = w.append_name(owner, len);
    uint32_t id = w.add_node(off, off + static_cast<uint32_t>(len), static_cast<uint8_t>(len),
                             parent, indexed);
    if (is_wildcard(z.names_.ptr(z.nodes_[id].lname))) z.nodes_.mut(parent, z.token_).wildcard = id;
    born_.push_back(id);
    return id;
}

uint32_t Updater::revive(Zone& z, uint32_t id) {
    const uint64_t tok = z.token_;
    uint32_t parent = z.nodes_[id].parent;
    if (z.nodes_[parent].flags & nf::removed) revive(z, parent);
    Node& n = z.nodes_.mut(id, tok);
    n.flags = 0;
    n.rrset_count = 0;
    n.wildcard = kNone;
    ++z.children_.mut(parent, tok);
    if (is_wildcard(z.names_.ptr(n.lname))) z.nodes_.mut(parent, tok).wildcard = id;
    born_.push_back(id);
    return id;
}

uint32_t Updater::ensure_live(Zone& z, detail::NodeWriter& w, const uint8_t* lname, size_t len,
                              const uint8_t* owner) {
    uint32_t id = z.find_any(lname, len, wire::name_hash(lname, len));
    if (id != kNone) return (z.nodes_[id].flags & nf::removed) ? revive(z, id) : id;
    // A new name: its parent first (the apex always exists, so this ends).
    size_t skip = lname[0] + 1u;
    uint32_t parent = ensure_live(z, w, lname + skip, len - skip, owner + skip);
    return new_node(z, w, owner, len, parent, true);
}

void Updater::remove_node(Zone& z, uint32_t id) {
    // Removes the node, then each ancestor left empty and childless.
    const uint64_t tok = z.token_;
    while (id != Zone::apex_id()) {
        const Node& cur = z.nodes_[id];
        if ((cur.flags & nf::removed) || cur.rrset_count != 0 || z.children_[id] != 0) return;
        uint32_t parent = cur.parent;
        Node& n = z.nodes_.mut(id, tok);
        n.flags = nf::removed;
        n.wildcard = kNone;
        if (z.nodes_[parent].wildcard == id) z.nodes_.mut(parent, tok).wildcard = kNone;
        --z.children_.mut(parent, tok);
        id = parent;
    }
}

Result<ZonePtr> Updater::finish() {
    if (edits_.empty()) return base_;
    const Zone& base = *base_;
    if (nsec3param_changed_) return rebuild(base, true, "NSEC3PARAM changed");
    const size_t apex_labels = base.apex().labels();

    // Decide the cases done by a rebuild before touching anything.
    for (auto& [key, e] : edits_) {
        if (e.recs.empty()) continue;
        const bool is_apex = key.size() == base.lapex().size();
        // An NSEC3-only owner holds an NSEC3 and nothing but its signatures (as in the Builder).
        e.nsec3_owner = !is_apex && std::any_of(e.recs.begin(), e.recs.end(), [](const Rec& r) {
            return r.type == t::NSEC3;
        }) && std::all_of(e.recs.begin(), e.recs.end(), [](const Rec& r) {
            return r.type == t::NSEC3 || r.type == t::RRSIG;
        });
        const auto* l = reinterpret_cast<const uint8_t*>(key.data());
        if (e.base != kNone && e.nsec3_owner != e.base_nsec3)
            return rebuild(base, true, "a name became or stopped being an NSEC3-only owner");
        if (e.base == kNone && e.nsec3_owner &&
            (wire::label_count(l) != apex_labels + 1 ||
             base.find_any(l, key.size(), wire::name_hash(l, key.size())) != kNone))
            return rebuild(base, true, "an NSEC3 owner that is also a name of the zone");
    }

    auto zp = std::shared_ptr<Zone>(new Zone(base));
    Zone& z = *zp;
    z.token_ = detail::next_token();
    const uint64_t tok = z.token_;
    detail::NodeWriter writer(z);

    // 1. Nodes for the names that hold records.
    for (auto& [key, e] : edits_) {
        if (e.recs.empty()) {
            e.id = e.base;
            continue;
        }
        const auto* owner = reinterpret_cast<const uint8_t*>(e.owner.data());
        if (e.base != kNone) {
            e.id = e.base;
        } else if (e.nsec3_owner) {
            e.id = new_node(z, writer, owner, e.owner.size(), Zone::apex_id(), false);
        } else {
            e.id = ensure_live(z, writer, reinterpret_cast<const uint8_t*>(key.data()), key.size(),
                               owner);
        }
    }

    // 2. Their records: new RRsets and RDATA appended; the old become garbage.
    std::vector<detail::RecView> views;
    for (auto& [key, e] : edits_) {
        if (e.id == kNone) continue;
        if (e.base != kNone) {
            writer.retire_targets(base.node(e.base));
            z.records_ -= e.base_records;
            z.garbage_ += e.base_records;
        }
        std::vector<const Rec*> sorted;
        sorted.reserve(e.recs.size());
        for (const Rec& r : e.recs) sorted.push_back(&r);
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const Rec* a, const Rec* b) { return a->type < b->type; });
        views.clear();
        for (const Rec* r : sorted)
            views.push_back({r->type, r->ttl, reinterpret_cast<const uint8_t*>(r->rdata.data()),
                             static_cast<uint16_t>(r->rdata.size())});
        auto kept = writer.write(e.id, views);
        if (!kept) return kept.error();
        z.records_ += *kept;
    }

    // 3. Names left without records: removed, or empty non-terminals while they have children.
    for (auto& [key, e] : edits_)
        if (e.id != kNone && e.id != Zone::apex_id() && z.nodes_[e.id].rrset_count == 0)
            remove_node(z, e.id);

    // 4. Zone cuts. A name that became or stopped being a cut or DNAME owner
    //    changes the cut of every name below it; that is done in place only
    //    when all of those names are new.
    std::unordered_map<uint32_t, uint32_t> born_children;
    for (uint32_t id : born_) ++born_children[z.nodes_[id].parent];
    for (auto& [key, e] : edits_) {
        if (e.id == kNone) continue;
        uint16_t before = e.base != kNone ? base.node(e.base).flags & kCutFlags : 0;
        uint16_t after = z.nodes_[e.id].flags & kCutFlags;
        if (before != after && z.children_[e.id] > born_children[e.id])
            return rebuild(base, true, "a zone cut or DNAME changed above existing names");
    }
    std::vector<uint32_t> born = born_;
    std::sort(born.begin(), born.end(),
              [&](uint32_t a, uint32_t b) { return z.nodes_[a].labels < z.nodes_[b].labels; });
    for (uint32_t id : born) {
        if (z.nodes_[id].flags & nf::removed) continue;
        uint32_t parent = z.nodes_[id].parent;
        const Node& p = z.nodes_[parent];
        uint32_t cut = p.cut != kNone ? p.cut : ((p.flags & kCutFlags) ? parent : kNone);
        if (z.nodes_[id].cut != cut) z.nodes_.mut(id, tok).cut = cut;
    }

    // 5. DNSSEC chains, copied only when their membership changed.
    {
        std::vector<uint32_t> lost, gained;
        for (auto& [key, e] : edits_) {
            if (e.id == kNone) continue;
            bool before = e.base != kNone && (base.node(e.base).flags & nf::has_nsec);
            bool after = z.nodes_[e.id].flags & nf::has_nsec;
            if (before && !after) lost.push_back(e.id);
            if (!before && after) gained.push_back(e.id);
        }
        if (!lost.empty() || !gained.empty()) {
            std::vector<uint32_t> v;
            if (z.nsec_nodes_) v = *z.nsec_nodes_;
            std::unordered_set<uint32_t> drop(lost.begin(), lost.end());
            std::erase_if(v, [&](uint32_t id) { return drop.count(id) != 0; });
            auto less = [&](uint32_t a, uint32_t b) {
                return wire::canonical_compare(z.lowner(z.nodes_[a]), z.lowner(z.nodes_[b])) < 0;
            };
            std::sort(gained.begin(), gained.end(), less);
            std::vector<uint32_t> merged;
            merged.reserve(v.size() + gained.size());
            std::merge(v.begin(), v.end(), gained.begin(), gained.end(), std::back_inserter(merged),
                       less);
            z.nsec_nodes_ = merged.empty()
                                ? nullptr
                                : std::make_shared<const std::vector<uint32_t>>(std::move(merged));
        }
    }
    {
        std::vector<uint32_t> lost;
        std::vector<Zone::Nsec3Entry> gained;
        using detail::NodeWriter;
        for (auto& [key, e] : edits_) {
            if (e.id == kNone) continue;
            bool before = e.base != kNone && NodeWriter::in_nsec3_chain(base, e.base);
            bool after = NodeWriter::in_nsec3_chain(z, e.id);
            Zone::Nsec3Entry ent;
            if (before && !after) lost.push_back(e.id);
            if (!before && after && NodeWriter::nsec3_entry(z, e.id, ent)) gained.push_back(ent);
        }
        if (!lost.empty() || !gained.empty()) {
            std::vector<Zone::Nsec3Entry> v;
            if (z.nsec3_) v = *z.nsec3_;
            std::unordered_set<uint32_t> drop(lost.begin(), lost.end());
            std::erase_if(v, [&](const Zone::Nsec3Entry& x) { return drop.count(x.node) != 0; });
            v.insert(v.end(), gained.begin(), gained.end());
            std::sort(v.begin(), v.end(), Zone::nsec3_less);
            z.nsec3_ = v.empty()
                           ? nullptr
                           : std::make_shared<const std::vector<Zone::Nsec3Entry>>(std::move(v));
        }
    }

    // 6. Additional-section targets: the new RDATA, and old misses that a new name may resolve.
    {
        std::vector<std::pair<uint32_t, uint16_t>> unresolved;
        for (auto [d, type] : writer.new_targets()) writer.resolve_target(d, type, unresolved);
        bool changed = !unresolved.empty();
        if (z.unresolved_) {
            for (auto [d, type] : *z.unresolved_) {
                if (z.targets_[d] == kGarbage) {
                    changed = true;
                } else if (!born_.empty()) {
                    size_t before = unresolved.size();
                    writer.resolve_target(d, type, unresolved);
                    if (unresolved.size() == before) changed = true;
                } else {
                    unresolved.emplace_back(d, type);
                }
            }
        }
        if (changed)
            z.unresolved_ =
                unresolved.empty()
                    ? nullptr
                    : std::make_shared<const decltype(unresolved)>(std::move(unresolved));
    }

    if (auto soa = writer.read_soa(); !soa) return soa.error();
    z.token_ = 0;
    if (z.garbage_ > z.records_ / 4 + 256) return rebuild(z, false, "garbage collection");
    return ZonePtr(std::move(zp));
}

}  // namespace dns::zone
