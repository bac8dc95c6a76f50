#include "lib/answer/answer.hpp"

#include <cstring>
#include <ctime>

#include "lib/wire/rrtype.hpp"

namespace dns::answer {
namespace {

namespace t = wire::type;
using zone::kNone;
using zone::Node;
using zone::RRset;
using zone::Zone;

// CNAME and DNAME links followed inside a zone, together. Knot DNS follows
// five and answers what it has (CNAME_CHAIN_MAX); so do we: a DNAME whose
// target lies below itself would otherwise synthesise until the message is full.
constexpr int kMaxChain = 5;
constexpr size_t kMaxAdditional = 16;
constexpr size_t kMaxProofs = 8;

enum Section { kAnswer = 0, kAuthority = 1, kAdditional = 2 };

// How a name resolves inside a zone (RFC 1034 §4.3.2 step 3).
enum class Kind { exact, wildcard, nxdomain, referral, dname };

struct Found {
    Kind kind;
    uint32_t node;         // the matching, wildcard, cut or DNAME node
    uint32_t ce;           // closest encloser (wildcard, nxdomain)
    const uint8_t* lname;  // the lower-cased name that was looked up
    size_t len;
    size_t next_closer;  // offset in lname of the next closer name (wildcard, nxdomain)
};

// State of one response being written.
struct Ctx {
    Ctx(const wire::Query& query, wire::Writer& writer) : q(query), w(writer) {}
    const wire::Query& q;
    wire::Writer& w;
    const Zone* z = nullptr;
    uint32_t zone_index = 0;  // of z in the table (its expiry time)
    bool dnssec = false;
    bool tcp = false;
    bool aa = false;
    bool tc = false;
    uint16_t rcode = wire::rcode::NOERROR;
    int ede = -1;  // Extended DNS Error info-code (RFC 8914), -1: none
    bool expired_hit = false;
    uint16_t count[3] = {};
    uint32_t addl[kMaxAdditional];
    bool addl_glue[kMaxAdditional];
    size_t naddl = 0;
    uint32_t proofs[kMaxProofs];  // NSEC/NSEC3 nodes already in the authority section
    size_t nproofs = 0;
    uint32_t chain[kMaxChain + 2];  // CNAME and DNAME nodes already answered from
    size_t nchain = 0;
    uint16_t cname_at[kMaxChain + 2];  // message offsets of the CNAME owners written
    size_t ncname = 0;
    int hops = 0;  // CNAME/DNAME links followed so far
};

// ---- writing records ----

bool put_rr(Ctx& c, const uint8_t* owner, uint16_t rrtype, uint32_t ttl, const uint8_t* rd,
            uint16_t rdlen) {
    return wire::write_rr(c.w, owner, rrtype, wire::rrclass::IN, ttl, rd, rdlen);
}

// Writes an RRset (and its RRSIGs with DO) or nothing; returns false if it did not fit.
bool put_rrset(Ctx& c, Section s, const uint8_t* owner, const RRset& rs, uint32_t ttl) {
    if (c.tc && s != kAdditional) return false;
    const Zone& z = *c.z;
    auto mark = c.w.mark();
    uint16_t n = 0;
    for (uint32_t d = rs.first; d < rs.first + rs.count; ++d, ++n) {
        if (!put_rr(c, owner, rs.type, ttl, z.rdata_bytes(d), z.rdata(d).length)) {
            c.w.rollback(mark);
            if (s != kAdditional) c.tc = true;
            return false;
        }
    }
    if (c.dnssec) {
        uint32_t sig_ttl = ttl < rs.sig_ttl ? ttl : rs.sig_ttl;
        for (uint32_t d = rs.sig_first; d < rs.sig_first + rs.sig_count; ++d, ++n) {
            if (!put_rr(c, owner, t::RRSIG, sig_ttl, z.rdata_bytes(d), z.rdata(d).length)) {
                c.w.rollback(mark);
                if (s != kAdditional) c.tc = true;
                return false;
            }
        }
    }
    c.count[s] += n;
    return true;
}

bool put_rrset(Ctx& c, Section s, const uint8_t* owner, const RRset& rs) {
    return put_rrset(c, s, owner, rs, rs.ttl);
}

void add_targets(Ctx& c, const RRset& rs, bool glue) {
    if (rs.type != t::NS && rs.type != t::MX && rs.type != t::SRV) return;
    for (uint32_t d = rs.first; d < rs.first + rs.count; ++d) {
        uint32_t target = c.z->target(d);
        if (target == kNone) continue;
        // Outside a referral, names below a zone cut are not ours to give out.
        if (!glue && c.z->node(target).cut != kNone) continue;
        bool seen = false;
        for (size_t i = 0; i < c.naddl && !seen; ++i) seen = c.addl[i] == target;
        if (!seen && c.naddl < kMaxAdditional) {
            c.addl_glue[c.naddl] = glue && c.z->node(target).cut != kNone;
            c.addl[c.naddl++] = target;
        }
    }
}

void put_additional(Ctx& c) {
    for (size_t i = 0; i < c.naddl; ++i) {
        const Node& n = c.z->node(c.addl[i]);
        for (uint16_t type : {t::A, t::AAAA}) {
            const RRset* rs = c.z->rrset(n, type);
            if (!rs) continue;
            // Glue that does not fit truncates a referral (RFC 9471); other
            // additional data is simply left out.
            if (!put_rrset(c, kAdditional, c.z->owner(n), *rs) && c.addl_glue[i]) c.tc = true;
        }
    }
}

void put_soa(Ctx& c) {
    const Zone& z = *c.z;
    put_rrset(c, kAuthority, z.owner(z.node(Zone::apex_id())), z.soa(), z.negative_ttl());
}

// ---- DNSSEC denial of existence ----

bool proof_seen(Ctx& c, uint32_t node) {
    for (size_t i = 0; i < c.nproofs; ++i)
        if (c.proofs[i] == node) return true;
    if (c.nproofs < kMaxProofs) c.proofs[c.nproofs++] = node;
    return false;
}

void put_denial(Ctx& c, uint32_t node, uint16_t type) {
    if (node == kNone || proof_seen(c, node)) return;
    const Node& n = c.z->node(node);
    if (const RRset* rs = c.z->rrset(n, type)) put_rrset(c, kAuthority, c.z->owner(n), *rs);
}

// NSEC that matches or covers a lower-cased name.
void put_nsec_for(Ctx& c, const uint8_t* lname) { put_denial(c, c.z->nsec_for(lname), t::NSEC); }

// NSEC3 that matches (or covers) the hash of a lower-cased name; returns whether it matched.
bool put_nsec3_for(Ctx& c, const uint8_t* lname, size_t len) {
    uint8_t hash[64];
    size_t hlen = c.z->nsec3_hash(lname, len, hash);
    bool exact = false;
    uint32_t node = c.z->nsec3_for(hash, hlen, exact);
    put_denial(c, node, t::NSEC3);
    return exact;
}

bool nsec3_matches(Ctx& c, const uint8_t* lname, size_t len) {
    uint8_t hash[64];
    size_t hlen = c.z->nsec3_hash(lname, len, hash);
    bool exact = false;
    c.z->nsec3_for(hash, hlen, exact);
    return exact;
}

// Builds "*." + the name at lname+off into buf; returns its length (0 if too long).
size_t wildcard_of(const uint8_t* lname, size_t len, size_t off, uint8_t* buf) {
    size_t rest = len - off;
    if (rest + 2 > wire::kMaxNameLen) return 0;
    buf[0] = 1;
    buf[1] = '*';
    std::memcpy(buf + 2, lname + off, rest);
    return rest + 2;
}

size_t ce_offset(const Found& f) { return f.next_closer + f.lname[f.next_closer] + 1u; }

// RFC 5155 §7.2.1: the closest encloser proof (matching CE, covering next closer).
void nsec3_closest_encloser(Ctx& c, const Found& f) {
    size_t ce = ce_offset(f);
    put_nsec3_for(c, f.lname + ce, f.len - ce);
    put_nsec3_for(c, f.lname + f.next_closer, f.len - f.next_closer);
}

// RFC 5155 §7.2.4 for a name without an NSEC3 (opt-out): the closest provable encloser proof.
void nsec3_provable_encloser(Ctx& c, const uint8_t* lname, size_t len) {
    size_t prev = 0, p = 0;
    while (p < len - 1 && !nsec3_matches(c, lname + p, len - p)) {
        prev = p;
        p += lname[p] + 1u;
    }
    put_nsec3_for(c, lname + p, len - p);
    if (p != prev || p != 0) put_nsec3_for(c, lname + prev, len - prev);
}

void deny_nxdomain(Ctx& c, const Found& f) {
    uint8_t wc[wire::kMaxNameLen];
    size_t wlen = wildcard_of(f.lname, f.len, ce_offset(f), wc);
    if (c.z->has_nsec3()) {
        nsec3_closest_encloser(c, f);
        if (wlen) put_nsec3_for(c, wc, wlen);
    } else if (c.z->has_nsec()) {
        put_nsec_for(c, f.lname);
        if (wlen) put_nsec_for(c, wc);
    }
}

// No RRset of the type at an existing name (possibly reached through a wildcard).
void deny_nodata(Ctx& c, const Found& f) {
    const Node& n = c.z->node(f.node);
    if (c.z->has_nsec3()) {
        if (f.kind == Kind::wildcard) {
            nsec3_closest_encloser(c, f);
            put_nsec3_for(c, c.z->lowner(n), n.name_len);
        } else if (nsec3_matches(c, f.lname, f.len)) {
            put_nsec3_for(c, f.lname, f.len);
        } else {
            // No NSEC3 for this name: an opt-out delegation (DS query).
            nsec3_provable_encloser(c, f.lname, f.len);
        }
    } else if (c.z->has_nsec()) {
        if (n.flags & zone::nf::has_nsec)
            put_denial(c, f.node, t::NSEC);
        else
            put_nsec_for(c, c.z->lowner(n));  // an empty non-terminal: the covering NSEC
        if (f.kind == Kind::wildcard) put_nsec_for(c, f.lname);
    }
}

// A positive answer synthesised from a wildcard proves that the query name does not exist.
void prove_wildcard_answer(Ctx& c, const Found& f) {
    if (c.z->has_nsec3())
        put_nsec3_for(c, f.lname + f.next_closer, f.len - f.next_closer);
    else if (c.z->has_nsec())
        put_nsec_for(c, f.lname);
}

// ---- lookup ----

Found classify(const Zone& z, const uint8_t* lname, size_t len, uint16_t qtype) {
    Found f{Kind::exact, kNone, kNone, lname, len, 0};
    auto at_cut = [&](uint32_t cut) {
        f.kind = (z.node(cut).flags & zone::nf::delegation) ? Kind::referral : Kind::dname;
        f.node = cut;
        return f;
    };
    uint32_t id = z.find(lname, len);
    if (id != kNone) {
        const Node& n = z.node(id);
        if (n.cut != kNone) return at_cut(n.cut);
        f.node = id;
        if ((n.flags & zone::nf::delegation) && qtype != t::DS) f.kind = Kind::referral;
        return f;
    }
    // Walk up to the closest encloser; the apex is in the index, so this ends.
    size_t prev = 0, p = lname[0] + 1u;
    const size_t apex_off = len - z.apex().size();
    for (; p < apex_off; prev = p, p += lname[p] + 1u) {
        id = z.find(lname + p, len - p);
        if (id != kNone) break;
    }
    if (p >= apex_off) id = Zone::apex_id();
    f.next_closer = prev;
    f.ce = id;
    const Node& ce = z.node(id);
    if (ce.cut != kNone) return at_cut(ce.cut);
    if (ce.flags & zone::nf::delegation) return at_cut(id);
    if (ce.flags & zone::nf::dname) return at_cut(id);
    if (ce.wildcard != kNone) {
        f.kind = Kind::wildcard;
        f.node = ce.wildcard;
    } else {
        f.kind = Kind::nxdomain;
    }
    return f;
}

void resolve(Ctx& c, const uint8_t* owner, size_t len, int depth);

// Continues a CNAME/DNAME chain at `target` if it lies inside the same zone;
// outside it the answer ends with the last alias (no SOA: nothing was denied).
void follow(Ctx& c, const uint8_t* target, int depth) {
    size_t len = wire::name_length(target);
    if (!wire::is_subdomain(target, c.z->apex().data())) return;
    resolve(c, target, len, depth + 1);
}

// Counts one more CNAME/DNAME link; false once the chain is as long as we follow.
bool take_hop(Ctx& c) { return ++c.hops <= kMaxChain; }

// Whether a CNAME with this owner is already in the answer.
bool cname_written(Ctx& c, const uint8_t* owner) {
    for (size_t i = 0; i < c.ncname; ++i)
        if (c.w.name_at(c.cname_at[i], owner)) return true;
    return false;
}

// Remembers a CNAME or DNAME node of the chain; false when it was seen already (a loop).
bool chain_visit(Ctx& c, uint32_t node) {
    for (size_t i = 0; i < c.nchain; ++i)
        if (c.chain[i] == node) return false;
    if (c.nchain < sizeof c.chain / sizeof c.chain[0]) c.chain[c.nchain++] = node;
    return true;
}

void put_referral(Ctx& c, uint32_t cut) {
    const Node& n = c.z->node(cut);
    const uint8_t* owner = c.z->owner(n);
    const RRset* ns = c.z->rrset(n, t::NS);
    if (!ns) return;
    {
        // NS at a delegation point is not signed; write it without RRSIGs.
        bool dnssec = c.dnssec;
        c.dnssec = false;
        put_rrset(c, kAuthority, owner, *ns);
        c.dnssec = dnssec;
    }
    // RFC 4035 §3.1.4: DS (or its proof of absence) only for DO queries to a
    // signed zone (c.dnssec); an unsigned zone's DS records stay out of referrals.
    if (c.dnssec) {
        if (const RRset* ds = c.z->rrset(n, t::DS)) {
            put_rrset(c, kAuthority, owner, *ds);
        } else if (c.z->has_nsec3()) {
            const uint8_t* l = c.z->lowner(n);
            if (nsec3_matches(c, l, n.name_len))
                put_nsec3_for(c, l, n.name_len);
            else
                nsec3_provable_encloser(c, l, n.name_len);
        } else if (c.z->has_nsec()) {
            put_denial(c, cut, t::NSEC);
        }
    }
    add_targets(c, *ns, true);
}

void put_any(Ctx& c, const Node& n, const uint8_t* owner) {
    // RFC 8482 §4.1: one RRset on every transport: the lowest type that is not
    // DNSSEC metadata (as NSD; Knot DNS takes the lowest type, RRSIG included).
    auto sets = c.z->rrsets(n);
    const RRset* pick = &sets.front();
    for (const RRset& rs : sets) {
        if (rs.type != t::NSEC && rs.type != t::NSEC3) {
            pick = &rs;
            break;
        }
    }
    const RRset& rs = *pick;
    if (put_rrset(c, kAnswer, owner, rs)) add_targets(c, rs, false);
}

// Every RRSIG at a node, with `owner` as the owner name; false when it has none.
bool put_signatures(Ctx& c, const Node& n, const uint8_t* owner) {
    const Zone& z = *c.z;
    auto mark = c.w.mark();
    uint16_t added = 0;
    auto put = [&](uint32_t d, uint32_t ttl) {
        if (put_rr(c, owner, t::RRSIG, ttl, z.rdata_bytes(d), z.rdata(d).length))
            return ++added, true;
        c.w.rollback(mark);
        c.tc = true;
        return false;
    };
    for (const RRset& rs : z.rrsets(n)) {
        // An RRset of type RRSIG holds the signatures that cover no RRset here.
        if (rs.type == t::RRSIG)
            for (uint32_t d = rs.first; d < rs.first + rs.count; ++d)
                if (!put(d, rs.ttl)) return true;
        for (uint32_t d = rs.sig_first; d < rs.sig_first + rs.sig_count; ++d)
            if (!put(d, rs.sig_ttl)) return true;
    }
    c.count[kAnswer] += added;
    return added > 0;
}

// An existing node (or a wildcard standing in for the owner): answer or NODATA.
void answer_node(Ctx& c, const Found& f, const uint8_t* owner, int depth) {
    const Zone& z = *c.z;
    const Node& n = z.node(f.node);
    const uint16_t qtype = c.q.qtype;
    if (qtype == t::ANY && n.rrset_count) {
        put_any(c, n, owner);
        if (f.kind == Kind::wildcard && c.dnssec) prove_wildcard_answer(c, f);
        return;
    }
    if (const RRset* rs = qtype == t::RRSIG ? nullptr : z.rrset(n, qtype)) {
        put_rrset(c, kAnswer, owner, *rs);
        add_targets(c, *rs, false);
        if (f.kind == Kind::wildcard && c.dnssec) prove_wildcard_answer(c, f);
        return;
    }
    if (qtype == t::RRSIG) {
        // All signatures at the name, with or without DO; none is NODATA. An
        // RRSIG query is never chased through a CNAME (RFC 4035 §3.1.1 makes
        // RRSIGs part of the name's own data, as Knot DNS answers them).
        if (put_signatures(c, n, owner)) {
            if (f.kind == Kind::wildcard && c.dnssec) prove_wildcard_answer(c, f);
            return;
        }
    } else if ((n.flags & zone::nf::cname) && qtype != t::CNAME && qtype != t::NSEC) {
        // NSEC may sit beside a CNAME (RFC 4035 §2.3): asking for it does not
        // follow the alias, and neither does RRSIG (above) or ANY.
        // A loop ends where the chain comes back to a CNAME already written; a
        // wildcard CNAME met again is written for its new owner, and the chain
        // ends there (as Knot DNS).
        const bool seen = !chain_visit(c, f.node);
        if ((seen && cname_written(c, owner)) || !take_hop(c)) return;
        const RRset* cn = z.rrset(n, t::CNAME);
        const size_t at = c.w.size();
        if (put_rrset(c, kAnswer, owner, *cn)) {
            if (c.ncname < sizeof c.cname_at / sizeof c.cname_at[0] && at < 0x3FFF)
                c.cname_at[c.ncname++] = static_cast<uint16_t>(at);
            // The chain's answers go before any authority record.
            if (!seen) follow(c, z.rdata_bytes(cn->first), depth);
            if (f.kind == Kind::wildcard && c.dnssec) prove_wildcard_answer(c, f);
        }
        return;
    }
    put_soa(c);
    if (c.dnssec) deny_nodata(c, f);
}

// DNAME substitution (RFC 6672 §3.2) for `owner` below the DNAME node.
void answer_dname(Ctx& c, const Found& f, const uint8_t* owner, size_t len, int depth) {
    const Zone& z = *c.z;
    const Node& n = z.node(f.node);
    const RRset* dn = z.rrset(n, t::DNAME);
    if (!dn || !take_hop(c)) return;
    // A DNAME met again in the chain (one below its own target) is written once.
    if (chain_visit(c, f.node) && !put_rrset(c, kAnswer, z.owner(n), *dn)) return;
    const uint8_t* target = z.rdata_bytes(dn->first);
    size_t prefix = len - n.name_len;
    size_t tlen = wire::name_length(target);
    if (prefix + tlen > wire::kMaxNameLen) {
        c.rcode = 6;  // YXDOMAIN
        return;
    }
    uint8_t synth[wire::kMaxNameLen];
    std::memcpy(synth, owner, prefix);
    std::memcpy(synth + prefix, target, tlen);
    // The synthesised CNAME carries the DNAME's TTL and no signature.
    if (!put_rr(c, owner, t::CNAME, dn->ttl, synth, static_cast<uint16_t>(prefix + tlen))) {
        c.tc = true;
        return;
    }
    ++c.count[kAnswer];
    if (c.q.qtype != t::CNAME) follow(c, synth, depth);
}

// Resolves `owner` (a name in the zone, any case) and writes what it finds.
void resolve(Ctx& c, const uint8_t* owner, size_t len, int depth) {
    uint8_t lname[wire::kMaxNameLen];
    wire::to_lower(owner, len, lname);
    Found f = classify(*c.z, lname, len, c.q.qtype);
    // A CNAME loop ends where it comes back to a name already answered (as Knot
    // DNS): answer_node() and answer_dname() keep the nodes of the chain.
    switch (f.kind) {
        case Kind::exact:
        case Kind::wildcard:
            answer_node(c, f, owner, depth);
            break;
        case Kind::nxdomain:
            c.rcode = wire::rcode::NXDOMAIN;
            put_soa(c);
            if (c.dnssec) deny_nxdomain(c, f);
            break;
        case Kind::referral:
            if (depth == 0) c.aa = false;
            put_referral(c, f.node);
            break;
        case Kind::dname:
            answer_dname(c, f, owner, len, depth);
            break;
    }
}

// ---- the message around the answer ----

bool is_name(const uint8_t* lname, const char* dotted) {
    // Compares a lower-cased wire name with "a.b." style text (no escapes).
    const uint8_t* p = lname;
    const char* s = dotted;
    while (*p) {
        const char* dot = std::strchr(s, '.');
        if (!dot || static_cast<size_t>(dot - s) != *p || std::memcmp(p + 1, s, *p) != 0)
            return false;
        s = dot + 1;
        p += *p + 1u;
    }
    return *s == '\0';
}

void answer_chaos(Ctx& c, const Identity& id) {
    const std::string* text = nullptr;
    if (is_name(c.q.lname, "id.server.") || is_name(c.q.lname, "hostname.bind."))
        text = &id.hostname;
    else if (is_name(c.q.lname, "version.bind.") || is_name(c.q.lname, "version.server."))
        text = &id.version;
    // Only TXT (and ANY) is answered; other types are refused as by Knot DNS and NSD.
    if (!text || text->empty() || (c.q.qtype != t::TXT && c.q.qtype != t::ANY)) {
        c.rcode = wire::rcode::REFUSED;
        return;
    }
    // Not authoritative data (Knot DNS and NSD leave AA clear too).
    uint8_t rd[256];
    size_t n = text->size() > 255 ? 255 : text->size();
    rd[0] = static_cast<uint8_t>(n);
    std::memcpy(rd + 1, text->data(), n);
    if (wire::write_rr(c.w, c.q.qname, t::TXT, wire::rrclass::CH, 0, rd,
                       static_cast<uint16_t>(n + 1)))
        ++c.count[kAnswer];
}

void answer_in(Ctx& c, const zone::ZoneTable& zones) {
    const wire::Query& q = c.q;
    if (q.qtype == t::AXFR || q.qtype == t::IXFR) {
        // AXFR is TCP-only (RFC 5936 §4.2): over UDP it is not implemented at
        // all. A transfer of a zone we serve is refused (not allowed); of any
        // other name, NOTAUTH (RFC 5936 §2.2.1), as Knot DNS and NSD answer.
        if (q.qtype == t::AXFR && !c.tcp) {
            c.rcode = wire::rcode::NOTIMP;
            c.ede = wire::ede::PROHIBITED;
            return;
        }
        const Zone* z = zones.find(q.lname, q.qname_len);
        bool apex = z && q.qname_len == z->apex().size();
        c.rcode = apex ? wire::rcode::REFUSED : wire::rcode::NOTAUTH;
        c.ede = apex ? wire::ede::PROHIBITED : wire::ede::NOT_AUTHORITATIVE;
        return;
    }
    bool expired = false;
    uint32_t index = 0;
    const Zone* z = zones.find(q.lname, q.qname_len, &expired, &index);
    // DS lives on the parent side of a cut (RFC 4035 §3.1.4.1): answer it from the parent
    // zone when we serve that too.
    if (z && q.qtype == t::DS && q.qname_len == z->apex().size() && q.qname_len > 1) {
        size_t first = q.lname[0] + 1u;
        bool parent_expired = false;
        uint32_t parent_index = 0;
        if (const Zone* parent =
                zones.find(q.lname + first, q.qname_len - first, &parent_expired, &parent_index)) {
            z = parent;
            expired = parent_expired;
            index = parent_index;
        }
    }
    if (!z) {
        c.rcode = wire::rcode::REFUSED;
        c.ede = wire::ede::NOT_AUTHORITATIVE;
        return;
    }
    if (expired) {
        c.expired_hit = true;
        // Past the SOA expire without a successful refresh (RFC 1035 §4.3.5).
        c.rcode = wire::rcode::SERVFAIL;
        c.ede = wire::ede::NOT_READY;
        return;
    }
    c.z = z;
    c.zone_index = index;
    c.aa = true;
    // DNSSEC records go into answers for DO queries to signed zones only: an
    // unsigned zone's DS or NSEC records are data, not proofs (as Knot DNS and NSD).
    c.dnssec = c.dnssec && z->is_signed();
    resolve(c, q.qname, q.qname_len, 0);
    if (!c.tc) put_additional(c);
}

}  // namespace

Counters LiveCounters::snapshot() const {
    Counters c;
    for (int i = 0; i < 2; ++i) c.transport[i] = transport[i].get();
    for (size_t i = 0; i < 24; ++i) c.rcode[i] = rcode[i].get();
    for (size_t i = 0; i < Counters::kTypes; ++i) c.qtype[i] = qtype[i].get();
    c.dropped = dropped.get();
    c.truncated = truncated.get();
    c.notify = notify.get();
    c.expired = expired.get();
    return c;
}

size_t qtype_bucket(uint16_t qtype) noexcept {
    switch (qtype) {
        case t::A:
            return 1;
        case t::NS:
            return 2;
        case t::CNAME:
            return 3;
        case t::SOA:
            return 4;
        case t::PTR:
            return 5;
        case t::MX:
            return 6;
        case t::TXT:
            return 7;
        case t::AAAA:
            return 8;
        case t::SRV:
            return 9;
        case t::DS:
            return 10;
        case t::DNSKEY:
            return 11;
        case t::HTTPS:
            return 12;
        case t::ANY:
            return 13;
        case t::AXFR:
        case t::IXFR:
            return 14;
        case t::CAA:
            return 15;
        default:
            return 0;
    }
}

const char* qtype_bucket_name(size_t b) noexcept {
    static const char* const kNames[Counters::kTypes] = {
        "other", "A",   "NS", "CNAME",  "SOA",   "PTR", "MX",  "TXT",
        "AAAA",  "SRV", "DS", "DNSKEY", "HTTPS", "ANY", "XFR", "CAA"};
    return b < Counters::kTypes ? kNames[b] : "other";
}

Responder::Hint Responder::hint(const zone::ZoneTable& zones,
                                std::span<const uint8_t> query) noexcept {
    // Only the common shape: one uncompressed question right after the header.
    Hint h;
    if (query.size() < wire::kHeaderLen + 5) return h;
    uint8_t lname[wire::kMaxNameLen];
    size_t pos = wire::kHeaderLen, len = 0;
    while (pos < query.size() && query[pos] != 0) {
        uint8_t l = query[pos];
        if (l > wire::kMaxLabelLen || pos + 1 + l >= query.size() ||
            len + 1 + l >= wire::kMaxNameLen)
            return h;
        lname[len++] = l;
        for (uint8_t i = 1; i <= l; ++i) lname[len++] = wire::lower(query[pos + i]);
        pos += l + 1u;
    }
    if (pos >= query.size()) return h;
    lname[len++] = 0;
    h.zone = zones.find(lname, len);
    if (h.zone) h.hash = h.zone->prefetch_slot(lname, len);
    return h;
}

size_t Responder::respond(const zone::ZoneTable& zones, std::span<const uint8_t> query,
                          uint8_t* out, size_t cap, Transport transport) noexcept {
    wire::QueryStatus st = wire::parse_query(query, q_);
    if (st == wire::QueryStatus::drop || cap < 512) {
        ++counters_.dropped;
        return 0;
    }
    ++counters_.transport[static_cast<int>(transport)];
    wire::Writer w(out, cap);
    Ctx c(q_, w);
    c.tcp = transport == Transport::tcp;
    size_t max =
        transport == Transport::tcp
            ? (cap < 65535 ? cap : 65535)
            : (q_.has_edns ? (q_.udp_size < id_.max_udp ? q_.udp_size : id_.max_udp) : 512);
    if (max > cap) max = cap;
    w.reset(wire::kHeaderLen);
    bool question = q_.question_end != 0;
    if (question) {
        w.name(q_.qname, false);
        w.u16(q_.qtype);
        w.u16(q_.qclass);
    }
    bool edns = q_.has_edns && st == wire::QueryStatus::ok;
    // Room for the OPT record and the options we may add.
    size_t opt_len = edns ? 11 + (q_.nsid && !id_.nsid.empty() ? 4 + id_.nsid.size() : 0) +
                                (q_.zoneversion ? 4 + 6 : 0) + (q_.expire ? 4 + 4 : 0) + 6
                          : 0;
    w.set_limit(max > opt_len ? max - opt_len : 0);

    if (st == wire::QueryStatus::formerr) {
        c.rcode = wire::rcode::FORMERR;
    } else if (q_.opcode() == wire::opcode::NOTIFY) {
        ++counters_.notify;
        // Not a secondary here (lib/io's NotifyGate takes them otherwise): NOTAUTH,
        // question echoed and AA clear, as Knot DNS answers (NSD says REFUSED or
        // NXDOMAIN and drops the question).
        c.rcode = wire::rcode::NOTAUTH;
    } else if (st == wire::QueryStatus::notimp || q_.opcode() != wire::opcode::QUERY) {
        c.rcode = wire::rcode::NOTIMP;
    } else if (edns && q_.edns_version > 0) {
        c.rcode = wire::rcode::BADVERS;  // RFC 6891 §6.1.3
    } else {
        c.dnssec = q_.do_bit;
        ++counters_.qtype[qtype_bucket(q_.qtype)];
        if (q_.qclass == wire::rrclass::CH)
            answer_chaos(c, id_);
        else if (q_.qclass == wire::rrclass::IN || q_.qclass == wire::rrclass::ANY)
            answer_in(c, zones);
        else
            c.rcode = wire::rcode::REFUSED;
    }
    if (c.tc) ++counters_.truncated;
    if (c.expired_hit) ++counters_.expired;
    ++counters_.rcode[c.rcode < 24 ? c.rcode : 23];

    if (edns) {
        w.set_limit(max);
        uint16_t optlen = 0;
        const size_t at = w.size();
        const auto before = w.mark();
        bool ok = w.u8(0) && w.u16(t::OPT) && w.u16(id_.max_udp) &&
                  w.u8(static_cast<uint8_t>(c.rcode >> 4)) && w.u8(0) &&
                  w.u16(q_.do_bit ? 0x8000 : 0) && w.u16(0);
        if (ok && q_.nsid && !id_.nsid.empty()) {
            ok = w.u16(wire::edns_opt::NSID) && w.u16(static_cast<uint16_t>(id_.nsid.size())) &&
                 w.bytes(id_.nsid.data(), id_.nsid.size());
            optlen += static_cast<uint16_t>(4 + id_.nsid.size());
        }
        if (ok && q_.zoneversion && c.z && c.rcode != wire::rcode::REFUSED) {
            // RFC 9660: label count of the zone apex, type 0 (SOA serial), the serial.
            ok = w.u16(wire::edns_opt::ZONEVERSION) && w.u16(6) &&
                 w.u8(static_cast<uint8_t>(c.z->apex().labels())) && w.u8(0) &&
                 w.u32(c.z->serial());
            optlen += 10;
        }
        if (ok && q_.expire && c.z && c.rcode == wire::rcode::NOERROR && q_.qtype == t::SOA) {
            // RFC 7314: the seconds until this copy expires (a secondary's
            // timer), or the SOA expire field where the zone cannot expire.
            ok = w.u16(wire::edns_opt::EXPIRE) && w.u16(4) &&
                 w.u32(zones.expire_remaining(c.zone_index, std::time(nullptr)));
            optlen += 8;
        }
        if (ok && c.ede >= 0) {
            ok = w.u16(wire::edns_opt::EDE) && w.u16(2) && w.u16(static_cast<uint16_t>(c.ede));
            optlen += 6;
        }
        if (ok) {
            w.patch_u16(at + 9, optlen);
            ++c.count[kAdditional];
        } else {
            w.rollback(before);
        }
    }
    uint16_t flags = static_cast<uint16_t>(
        wire::flag::QR | (q_.flags & 0x7800) | (q_.flags & (wire::flag::RD | wire::flag::CD)) |
        (c.aa ? wire::flag::AA : 0) | (c.tc ? wire::flag::TC : 0) | (c.rcode & 0xF));
    wire::put16(out, q_.id);
    wire::put16(out + 2, flags);
    wire::put16(out + 4, question ? 1 : 0);
    wire::put16(out + 6, c.count[kAnswer]);
    wire::put16(out + 8, c.count[kAuthority]);
    wire::put16(out + 10, c.count[kAdditional]);
    return w.size();
}

}  // namespace dns::answer
