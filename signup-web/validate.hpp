#pragma once
// What an owner types into the forms, checked before anything is looked up
// or sent: the domain (a name, not a public suffix), the primaries (public
// addresses unless allowed otherwise), and the RNAME of the zone's SOA as a
// mail address (RFC 1035 §8: the first label is the local part).
#include <boost/asio/ip/address.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/io/client.hpp"
#include "lib/wire/name.hpp"

namespace signup {

/// The public suffix list (Debian's publicsuffix package, read by libpsl).
class PublicSuffixes {
  public:
    /// `path`: a public_suffix_list.dat; empty: the system's list.
    static dns::Result<std::shared_ptr<const PublicSuffixes>> load(const std::string& path = {});
    ~PublicSuffixes();
    PublicSuffixes(const PublicSuffixes&) = delete;
    PublicSuffixes& operator=(const PublicSuffixes&) = delete;
    /// True for "com", "co.uk", "github.io", and a TLD the list does not know.
    bool is_public_suffix(const dns::wire::Name& name) const;

  private:
    explicit PublicSuffixes(void* ctx) : ctx_(ctx) {}
    void* ctx_;  // psl_ctx_t
};

/// A domain as typed into a form: trimmed, the final dot optional,
/// lower-cased. Refused with the reason: not a name, the root, a single
/// label, a public suffix.
dns::Result<dns::wire::Name> parse_domain(std::string_view text, const PublicSuffixes& psl);

/// True for an address anyone on the Internet can reach: not private,
/// loopback, link-local, multicast, unspecified, CGNAT, documentation or
/// otherwise reserved.
bool is_public_address(const boost::asio::ip::address& a);

/// One or more primaries, separated by commas, spaces or new lines, each an
/// address with an optional port ("192.0.2.1", "[2001:db8::1]:5353").
/// Refused unless public, when `allow_private` is false.
dns::Result<std::vector<dns::io::Endpoint>> parse_primaries(std::string_view text,
                                                            bool allow_private);

/// A TSIG key name as typed (may be empty); refused when not a name.
dns::Result<std::string> parse_key_name(std::string_view text);

/// The mail address of an SOA RNAME: "hostmaster\.dns.example.com." ->
/// "hostmaster.dns@example.com". Refused: the root or a single label, a
/// local part or domain that mail cannot carry (control characters, spaces,
/// '@', '<', '>', quotes, non-ASCII).
dns::Result<std::string> mailbox_of(const dns::wire::Name& rname);

/// Text with &, <, >, " and ' escaped for HTML.
std::string html_escape(std::string_view s);

}  // namespace signup
