#pragma once
// signup-web's own state, in a small SQLite database (lib/db): the requests
// waiting for their mail to be confirmed (by token hash), the mails sent (for
// the rate limits), and the zones signed up here (for alerts and delegation
// checks). Every method is one transaction; all are thread-safe (one lock).
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/db/sqlite.hpp"

namespace signup {

/// What a confirmed token does.
enum class Action { add, change, remove, pause_alerts };
const char* action_name(Action a);

struct PendingRequest {
    int64_t id = 0;
    Action action = Action::add;
    std::string zone;       ///< "example.com." (lower case)
    std::string primaries;  ///< comma-separated ADDR:PORT
    std::string key;        ///< TSIG key name, or ""
    std::string mailbox;    ///< where the mail went
    std::string client;     ///< the address that asked
    int64_t created = 0, expires = 0;
};

struct SignedZone {
    std::string name, mailbox;
    int64_t added = 0;
    bool alerts_paused = false;
    int64_t last_alert = 0;               ///< unix time of the last alert mail (0: none)
    int64_t last_check = 0;               ///< of the delegation
    std::string delegation;               ///< the last delegation check, as JSON
    std::optional<uint32_t> last_serial;  ///< the primary's serial as last seen
};

class Store {
  public:
    static dns::Result<std::unique_ptr<Store>> open(const std::string& path);

    /// Keeps a request under the hash of its token.
    dns::Result<void> add_request(const PendingRequest& r, const std::string& token_hash);
    /// The request of a token. Errors: not_found (unknown), semantic
    /// ("already used", "expired"), each with a message for the owner.
    dns::Result<PendingRequest> request(const std::string& token_hash, int64_t now);
    /// Marks it used; false if it already was (a second confirm racing).
    dns::Result<bool> use_request(int64_t id, int64_t now);
    /// Puts it back (the action failed; the owner may try again).
    dns::Result<void> unuse_request(int64_t id);
    /// Requests not yet used nor expired for this mailbox.
    dns::Result<int64_t> pending_for(const std::string& mailbox, int64_t now);

    /// A mail sent (kind: confirm, alert), for the rate limits.
    dns::Result<void> record_mail(const std::string& mailbox, const std::string& zone,
                                  const std::string& client, const std::string& kind, int64_t now);
    struct MailCounts {
        int64_t mailbox = 0, zone = 0, client = 0, mailbox_zone = 0;
    };
    /// Confirmation mails since `since` to this mailbox, for this zone, from this client.
    dns::Result<MailCounts> mails_since(const std::string& mailbox, const std::string& zone,
                                        const std::string& client, int64_t since);

    dns::Result<void> add_zone(const std::string& name, const std::string& mailbox, int64_t now);
    dns::Result<void> remove_zone(const std::string& name);
    dns::Result<std::optional<SignedZone>> zone(const std::string& name);
    dns::Result<std::vector<SignedZone>> zones();
    dns::Result<void> pause_alerts(const std::string& name);
    dns::Result<void> set_alerted(const std::string& name, int64_t now);
    dns::Result<void> set_delegation(const std::string& name, const std::string& json, int64_t now);
    dns::Result<void> set_serial(const std::string& name, uint32_t serial);

    /// Drops used and expired requests and mails older than `before`.
    dns::Result<void> prune(int64_t before);

  private:
    explicit Store(std::unique_ptr<dns::db::Database> db) : db_(std::move(db)) {}
    std::mutex mu_;
    std::unique_ptr<dns::db::Database> db_;
};

}  // namespace signup
