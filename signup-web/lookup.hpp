#pragma once
// What public DNS says about a zone, asked through a recursive resolver
// (never the primary an owner names: whoever fills the form controls that
// one): its SOA, and whether its delegation is in order (the parent's NS set
// with glue, and DS against DNSKEY for a signed zone). Blocking calls, for a
// web handler's thread; every error is worded for the zone's owner.
#include <cstdint>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/io/client.hpp"
#include "lib/wire/name.hpp"

namespace signup {

struct Soa {
    dns::wire::Name owner, mname, rname;
    uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};

/// The SOA of `zone` as public DNS has it. Errors: the name does not exist,
/// has no SOA of its own (not a zone apex: the message names the zone it is
/// in), the resolver fails (SERVFAIL: a broken delegation or DNSSEC), or
/// does not answer.
dns::Result<Soa> public_soa(const dns::io::Endpoint& resolver, const dns::wire::Name& zone);

struct Delegation {
    std::string parent;                  ///< the parent zone
    std::vector<std::string> parent_ns;  ///< the NS names the parent's servers delegate to
    std::vector<std::string> zone_ns;    ///< the zone's own apex NS set
    std::vector<std::string> missing;    ///< of our name servers, those the parent lacks
    std::vector<std::string> no_glue;    ///< in-zone NS names the parent gives no address for
    std::string dnssec;                  ///< "unsigned", "secure", or what is wrong
    bool dnssec_ok = true;
    std::string error;  ///< the check could not be made ("" when it was)
    bool ok() const { return error.empty() && missing.empty() && no_glue.empty() && dnssec_ok; }
};

/// Of our name servers `ours` (final dot optional), those `have` (NS names
/// as text_of gives them: lower case, final dot) lacks.
std::vector<std::string> missing_from(const std::vector<std::string>& have,
                                      const std::vector<std::string>& ours);
/// Checks the delegation of `zone` against our name servers `ours`.
Delegation check_delegation(const dns::io::Endpoint& resolver, const dns::wire::Name& zone,
                            const std::vector<std::string>& ours);

/// The delegation as JSON (kept in the store, shown on the status page), and back.
std::string to_json(const Delegation& d);
Delegation delegation_from_json(const std::string& text);

/// The digest of a DNSKEY for a DS record (RFC 4034 §5.1.4): SHA-1 (1),
/// SHA-256 (2) or SHA-384 (4) over the owner (lower case) and the RDATA;
/// empty for another digest type.
std::string ds_digest(const dns::wire::Name& owner, const std::string& dnskey_rdata,
                      uint8_t digest_type);
/// The key tag of a DNSKEY RDATA (RFC 4034 Appendix B).
uint16_t key_tag(const std::string& dnskey_rdata);

}  // namespace signup
