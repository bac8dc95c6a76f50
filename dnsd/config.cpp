#include "dnsd/config.hpp"

#include <algorithm>
#include <sstream>
#include <thread>

namespace dnsd {
namespace {

using dns::Errc;
using dns::make_error;
using dns::Result;
namespace opt = dns::options;

template <class T, class F>
std::string join(const std::vector<T>& v, F text) {
    std::string out;
    for (const auto& x : v) out += text(x) + "\n";
    return out;
}

Result<void> add_zone(Config& c, std::string_view name, std::string_view file) {
    auto n = opt::domain_name(name);
    if (!n) return n.error();
    if (file.empty()) return make_error(Errc::syntax, "zone " + std::string(name) + " has no file");
    for (const auto& z : c.zones)
        if (z.name == *n) return make_error(Errc::syntax, "zone " + n->to_text() + " given twice");
    c.zones.push_back({*n, std::string(file)});
    return {};
}

// "NAME@ADDR:PORT[,ADDR:PORT...]"
Result<void> add_secondary(Config& c, std::string_view v, bool catalog) {
    auto at = v.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= v.size())
        return make_error(Errc::syntax,
                          "expects NAME@ADDR:PORT[,ADDR:PORT], got '" + std::string(v) + "'");
    auto n = opt::domain_name(v.substr(0, at));
    if (!n) return n.error();
    SecondaryConfig sc{*n, {}, {}, catalog};
    std::string_view rest = v.substr(at + 1);
    while (!rest.empty()) {
        auto comma = rest.find(',');
        auto ep = opt::server_address(rest.substr(0, comma));
        if (!ep) return ep.error();
        sc.primaries.push_back(*ep);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    for (const auto& s : c.secondaries)
        if (s.name == sc.name)
            return make_error(Errc::syntax, "zone " + sc.name.to_text() + " given twice");
    c.secondaries.push_back(std::move(sc));
    return {};
}

template <class N>
std::function<Result<void>(std::string_view)> set_number(N& out, uint64_t lo, uint64_t hi) {
    return [&out, lo, hi](std::string_view v) -> Result<void> {
        auto n = opt::number(v, lo, hi);
        if (!n) return n.error();
        out = static_cast<N>(*n);
        return {};
    };
}

template <class N>
std::function<std::string()> show_number(const N& v) {
    return [&v] { return std::to_string(v); };
}

std::function<std::string()> show_text(const std::string& v) {
    return [&v] { return v; };
}

std::string endpoint_text(const dns::io::Endpoint& e) { return e.to_string(); }

const char* kFooter =
    "Config file example:\n"
    "  listen = [\"127.0.0.1:5353\", \"[::1]:5353\"]\n"
    "  threads = 2\n"
    "  nsid = \"pop1\"\n"
    "  [[zone]]\n"
    "  name = \"example.com\"\n"
    "  file = \"/var/lib/dnsd/example.com.zone\"\n"
    "  [[secondary]]\n"
    "  name = \"example.net\"\n"
    "  primaries = [\"192.0.2.1:53\", \"[2001:db8::1]:53\"]\n"
    "  key = \"xfr-key\"\n\n"
    "Signals: SIGHUP reloads the configuration: zone files that changed (a zone that\n"
    "fails keeps its old copy), secondary zones, catalogs and TSIG keys; settings\n"
    "that need a restart are named in the log. SIGTERM and SIGINT stop the server.\n";

}  // namespace

opt::Table option_table(Config& c) {
    std::vector<opt::Option> options = {
        {"listen", "ADDR:PORT", "address to answer on, UDP and TCP (repeatable; IPv6 as [::1]:53)",
         true, false,
         [&c](std::string_view v) -> Result<void> {
             auto ep = opt::listen_address(v);
             if (!ep) return ep.error();
             c.listen.push_back(*ep);
             return {};
         },
         [&c] { return join(c.listen, endpoint_text); }},
        {"zone-file", "NAME=PATH", "serve the master file PATH as zone NAME (repeatable)", true,
         true,
         [&c](std::string_view v) -> Result<void> {
             auto eq = v.find('=');
             if (eq == std::string_view::npos)
                 return make_error(Errc::syntax, "expects NAME=PATH, got '" + std::string(v) + "'");
             return add_zone(c, v.substr(0, eq), v.substr(eq + 1));
         },
         [&c] {
             return join(c.zones,
                         [](const ZoneConfig& z) { return z.name.to_text() + "=" + z.file; });
         }},
        {"threads", "N",
         "worker threads, each with its own UDP and TCP sockets (default: one per core)", false,
         false, set_number(c.threads, 1, 256), show_number(c.threads)},
        {"nsid", "TEXT", "NSID (RFC 5001) sent to clients that ask for it", false, false,
         [&c](std::string_view v) -> Result<void> {
             if (v.size() > 255) return make_error(Errc::syntax, "NSID longer than 255 bytes");
             c.nsid = v;
             return {};
         },
         show_text(c.nsid)},
        {"identity", "TEXT",
         "answer to CH TXT id.server and hostname.bind (default: none, refused)", false, false,
         [&c](std::string_view v) -> Result<void> {
             c.identity = v;
             return {};
         },
         show_text(c.identity)},
        {"server-version", "TEXT", "answer to CH TXT version.bind (default: none, refused)", false,
         false,
         [&c](std::string_view v) -> Result<void> {
             c.version = v;
             return {};
         },
         show_text(c.version)},
        {"max-udp-size", "BYTES", "largest UDP response with EDNS (512-4096, default 1232)", false,
         false, set_number(c.max_udp, 512, 4096), show_number(c.max_udp)},
        {"tcp-idle-timeout", "MS",
         "close idle TCP connections after MS milliseconds (default 10000)", false, false,
         set_number(c.tcp_idle_timeout_ms, 100, 3600000), show_number(c.tcp_idle_timeout_ms)},
        {"tcp-max-clients", "N", "TCP connections per worker and address (default 1024)", false,
         false, set_number(c.tcp_max_clients, 1, 1000000), show_number(c.tcp_max_clients)},
        {"allow-include", "", "honour $INCLUDE in zone files", false, true,
         [&c](std::string_view v) -> Result<void> {
             auto b = opt::boolean(v);
             if (!b) return b.error();
             c.include = *b;
             return {};
         },
         [&c] { return std::string(c.include ? "true" : "false"); }},
        {"secondary", "NAME@ADDR:PORT[,ADDR:PORT]",
         "pull zone NAME from these primaries (repeatable)", true, true,
         [&c](std::string_view v) { return add_secondary(c, v, false); }, nullptr},
        {"catalog", "NAME@ADDR:PORT",
         "pull catalog zone NAME (RFC 9432) and every member zone from that primary", true, true,
         [&c](std::string_view v) { return add_secondary(c, v, true); }, nullptr},
        {"tsig", "NAME:ALGORITHM:BASE64SECRET",
         "TSIG key for SOA queries, transfers and NOTIFY (repeatable)", true, true,
         [&c](std::string_view v) -> Result<void> {
             auto k = opt::tsig_key(v);
             if (!k) return k.error();
             for (const auto& have : c.tsig)
                 if (have.name == k->name)
                     return make_error(Errc::syntax, "key " + k->name.to_text() + " given twice");
             c.tsig.push_back(*k);
             return {};
         },
         nullptr},
        {"allow-transfer", "PREFIX[:KEY]",
         "who may AXFR and IXFR this server (repeatable; default: nobody)", true, false,
         [&c](std::string_view v) -> Result<void> {
             auto r = dns::io::parse_transfer_rule(std::string(v));
             if (!r) return r.error();
             c.allow_transfer.push_back(*r);
             return {};
         },
         [&c] {
             return join(c.allow_transfer, [](const dns::io::TransferRule& r) {
                 return r.network.to_string() + "/" + std::to_string(r.prefix) + ":" + r.key;
             });
         }},
        {"state-dir", "DIR", "keep transferred zones here and serve them at once after a restart",
         false, false,
         [&c](std::string_view v) -> Result<void> {
             if (v.empty()) return make_error(Errc::syntax, "empty directory");
             c.state_dir = v;
             return {};
         },
         show_text(c.state_dir)},
        {"http", "ADDR:PORT", "serve /healthz, /metrics and /zones here", false, false,
         [&c](std::string_view v) -> Result<void> {
             auto ep = opt::listen_address(v);
             if (!ep) return ep.error();
             c.http = *ep;
             return {};
         },
         [&c] { return c.http ? c.http->to_string() : std::string(); }},
        {"xfr-max-records", "N", "refuse a transfer with more records (default 5000000)", false,
         false, set_number(c.xfr_max_records, 1, 1ull << 32), show_number(c.xfr_max_records)},
        {"xfr-max-bytes", "N", "refuse a transfer with more bytes (default 1 GiB)", false, false,
         set_number(c.xfr_max_bytes, 512, 1ull << 40), show_number(c.xfr_max_bytes)},
        {"xfr-timeout", "SECONDS", "longest a transfer may take (default 600)", false, false,
         set_number(c.xfr_timeout_s, 1, 86400), show_number(c.xfr_timeout_s)},
        {"xfr-idle-timeout", "SECONDS",
         "a primary silent this long fails the transfer (default 10)", false, false,
         set_number(c.xfr_idle_timeout_s, 1, 3600), show_number(c.xfr_idle_timeout_s)},
        {"max-transfers", "N", "transfers running at once (default 16)", false, false,
         set_number(c.max_transfers, 1, 1024), show_number(c.max_transfers)},
        {"min-refresh", "SECONDS", "floor for a zone's SOA refresh and retry (default 5)", false,
         false, set_number(c.min_refresh_s, 1, 86400), show_number(c.min_refresh_s)},
        {"min-expire", "SECONDS", "floor for a zone's SOA expire (default 60)", false, false,
         set_number(c.min_expire_s, 1, 86400 * 7), show_number(c.min_expire_s)},
        {"log-level", "LEVEL", "debug, info, warning or error (default info)", false, false,
         [&c](std::string_view v) -> Result<void> {
             if (v != "debug" && v != "info" && v != "warning" && v != "error")
                 return make_error(Errc::syntax, "expects debug, info, warning or error");
             c.log_level = v;
             return {};
         },
         show_text(c.log_level)},
    };
    std::vector<opt::Section> sections = {
        {"zone", "a zone served from a master file: name, file", true,
         [&c](const opt::Fields& f) -> Result<void> {
             auto get = [&](const char* k) {
                 return f.count(k) && !f.at(k).empty() ? f.at(k)[0] : std::string();
             };
             return add_zone(c, get("name"), get("file"));
         },
         nullptr},
        {"secondary", "a zone pulled from primaries: name, primaries, key, catalog", true,
         [&c](const opt::Fields& f) -> Result<void> {
             auto get = [&](const char* k) {
                 return f.count(k) && !f.at(k).empty() ? f.at(k)[0] : std::string();
             };
             std::string spec = get("name") + "@";
             if (f.count("primaries"))
                 for (size_t i = 0; i < f.at("primaries").size(); ++i)
                     spec += (i ? "," : "") + f.at("primaries")[i];
             auto catalog = opt::boolean(get("catalog").empty() ? "false" : get("catalog"));
             if (!catalog) return catalog.error();
             if (auto r = add_secondary(c, spec, *catalog); !r) return r;
             c.secondaries.back().key = get("key");
             return {};
         },
         nullptr},
    };
    return opt::Table({"dnsd", DNSD_VERSION,
                       "authoritative DNS server for an anycast point of presence", kFooter},
                      std::move(options), std::move(sections));
}

std::string help_text() {
    Config c;
    return option_table(c).help();
}

Result<void> load_config_file(const std::string& path, Config& c) {
    return option_table(c).load_file(path);
}

ParseOutcome parse_command_line(int argc, char** argv, Config& c, std::string& error) {
    auto table = option_table(c);
    switch (table.parse(argc, argv, error, &c.config_file)) {
        case opt::Table::Outcome::exit_ok:
            return ParseOutcome::exit_ok;
        case opt::Table::Outcome::exit_error:
            return ParseOutcome::exit_error;
        case opt::Table::Outcome::run:
            break;
    }
    if (c.listen.empty()) c.listen.push_back(*opt::listen_address("127.0.0.1:53"));
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    // A secondary's key must exist; with one key, every secondary uses it.
    for (auto& s : c.secondaries) {
        if (s.key.empty() && c.tsig.size() == 1) s.key = c.tsig[0].name.to_text();
        if (s.key.empty()) continue;
        auto n = opt::domain_name(s.key);
        bool found = n && std::any_of(c.tsig.begin(), c.tsig.end(),
                                      [&](const auto& k) { return k.name == *n; });
        if (!found) {
            error = "zone " + s.name.to_text() + ": no --tsig key named " + s.key;
            return ParseOutcome::exit_error;
        }
        s.key = n->to_text();
    }
    for (const auto& r : c.allow_transfer) {
        if (r.key.empty()) continue;
        auto n = opt::domain_name(r.key);
        if (!n || std::none_of(c.tsig.begin(), c.tsig.end(),
                               [&](const auto& k) { return k.name == *n; })) {
            error = "--allow-transfer: no --tsig key named " + r.key;
            return ParseOutcome::exit_error;
        }
    }
    return ParseOutcome::run;
}

std::vector<dns::io::SecondaryZone> secondary_zones(const Config& config) {
    std::vector<dns::io::SecondaryZone> out;
    for (const auto& s : config.secondaries) out.push_back({s.name, s.primaries, s.key, s.catalog});
    return out;
}

dns::io::RunnerOptions runner_options(const Config& config) {
    dns::io::RunnerOptions o;
    o.limits.max_records = config.xfr_max_records;
    o.limits.max_bytes = config.xfr_max_bytes;
    o.max_duration = std::chrono::seconds(config.xfr_timeout_s);
    o.idle_timeout = std::chrono::seconds(config.xfr_idle_timeout_s);
    o.engine.max_transfers = config.max_transfers;
    o.engine.bounds.min_refresh = o.engine.bounds.min_retry = config.min_refresh_s;
    o.engine.bounds.min_expire = config.min_expire_s;
    // A restarted POP checks every saved zone at once, at most 50,000 a
    // second (within 2 s for 100,000 zones; the checks share one socket, at
    // most 1,024 in flight): a change it missed while down is served within
    // seconds, not at the zone's next refresh.
    o.engine.recheck_saved = true;
    o.engine.startup_rate = 50000;
    return o;
}

std::vector<std::string> restart_needed(const Config& before, const Config& after) {
    Config a = before, b = after;  // the tables write into them: work on copies
    return option_table(a).restart_needed(option_table(b));
}

}  // namespace dnsd
