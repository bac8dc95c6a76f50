// signup-web: the owners' web pages. This file holds the command line; the
// flows are in app.cpp.

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/log.hpp"
#include "lib/base/signals.hpp"
#include "lib/options/options.hpp"
#include "signup-web/app.hpp"

namespace {

namespace opt = dns::options;

struct Config {
    std::optional<dns::io::Endpoint> listen;
    std::string zonesync;
    std::string token_file;
    std::optional<dns::io::Endpoint> resolver;
    std::string smtp;
    std::string mail_from;
    std::string base_url;
    std::string db;
    std::string psl_file;
    std::string log_level = "info";
    std::vector<std::string> name_servers;
    std::vector<std::string> transfer_from;
    std::string notify_to;
    bool allow_private = false;
    uint64_t token_ttl = 86400;
    uint64_t check_interval = 3600;
    signup::Limits limits;
};

opt::Table table_for(Config& c) {
    auto text = [](std::string& out) {
        return [&out](std::string_view v) -> dns::Result<void> {
            out = v;
            return {};
        };
    };
    auto show = [](const std::string& v) { return [&v] { return v; }; };
    auto list = [](std::vector<std::string>& out) {
        return [&out](std::string_view v) -> dns::Result<void> {
            out.emplace_back(v);
            return {};
        };
    };
    auto show_list = [](const std::vector<std::string>& v) {
        return [&v] {
            std::string s;
            for (const auto& x : v) s += x + "\n";
            return s;
        };
    };
    auto count = [](auto& out, uint64_t lo, uint64_t hi) {
        return [&out, lo, hi](std::string_view v) -> dns::Result<void> {
            auto n = opt::number(v, lo, hi);
            if (!n) return n.error();
            out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
            return {};
        };
    };
    auto show_count = [](const auto& v) { return [&v] { return std::to_string(v); }; };
    auto endpoint = [](std::optional<dns::io::Endpoint>& out, bool port_required) {
        return [&out, port_required](std::string_view v) -> dns::Result<void> {
            auto e = port_required ? opt::listen_address(v) : opt::server_address(v);
            if (!e) return e.error();
            out = *e;
            return {};
        };
    };
    auto show_endpoint = [](const std::optional<dns::io::Endpoint>& e) {
        return [&e] { return e ? e->to_string() : std::string(); };
    };
    auto& l = c.limits;
    std::vector<opt::Option> o = {
        {"listen", "ADDR:PORT", "the web pages (HTTP; put a TLS proxy in front)", false, false,
         endpoint(c.listen, true), show_endpoint(c.listen)},
        {"zonesync", "URL", "zonesync's API (http://HOST:PORT)", false, false, text(c.zonesync),
         show(c.zonesync)},
        {"token-file", "FILE", "zonesync's API bearer token", false, false, text(c.token_file),
         show(c.token_file)},
        {"resolver", "ADDR[:PORT]",
         "a recursive resolver: the zone's SOA and delegation are looked up through it (public "
         "DNS)",
         false, false, endpoint(c.resolver, false), show_endpoint(c.resolver)},
        {"smtp", "URL", "the mail relay: smtp://HOST:PORT (STARTTLS when offered) or smtps://...",
         false, false, text(c.smtp), show(c.smtp)},
        {"mail-from", "ADDR", "the sender of our mails", false, false, text(c.mail_from),
         show(c.mail_from)},
        {"base-url", "URL", "where the pages are reached, for the links in mails (https://...)",
         false, false,
         [&c](std::string_view v) -> dns::Result<void> {
             if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
                 return dns::make_error(dns::Errc::syntax, "expects http://... or https://...");
             c.base_url = v;
             while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
             return {};
         },
         show(c.base_url)},
        {"db", "FILE", "signup-web's SQLite database (pending requests, mail counts, zones)", false,
         false, text(c.db), show(c.db)},
        {"ns", "NAME", "one of our name servers (for the NS records owners add); repeatable", true,
         false, list(c.name_servers), show_list(c.name_servers)},
        {"transfer-from", "ADDR",
         "an address our transfers come from (for owners' allow-transfer lines); repeatable", true,
         false, list(c.transfer_from), show_list(c.transfer_from)},
        {"notify-to", "ADDR:PORT", "where owners' primaries send NOTIFY (zonesync's --listen)",
         false, false, text(c.notify_to), show(c.notify_to)},
        {"allow-private-primaries", "",
         "accept primaries on private, loopback and other non-public addresses (local tests and "
         "the demo only)",
         false, false,
         [&c](std::string_view v) -> dns::Result<void> {
             auto b = opt::boolean(v);
             if (!b) return b.error();
             c.allow_private = *b;
             return {};
         },
         [&c] { return std::string(c.allow_private ? "true" : "false"); }},
        {"psl-file", "FILE", "a public_suffix_list.dat (default: the system's, from publicsuffix)",
         false, false, text(c.psl_file), show(c.psl_file)},
        {"token-ttl", "SECONDS", "how long a mailed link works (default 86400: 24 hours)", false,
         true, count(c.token_ttl, 1, 7 * 86400), show_count(c.token_ttl)},
        {"check-interval", "SECONDS",
         "how often zones are checked for alerts (default 3600; a delegation at most daily)", false,
         true, count(c.check_interval, 1, 86400), show_count(c.check_interval)},
        {"limit-mailbox-zone", "N",
         "confirmation mails an hour to one mailbox for one zone (default 3)", false, true,
         count(l.per_mailbox_zone, 1, 1000), show_count(l.per_mailbox_zone)},
        {"limit-mailbox", "N", "mails an hour to one mailbox, all zones (default 15)", false, true,
         count(l.per_mailbox, 1, 10000), show_count(l.per_mailbox)},
        {"limit-zone", "N", "mails an hour for one zone, any mailbox (default 5)", false, true,
         count(l.per_zone, 1, 1000), show_count(l.per_zone)},
        {"limit-client", "N", "mails an hour asked from one client address (default 40)", false,
         true, count(l.per_client, 1, 100000), show_count(l.per_client)},
        {"max-pending", "N", "unconfirmed requests per mailbox (default 20)", false, true,
         count(l.max_pending, 1, 10000), show_count(l.max_pending)},
        {"log-level", "LEVEL", "debug, info, warning or error", false, true, text(c.log_level),
         show(c.log_level)},
    };
    opt::Program p{
        "signup-web", "0.1.0",
        "signup-web: zone owners add their zone to the service, with no account: control of the "
        "zone is proven by a mail to the address in its SOA record.",
        "Example:\n"
        "  signup-web --listen 127.0.0.1:8080 --zonesync http://127.0.0.1:8053 \\\n"
        "    --token-file /etc/zonesync/token --resolver 127.0.0.1:53 \\\n"
        "    --smtp smtp://127.0.0.1:25 --mail-from signup@example.net \\\n"
        "    --base-url https://signup.example.net --db /var/lib/signup-web/signup.db \\\n"
        "    --ns ns1.example.net --ns ns2.example.net --transfer-from 192.0.2.10 \\\n"
        "    --notify-to 192.0.2.10:53\n"
        "SIGHUP re-reads the settings marked live (log level, limits, --token-ttl,\n"
        "--check-interval need no restart; the rest is named in the log). SIGTERM stops.\n"
        "Exit status: 0 stopped cleanly, 1 could not start, 2 usage.\n"};
    return opt::Table(p, std::move(o));
}

int fail(const std::string& m, int rc = 1) {
    std::fprintf(stderr, "signup-web: %s\n", m.c_str());
    return rc;
}

signup::Tunables tunables_of(const Config& c) {
    return {c.limits, static_cast<int64_t>(c.token_ttl), static_cast<int64_t>(c.check_interval)};
}

signup::AppConfig app_config(const Config& c, const std::string& token) {
    signup::AppConfig a;
    a.zonesync = c.zonesync;
    while (!a.zonesync.empty() && a.zonesync.back() == '/') a.zonesync.pop_back();
    a.token = token;
    a.resolver = *c.resolver;
    a.base_url = c.base_url;
    a.allow_private = c.allow_private;
    a.tunables = tunables_of(c);
    a.info.name_servers = c.name_servers;
    a.info.transfer_from = c.transfer_from;
    a.info.notify_to = c.notify_to;
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    Config c;
    opt::Table t = table_for(c);
    std::string error;
    switch (t.parse(argc, argv, error)) {
        case opt::Table::Outcome::exit_ok:
            return 0;
        case opt::Table::Outcome::exit_error:
            return fail(error, 2);
        case opt::Table::Outcome::run:
            break;
    }
    std::string missing;
    if (!c.listen) missing += " --listen";
    if (c.zonesync.empty()) missing += " --zonesync";
    if (c.token_file.empty()) missing += " --token-file";
    if (!c.resolver) missing += " --resolver";
    if (c.smtp.empty()) missing += " --smtp";
    if (c.mail_from.empty()) missing += " --mail-from";
    if (c.base_url.empty()) missing += " --base-url";
    if (c.db.empty()) missing += " --db";
    if (!missing.empty()) return fail("missing settings:" + missing + " (see --help)", 2);
    if (c.zonesync.rfind("http://", 0) != 0)
        return fail("--zonesync expects http://HOST:PORT, got '" + c.zonesync + "'", 2);
    dns::log::set_level(dns::log::parse_level(c.log_level));
    auto token = opt::token_file(c.token_file);
    if (!token) return fail(token.error().message, 2);
    auto psl = signup::PublicSuffixes::load(c.psl_file);
    if (!psl) return fail(psl.error().message);
    auto store = signup::Store::open(c.db);
    if (!store) return fail(store.error().message);
    const dns::ControlSignals signals;
    signup::Mailer mailer(c.smtp, c.mail_from);
    signup::App app(app_config(c, *token), **store, mailer, *psl);
    if (auto r = app.start(*c.listen); !r) return fail("--listen: " + r.error().message);
    LOG_INFO("signup-web: pages on %s, zonesync at %s, public DNS through %s, mail via %s",
             c.listen->to_string().c_str(), c.zonesync.c_str(), c.resolver->to_string().c_str(),
             c.smtp.c_str());
    for (;;) {
        const int sig = signals.wait();
        if (sig != SIGHUP) {
            LOG_INFO("signal %d: shutting down", sig);
            break;
        }
        // A reload: the settings read again, the live ones applied. A file
        // that does not parse changes nothing.
        Config n;
        opt::Table nt = table_for(n);
        std::string e;
        if (nt.parse(argc, argv, e) != opt::Table::Outcome::run) {
            LOG_ERROR("SIGHUP: settings not reloaded, the old ones stay: %s", e.c_str());
            continue;
        }
        std::string restart;
        for (const auto& name : t.restart_needed(nt)) restart += " --" + name;
        dns::log::set_level(dns::log::parse_level(n.log_level));
        app.set_tunables(tunables_of(n));
        LOG_INFO("SIGHUP: settings reloaded%s%s",
                 restart.empty() ? "" : "; these take a restart:", restart.c_str());
    }
    app.stop();
    return 0;
}
