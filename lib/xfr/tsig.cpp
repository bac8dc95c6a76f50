#include "lib/xfr/tsig.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "lib/wire/message.hpp"
#include "lib/wire/reader.hpp"
#include "lib/wire/rrtype.hpp"

namespace dns::xfr {

namespace {

constexpr size_t kMaxMac = 64;  // SHA-512

struct AlgInfo {
    TsigAlgorithm alg;
    std::string_view name;  // presentation form, absolute
    const char* digest;     // OpenSSL digest name
    size_t size;
};

constexpr std::array<AlgInfo, 5> kAlgs{{
    {TsigAlgorithm::hmac_sha1, "hmac-sha1.", "SHA1", 20},
    {TsigAlgorithm::hmac_sha224, "hmac-sha224.", "SHA224", 28},
    {TsigAlgorithm::hmac_sha256, "hmac-sha256.", "SHA256", 32},
    {TsigAlgorithm::hmac_sha384, "hmac-sha384.", "SHA384", 48},
    {TsigAlgorithm::hmac_sha512, "hmac-sha512.", "SHA512", 64},
}};

const AlgInfo& info(TsigAlgorithm alg) noexcept { return kAlgs[static_cast<size_t>(alg)]; }

/// Wire form of an algorithm name (a single label plus the root); returns the length.
size_t algorithm_wire(TsigAlgorithm alg, uint8_t* out) noexcept {
    std::string_view n = info(alg).name;
    n.remove_suffix(1);  // the final dot
    out[0] = static_cast<uint8_t>(n.size());
    std::memcpy(out + 1, n.data(), n.size());
    out[n.size() + 1] = 0;
    return n.size() + 2;
}

/// The algorithm a received wire name denotes, if it is one we implement.
std::optional<TsigAlgorithm> algorithm_from_wire(const uint8_t* name, size_t len) noexcept {
    for (const auto& a : kAlgs) {
        uint8_t w[16];
        size_t wl = algorithm_wire(a.alg, w);
        if (wl == len && wire::name_equal(w, name)) return a.alg;
    }
    return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (wire::lower(static_cast<uint8_t>(a[i])) != wire::lower(static_cast<uint8_t>(b[i])))
            return false;
    return true;
}

void put48(uint8_t* p, uint64_t v) noexcept {
    wire::put16(p, static_cast<uint16_t>(v >> 32));
    wire::put32(p + 2, static_cast<uint32_t>(v));
}

// ---- HMAC over OpenSSL 3 EVP_MAC ----

EVP_MAC* hmac_method() noexcept {
    // Fetched once; an EVP_MAC may be shared between threads.
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

class Hmac {
  public:
    Hmac() = default;
    Hmac(const Hmac&) = delete;
    Hmac& operator=(const Hmac&) = delete;
    ~Hmac() { EVP_MAC_CTX_free(ctx_); }

    bool init(const TsigKey& key) noexcept {
        EVP_MAC* m = hmac_method();
        if (!m || key.secret.empty()) return false;
        ctx_ = EVP_MAC_CTX_new(m);
        if (!ctx_) return false;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                             const_cast<char*>(info(key.algorithm).digest), 0),
            OSSL_PARAM_construct_end(),
        };
        return EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char*>(key.secret.data()),
                            key.secret.size(), params) == 1;
    }
    void update(const void* p, size_t n) noexcept {
        if (n && ok_) ok_ = EVP_MAC_update(ctx_, static_cast<const unsigned char*>(p), n) == 1;
    }
    void update(std::span<const uint8_t> s) noexcept { update(s.data(), s.size()); }
    void u16(uint16_t v) noexcept {
        uint8_t b[2];
        wire::put16(b, v);
        update(b, 2);
    }
    /// Writes the MAC (kMaxMac bytes of room) and returns its length, 0 on failure.
    size_t final(uint8_t* out) noexcept {
        size_t n = 0;
        if (!ok_ || EVP_MAC_final(ctx_, out, &n, kMaxMac) != 1) return 0;
        return n;
    }

  private:
    EVP_MAC_CTX* ctx_ = nullptr;
    bool ok_ = true;
};

/// What goes into one MAC computation (RFC 8945 §4.3 and §5.3.1).
struct Digest {
    std::span<const uint8_t> prior_mac;  ///< request or prior MAC; empty for a request
    bool with_prior = false;             ///< include prior_mac (with its length)
    std::span<const uint8_t> pending;    ///< unsigned messages before this one
    std::span<const uint8_t> msg;        ///< the message without its TSIG RR
    uint16_t original_id = 0;
    uint16_t arcount = 0;      ///< ARCOUNT without the TSIG RR
    bool timers_only = false;  ///< a subsequent message of a stream
    uint64_t time_signed = 0;
    uint16_t fudge = 0;
    uint16_t error = 0;
    std::span<const uint8_t> other;
};

Result<size_t> compute_mac(const TsigKey& key, const Digest& d, uint8_t* out) {
    Hmac h;
    if (!h.init(key)) return make_error(Errc::unsupported, "cannot set up HMAC for the TSIG key");
    if (d.with_prior) {
        h.u16(static_cast<uint16_t>(d.prior_mac.size()));
        h.update(d.prior_mac);
    }
    h.update(d.pending);
    h.u16(d.original_id);
    h.update(d.msg.data() + 2, 8);
    h.u16(d.arcount);
    h.update(d.msg.subspan(wire::kHeaderLen));
    uint8_t timers[8];
    put48(timers, d.time_signed);
    wire::put16(timers + 6, d.fudge);
    if (d.timers_only) {
        h.update(timers, 8);
    } else {
        uint8_t name[wire::kMaxNameLen];
        wire::to_lower(key.name.data(), key.name.size(), name);
        h.update(name, key.name.size());
        h.u16(wire::rrclass::ANY);
        h.update("\0\0\0\0", 4);  // TTL
        size_t alen = algorithm_wire(key.algorithm, name);
        h.update(name, alen);
        h.update(timers, 8);
        h.u16(d.error);
        h.u16(static_cast<uint16_t>(d.other.size()));
        h.update(d.other);
    }
    size_t n = h.final(out);
    if (!n) return make_error(Errc::unsupported, "HMAC computation failed");
    return n;
}

/// Appends a TSIG RR to msg[0, len) and increments ARCOUNT; returns the new length.
Result<size_t> append_tsig(uint8_t* msg, size_t len, size_t cap, std::span<const uint8_t> owner,
                           std::span<const uint8_t> algorithm, uint64_t time_signed, uint16_t fudge,
                           std::span<const uint8_t> mac, uint16_t original_id, uint16_t error,
                           std::span<const uint8_t> other) {
    if (len < wire::kHeaderLen || len > cap) return make_error(Errc::malformed, "no DNS header");
    uint16_t arcount = wire::get16(msg + 10);
    if (arcount == 0xFFFF) return make_error(Errc::limit, "ARCOUNT is full");
    const size_t rdlen = algorithm.size() + 6 + 2 + 2 + mac.size() + 2 + 2 + 2 + other.size();
    const size_t need = owner.size() + 10 + rdlen;
    if (rdlen > 0xFFFF || cap - len < need)
        return make_error(Errc::limit, "no room for the TSIG record");
    uint8_t* p = msg + len;
    std::memcpy(p, owner.data(), owner.size());
    p += owner.size();
    wire::put16(p, wire::type::TSIG);
    wire::put16(p + 2, wire::rrclass::ANY);
    wire::put32(p + 4, 0);
    wire::put16(p + 8, static_cast<uint16_t>(rdlen));
    p += 10;
    std::memcpy(p, algorithm.data(), algorithm.size());
    p += algorithm.size();
    put48(p, time_signed);
    wire::put16(p + 6, fudge);
    wire::put16(p + 8, static_cast<uint16_t>(mac.size()));
    p += 10;
    if (!mac.empty()) std::memcpy(p, mac.data(), mac.size());
    p += mac.size();
    wire::put16(p, original_id);
    wire::put16(p + 2, error);
    wire::put16(p + 4, static_cast<uint16_t>(other.size()));
    p += 6;
    if (!other.empty()) std::memcpy(p, other.data(), other.size());
    wire::put16(msg + 10, static_cast<uint16_t>(arcount + 1));
    return len + need;
}

/// RFC 8945 §5.2.2.1: a MAC may be truncated, but not below max(10, half the hash).
bool mac_size_ok(size_t mac_size, TsigAlgorithm alg) noexcept {
    size_t full = info(alg).size;
    return mac_size <= full && mac_size >= std::max<size_t>(10, full / 2);
}

bool time_ok(uint64_t time_signed, uint16_t fudge, uint64_t now) noexcept {
    uint64_t skew = now > time_signed ? now - time_signed : time_signed - now;
    return skew <= fudge;
}

std::string_view error_name(uint16_t e) noexcept {
    switch (e) {
        case tsig_error::FORMERR:
            return "FORMERR";
        case tsig_error::BADSIG:
            return "BADSIG";
        case tsig_error::BADKEY:
            return "BADKEY";
        case tsig_error::BADTIME:
            return "BADTIME";
        case tsig_error::BADTRUNC:
            return "BADTRUNC";
        default:
            return "unknown";
    }
}

/// The digest input for a received message whose TSIG is `t`.
Digest received_digest(std::span<const uint8_t> msg, const TsigRecord& t) {
    Digest d;
    d.msg = msg.first(t.rr_offset);
    d.original_id = t.original_id;
    d.arcount = static_cast<uint16_t>(wire::get16(msg.data() + 10) - 1);
    d.time_signed = t.time_signed;
    d.fudge = t.fudge;
    d.error = t.error;
    d.other = t.other;
    return d;
}

}  // namespace

// ---- algorithms, keys, base64 ----

std::string_view algorithm_name(TsigAlgorithm alg) noexcept { return info(alg).name; }

size_t algorithm_digest_size(TsigAlgorithm alg) noexcept { return info(alg).size; }

Result<TsigAlgorithm> algorithm_from_text(std::string_view text) {
    std::string_view t = text;
    if (!t.empty() && t.back() == '.') t.remove_suffix(1);
    for (const auto& a : kAlgs) {
        std::string_view n = a.name.substr(0, a.name.size() - 1);
        if (iequals(t, n)) return a.alg;
    }
    if (iequals(t, "hmac-md5") || iequals(t, "hmac-md5.sig-alg.reg.int"))
        return make_error(Errc::unsupported,
                          "TSIG algorithm '" + std::string(text) +
                              "' (HMAC-MD5) is not supported; use hmac-sha256 or stronger");
    return make_error(Errc::not_found,
                      "unknown TSIG algorithm '" + std::string(text) +
                          "' (expected hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or "
                          "hmac-sha512)");
}

Result<TsigKey> parse_tsig_key(std::string_view spec) {
    // Split from the right: the secret and the algorithm never contain ':'.
    size_t c2 = spec.rfind(':');
    size_t c1 =
        c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos : spec.rfind(':', c2 - 1);
    if (c1 == std::string_view::npos)
        return make_error(Errc::syntax, "TSIG key '" + std::string(spec) +
                                            "' is not of the form NAME:ALGORITHM:BASE64SECRET");
    std::string_view name = spec.substr(0, c1);
    std::string_view alg = spec.substr(c1 + 1, c2 - c1 - 1);
    std::string_view secret = spec.substr(c2 + 1);
    if (name.empty()) return make_error(Errc::syntax, "TSIG key name is empty");
    if (alg.empty()) return make_error(Errc::syntax, "TSIG key algorithm is empty");
    if (secret.empty()) return make_error(Errc::syntax, "TSIG key secret is empty");

    TsigKey key;
    wire::Name root;
    auto n = wire::Name::from_text(name, &root);
    if (!n)
        return make_error(Errc::syntax, "TSIG key name '" + std::string(name) +
                                            "' is invalid: " + n.error().message);
    key.name = std::move(*n);
    auto a = algorithm_from_text(alg);
    if (!a) return make_error(a.error().code, std::move(a).error().message);
    key.algorithm = *a;
    auto s = base64_decode(secret);
    if (!s)
        return make_error(Errc::syntax,
                          "TSIG key secret is not valid base64: " + s.error().message);
    if (s->empty()) return make_error(Errc::syntax, "TSIG key secret is empty");
    key.secret = std::move(*s);
    return key;
}

// ---- finding the TSIG RR ----

Result<TsigRecord> parse_tsig(std::span<const uint8_t> msg) {
    auto bad = [](const char* why) { return make_error(Errc::malformed, why); };
    wire::Reader r(msg);
    uint16_t counts[6];
    for (auto& c : counts)
        if (!r.u16(c)) return bad("message shorter than a DNS header");
    uint8_t name[wire::kMaxNameLen];
    size_t name_len = 0;
    for (uint16_t i = 0; i < counts[2]; ++i)
        if (!r.name(name, name_len) || !r.skip(4)) return bad("bad question section");
    const uint32_t rrs = uint32_t{counts[3]} + counts[4] + counts[5];
    for (uint32_t i = 0; i < rrs; ++i) {
        const size_t start = r.pos();
        uint16_t type = 0, rrclass = 0, rdlen = 0;
        uint32_t ttl = 0;
        if (!r.name(name, name_len) || !r.u16(type) || !r.u16(rrclass) || !r.u32(ttl) ||
            !r.u16(rdlen) || r.remaining() < rdlen)
            return bad("bad resource record");
        if (type != wire::type::TSIG) {
            r.skip(rdlen);
            continue;
        }
        if (i + 1 != rrs || counts[5] == 0) return bad("TSIG is not the last additional record");
        if (rrclass != wire::rrclass::ANY || ttl != 0)
            return bad("TSIG class is not ANY or TTL not 0");
        if (r.remaining() != rdlen) return bad("trailing bytes after TSIG record");

        TsigRecord t;
        t.rr_offset = start;
        std::memcpy(t.key_name, name, name_len);
        t.key_name_len = name_len;
        t.rdata_offset = r.pos();
        uint16_t hi = 0, mac_size = 0, other_len = 0;
        uint32_t lo = 0;
        const uint8_t* p = nullptr;
        if (!r.name(t.algorithm, t.algorithm_len) || !r.u16(hi) || !r.u32(lo) || !r.u16(t.fudge) ||
            !r.u16(mac_size))
            return bad("TSIG RDATA too short");
        t.time_signed = uint64_t{hi} << 32 | lo;
        t.mac_offset = r.pos();
        if (!r.bytes(mac_size, p)) return bad("TSIG MAC runs past the record");
        t.mac = {p, mac_size};
        if (!r.u16(t.original_id) || !r.u16(t.error) || !r.u16(other_len) || !r.bytes(other_len, p))
            return bad("TSIG RDATA too short");
        t.other = {p, other_len};
        if (r.remaining() != 0 || r.pos() - t.rdata_offset != rdlen)
            return bad("TSIG RDATA length does not match its fields");
        return t;
    }
    if (r.remaining() != 0) return bad("trailing bytes after the message");
    return make_error(Errc::not_found, "message has no TSIG record");
}

bool message_has_tsig(std::span<const uint8_t> msg) noexcept { return parse_tsig(msg).has_value(); }

// ---- sessions ----

TsigSession::TsigSession(TsigKey key) : key_(std::move(key)) {}

Result<void> TsigSession::fail(uint16_t code, Errc errc, std::string message) {
    failed_ = true;
    last_verified_ = false;
    error_ = code;
    return make_error(errc, std::move(message));
}

namespace {

// Signs msg[0, len) with the digest `d` (prior MAC and pending messages already
// set by the caller): appends the TSIG RR and returns the new length; the MAC
// goes to `mac_out`, the prior MAC of the next message.
Result<size_t> sign_message(const TsigKey& key, Digest& d, uint8_t* msg, size_t len, size_t cap,
                            uint64_t now, std::vector<uint8_t>& mac_out) {
    auto existing = parse_tsig({msg, len});
    if (existing || existing.error().code != Errc::not_found)
        return make_error(Errc::malformed,
                          existing ? "message is already signed" : existing.error().message);
    d.msg = {msg, len};
    d.original_id = wire::get16(msg);
    d.arcount = wire::get16(msg + 10);
    d.time_signed = now;
    d.fudge = kTsigFudge;
    uint8_t mac[kMaxMac];
    auto n = compute_mac(key, d, mac);
    if (!n) return std::move(n).error();
    uint8_t alg[16];
    size_t alen = algorithm_wire(key.algorithm, alg);
    auto out = append_tsig(msg, len, cap, key.name.wire(), {alg, alen}, now, kTsigFudge, {mac, *n},
                           d.original_id, tsig_error::NOERROR, {});
    if (out) mac_out.assign(mac, mac + *n);
    return out;
}

}  // namespace

Result<size_t> TsigSession::sign_request(uint8_t* msg, size_t len, size_t cap, uint64_t now) {
    Digest d;
    auto out = sign_message(key_, d, msg, len, cap, now, prior_mac_);
    if (!out) return out;
    pending_.clear();
    unsigned_run_ = 0;
    first_ = true;
    last_verified_ = failed_ = false;
    error_ = tsig_error::NOERROR;
    return out;
}

Result<void> TsigSession::verify_response(std::span<const uint8_t> msg, uint64_t now) {
    if (failed_) return make_error(Errc::refused, "TSIG session already failed");
    if (prior_mac_.empty()) return make_error(Errc::semantic, "no signed request to match");
    auto t = parse_tsig(msg);
    if (!t) {
        if (t.error().code != Errc::not_found)
            return fail(tsig_error::FORMERR, Errc::malformed, t.error().message);
        if (first_) return fail(tsig_error::BADSIG, Errc::refused, "first response is not signed");
        if (++unsigned_run_ > kTsigMaxUnsigned)
            return fail(tsig_error::BADSIG, Errc::refused,
                        "more than 99 unsigned messages in a row");
        pending_.insert(pending_.end(), msg.begin(), msg.end());
        last_verified_ = false;
        return {};
    }
    if (!wire::name_equal(t->key_name, key_.name.data()) ||
        algorithm_from_wire(t->algorithm, t->algorithm_len) != key_.algorithm)
        return fail(tsig_error::BADKEY, Errc::refused,
                    "BADKEY: response signed with key " + wire::to_text(t->key_name) + " (" +
                        wire::to_text(t->algorithm) + "), expected " + key_.name.to_text());
    const bool reported = t->error != tsig_error::NOERROR;
    auto report = [&](const char* how) {
        return fail(t->error, Errc::refused,
                    "server reported TSIG error " + std::string(error_name(t->error)) + " (" +
                        std::to_string(t->error) + ")" + how);
    };
    if (reported && t->mac.empty()) return report(" in an unsigned response");
    if (!mac_size_ok(t->mac.size(), key_.algorithm))
        return fail(tsig_error::FORMERR, Errc::malformed,
                    "TSIG MAC size " + std::to_string(t->mac.size()) + " is not allowed");
    Digest d = received_digest(msg, *t);
    d.with_prior = true;
    d.prior_mac = prior_mac_;
    if (!first_) {
        d.pending = pending_;
        d.timers_only = true;
    }
    uint8_t mac[kMaxMac];
    auto n = compute_mac(key_, d, mac);
    if (!n) return fail(tsig_error::BADSIG, n.error().code, n.error().message);
    if (CRYPTO_memcmp(mac, t->mac.data(), t->mac.size()) != 0)
        return fail(tsig_error::BADSIG, Errc::refused, "BADSIG: TSIG MAC does not match");
    // A signed error (BADTIME) keeps the request's Time Signed; its time is not checked.
    if (reported) return report("");
    if (!time_ok(t->time_signed, t->fudge, now))
        return fail(tsig_error::BADTIME, Errc::refused,
                    "BADTIME: signed at " + std::to_string(t->time_signed) + ", now " +
                        std::to_string(now) + ", fudge " + std::to_string(t->fudge));
    prior_mac_.assign(t->mac.begin(), t->mac.end());
    pending_.clear();
    unsigned_run_ = 0;
    first_ = false;
    last_verified_ = true;
    return {};
}

Result<void> TsigSession::finish() const {
    if (failed_) return make_error(Errc::refused, "TSIG verification failed");
    if (first_) return make_error(Errc::refused, "no signed response was verified");
    if (!last_verified_) return make_error(Errc::refused, "the last message was not signed");
    return {};
}

Result<TsigSession> TsigSession::verify_request(std::span<const uint8_t> msg,
                                                const std::vector<TsigKey>& keys, uint64_t now,
                                                uint16_t& tsig_error) {
    tsig_error = tsig_error::NOERROR;
    auto t = parse_tsig(msg);
    if (!t) {
        if (t.error().code != Errc::not_found) tsig_error = tsig_error::FORMERR;
        return std::move(t).error();
    }
    const auto alg = algorithm_from_wire(t->algorithm, t->algorithm_len);
    const TsigKey* key = nullptr;
    for (const auto& k : keys) {
        if (wire::name_equal(k.name.data(), t->key_name) && alg == k.algorithm) {
            key = &k;
            break;
        }
    }
    if (!key) {
        tsig_error = tsig_error::BADKEY;
        return make_error(Errc::refused, "BADKEY: no key " + wire::to_text(t->key_name) +
                                             " with algorithm " + wire::to_text(t->algorithm));
    }
    if (!mac_size_ok(t->mac.size(), key->algorithm)) {
        tsig_error = tsig_error::FORMERR;
        return make_error(Errc::malformed,
                          "TSIG MAC size " + std::to_string(t->mac.size()) + " is not allowed");
    }
    Digest d = received_digest(msg, *t);
    uint8_t mac[kMaxMac];
    auto n = compute_mac(*key, d, mac);
    if (!n) {
        tsig_error = tsig_error::BADSIG;
        return std::move(n).error();
    }
    if (CRYPTO_memcmp(mac, t->mac.data(), t->mac.size()) != 0) {
        tsig_error = tsig_error::BADSIG;
        return make_error(Errc::refused, "BADSIG: TSIG MAC does not match");
    }
    if (!time_ok(t->time_signed, t->fudge, now)) {
        tsig_error = tsig_error::BADTIME;
        return make_error(Errc::refused, "BADTIME: signed at " + std::to_string(t->time_signed) +
                                             ", now " + std::to_string(now) + ", fudge " +
                                             std::to_string(t->fudge));
    }
    TsigSession s(*key);
    s.prior_mac_.assign(t->mac.begin(), t->mac.end());
    return s;
}

Result<size_t> TsigSession::sign_response(uint8_t* msg, size_t len, size_t cap, uint64_t now) {
    if (prior_mac_.empty()) return make_error(Errc::semantic, "no verified request to answer");
    Digest d;
    d.with_prior = true;
    d.prior_mac = prior_mac_;
    if (!first_) {
        d.pending = pending_;
        d.timers_only = true;
    }
    std::vector<uint8_t> mac;
    auto out = sign_message(key_, d, msg, len, cap, now, mac);
    if (!out) return out;
    prior_mac_ = std::move(mac);
    pending_.clear();
    first_ = false;
    return out;
}

void TsigSession::add_unsigned_response(std::span<const uint8_t> msg) {
    pending_.insert(pending_.end(), msg.begin(), msg.end());
}

Result<size_t> TsigSession::sign_error_response(std::span<const uint8_t> request,
                                                const std::vector<TsigKey>& keys, uint16_t error,
                                                uint8_t* msg, size_t len, size_t cap,
                                                uint64_t now) {
    auto t = parse_tsig(request);
    if (!t) return std::move(t).error();
    if (len < wire::kHeaderLen) return make_error(Errc::malformed, "no DNS header");
    const uint16_t id = wire::get16(msg);
    std::span<const uint8_t> owner{t->key_name, t->key_name_len};
    if (error == tsig_error::BADKEY || error == tsig_error::BADSIG) {
        return append_tsig(msg, len, cap, owner, {t->algorithm, t->algorithm_len}, now, kTsigFudge,
                           {}, id, error, {});
    }
    if (error != tsig_error::BADTIME)
        return make_error(Errc::semantic,
                          "no TSIG error response for error " + std::to_string(error));
    const auto alg = algorithm_from_wire(t->algorithm, t->algorithm_len);
    const TsigKey* key = nullptr;
    for (const auto& k : keys)
        if (wire::name_equal(k.name.data(), t->key_name) && alg == k.algorithm) key = &k;
    if (!key) return make_error(Errc::not_found, "the request's key is not known");
    uint8_t other[6];
    put48(other, now);
    Digest d;
    d.with_prior = true;
    d.prior_mac = t->mac;
    d.msg = {msg, len};
    d.original_id = id;
    d.arcount = wire::get16(msg + 10);
    d.time_signed = t->time_signed;
    d.fudge = kTsigFudge;
    d.error = error;
    d.other = other;
    uint8_t mac[kMaxMac];
    auto n = compute_mac(*key, d, mac);
    if (!n) return std::move(n).error();
    uint8_t aw[16];
    size_t alen = algorithm_wire(key->algorithm, aw);
    return append_tsig(msg, len, cap, key->name.wire(), {aw, alen}, t->time_signed, kTsigFudge,
                       {mac, *n}, id, error, other);
}

size_t sign_answer(std::span<const uint8_t> query, const std::vector<TsigKey>& keys, uint8_t* out,
                   size_t len, size_t cap, uint64_t now) noexcept {
    try {
        uint16_t err = 0;
        auto session = TsigSession::verify_request(query, keys, now, err);
        if (session) {
            auto signed_len = session->sign_response(out, len, cap, now);
            return signed_len ? *signed_len : len;
        }
        if (err == tsig_error::NOERROR) return len;  // not signed
        // NOTAUTH with the TSIG error: keep the header and the question only.
        if (len < wire::kHeaderLen) return len;
        size_t end = wire::kHeaderLen;
        if (wire::get16(out + 4) > 0) {
            while (end < len && out[end] != 0) end += out[end] + 1u;
            end += 5;
            if (end > len) return len;
        }
        uint16_t flags = static_cast<uint16_t>((wire::get16(out + 2) & ~(wire::flag::AA | 0xF)) |
                                               wire::rcode::NOTAUTH);
        wire::put16(out + 2, flags);
        wire::put16(out + 6, 0);
        wire::put16(out + 8, 0);
        wire::put16(out + 10, 0);
        if (err == tsig_error::FORMERR) {
            wire::put16(out + 2, static_cast<uint16_t>((flags & ~0xF) | wire::rcode::FORMERR));
            return end;
        }
        auto e = TsigSession::sign_error_response(query, keys, err, out, end, cap, now);
        return e ? *e : end;
    } catch (...) {
        return len;
    }
}

const TsigKey* find_key(const std::vector<TsigKey>& keys, std::string_view name) {
    if (name.empty()) return nullptr;
    auto n =
        wire::Name::from_text(name.back() == '.' ? std::string(name) : std::string(name) + ".");
    if (!n) return nullptr;
    for (const auto& k : keys)
        if (k.name == *n) return &k;
    return nullptr;
}

}  // namespace dns::xfr
