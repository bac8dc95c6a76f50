#pragma once
// A trial transfer, for signup-web: before a zone is accepted, zonesync (the
// address that will really transfer it) asks each named primary for an AXFR,
// bounded in time and size, and says how each went in words an operator can
// act on. Nothing is stored.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/io/client.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/tsig.hpp"

namespace zonesync {

struct ProbeLimits {
    std::chrono::milliseconds duration{10000};  ///< the whole trial, all primaries at once
    size_t max_bytes = 64u << 20;               ///< stop a bigger zone (reported as too_large)
};

struct ProbeResult {
    std::string primary;  ///< "ADDR:PORT"
    /// ok, refused, timeout, unreachable, no_soa, too_large, bad_zone, tsig
    std::string outcome;
    std::string message;  ///< the detail, for the owner ("" when ok)
    uint32_t serial = 0;  ///< when ok
    size_t records = 0;
    int64_t ms = 0;  ///< how long it took
};

/// Tries an AXFR of `zone` from every primary at once (signed with `key` if given).
std::vector<ProbeResult> probe_transfers(const dns::wire::Name& zone,
                                         const std::vector<dns::io::Endpoint>& primaries,
                                         const dns::xfr::TsigKey* key, const ProbeLimits& limits);

}  // namespace zonesync
