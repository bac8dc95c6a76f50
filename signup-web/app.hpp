#pragma once
// signup-web's flows on lib/http: the form, the confirmation mail to the
// zone's SOA RNAME, the confirm page (a POST: a prefetched link confirms
// nothing), the public status page, changes and removal behind the same
// proof, and the alerts. It talks to zonesync only through its HTTP API.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/http/server.hpp"
#include "lib/io/client.hpp"
#include "signup-web/mailer.hpp"
#include "signup-web/pages.hpp"
#include "signup-web/store.hpp"
#include "signup-web/validate.hpp"

namespace signup {

struct Limits {
    int per_mailbox_zone = 3;  ///< confirmation mails an hour to one mailbox for one zone
    int per_mailbox = 15;      ///< to one mailbox for all its zones (an operator's dozen)
    int per_zone = 5;          ///< for one zone, whatever the mailbox
    int per_client = 40;       ///< asked from one address
    int max_pending = 20;      ///< unconfirmed requests per mailbox
};

/// What a reload changes without a restart.
struct Tunables {
    Limits limits;
    int64_t token_ttl = 86400;      ///< how long a mailed link works
    int64_t check_interval = 3600;  ///< alerts and delegation checks
};

struct AppConfig {
    std::string zonesync;  ///< http://HOST:PORT
    std::string token;     ///< zonesync's API token
    dns::io::Endpoint resolver;
    std::string base_url;  ///< where links in mails point (no final slash)
    bool allow_private = false;
    Tunables tunables;
    pages::ServiceInfo info;
};

class App {
  public:
    App(AppConfig config, Store& store, const Mailer& mailer,
        std::shared_ptr<const PublicSuffixes> psl);
    ~App();
    dns::Result<void> start(const dns::io::Endpoint& listen);
    uint16_t port() const { return http_.port(); }
    void stop();
    /// A reload: new limits and intervals, applied to the next request.
    void set_tunables(const Tunables& t);
    /// One pass of the alert and delegation checks (the thread runs it
    /// every check_interval).
    void check_all();

  private:
    dns::http::Response handle(const dns::http::Request& r);
    dns::http::Response form(const dns::http::Request& r, const pages::FormValues& v,
                             const std::string& error, int status = 200);
    dns::http::Response signup(const dns::http::Request& r);
    dns::http::Response confirm_page(const dns::http::Request& r);
    dns::http::Response confirm(const dns::http::Request& r);
    dns::http::Response status_page(const dns::http::Request& r);
    dns::http::Response change(const dns::http::Request& r, Action action);
    /// Checks the proof and sends the mail for `req` (its zone, primaries and
    /// key set); the page that says what happened.
    dns::http::Response request_mail(const dns::http::Request& r, PendingRequest req);
    std::string csrf_of(const dns::http::Request& r, dns::http::Response& res) const;
    bool csrf_ok(const dns::http::Request& r, const std::map<std::string, std::string>& f) const;
    dns::Result<dns::http::ClientReply> zonesync(const std::string& method, const std::string& path,
                                                 const std::string& body = {}) const;
    void check_zone(const SignedZone& z, int64_t now);
    void alert(const SignedZone& z, const std::string& why, int64_t now);
    void loop();
    Tunables tunables() const;

    AppConfig config_;
    Store& store_;
    const Mailer& mailer_;
    std::shared_ptr<const PublicSuffixes> psl_;
    dns::http::Server http_;
    std::thread checker_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;

  public:
    struct Counters {
        std::atomic<uint64_t> requests{0}, mails{0}, mail_errors{0}, confirmed{0}, rate_limited{0},
            refused{0}, alerts{0};
    };
    const Counters& counters() const { return counters_; }

  private:
    Counters counters_;
};

}  // namespace signup
