#pragma once
// An immutable zone snapshot laid out for fast lookup: arrays of nodes, RRsets
// and RDATA, an open-addressing index on lower-cased owner names, and
// everything the answer algorithm needs precomputed by the Builder (zone cuts,
// wildcard children, additional-section targets, NSEC/NSEC3 chains).
//
// The arrays are chunked and copy-on-write (chunked.hpp), so the Updater
// (update.hpp) derives the next snapshot from this one in time proportional to
// the change: it shares every chunk the change does not touch.
//
// Thread-safety: a Zone never changes after it is built; any number of threads
// may read it without synchronisation.

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lib/wire/name.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/zone/chunked.hpp"

namespace dns::zone {

inline constexpr uint32_t kNone = 0xFFFFFFFFu;
/// Target slot of RDATA an update replaced (never read by queries).
inline constexpr uint32_t kGarbage = 0xFFFFFFFEu;

/// Node flags, precomputed at build time.
namespace nf {
inline constexpr uint16_t apex = 1 << 0;
inline constexpr uint16_t delegation = 1 << 1;  ///< NS RRset below the apex: a zone cut
inline constexpr uint16_t dname = 1 << 2;       ///< owns a DNAME
inline constexpr uint16_t cname = 1 << 3;       ///< owns a CNAME
inline constexpr uint16_t has_nsec = 1 << 4;
/// Deleted by an update: not a name of the zone (find() skips it). The node
/// stays, so an update that adds the name again reuses it and references to
/// it (additional-section targets) stay valid; a rebuild drops it.
inline constexpr uint16_t removed = 1 << 5;
}  // namespace nf

struct RRset {
    uint16_t type;
    uint16_t count;  ///< number of RDATAs
    uint32_t ttl;
    uint32_t first;      ///< index of the first RDATA
    uint32_t sig_first;  ///< index of the first covering RRSIG RDATA
    uint32_t sig_ttl;    ///< TTL of the covering RRSIGs
    uint16_t sig_count;
};

struct Node {
    uint32_t name;      ///< offset of the owner (original case) in the name arena
    uint32_t lname;     ///< offset of the lower-cased owner in the name arena
    uint32_t parent;    ///< kNone for the apex
    uint32_t cut;       ///< nearest strict ancestor that is a delegation or owns a DNAME
    uint32_t wildcard;  ///< the node "*.<this>", or kNone
    uint32_t rrset_first;
    uint16_t rrset_count;  ///< 0 for an empty non-terminal
    uint16_t flags;
    uint8_t name_len;
    uint8_t labels;
};

struct Rdata {
    uint32_t offset;  ///< into the RDATA arena
    uint16_t length;
};

struct Nsec3Params {
    uint8_t algorithm = 0;
    uint8_t flags = 0;
    uint16_t iterations = 0;
    std::string salt;
};

class Builder;
class Updater;
namespace detail {
class Assembler;
class NodeWriter;
}  // namespace detail

class Zone {
  public:
    const wire::Name& apex() const { return apex_; }
    /// The apex lower-cased (computed once, at build).
    const wire::Name& lapex() const { return lapex_; }
    uint32_t serial() const { return serial_; }
    /// The SOA RRset (always present in a built zone).
    const RRset& soa() const { return rrsets_[soa_rrset_]; }
    /// TTL for the SOA in negative answers: min(SOA TTL, MINIMUM) (RFC 2308 §5).
    uint32_t negative_ttl() const { return negative_ttl_; }

    /// Nodes, including removed ones (check nf::removed when iterating).
    size_t node_count() const { return nodes_.size(); }
    /// Records served (RRSIGs included).
    size_t record_count() const { return records_; }
    const Node& node(uint32_t id) const { return nodes_[id]; }
    static constexpr uint32_t apex_id() { return 0; }
    /// Names directly below a node that exist (empty non-terminals included).
    uint32_t children(uint32_t id) const { return children_[id]; }

    /// Exact lookup of a lower-cased wire name; kNone when absent.
    uint32_t find(const uint8_t* lname, size_t len) const noexcept {
        return find(lname, len, wire::name_hash(lname, len));
    }
    uint32_t find(const uint8_t* lname, size_t len, uint64_t hash) const noexcept;

    /// Batch prefetching, for workers that answer many queries at once: the first
    /// step starts loading the index slot of a lower-cased name and returns its
    /// hash; the second, later, starts loading the node it points at.
    uint64_t prefetch_slot(const uint8_t* lname, size_t len) const noexcept {
        uint64_t h = wire::name_hash(lname, len);
        __builtin_prefetch(index_.ptr(h & index_mask_));
        return h;
    }
    void prefetch_node(uint64_t hash) const noexcept {
        uint64_t e = index_[hash & index_mask_];
        if (e == kEmpty || (e >> 32) != (hash >> 32)) return;
        const Node& n = nodes_[static_cast<uint32_t>(e)];
        __builtin_prefetch(&n);
        __builtin_prefetch(names_.ptr(n.lname));
        __builtin_prefetch(rrsets_.ptr(n.rrset_first));
    }

    const uint8_t* owner(const Node& n) const { return names_.ptr(n.name); }
    const uint8_t* lowner(const Node& n) const { return names_.ptr(n.lname); }

    /// A node's RRsets are contiguous (never split across chunks).
    std::span<const RRset> rrsets(const Node& n) const {
        if (n.rrset_count == 0) return {};
        return {rrsets_.ptr(n.rrset_first), n.rrset_count};
    }
    const RRset* rrset(const Node& n, uint16_t rrtype) const noexcept {
        if (n.rrset_count == 0) return nullptr;
        const RRset* p = rrsets_.ptr(n.rrset_first);
        for (const RRset* e = p + n.rrset_count; p != e; ++p)
            if (p->type == rrtype) return p;
        return nullptr;
    }
    const Rdata& rdata(uint32_t i) const { return rdatas_[i]; }
    const uint8_t* rdata_bytes(uint32_t i) const { return data_.ptr(rdatas_[i].offset); }
    /// For RDATA of NS, MX and SRV: the node of the target name in this zone, or kNone.
    uint32_t target(uint32_t rdata_index) const { return targets_[rdata_index]; }

    /// Calls f(type, ttl, rdata index) for every record of a node, RRSIGs last
    /// within each RRset's group (type RRSIG, the RRSIG TTL).
    template <class F>
    void for_each_record(const Node& n, F&& f) const {
        for (const RRset& rs : rrsets(n)) {
            for (uint32_t d = rs.first; d < rs.first + rs.count; ++d) f(rs.type, rs.ttl, d);
            for (uint32_t d = rs.sig_first; d < rs.sig_first + rs.sig_count; ++d)
                f(wire::type::RRSIG, rs.sig_ttl, d);
        }
    }

    // ---- DNSSEC ----
    bool has_nsec() const { return nsec_nodes_ && !nsec_nodes_->empty(); }
    /// Whether the zone is presigned: its SOA carries a signature (as Knot DNS
    /// and NSD decide whether DNSSEC records go into answers).
    bool is_signed() const { return soa().sig_count > 0; }
    bool has_nsec3() const { return nsec3_ && !nsec3_->empty() && nsec3_params_.algorithm == 1; }
    const Nsec3Params& nsec3_params() const { return nsec3_params_; }
    /// The node whose NSEC matches or covers `lname` (predecessor in canonical order).
    uint32_t nsec_for(const uint8_t* lname) const noexcept;
    /// NSEC3 node whose hash equals (exact=true) or covers `hash`.
    uint32_t nsec3_for(const uint8_t* hash, size_t hash_len, bool& exact) const noexcept;
    /// Computes the NSEC3 hash of a lower-cased name with this zone's parameters.
    size_t nsec3_hash(const uint8_t* lname, size_t len, uint8_t* out) const noexcept;

    /// The SOA expire field. (When a secondary's copy expires is kept beside
    /// the zone, in the ZoneTable: a snapshot never changes.)
    uint32_t soa_expire() const { return soa_expire_; }

    /// Approximate heap bytes held by this snapshot (chunks shared with other
    /// snapshots counted in full).
    size_t memory_usage() const;
    /// Records an update replaced or removed that still take space (a rebuild frees them).
    size_t garbage() const { return garbage_; }

  private:
    friend class Builder;
    friend class Updater;
    friend class detail::Assembler;
    friend class detail::NodeWriter;
    Zone() = default;
    Zone(const Zone&) = default;  // for the Updater: shares the chunks

    /// Exact lookup that also finds removed nodes (for updates).
    uint32_t find_any(const uint8_t* lname, size_t len, uint64_t hash) const noexcept;
    /// Adds a node to the index (owned by `token_`), growing it past 3/4 load.
    void index_insert(uint32_t id, uint64_t hash);

    wire::Name apex_;
    wire::Name lapex_;
    uint32_t serial_ = 0;
    uint32_t soa_rrset_ = 0;
    uint32_t negative_ttl_ = 0;
    uint32_t soa_expire_ = 0;
    uint64_t token_ = 0;  // the writer token while being built or updated
    size_t records_ = 0;
    size_t garbage_ = 0;
    detail::Chunked<Node, 11> nodes_;         // chunks under 128 KiB stay off mmap
    detail::Chunked<uint32_t, 14> children_;  // parallel to nodes_: live children (for updates)
    detail::Chunked<RRset, 12> rrsets_;
    detail::Chunked<Rdata, 13> rdatas_;
    detail::Chunked<uint32_t, 14> targets_;  // parallel to rdatas_
    detail::Chunked<uint8_t, 16> data_;      // RDATA arena; one RDATA never crosses a chunk
    detail::Chunked<uint8_t, 16> names_;     // owner names, original then lower case, in one run
    // Open addressing on the name hash: slot from its low bits; each entry holds
    // the hash's high 32 bits and the node id, so probing rarely touches a node.
    static constexpr uint64_t kEmpty = ~0ull;
    static uint64_t entry(uint64_t hash, uint32_t id) { return (hash >> 32) << 32 | id; }
    detail::Chunked<uint64_t, 13> index_;
    uint64_t index_mask_ = 0;
    size_t index_used_ = 0;
    // These change only when an update adds or removes NSEC/NSEC3 owners; an
    // update then copies them (O(n) in the number of such owners).
    std::shared_ptr<const std::vector<uint32_t>> nsec_nodes_;  // nodes with NSEC, canonical order
    struct Nsec3Entry {
        std::array<uint8_t, 20> hash;
        uint8_t hash_len;
        uint32_t node;
    };
    static bool nsec3_less(const Nsec3Entry& a, const Nsec3Entry& b) {
        return std::lexicographical_compare(a.hash.begin(), a.hash.begin() + a.hash_len,
                                            b.hash.begin(), b.hash.begin() + b.hash_len);
    }
    std::shared_ptr<const std::vector<Nsec3Entry>> nsec3_;  // sorted by hash
    Nsec3Params nsec3_params_;
    // RDATA (NS, MX, SRV) whose target lies in the zone but has no node yet:
    // an update that adds names resolves them.
    std::shared_ptr<const std::vector<std::pair<uint32_t, uint16_t>>> unresolved_;  // (RDATA, type)
};

using ZonePtr = std::shared_ptr<const Zone>;

}  // namespace dns::zone
