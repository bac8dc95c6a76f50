#pragma once
// Catalog zones (RFC 9432, version 2): the members a catalog lists, with their
// properties (consumer), and catalogs built from a member list, with changes
// to the list as an IXFR of the catalog (producer).

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/zone/zone.hpp"

namespace dns::xfr {

struct CatalogMember {
    std::string id;                   ///< the unique label under zones.<catalog>
    wire::Name zone;                  ///< the member zone
    std::vector<std::string> groups;  ///< "group" properties (RFC 9432 §4.4.2)
    std::optional<wire::Name> coo;    ///< "coo": the catalog taking the member over (§4.4.1)
    /// Custom properties (§4.4.3): label under ext -> the TXT strings there.
    std::map<std::string, std::vector<std::string>> ext;
};

/// Reads the members of a version 2 catalog (and their group, coo and ext properties). Fails on a
/// missing or unsupported version; a member with several PTRs is ignored (RFC 9432 §4.1), as is
/// anything that is not a member entry.
Result<std::vector<CatalogMember>> catalog_members(const zone::Zone& catalog);

/// What an IXFR of a catalog changed, read from its differences alone (a
/// consumer of a large catalog need not read every member at each version).
struct CatalogDelta {
    /// Members whose entry (PTR) or coo property changed, as `catalog` now
    /// lists them (zone and coo; groups and ext are not read).
    std::vector<CatalogMember> listed;
    /// Zones whose entry was removed and that the same entry does not list any more.
    std::vector<wire::Name> unlisted;
};
/// nullopt when the differences touch the catalog beyond its member entries
/// (the version property, ...): read it whole with catalog_members() then.
/// `catalog` is the version the differences lead to.
std::optional<CatalogDelta> catalog_delta(const zone::Zone& catalog, std::span<const Diff> diffs);

// ---- producer ----

/// A stable label for a member (16 hex digits of a hash of its lower-cased
/// name): the same member keeps its label from one version to the next.
std::string member_id(const wire::Name& zone);

/// The records of catalog `apex` that list one member: the PTR at
/// <id>.zones.<apex> (id: the member's own, or member_id()), "group" TXT and
/// "coo" PTR properties, and each ext property as TXT at <label>.ext.<id>.
/// Owners and RDATA in wire form; TTL 0 (RFC 9432 §3).
Result<std::vector<Record>> member_records(const wire::Name& apex, const CatalogMember& member);

/// The catalog zone `apex` at `serial` listing `members`: SOA (invalid.
/// invalid., refresh 60, retry 10), NS invalid., version TXT "2", and the
/// member records. Two members may not share a zone or an id.
Result<zone::ZonePtr> build_catalog(const wire::Name& apex, uint32_t serial,
                                    const std::vector<CatalogMember>& members);

/// The change from catalog `before` (built by build_catalog()) to the same
/// catalog at `serial` listing `members`: the IXFR difference, computed from
/// the members that changed only, and the new catalog (before + the difference).
struct CatalogChange {
    Diff diff;
    zone::ZonePtr catalog;
};
Result<CatalogChange> change_catalog(const zone::ZonePtr& before,
                                     const std::vector<CatalogMember>& old_members,
                                     const std::vector<CatalogMember>& members, uint32_t serial);

}  // namespace dns::xfr
