// catalog_zone: writes a catalog zone (RFC 9432 v2) built by lib/xfr's
// producer, as master-file text, for the integration tests.
//
//   catalog_zone APEX SERIAL [MEMBER[;group=G][;coo=CATALOG][;ext.LABEL=VALUE]...]...

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lib/xfr/catalog.hpp"
#include "lib/zonefile/zonefile.hpp"

namespace {

dns::wire::Name name_of(const std::string& text) {
    auto n = dns::wire::Name::from_text(text.back() == '.' ? text : text + ".");
    if (!n) {
        std::fprintf(stderr, "catalog_zone: bad name '%s'\n", text.c_str());
        std::exit(2);
    }
    return *n;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(
            stderr,
            "usage: catalog_zone APEX SERIAL [MEMBER[;group=G][;coo=C][;ext.LABEL=V]...]...\n");
        return 2;
    }
    std::vector<dns::xfr::CatalogMember> members;
    for (int i = 3; i < argc; ++i) {
        std::string spec = argv[i];
        dns::xfr::CatalogMember m;
        size_t pos = spec.find(';');
        m.zone = name_of(spec.substr(0, pos));
        while (pos != std::string::npos) {
            size_t next = spec.find(';', pos + 1);
            std::string prop = spec.substr(
                pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
            size_t eq = prop.find('=');
            std::string key = prop.substr(0, eq),
                        value = eq == std::string::npos ? "" : prop.substr(eq + 1);
            if (key == "group")
                m.groups.push_back(value);
            else if (key == "coo")
                m.coo = name_of(value);
            else if (key.rfind("ext.", 0) == 0)
                m.ext[key.substr(4)].push_back(value);
            else {
                std::fprintf(stderr, "catalog_zone: unknown property '%s'\n", key.c_str());
                return 2;
            }
            pos = next;
        }
        members.push_back(std::move(m));
    }
    auto catalog = dns::xfr::build_catalog(
        name_of(argv[1]), static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)), members);
    if (!catalog) {
        std::fprintf(stderr, "catalog_zone: %s\n", catalog.error().message.c_str());
        return 1;
    }
    std::fputs(dns::zonefile::to_text(**catalog).c_str(), stdout);
    return 0;
}
