#pragma once
// Zone transfers in (AXFR, RFC 5936; IXFR, RFC 1995), sans-I/O: the caller
// sends request() over TCP and feeds each response message to feed(). The
// result is a new zone snapshot (AXFR, or IXFR answered with a full zone), a
// list of differences to apply (IXFR), or "up to date". Anything malformed or
// hostile fails the whole transfer with a reason; nothing partial escapes.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"
#include "lib/zone/builder.hpp"
#include "lib/zone/zone.hpp"

namespace dns::xfr {

enum class Kind { axfr, ixfr };

/// One record in transfer form (owner and RDATA uncompressed).
struct Record {
    std::string owner;  ///< wire form
    uint16_t type;
    uint32_t ttl;
    std::string rdata;
};

/// The changes from one serial to the next (RFC 1995 §4).
struct Diff {
    uint32_t from = 0, to = 0;
    std::vector<Record> removed, added;
};

struct Limits {
    size_t max_records = 0;   ///< 0: unlimited
    size_t max_bytes = 0;     ///< total response bytes; 0: unlimited
    size_t max_messages = 0;  ///< 0: unlimited
};

class TransferIn {
  public:
    /// For IXFR, `serial` is the serial we hold (sent in the request's authority section).
    TransferIn(wire::Name zone, Kind kind, uint32_t serial = 0, Limits limits = {});

    /// The query to send (id chosen by the caller).
    std::vector<uint8_t> request(uint16_t id) const;

    enum class Status { more, done, failed };
    /// Feeds one response message. After done or failed, further calls fail.
    Status feed(std::span<const uint8_t> message);

    /// What the primary answered with, once done.
    enum class Outcome { none, full_zone, incremental, up_to_date };
    Outcome outcome() const { return outcome_; }
    /// For full_zone: the new snapshot.
    zone::ZonePtr zone() const { return zone_; }
    /// For incremental: the differences, oldest first.
    const std::vector<Diff>& diffs() const { return diffs_; }
    /// The serial the transfer brings (or confirms).
    uint32_t serial() const { return new_serial_; }
    /// The EDNS EXPIRE value of the first response carrying one (RFC 7314), or -1.
    int64_t expire() const { return expire_; }
    /// Why it failed; and the response code if the primary refused.
    const std::string& error() const { return error_; }
    uint16_t rcode() const { return rcode_; }
    size_t records() const { return records_; }
    size_t bytes() const { return bytes_; }
    size_t messages() const { return messages_; }
    const wire::Name& zone_name() const { return zone_name_; }
    Kind kind() const { return kind_; }

  private:
    Status fail(std::string why);
    Status add_record(const uint8_t* owner, size_t owner_len, uint16_t type, uint32_t ttl,
                      const uint8_t* rdata, size_t rdlen);
    Status finish();

    wire::Name zone_name_;
    Kind kind_;
    uint32_t have_serial_;
    Limits limits_;
    uint16_t id_ = 0;
    bool id_known_ = false;

    enum class Phase {
        start,
        after_first_soa,
        axfr_body,
        ixfr_removing,
        ixfr_adding,
        done,
        failed
    };
    Phase phase_ = Phase::start;
    Outcome outcome_ = Outcome::none;
    uint32_t new_serial_ = 0;
    int64_t expire_ = -1;
    std::string first_soa_rdata_;
    size_t records_ = 0, bytes_ = 0, messages_ = 0;
    uint16_t rcode_ = 0;
    std::string error_;

    // AXFR (and AXFR-style IXFR) builds directly into a Builder.
    std::unique_ptr<zone::Builder> builder_;
    zone::ZonePtr zone_;
    // IXFR collects differences.
    std::vector<Diff> diffs_;
    std::vector<Record> pending_;  // records seen after the first SOA, before we know the style
};

/// Applies IXFR differences to a snapshot and returns the new one, in time
/// proportional to the differences (zone::Updater; the new snapshot shares
/// what did not change with `base`). Fails if a removed record is absent, a
/// serial does not follow on, or the result is invalid. When the Updater had
/// to rebuild the whole zone, `rebuilt` (if given) receives why.
Result<zone::ZonePtr> apply(zone::ZonePtr base, const std::vector<Diff>& diffs,
                            std::string* rebuilt = nullptr);

/// Every record of a zone in transfer form (SOA first), e.g. to write it to disk.
std::vector<Record> records_of(const zone::Zone& z);

}  // namespace dns::xfr
