#pragma once
// NOTIFY in (RFC 1996 §3.7-3.11): decides whether a NOTIFY comes from one of
// the zone's primaries (with the zone's TSIG key, RFC 8945), writes the whole
// answer (signed when the NOTIFY was, or with the TSIG error when it failed),
// and hands accepted NOTIFYs to the secondary runner. Query threads call
// respond(); the runner publishes who may notify which zone with set().
//
// A NOTIFY that is not taken (the zone is not a secondary zone here, the
// sender is not one of its primaries, its TSIG fails) is answered NOTAUTH with
// the question echoed and AA clear, as Knot DNS does.

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/xfr/tsig.hpp"

namespace dns::io {

/// Who may NOTIFY one zone.
struct NotifySource {
    std::vector<boost::asio::ip::address> primaries;
    std::optional<xfr::TsigKey> key;  ///< required on the NOTIFY when set
};
/// By lower-cased zone name text ("example.com.").
using NotifyAcl = std::map<std::string, NotifySource>;

class NotifyGate {
  public:
    /// Called on the query thread for each accepted NOTIFY, with the zone key,
    /// the sender's address ("192.0.2.1", "2001:db8::1") and the serial of the
    /// SOA in its answer section, if any. Must not block (the runner posts to
    /// its own thread).
    using Accept = std::function<void(const std::string& zone, const std::string& from,
                                      std::optional<uint32_t> serial)>;

    NotifyGate() = default;
    void on_accept(Accept accept) { accept_ = std::move(accept); }
    /// Publishes a new access list (any thread).
    void set(std::shared_ptr<const NotifyAcl> acl) { acl_.store(std::move(acl)); }
    /// Catalog members are not in the list: their catalog's entry decides.
    /// All of them (member key -> catalog key), or one ("" catalog: no more).
    void set_members(std::unordered_map<std::string, std::string> members) {
        std::lock_guard lock(members_mu_);
        members_ = std::move(members);
    }
    void set_member(const std::string& member, const std::string& catalog) {
        std::lock_guard lock(members_mu_);
        if (catalog.empty())
            members_.erase(member);
        else
            members_[member] = catalog;
    }

    /// True for a NOTIFY request (opcode 4, QR clear), so the caller hands it here.
    static bool is_notify(std::span<const uint8_t> message) noexcept {
        return message.size() >= 12 && (message[2] & 0x80) == 0 && ((message[2] >> 3) & 0xF) == 4;
    }
    /// Answers a NOTIFY into out[0, cap) and returns the length (0: send
    /// nothing, e.g. a malformed header). `peer` is the sender's sockaddr.
    size_t respond(std::span<const uint8_t> query, const sockaddr* peer, uint8_t* out, size_t cap,
                   uint64_t now_unix) noexcept;

    uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }
    uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::shared_ptr<const NotifyAcl>> acl_{std::make_shared<const NotifyAcl>()};
    std::mutex members_mu_;  // taken only for a NOTIFY of a zone not in acl_
    std::unordered_map<std::string, std::string> members_;
    Accept accept_;
    std::atomic<uint64_t> accepted_{0}, refused_{0};
};

}  // namespace dns::io
