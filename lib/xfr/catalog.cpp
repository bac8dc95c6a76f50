#include "lib/xfr/catalog.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string_view>

#include "lib/wire/rrtype.hpp"
#include "lib/zone/builder.hpp"

namespace dns::xfr {

namespace t = wire::type;

Result<std::vector<CatalogMember>> catalog_members(const zone::Zone& cat) {
    const wire::Name& apex = cat.apex();
    auto version_name = apex.prepend("version");
    auto zones_name = apex.prepend("zones");
    if (!version_name || !zones_name) return make_error(Errc::bad_name, "catalog name too long");
    auto lower = [](const wire::Name& n) { return n.lowercased(); };
    wire::Name vl = lower(*version_name), zl = lower(*zones_name);
    uint32_t vid = cat.find(vl.data(), vl.size());
    const zone::RRset* txt = vid == zone::kNone ? nullptr : cat.rrset(cat.node(vid), t::TXT);
    if (!txt)
        return make_error(Errc::semantic,
                          "catalog " + apex.to_text() + " has no version TXT record");
    bool v2 = false;
    for (uint32_t d = txt->first; d < txt->first + txt->count; ++d) {
        const uint8_t* rd = cat.rdata_bytes(d);
        if (cat.rdata(d).length == 2 && rd[0] == 1 && rd[1] == '2') v2 = true;
    }
    if (!v2)
        return make_error(Errc::unsupported, "catalog " + apex.to_text() + " is not version 2");

    std::vector<CatalogMember> out;
    uint32_t zid = cat.find(zl.data(), zl.size());
    if (zid == zone::kNone) return out;  // an empty catalog
    const uint32_t zones_labels = cat.node(zid).labels;
    std::map<uint32_t, size_t> member_of;  // member node -> index in out
    for (uint32_t id = 0; id < cat.node_count(); ++id) {
        const zone::Node& n = cat.node(id);
        if (n.parent != zid || n.labels != zones_labels + 1 || (n.flags & zone::nf::removed))
            continue;
        const zone::RRset* ptr = cat.rrset(n, t::PTR);
        if (!ptr || ptr->count != 1) continue;
        const uint8_t* owner = cat.owner(n);
        auto member = wire::Name::from_wire_checked(
            {cat.rdata_bytes(ptr->first), cat.rdata(ptr->first).length});
        if (!member) continue;
        member_of[id] = out.size();
        out.push_back(
            {std::string(reinterpret_cast<const char*>(owner + 1), owner[0]), *member, {}, {}, {}});
    }
    // Properties (RFC 9432 §4.4): coo and group right below a member, custom
    // ones below its "ext" label.
    auto first_label = [&](const zone::Node& n) {
        const uint8_t* l = cat.lowner(n);
        return std::string_view(reinterpret_cast<const char*>(l + 1), l[0]);
    };
    auto txt_strings = [&](const zone::Node& n, std::vector<std::string>& into) {
        const zone::RRset* txt = cat.rrset(n, t::TXT);
        if (!txt) return;
        for (uint32_t d = txt->first; d < txt->first + txt->count; ++d) {
            const uint8_t* rd = cat.rdata_bytes(d);
            const size_t len = cat.rdata(d).length;
            for (size_t p = 0; p < len && p + 1 + rd[p] <= len; p += 1u + rd[p])
                into.emplace_back(reinterpret_cast<const char*>(rd + p + 1), rd[p]);
        }
    };
    for (uint32_t id = 0; id < cat.node_count(); ++id) {
        const zone::Node& n = cat.node(id);
        if (n.flags & zone::nf::removed || n.parent == zone::kNone) continue;
        if (n.labels == zones_labels + 2) {
            auto m = member_of.find(n.parent);
            if (m == member_of.end()) continue;
            CatalogMember& member = out[m->second];
            std::string_view label = first_label(n);
            if (label == "coo") {
                const zone::RRset* ptr = cat.rrset(n, t::PTR);
                if (ptr && ptr->count == 1)
                    if (auto c = wire::Name::from_wire_checked(
                            {cat.rdata_bytes(ptr->first), cat.rdata(ptr->first).length}))
                        member.coo = *c;
            } else if (label == "group") {
                txt_strings(n, member.groups);
            }
        } else if (n.labels == zones_labels + 3) {
            const zone::Node& parent = cat.node(n.parent);
            if (first_label(parent) != "ext") continue;
            auto m = member_of.find(parent.parent);
            if (m == member_of.end()) continue;
            txt_strings(n, out[m->second].ext[std::string(first_label(n))]);
        }
    }
    return out;
}

std::optional<CatalogDelta> catalog_delta(const zone::Zone& cat, std::span<const Diff> diffs) {
    auto version_name = cat.lapex().prepend("version");
    auto zones_name = cat.lapex().prepend("zones");
    if (!version_name || !zones_name) return std::nullopt;
    const size_t zones_labels = zones_name->labels();
    // The member entries touched: the label right below zones.<catalog>
    // (lower-cased), and the zones their removed PTRs listed.
    std::map<std::string, std::vector<wire::Name>> touched;
    auto look = [&](const Record& r, bool removed) {
        auto owner = wire::Name::from_wire_checked(
            {reinterpret_cast<const uint8_t*>(r.owner.data()), r.owner.size()});
        if (!owner) return false;
        const wire::Name o = owner->lowercased();  // entries are found by lower-cased label
        if (o == cat.lapex()) return true;         // SOA, NS: not about members
        if (o == *version_name) return false;
        if (!o.is_subdomain_of(*zones_name)) return false;
        const size_t labels = o.labels();
        if (labels == zones_labels) return true;  // zones.<catalog> itself: no meaning
        const uint8_t* l = o.data();              // the label just below zones.<catalog>
        for (size_t skip = labels - zones_labels - 1; skip > 0; --skip) l += 1 + l[0];
        auto& zones = touched[std::string(reinterpret_cast<const char*>(l + 1), l[0])];
        if (removed && labels == zones_labels + 1 && r.type == t::PTR)
            if (auto m = wire::Name::from_wire_checked(
                    {reinterpret_cast<const uint8_t*>(r.rdata.data()), r.rdata.size()}))
                zones.push_back(*m);
        return true;
    };
    for (const Diff& d : diffs) {
        for (const Record& r : d.removed)
            if (!look(r, true)) return std::nullopt;
        for (const Record& r : d.added)
            if (!look(r, false)) return std::nullopt;
    }
    CatalogDelta out;
    auto single_ptr = [&](const wire::Name& at) -> std::optional<wire::Name> {
        uint32_t id = cat.find(at.data(), at.size());
        if (id == zone::kNone || (cat.node(id).flags & zone::nf::removed)) return std::nullopt;
        const zone::RRset* ptr = cat.rrset(cat.node(id), t::PTR);
        if (!ptr || ptr->count != 1) return std::nullopt;
        auto n = wire::Name::from_wire_checked(
            {cat.rdata_bytes(ptr->first), cat.rdata(ptr->first).length});
        return n ? std::optional<wire::Name>(*n) : std::nullopt;
    };
    for (const auto& [label, was] : touched) {
        auto entry = zones_name->prepend(label);
        if (!entry) continue;
        std::optional<wire::Name> now = single_ptr(*entry);
        if (now) {
            CatalogMember m{label, *now, {}, {}, {}};
            if (auto coo = entry->prepend("coo")) m.coo = single_ptr(*coo);
            out.listed.push_back(std::move(m));
        }
        for (const auto& z : was)
            if (!now || !(z == *now)) out.unlisted.push_back(z);
    }
    // A member that moved to another entry is still listed.
    std::erase_if(out.unlisted, [&](const wire::Name& z) {
        return std::any_of(out.listed.begin(), out.listed.end(),
                           [&](const CatalogMember& m) { return m.zone == z; });
    });
    return out;
}

}  // namespace dns::xfr

// ---- producer ----

namespace dns::xfr {

namespace {

std::string wire_of(const wire::Name& n) {
    return std::string(reinterpret_cast<const char*>(n.data()), n.size());
}

std::string soa_rdata(uint32_t serial) {
    // invalid. invalid. SERIAL 60 10 2419200 0: refresh often, the members' data is elsewhere.
    std::string rd("\x07invalid\x00\x07invalid\x00", 18);
    for (uint32_t v : {serial, 60u, 10u, 2419200u, 0u})
        for (int i = 3; i >= 0; --i) rd.push_back(static_cast<char>(v >> (8 * i)));
    return rd;
}

std::string txt_rdata(const std::string& s) {
    std::string rd;
    for (size_t i = 0; i < s.size() || i == 0; i += 255) {
        std::string part = s.substr(i, 255);
        rd.push_back(static_cast<char>(part.size()));
        rd += part;
        if (s.empty()) break;
    }
    return rd;
}

std::string key_of(const Record& r) {
    return r.owner + '\0' + std::to_string(r.type) + '\0' + r.rdata;
}

}  // namespace

std::string member_id(const wire::Name& zone) {
    const wire::Name l = zone.lowercased();
    uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bits
    for (size_t i = 0; i < l.size(); ++i) h = (h ^ l.data()[i]) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

Result<std::vector<Record>> member_records(const wire::Name& apex, const CatalogMember& m) {
    const std::string id = m.id.empty() ? member_id(m.zone) : m.id;
    auto zones = apex.prepend("zones");
    if (!zones) return zones.error();
    auto base = zones->prepend(id);
    if (!base)
        return make_error(Errc::bad_name,
                          "member " + m.zone.to_text() + ": " + base.error().message);
    std::vector<Record> out;
    out.push_back({wire_of(*base), wire::type::PTR, 0, wire_of(m.zone)});
    for (const auto& g : m.groups) {
        auto owner = base->prepend("group");
        if (!owner) return owner.error();
        out.push_back({wire_of(*owner), wire::type::TXT, 0, txt_rdata(g)});
    }
    if (m.coo) {
        auto owner = base->prepend("coo");
        if (!owner) return owner.error();
        out.push_back({wire_of(*owner), wire::type::PTR, 0, wire_of(*m.coo)});
    }
    if (!m.ext.empty()) {
        auto ext = base->prepend("ext");
        if (!ext) return ext.error();
        for (const auto& [label, values] : m.ext) {
            auto owner = ext->prepend(label);
            if (!owner)
                return make_error(Errc::bad_name,
                                  "ext property '" + label + "': " + owner.error().message);
            for (const auto& v : values)
                out.push_back({wire_of(*owner), wire::type::TXT, 0, txt_rdata(v)});
        }
    }
    return out;
}

Result<zone::ZonePtr> build_catalog(const wire::Name& apex, uint32_t serial,
                                    const std::vector<CatalogMember>& members) {
    zone::Builder b(apex);
    auto add = [&](const std::string& owner, uint16_t type, uint32_t ttl, const std::string& rd) {
        return b.add(reinterpret_cast<const uint8_t*>(owner.data()), type, wire::rrclass::IN, ttl,
                     {reinterpret_cast<const uint8_t*>(rd.data()), rd.size()});
    };
    auto version = apex.prepend("version");
    if (!version) return version.error();
    if (auto r = add(wire_of(apex), wire::type::SOA, 0, soa_rdata(serial)); !r) return r.error();
    if (auto r = add(wire_of(apex), wire::type::NS, 0, std::string("\x07invalid\x00", 9)); !r)
        return r.error();
    if (auto r = add(wire_of(*version), wire::type::TXT, 0,
                     std::string("\x01"
                                 "2",
                                 2));
        !r)
        return r.error();
    std::map<std::string, std::string> seen_ids, seen_zones;
    for (const auto& m : members) {
        const std::string id = m.id.empty() ? member_id(m.zone) : m.id;
        const std::string zkey = m.zone.lowercased().to_text();
        if (!seen_zones.emplace(zkey, id).second)
            return make_error(Errc::semantic,
                              "zone " + zkey + " listed twice in catalog " + apex.to_text());
        if (!seen_ids.emplace(id, zkey).second)
            return make_error(Errc::semantic,
                              "member label " + id + " used twice in catalog " + apex.to_text());
        auto recs = member_records(apex, m);
        if (!recs) return recs.error();
        for (const auto& r : *recs)
            if (auto a = add(r.owner, r.type, r.ttl, r.rdata); !a) return a.error();
    }
    return b.build();
}

Result<CatalogChange> change_catalog(const zone::ZonePtr& before,
                                     const std::vector<CatalogMember>& old_members,
                                     const std::vector<CatalogMember>& members, uint32_t serial) {
    const wire::Name& apex = before->apex();
    // The records of every member, old and new, by record identity.
    auto records =
        [&](const std::vector<CatalogMember>& list) -> Result<std::map<std::string, Record>> {
        std::map<std::string, Record> out;
        for (const auto& m : list) {
            auto recs = member_records(apex, m);
            if (!recs) return recs.error();
            for (auto& r : *recs) out.emplace(key_of(r), std::move(r));
        }
        return out;
    };
    auto a = records(old_members);
    if (!a) return a.error();
    auto b = records(members);
    if (!b) return b.error();
    CatalogChange c;
    c.diff.from = before->serial();
    c.diff.to = serial;
    c.diff.removed.push_back({wire_of(apex), wire::type::SOA, 0, soa_rdata(before->serial())});
    c.diff.added.push_back({wire_of(apex), wire::type::SOA, 0, soa_rdata(serial)});
    for (auto& [k, r] : *a)
        if (!b->count(k)) c.diff.removed.push_back(r);
    for (auto& [k, r] : *b)
        if (!a->count(k)) c.diff.added.push_back(r);
    auto applied = apply(before, {c.diff});
    if (!applied) return applied.error();
    c.catalog = std::move(*applied);
    return c;
}

}  // namespace dns::xfr
