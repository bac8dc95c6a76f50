#pragma once
// Master files (RFC 1035 §5) in, record by record, into a zone Builder (the
// project's scanner, ldns for the rarest types); errors name the file and
// line. And a zone out, as text.

#include <string>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zone/builder.hpp"
#include "lib/zone/zone.hpp"

namespace dns::zonefile {

struct LoadOptions {
    bool allow_include =
        false;  ///< honour $INCLUDE (off by default: a zone file cannot read other files)
    zone::Limits limits;
    bool allow_out_of_zone = false;  ///< drop out-of-zone records instead of failing
    /// Parse every record with ldns (slower). By default the project's scanner
    /// encodes the common types itself and hands only the others to ldns.
    bool ldns_only = false;
};

/// Loads the master file at `path` for the zone `origin`.
Result<zone::ZonePtr> load(const std::string& path, const wire::Name& origin,
                           const LoadOptions& options = {});

/// Parses master-file text (for tests and tools); `source` names it in errors.
Result<zone::ZonePtr> parse(const std::string& text, const wire::Name& origin,
                            const LoadOptions& options = {}, const std::string& source = "<text>");

/// The zone as master-file text: every record in the RFC 3597 generic form
/// ("owner TTL IN TYPEn \# LEN HEX"), the SOA first, so any type round-trips
/// byte for byte through parse() and through Knot DNS, NSD and BIND.
std::string to_text(const zone::Zone& zone);

}  // namespace dns::zonefile
