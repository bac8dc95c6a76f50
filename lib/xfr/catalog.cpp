#include "lib/xfr/catalog.hpp"

#include <cstring>
#include <map>
#include <string_view>

#include "lib/wire/rrtype.hpp"

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
    if (!txt) return make_error(Errc::semantic, "catalog " + apex.to_text() + " has no version TXT record");
    bool v2 = false;
    for (uint32_t d = txt->first; d < txt->first + txt->count; ++d) {
        const uint8_t* rd = cat.rdata_bytes(d);
        if (cat.rdata(d).length == 2 && rd[0] == 1 && rd[1] == '2') v2 = true;
    }
    if (!v2) return make_error(Errc::unsupported, "catalog " + apex.to_text() + " is not version 2");

    std::vector<CatalogMember> out;
    uint32_t zid = cat.find(zl.data(), zl.size());
    if (zid == zone::kNone) return out;  // an empty catalog
    const uint32_t zones_labels = cat.node(zid).labels;
    std::map<uint32_t, size_t> member_of;  // member node -> index in out
    for (uint32_t id = 0; id < cat.node_count(); ++id) {
        const zone::Node& n = cat.node(id);
        if (n.parent != zid || n.labels != zones_labels + 1 || (n.flags & zone::nf::removed)) continue;
        const zone::RRset* ptr = cat.rrset(n, t::PTR);
        if (!ptr || ptr->count != 1) continue;
        const uint8_t* owner = cat.owner(n);
        auto member = wire::Name::from_wire_checked({cat.rdata_bytes(ptr->first), cat.rdata(ptr->first).length});
        if (!member) continue;
        member_of[id] = out.size();
        out.push_back({std::string(reinterpret_cast<const char*>(owner + 1), owner[0]), *member, {}, {}, {}});
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

}  // namespace dns::xfr
