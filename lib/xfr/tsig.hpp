#pragma once
// TSIG, secret key transaction authentication (RFC 8945), sans I/O: messages go in
// as bytes and signed messages come out as bytes. A TsigSession covers one request
// and its response(s), on either side:
//
//   client: sign_request() the request, then verify_response() every message that
//           comes back (one for UDP, a stream for AXFR/IXFR over TCP), then finish().
//   server: verify_request() the request (this creates the session), then
//           sign_response() every message sent back (add_unsigned_response() for any
//           message deliberately left unsigned in a TCP stream).
//
// Times are seconds since the epoch (the 48-bit "Time Signed" field). Only the HMAC
// algorithms are supported; hmac-md5 is recognised and refused.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/base64.hpp"
#include "lib/base/result.hpp"
#include "lib/wire/name.hpp"

namespace dns::xfr {

/// The HMAC algorithms of RFC 8945 §6 that are implemented.
enum class TsigAlgorithm : uint8_t {
    hmac_sha1,
    hmac_sha224,
    hmac_sha256,
    hmac_sha384,
    hmac_sha512
};

/// TSIG error codes (the Error field of the TSIG RR, RFC 8945 §3).
namespace tsig_error {
inline constexpr uint16_t NOERROR = 0, FORMERR = 1, BADSIG = 16, BADKEY = 17, BADTIME = 18,
                          BADTRUNC = 22;
}

/// Fudge (allowed clock skew, seconds) put into the TSIG records this code writes.
inline constexpr uint16_t kTsigFudge = 300;
/// Unsigned messages a client accepts in a row inside a TCP stream (RFC 8945 §5.3.1).
inline constexpr unsigned kTsigMaxUnsigned = 99;

/// Algorithm name in presentation form, as on the wire: "hmac-sha256." etc.
std::string_view algorithm_name(TsigAlgorithm alg) noexcept;
/// Length in octets of the full HMAC output.
size_t algorithm_digest_size(TsigAlgorithm alg) noexcept;
/// Accepts "hmac-sha256" or "hmac-sha256." (any case); hmac-md5 (also in its long form
/// "hmac-md5.sig-alg.reg.int.") is `unsupported`, anything else `not_found`.
Result<TsigAlgorithm> algorithm_from_text(std::string_view text);

/// A shared secret key.
struct TsigKey {
    wire::Name name;  ///< the key name (the owner of the TSIG RR)
    TsigAlgorithm algorithm = TsigAlgorithm::hmac_sha256;
    std::string secret;  ///< raw secret octets (not base64)
};

/// Parses "NAME:ALGORITHM:BASE64SECRET", e.g. "xfr.key:hmac-sha256:c2VjcmV0". The name
/// may omit the final dot. The error message names the part that is wrong.
Result<TsigKey> parse_tsig_key(std::string_view spec);

/// The key of that name among `keys` (the final dot may be left out), or
/// null (also for an empty or invalid name).
const TsigKey* find_key(const std::vector<TsigKey>& keys, std::string_view name);

using dns::base64_decode;
using dns::base64_encode;

/// A TSIG RR as found at the end of a message; spans point into the message.
struct TsigRecord {
    size_t rr_offset = 0;     ///< where the TSIG RR (its owner name) starts
    size_t rdata_offset = 0;  ///< where its RDATA starts (RDLENGTH is the 2 octets before)
    size_t mac_offset = 0;    ///< where the MAC starts (MAC Size is the 2 octets before)
    uint8_t key_name[wire::kMaxNameLen];  ///< uncompressed
    size_t key_name_len = 0;
    uint8_t algorithm[wire::kMaxNameLen];  ///< uncompressed
    size_t algorithm_len = 0;
    uint64_t time_signed = 0;
    uint16_t fudge = 0;
    std::span<const uint8_t> mac;
    uint16_t original_id = 0;
    uint16_t error = 0;
    std::span<const uint8_t> other;
};

/// Finds and parses the TSIG RR. not_found when the message has no TSIG; malformed when
/// the message cannot be walked, a TSIG is not the last additional record, or the TSIG
/// RR is bad (class not ANY, TTL not 0, RDATA fields not adding up).
Result<TsigRecord> parse_tsig(std::span<const uint8_t> msg);

/// True when the message's last additional record is a well-formed TSIG RR.
bool message_has_tsig(std::span<const uint8_t> msg) noexcept;

/// The TSIG state of one transaction (see the file comment). Movable, not thread-safe.
class TsigSession {
  public:
    /// A client session for a request signed with `key`.
    explicit TsigSession(TsigKey key);

    // ---- client ----

    /// Appends a TSIG RR (fudge 300, Original ID = the message ID, no error, no other
    /// data) to the message msg[0, len) in a buffer of `cap` bytes, increments ARCOUNT
    /// and remembers the MAC for the response. Returns the new length; `limit` when the
    /// record does not fit, `malformed` when msg is not a message without TSIG.
    Result<size_t> sign_request(uint8_t* msg, size_t len, size_t cap, uint64_t now);

    /// Verifies one response message: the first one (whose digest covers the request
    /// MAC) and then each subsequent one of a TCP stream (prior MAC, the unsigned
    /// messages since, timers only). Unsigned messages after the first are accepted,
    /// up to 99 in a row; they are folded into the next signed message's digest. Checks
    /// in order: key name and algorithm (BADKEY), MAC size (FORMERR), MAC (BADSIG) and
    /// time within fudge (BADTIME). A TSIG error reported by the server fails too, with
    /// error() set to it (after the MAC check when the error response is signed: BADTIME).
    /// After any failure the session refuses further messages; error() tells why.
    Result<void> verify_response(std::span<const uint8_t> msg, uint64_t now);

    /// True when the last message given to verify_response() was signed and verified.
    bool last_verified() const noexcept { return last_verified_; }
    /// Succeeds when at least one response was verified and the last one was signed
    /// (RFC 8945 §5.3.1: a stream must end with a signed message).
    Result<void> finish() const;

    // ---- server ----

    /// Verifies a signed request against `keys` and returns the session for answering
    /// it. On failure `tsig_error` receives the TSIG error for the response: BADKEY,
    /// BADSIG, BADTIME (answer NOTAUTH; see sign_error_response()), or FORMERR (answer
    /// FORMERR without TSIG); it is NOERROR with `not_found` when the request is not
    /// signed at all. On success it is NOERROR.
    static Result<TsigSession> verify_request(std::span<const uint8_t> msg,
                                              const std::vector<TsigKey>& keys, uint64_t now,
                                              uint16_t& tsig_error);

    /// Signs a response message msg[0, len) (as sign_request; Original ID = the message
    /// ID): the first one with the request MAC, later ones of a stream with the prior
    /// MAC and the timers only.
    Result<size_t> sign_response(uint8_t* msg, size_t len, size_t cap, uint64_t now);

    /// Records a response of a TCP stream that is sent without TSIG (after the first):
    /// its bytes are covered by the next sign_response().
    void add_unsigned_response(std::span<const uint8_t> msg);

    /// Appends to an error response the TSIG RR RFC 8945 §5.3.2 asks for after
    /// verify_request() failed with `error` (build the response with RCODE NOTAUTH
    /// first): for BADKEY and BADSIG an unsigned TSIG (MAC size 0) naming the request's
    /// key and algorithm; for BADTIME one signed with the request's key, Time Signed
    /// copied from the request and the server time in Other Data. Fails for other codes.
    static Result<size_t> sign_error_response(std::span<const uint8_t> request,
                                              const std::vector<TsigKey>& keys, uint16_t error,
                                              uint8_t* msg, size_t len, size_t cap, uint64_t now);

    // ---- both ----

    const TsigKey& key() const noexcept { return key_; }
    /// The TSIG error of the last failure (BADKEY, BADSIG, BADTIME, FORMERR, or the
    /// error a server reported), NOERROR when nothing failed.
    uint16_t error() const noexcept { return error_; }

  private:
    Result<void> fail(uint16_t code, Errc errc, std::string message);

    TsigKey key_;
    std::vector<uint8_t> prior_mac_;  ///< request MAC, then the MAC of the last signed message
    std::vector<uint8_t> pending_;    ///< unsigned messages since the last signed one
    unsigned unsigned_run_ = 0;
    bool first_ = true;  ///< no response signed or verified yet
    bool last_verified_ = false;
    bool failed_ = false;
    uint16_t error_ = tsig_error::NOERROR;
};

/// The answer to a query that carried a TSIG (RFC 8945 §5.3): out[0, len),
/// a response already written, is signed with the query's key when the query
/// verifies; when it does not, the response is cut to its header and
/// question, becomes NOTAUTH and carries the TSIG error (§5.2). Returns the
/// new length (the old one when the query has no TSIG). Never throws.
size_t sign_answer(std::span<const uint8_t> query, const std::vector<TsigKey>& keys, uint8_t* out,
                   size_t len, size_t cap, uint64_t now) noexcept;

}  // namespace dns::xfr
