#pragma once
// Zone transfers out, sans-I/O: the messages of an AXFR (RFC 5936) from a
// snapshot, or of an IXFR (RFC 1995) from a history of differences: the
// condensed difference from the client's serial to the current one (RFC 1995
// §4 allows the condensation), a single SOA when the client is up to date,
// the whole zone when the history does not reach back to the client's serial.
// The caller writes each message to TCP; with a TSIG session every message is
// signed (RFC 8945 §5.3.1). The snapshot is read as it is sent: a
// million-record zone is never copied.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/xfr/tsig.hpp"
#include "lib/zone/zone.hpp"

namespace dns::xfr {

/// Consecutive differences ending at a zone's current serial, oldest first.
using History = std::vector<Diff>;

/// Condenses consecutive differences into one (from the first's `from` to the
/// last's `to`): a record added then removed cancels out. The SOA records are
/// left out (the caller writes the SOAs of both ends).
Diff condense(std::span<const Diff> diffs);

/// The difference between two versions of a zone (SOA records left out):
/// what a full transfer changed, so it can be served by IXFR after all.
Diff diff_zones(const zone::Zone& from, const zone::Zone& to);

class TransferOut {
  public:
    /// The answer to `query` (an AXFR or IXFR for `zone`'s apex; the client's
    /// serial comes from the SOA in an IXFR's authority section, given as
    /// `ixfr_serial`). `history` may be null.
    TransferOut(const wire::Query& query, zone::ZonePtr zone, std::optional<uint32_t> ixfr_serial,
                std::shared_ptr<const History> history);

    /// Sign every message with this session (a verified signed request).
    void sign_with(TsigSession session, uint64_t now_unix);

    /// Writes the next message into out[0, cap) (cap at least 512; up to
    /// 65535 for TCP) and returns its length; 0 when the transfer is complete.
    size_t next(uint8_t* out, size_t cap);

    enum class Style { axfr, ixfr, up_to_date };
    Style style() const { return style_; }
    /// A record did not fit a message of the size given: the transfer cannot go on.
    bool failed() const { return failed_; }
    size_t records() const { return records_; }
    size_t messages() const { return messages_; }

  private:
    struct Item;
    static constexpr uint32_t kNoNode = 0xFFFFFFFF;
    bool write_record(wire::Writer& w, const uint8_t* owner, uint32_t node, uint16_t type,
                      uint32_t ttl, const uint8_t* rd, uint16_t len);
    bool write_owner(wire::Writer& w, const uint8_t* owner, uint32_t node);
    bool write_soa(wire::Writer& w, bool current);
    bool fill_axfr(wire::Writer& w);
    bool fill_ixfr(wire::Writer& w);

    wire::Query q_;
    zone::ZonePtr zone_;
    Style style_ = Style::axfr;
    std::optional<TsigSession> tsig_;
    uint64_t now_ = 0;
    // AXFR position: the leading SOA, then node/record, then the closing SOA.
    int phase_ = 0;  // 0: leading SOA, 1: records, 2: closing SOA, 3: done
    uint32_t node_ = 0;
    size_t record_in_node_ = 0;
    // IXFR: the condensed difference and the old SOA.
    Diff diff_;
    std::string old_soa_;  // RDATA of the client's SOA (from the history)
    size_t ixfr_pos_ =
        0;  // position in the sequence SOA new, SOA old, removed, SOA new, added, SOA new
    // Owner compression hints, valid within the current message: where the
    // previous record's owner (node `last_node_`) and the apex were written.
    // A transfer writes thousands of names per message; pointing at these
    // is what keeps it from searching the writer's table for every one.
    uint32_t last_node_ = kNoNode;
    uint16_t last_owner_off_ = 0;
    uint16_t apex_off_ = 0;
    size_t records_ = 0, messages_ = 0;
    bool failed_ = false;
};

}  // namespace dns::xfr
