#pragma once
// Catalog zones (RFC 9432): the member zones listed by a catalog zone snapshot.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zone/zone.hpp"

namespace dns::xfr {

struct CatalogMember {
    std::string id;     ///< the unique label under zones.<catalog>
    wire::Name zone;    ///< the member zone
    std::vector<std::string> groups;     ///< "group" properties (RFC 9432 §4.4.2)
    std::optional<wire::Name> coo;       ///< "coo": the catalog taking the member over (§4.4.1)
    /// Custom properties (§4.4.3): label under ext -> the TXT strings there.
    std::map<std::string, std::vector<std::string>> ext;
};

/// Reads the members of a version 2 catalog. Fails on a missing or unsupported
/// version; a member with several PTRs is ignored (RFC 9432 §4.1), as is anything
/// that is not a member entry.
Result<std::vector<CatalogMember>> catalog_members(const zone::Zone& catalog);

}  // namespace dns::xfr
