// zonesync: the central service. This file holds the command line; the
// store commands (zone ..., pop ...) work on the database while no server
// holds it.

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/log.hpp"
#include "lib/base/signals.hpp"
#include "lib/options/options.hpp"
#include "zonesync/api.hpp"
#include "zonesync/commands.hpp"
#include "zonesync/service.hpp"
#include "zonesync/store.hpp"

namespace {

namespace opt = dns::options;
using zonesync::Store;

struct Config {
    std::string db;
    std::optional<dns::io::Endpoint> listen;
    std::vector<std::pair<std::string, std::string>> pops;  // NAME, ADDR:PORT
    std::string catalog = "catalog.zonesync.";
    std::vector<dns::xfr::TsigKey> tsig;
    std::string pop_key;
    std::string log_level = "info";
    std::optional<dns::io::Endpoint> http;
    std::string key;
    std::string owner;
    std::string api;
    std::string token_file;
    std::optional<dns::io::Endpoint> peer;
    std::string role;
    double max_shrink = 0.5;
    unsigned pop_check = 60;
};

opt::Table table_for(Config& c) {
    auto text = [](std::string& out) {
        return [&out](std::string_view v) -> dns::Result<void> {
            out = v;
            return {};
        };
    };
    auto show = [](const std::string& v) { return [&v] { return v; }; };
    std::vector<opt::Option> o = {
        {"db", "FILE", "the SQLite database (created when absent)", false, false, text(c.db),
         show(c.db)},
        {"key", "NAME", "zone add: the TSIG key name the primaries require", false, false,
         text(c.key), show(c.key)},
        {"owner", "ADDR", "zone add: the owner's mail address", false, false, text(c.owner),
         show(c.owner)},
        {"listen", "ADDR:PORT",
         "serve: DNS for the POPs (SOA, AXFR, IXFR, the catalog) and NOTIFY from primaries", false,
         false,
         [&c](std::string_view v) -> dns::Result<void> {
             auto e = opt::listen_address(v);
             if (!e) return e.error();
             c.listen = *e;
             return {};
         },
         [&c] { return c.listen ? c.listen->to_string() : std::string(); }},
        {"pop", "NAME=ADDR:PORT",
         "serve: a POP (added to the database when new): may transfer, gets NOTIFY", true, false,
         [&c](std::string_view v) -> dns::Result<void> {
             auto eq = v.find('=');
             if (eq == std::string_view::npos)
                 return dns::make_error(dns::Errc::syntax,
                                        "expects NAME=ADDR:PORT, got '" + std::string(v) + "'");
             auto p = zonesync::make_pop(v.substr(0, eq), v.substr(eq + 1));
             if (!p) return p.error();
             c.pops.emplace_back(p->name, p->address);
             return {};
         },
         [&c] {
             std::string s;
             for (const auto& [n, a] : c.pops) s += n + "=" + a + "\n";
             return s;
         }},
        {"catalog", "NAME", "serve: the catalog zone's name (default catalog.zonesync.)", false,
         false,
         [&c](std::string_view v) -> dns::Result<void> {
             auto n = opt::domain_name(v);
             if (!n) return n.error();
             c.catalog = n->lowercased().to_text();
             return {};
         },
         show(c.catalog)},
        {"tsig", "NAME:ALGORITHM:BASE64SECRET", "serve: a TSIG key (primaries', POPs')", true,
         false,
         [&c](std::string_view v) -> dns::Result<void> {
             auto k = opt::tsig_key(v);
             if (!k) return k.error();
             c.tsig.push_back(*k);
             return {};
         },
         [&c] {
             std::string s;
             for (const auto& k : c.tsig) s += k.name.to_text() + "\n";
             return s;
         }},
        {"pop-key", "NAME", "serve: the TSIG key the POPs must sign transfers with", false, false,
         text(c.pop_key), show(c.pop_key)},
        {"log-level", "LEVEL", "debug, info, warning or error", false, true, text(c.log_level),
         show(c.log_level)},
        {"http", "ADDR:PORT", "serve: the JSON API, /healthz and /metrics (needs --token-file)",
         false, false,
         [&c](std::string_view v) -> dns::Result<void> {
             auto e = opt::listen_address(v);
             if (!e) return e.error();
             c.http = *e;
             return {};
         },
         [&c] { return c.http ? c.http->to_string() : std::string(); }},
        {"peer", "ADDR:PORT",
         "serve: the other zonesync of the pair (its --listen): it may transfer the catalog and "
         "is sent its NOTIFYs; a standby follows it",
         false, false,
         [&c](std::string_view v) -> dns::Result<void> {
             auto e = opt::server_address(v);
             if (!e) return e.error();
             c.peer = *e;
             return {};
         },
         [&c] { return c.peer ? c.peer->to_string() : std::string(); }},
        {"role", "active|standby",
         "serve: the role of a new database (kept in it; 'zonesync promote' and 'demote' change "
         "it)",
         false, false,
         [&c](std::string_view v) -> dns::Result<void> {
             if (v != "active" && v != "standby")
                 return dns::make_error(dns::Errc::syntax,
                                        "expects active or standby, got '" + std::string(v) + "'");
             c.role = v;
             return {};
         },
         show(c.role)},
        {"max-shrink", "PERCENT",
         "serve: hold a new version that has lost more than this share of the records (default 50; "
         "0 turns the check off)",
         false, true,
         [&c](std::string_view v) -> dns::Result<void> {
             auto n = opt::number(v, 0, 100);
             if (!n) return n.error();
             c.max_shrink = static_cast<double>(*n) / 100.0;
             return {};
         },
         [&c] { return std::to_string(static_cast<int>(c.max_shrink * 100 + 0.5)); }},
        {"pop-check", "SECONDS",
         "serve: ask every POP for every zone's SOA this often, besides after each change "
         "(default 60; at most 2,000 queries a second; 0 turns it off)",
         false, true,
         [&c](std::string_view v) -> dns::Result<void> {
             auto n = opt::number(v, 0, 86400);
             if (!n) return n.error();
             c.pop_check = static_cast<unsigned>(*n);
             return {};
         },
         [&c] { return std::to_string(c.pop_check); }},
        {"api", "URL", "commands through a running zonesync's API (http://HOST:PORT)", false, false,
         text(c.api), show(c.api)},
        {"token-file", "FILE", "the API's bearer token (serving with --http; with --api)", false,
         false, text(c.token_file), show(c.token_file)},
    };
    opt::Program p{
        "zonesync", "0.1.0",
        "zonesync: the central service that pulls every zone from its primaries and "
        "serves it to the POPs.",
        "Commands (on the database; list and status also while a zonesync server runs):\n"
        "  zonesync --db FILE zone add NAME PRIMARY[,PRIMARY] [--key NAME] [--owner "
        "ADDR]\n"
        "  zonesync --db FILE zone rm NAME | zone list | zone status NAME | "
        "zone release NAME\n"
        "  zonesync --db FILE pop add NAME ADDR:PORT | pop rm NAME | pop list\n"
        "  zonesync --db FILE promote | demote   (a standby becomes active, or back)\n"
        "A PRIMARY is ADDR, ADDR:PORT or [V6]:PORT (port 53 when left out).\n"
        "Serving: zonesync --db FILE --listen ADDR:PORT --pop NAME=ADDR:PORT ...\n"
        "  pulls every zone of the database from its primaries and serves it to the\n"
        "  POPs (SOA, AXFR, IXFR from its journal; a catalog zone of every zone;\n"
        "  NOTIFY on each change). SIGHUP re-reads the zones, and the settings that\n"
        "  change without a restart (log level, --max-shrink, --pop-check, new --pop);\n"
        "  SIGTERM stops.\n"
        "  --http ADDR:PORT --token-file FILE adds the JSON API (/v1/zones, /v1/pops),\n"
        "  /healthz and /metrics.\n"
        "  zonesync --api http://HOST:PORT --token-file FILE zone ...|pop ...: the same\n"
        "  commands through a running server's API.\n"
        "Two sites: run a second zonesync with --role standby --peer ACTIVE_ADDR:PORT\n"
        "  (and --peer STANDBY_ADDR:PORT on the active). The standby follows the active's\n"
        "  catalog, pulls every zone from its primaries itself and serves the POPs as\n"
        "  their second primary. 'zonesync promote' makes it active.\n"
        "Exit status: 0 done, 1 refused or failed (the message says why), 2 usage.\n"};
    return opt::Table(p, std::move(o));
}

int fail(const std::string& m, int rc = 1) {
    std::fprintf(stderr, "zonesync: %s\n", m.c_str());
    return rc;
}

/// SIGHUP: the config file and flags read again; what can change without a
/// restart is applied (log level, --max-shrink, --pop-check, new --pop), the
/// rest is named in the log. A file that does not parse changes nothing.
void reload(const std::vector<const char*>& flags, const Config& running,
            zonesync::Service& service) {
    Config c;
    opt::Table t = table_for(c);
    std::string error;
    if (t.parse(static_cast<int>(flags.size()), flags.data(), error) != opt::Table::Outcome::run) {
        LOG_ERROR("SIGHUP: settings not reloaded, the old ones stay: %s", error.c_str());
        return;
    }
    dns::log::set_level(dns::log::parse_level(c.log_level));
    service.set_tunables(c.max_shrink, std::chrono::seconds(c.pop_check));
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    size_t added = 0;
    for (const auto& [name, addr] : c.pops)
        added += static_cast<bool>(service.with_store([&](Store& s) {
            return s.add_pop({name, addr, 0}, now);
        }));
    if (added) service.resync_pops();
    auto text = [](const std::optional<dns::io::Endpoint>& e) {
        return e ? e->to_string() : std::string();
    };
    std::string restart;
    if (text(c.listen) != text(running.listen)) restart += " --listen";
    if (text(c.http) != text(running.http)) restart += " --http";
    if (text(c.peer) != text(running.peer)) restart += " --peer";
    if (c.catalog != running.catalog) restart += " --catalog";
    if (c.db != running.db) restart += " --db";
    if (c.tsig.size() != running.tsig.size() || c.pop_key != running.pop_key)
        restart += " --tsig/--pop-key";
    LOG_INFO(
        "SIGHUP: settings reloaded (log level %s, max shrink %d%%, POP check every %u s, %zu "
        "new POPs)%s%s",
        c.log_level.c_str(), static_cast<int>(c.max_shrink * 100 + 0.5), c.pop_check, added,
        restart.empty() ? "" : "; these take a restart:", restart.c_str());
}

int serve(const Config& c, const std::vector<const char*>& flags) {
    dns::log::set_level(dns::log::parse_level(c.log_level));
    const dns::ControlSignals signals;

    auto store = Store::open(c.db);
    if (!store) return fail(store.error().message);
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    for (const auto& [name, addr] : c.pops) {
        auto r = (*store)->add_pop({name, addr, 0}, now);
        if (!r && r.error().code != dns::Errc::semantic) return fail(r.error().message);
    }
    // The role lives in the database: --role only sets it for a new one.
    bool standby = c.role == "standby";
    if (auto r = (*store)->setting("role"); r && !r->empty()) {
        if (!c.role.empty() && *r != c.role)
            LOG_WARN("--role %s ignored: the database says %s (zonesync promote|demote changes it)",
                     c.role.c_str(), r->c_str());
        standby = *r == "standby";
    } else if (auto w = (*store)->set_setting("role", standby ? "standby" : "active"); !w) {
        return fail(w.error().message);
    }
    if (standby && !c.peer)
        return fail("this zonesync is a standby: --peer ADDR:PORT (the active instance) is needed",
                    2);
    auto catalog = dns::wire::Name::from_text(c.catalog);
    if (!catalog) return fail("--catalog: " + catalog.error().message, 2);
    zonesync::ServiceConfig sc;
    sc.listen = *c.listen;
    sc.catalog = *catalog;
    sc.keys = c.tsig;
    sc.pop_key = c.pop_key;
    sc.peer = c.peer;
    sc.standby = standby;
    sc.max_shrink = c.max_shrink;
    sc.pop_check = std::chrono::seconds(c.pop_check);
    // After a restart every zone is checked within seconds (changes made
    // while zonesync was down reach the POPs soon): 10,000 zones a second.
    // The customers' primaries are not ours: 50,000 a second made a Knot DNS
    // primary of 100,000 zones drop a third of them.
    sc.runner.engine.recheck_saved = true;
    sc.runner.engine.startup_rate = 10000;
    if (!sc.pop_key.empty() && sc.pop_key.back() != '.') sc.pop_key += '.';
    std::string token;
    if (c.http) {
        if (c.token_file.empty()) return fail("--http needs --token-file FILE", 2);
        auto t = opt::token_file(c.token_file);
        if (!t) return fail(t.error().message, 2);
        token = *t;
    }
    zonesync::Service service(**store, sc);
    if (auto r = service.start(); !r) return fail(r.error().message);
    zonesync::Api api(service, token);
    if (c.http) {
        if (auto r = api.start(*c.http); !r) {
            service.stop();
            return fail("--http: " + r.error().message);
        }
    }
    for (;;) {
        const int sig = signals.wait();
        if (sig == SIGHUP) {
            LOG_INFO("SIGHUP: re-reading zones from the database and the settings");
            reload(flags, c, service);
            service.resync();
            continue;
        }
        LOG_INFO("signal %d: shutting down", sig);
        break;
    }
    api.stop();
    service.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // "zonesync [FLAGS] zone|pop ACTION ARGS... [FLAGS]": the words go here,
    // the flags (each with its value) to the option table.
    std::vector<std::string> words;
    std::vector<const char*> flags = {argv[0]};
    Config c;
    opt::Table t = table_for(c);
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0) {
            flags.push_back(argv[i]);
            bool has_value =
                a.find('=') == std::string::npos && a != "--help" && a != "--version" && a != "-h";
            if (has_value && i + 1 < argc) flags.push_back(argv[++i]);
        } else {
            words.push_back(a);
        }
    }
    std::string error;
    switch (t.parse(static_cast<int>(flags.size()), flags.data(), error)) {
        case opt::Table::Outcome::exit_ok:
            return 0;
        case opt::Table::Outcome::exit_error:
            return fail(error, 2);
        case opt::Table::Outcome::run:
            break;
    }
    if (words.empty()) {
        if (!c.listen) return fail("no command, and no --listen to serve on (see --help)", 2);
        if (c.db.empty()) return fail("--db FILE is required", 2);
        return serve(c, flags);
    }
    const bool role = words[0] == "promote" || words[0] == "demote";
    if (role && words.size() != 1) return fail("usage: zonesync --db FILE " + words[0], 2);
    if (!role && (words.size() < 2 || (words[0] != "zone" && words[0] != "pop")))
        return fail("unknown command '" + words[0] + "' (see --help)", 2);
    if (role) words.emplace_back();
    std::unique_ptr<zonesync::Backend> backend;
    if (!c.api.empty()) {
        if (c.token_file.empty()) return fail("--api needs --token-file FILE", 2);
        auto t = opt::token_file(c.token_file);
        if (!t) return fail(t.error().message, 2);
        backend = zonesync::api_backend(c.api, *t);
    } else {
        if (c.db.empty()) return fail("--db FILE (or --api URL) is required", 2);
        // Listing and status read beside a running server; changes need the writer's lock.
        const bool reader = words[1] == "list" || words[1] == "status";
        auto b = zonesync::store_backend(c.db, !reader);
        if (!b) return fail(b.error().message);
        backend = std::move(*b);
    }
    return zonesync::run_command(*backend, words[0], words[1], {words.begin() + 2, words.end()},
                                 {c.key, c.owner});
}
