#include "lib/xfr/catalog.hpp"

#include <cstring>

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
    for (uint32_t id = 0; id < cat.node_count(); ++id) {
        const zone::Node& n = cat.node(id);
        if (n.parent != zid || n.labels != zones_labels + 1) continue;
        const zone::RRset* ptr = cat.rrset(n, t::PTR);
        if (!ptr || ptr->count != 1) continue;
        const uint8_t* owner = cat.owner(n);
        auto member = wire::Name::from_wire_checked({cat.rdata_bytes(ptr->first), cat.rdata(ptr->first).length});
        if (!member) continue;
        out.push_back({std::string(reinterpret_cast<const char*>(owner + 1), owner[0]), *member});
    }
    return out;
}

}  // namespace dns::xfr
