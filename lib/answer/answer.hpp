#pragma once
// The authoritative answer algorithm (RFC 1034 §4.3.2 with RFC 2181, 4592,
// 6672, 6891, 8482, 5001, 9660, 4035/5155 for presigned zones). Sans-I/O: bytes
// of a query in, bytes of a response out, no allocation, no lock, no syscall.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lib/base/counter.hpp"
#include "lib/wire/message.hpp"
#include "lib/zone/zone_table.hpp"

namespace dns::answer {

enum class Transport : uint8_t { udp = 0, tcp = 1 };

/// What the server says about itself (NSID, CH TXT).
struct Identity {
    std::string nsid;         ///< NSID payload (RFC 5001); empty: no NSID option
    std::string hostname;     ///< answer to CH TXT id.server / hostname.bind; empty: REFUSED
    std::string version;      ///< answer to CH TXT version.bind / version.server; empty: REFUSED
    uint16_t max_udp = 1232;  ///< largest UDP response we send with EDNS
};

/// Per-worker counter values, summed by the control plane when metrics are read.
struct Counters {
    static constexpr size_t kTypes = 16;
    uint64_t transport[2] = {};
    uint64_t rcode[24] = {};      ///< 0..15, 16 = BADVERS
    uint64_t qtype[kTypes] = {};  ///< see qtype_bucket()
    uint64_t dropped = 0;
    uint64_t truncated = 0;
    uint64_t notify = 0;
    uint64_t expired = 0;  ///< answered SERVFAIL for an expired zone
};
/// The live counters of one Responder (written by its thread only).
struct LiveCounters {
    Counter transport[2];
    Counter rcode[24];
    Counter qtype[Counters::kTypes];
    Counter dropped, truncated, notify, expired;
    /// A copy of the values, for summing and reporting.
    Counters snapshot() const;
};

/// The bucket of a query type in Counters::qtype, and its label.
size_t qtype_bucket(uint16_t qtype) noexcept;
const char* qtype_bucket_name(size_t bucket) noexcept;

/// Answers queries. One per worker thread: not thread-safe, cheap to create.
/// A NOTIFY (RFC 1996) is answered NOTAUTH here; a secondary hands NOTIFYs
/// to lib/io's NotifyGate instead.
class Responder {
  public:
    explicit Responder(const Identity& identity) : id_(identity) {}
    /// The identity is kept by reference: it must outlive the Responder.
    explicit Responder(Identity&&) = delete;

    /// Writes the response to `query` into out[0..cap) and returns its length;
    /// 0 means send nothing. `zones` must stay alive for the call.
    size_t respond(const zone::ZoneTable& zones, std::span<const uint8_t> query, uint8_t* out,
                   size_t cap, Transport transport) noexcept;

    /// Optional batch warm-up before respond(): hint() for every query of a
    /// batch, then warm() for every hint, then respond() for each. It starts
    /// the memory loads of the lookups early so they overlap.
    struct Hint {
        const zone::Zone* zone = nullptr;
        uint64_t hash = 0;
    };
    static Hint hint(const zone::ZoneTable& zones, std::span<const uint8_t> query) noexcept;
    static void warm(const Hint& h) noexcept {
        if (h.zone) h.zone->prefetch_node(h.hash);
    }

    /// The counters so far; callable from any thread.
    Counters counters() const { return counters_.snapshot(); }
    /// Whether the query just answered carried a TSIG record (the caller signs
    /// the answer, or turns it into the TSIG error; lib/xfr's sign_answer()).
    bool last_had_tsig() const { return q_.has_tsig; }

  private:
    const Identity& id_;
    LiveCounters counters_;
    wire::Query q_;
};

}  // namespace dns::answer
