// libFuzzer target for catalog zones (RFC 9432): any zone text that loads is
// read as a catalog; the members it lists, built into a catalog again, must
// read back as the same members with the same properties. Built as
// fuzz_catalog and fuzz_replay_catalog.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "lib/xfr/catalog.hpp"
#include "lib/zonefile/zonefile.hpp"

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_catalog: %s\n", what);
        std::abort();
    }
}

// A member's identity and properties; values as sets (a TXT RRset is a set:
// the same string twice is once).
std::string describe(const dns::xfr::CatalogMember& m) {
    std::string s = m.zone.lowercased().to_text() + "|" + m.id;
    for (const auto& g : std::set<std::string>(m.groups.begin(), m.groups.end())) s += "|g:" + g;
    if (m.coo) s += "|c:" + m.coo->lowercased().to_text();
    for (const auto& [k, v] : m.ext)
        for (const auto& x : std::set<std::string>(v.begin(), v.end())) s += "|e:" + k + "=" + x;
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const dns::wire::Name apex = *dns::wire::Name::from_text("catalog.example.");
    std::string text(reinterpret_cast<const char*>(data), size);
    dns::zonefile::LoadOptions opt;
    opt.limits.max_records = 2000;
    auto z = dns::zonefile::parse(text, apex, opt, "input");
    if (!z) return 0;
    auto members = dns::xfr::catalog_members(**z);
    if (!members) return 0;
    std::set<std::string> zones, ids, before;
    for (const auto& m : *members) {
        if (!zones.insert(m.zone.lowercased().to_text()).second || !ids.insert(m.id).second)
            return 0;
        before.insert(describe(m));
    }
    auto built = dns::xfr::build_catalog(apex, (*z)->serial(), *members);
    if (!built) return 0;  // e.g. a property label that no longer fits a name
    auto again = dns::xfr::catalog_members(**built);
    check(again.has_value(), "a built catalog does not read back");
    std::set<std::string> after;
    for (const auto& m : *again) after.insert(describe(m));
    check(after == before, "catalog round trip changed the members");
    return 0;
}
