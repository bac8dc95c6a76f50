#pragma once
// A fast scanner for master files (RFC 1035 §5.1): it splits the text into
// entries (joining parenthesised lines, dropping comments), tracks $ORIGIN,
// $TTL and the previous owner, and encodes the RDATA of the common types
// itself (and, through rdata.hpp, the types ldns reads differently from Knot
// DNS and NSD). Entries of any other type are handed back as text, for ldns.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zonefile/rdata.hpp"

namespace dns::zonefile {

struct Entry {
    wire::Name owner;
    uint32_t ttl = 0;
    uint16_t rrclass = 1;
    uint16_t type = 0;
    bool parsed = false;  ///< rdata holds wire RDATA; otherwise `text` holds the record for ldns
    std::string rdata;    ///< wire form, when parsed
    std::string text;     ///< ". ttl class type rdata" (owner in `owner`), when not parsed
    int line = 0;
};

class Scanner {
  public:
    /// `data` must outlive the scanner.
    Scanner(std::string_view data, wire::Name origin, uint32_t default_ttl = 3600);

    enum class Step { entry, end, error };
    /// Reads the next record into `out`; on error, `error` says what and where (line).
    Step next(Entry& out, std::string& error);

    const wire::Name& origin() const { return origin_; }
    uint32_t default_ttl() const { return default_ttl_; }
    int line() const { return line_; }

  private:
    bool read_entry(std::string& error);  // fills tokens_, leading_blank_
    bool parse_rdata(Entry& e, std::string& error);

    std::string_view data_;
    size_t pos_ = 0;
    int line_ = 1;
    int entry_line_ = 1;
    wire::Name origin_;
    uint32_t default_ttl_;
    bool have_ttl_ = false;
    wire::Name prev_owner_;
    bool have_prev_ = false;
    uint32_t prev_ttl_ = 0;
    bool have_prev_ttl_ = false;
    std::vector<Token> tokens_;
    bool leading_blank_ = false;
    size_t rdata_count_ = 0;  // the last rdata_count_ tokens are the RDATA
};

/// Parses a TTL: seconds, or BIND-style units ("1h30m", "2d").
bool parse_ttl(std::string_view s, uint32_t& out) noexcept;

}  // namespace dns::zonefile
