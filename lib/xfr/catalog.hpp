#pragma once
// Catalog zones (RFC 9432): the member zones listed by a catalog zone snapshot.

#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zone/zone.hpp"

namespace dns::xfr {

struct CatalogMember {
    std::string id;     ///< the unique label under zones.<catalog>
    wire::Name zone;    ///< the member zone
};

/// Reads the members of a version 2 catalog. Fails on a missing or unsupported
/// version; a member with several PTRs is ignored (RFC 9432 §4.1), as is anything
/// that is not a member entry.
Result<std::vector<CatalogMember>> catalog_members(const zone::Zone& catalog);

}  // namespace dns::xfr
