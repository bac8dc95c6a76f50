#include "dnsd/config.hpp"

#include "lib/io/transfer_server.hpp"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <sstream>
#include <thread>

namespace dnsd {
namespace {

using dns::Errc;
using dns::make_error;
using dns::Result;

Result<unsigned> to_uint(std::string_view v, unsigned lo, unsigned hi) {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
        return make_error(Errc::syntax, "expects a number from " + std::to_string(lo) + " to " +
                                            std::to_string(hi) + ", got '" + std::string(v) + "'");
    return n;
}

Result<bool> to_bool(std::string_view v) {
    if (v == "true" || v == "yes" || v == "1") return true;
    if (v == "false" || v == "no" || v == "0") return false;
    return make_error(Errc::syntax, "expects true or false, got '" + std::string(v) + "'");
}

Result<void> add_zone(Config& c, std::string_view name, std::string_view file) {
    if (name.empty()) return make_error(Errc::syntax, "empty zone name");
    auto n = dns::wire::Name::from_text(name, nullptr);
    if (!n) {
        std::string absolute = std::string(name) + ".";
        n = dns::wire::Name::from_text(name.back() == '.' ? name : std::string_view(absolute), nullptr);
    }
    if (!n) return make_error(Errc::syntax, "bad zone name '" + std::string(name) + "': " + n.error().message);
    if (file.empty()) return make_error(Errc::syntax, "zone " + std::string(name) + " has no file");
    for (const auto& z : c.zones)
        if (z.name == *n) return make_error(Errc::syntax, "zone " + n->to_text() + " given twice");
    c.zones.push_back({*n, std::string(file)});
    return {};
}

Result<void> check_listen(std::string_view v) {
    auto colon = v.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return make_error(Errc::syntax, "expects ADDR:PORT or [ADDR6]:PORT, got '" + std::string(v) + "'");
    auto port = to_uint(v.substr(colon + 1), 0, 65535);
    if (!port) return port.error();
    std::string host(v.substr(0, colon));
    bool v6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
    if (v6) host = host.substr(1, host.size() - 2);
    unsigned char buf[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), buf) != 1)
        return make_error(Errc::syntax, "expects an IP address (IPv6 in brackets), got '" + std::string(v) + "'");
    return {};
}

Result<void> check_primary(std::string_view v) {
    if (v.empty()) return make_error(Errc::syntax, "empty primary address");
    std::string host(v);
    if (host.front() == '[' || std::count(host.begin(), host.end(), ':') == 1) return check_listen(v);
    unsigned char buf[16];
    if (inet_pton(host.find(':') != std::string::npos ? AF_INET6 : AF_INET, host.c_str(), buf) != 1)
        return make_error(Errc::syntax, "expects an IP address, got '" + host + "'");
    return {};
}

// "NAME@ADDR:PORT[,ADDR:PORT...]"
Result<void> add_secondary(Config& c, std::string_view v, bool catalog) {
    auto at = v.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= v.size())
        return make_error(Errc::syntax, "expects NAME@ADDR:PORT[,ADDR:PORT], got '" + std::string(v) + "'");
    std::string name(v.substr(0, at));
    if (name.back() != '.') name += '.';
    auto n = dns::wire::Name::from_text(name);
    if (!n) return make_error(Errc::syntax, "bad zone name '" + name + "': " + n.error().message);
    SecondaryConfig sc{*n, {}, {}, catalog};
    std::string_view rest = v.substr(at + 1);
    while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view one = rest.substr(0, comma);
        if (auto r = check_primary(one); !r) return r;
        sc.primaries.emplace_back(one);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    for (const auto& s : c.secondaries)
        if (s.name == sc.name) return make_error(Errc::syntax, "zone " + sc.name.to_text() + " given twice");
    c.secondaries.push_back(std::move(sc));
    return {};
}

Result<void> set_size(size_t& out, std::string_view v, unsigned long long lo, unsigned long long hi) {
    unsigned long long n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
        return make_error(Errc::syntax, "expects a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    out = static_cast<size_t>(n);
    return {};
}

struct Option {
    const char* name;   ///< flag without "--"; the TOML key is the same with '-' as '_'
    const char* arg;    ///< nullptr: a switch
    const char* help;
    bool repeatable;
    std::function<Result<void>(Config&, std::string_view)> set;
};

const std::vector<Option>& options() {
    static const std::vector<Option> table = {
        {"listen", "ADDR:PORT", "address to answer on, UDP and TCP (repeatable; IPv6 as [::1]:53)", true,
         [](Config& c, std::string_view v) -> Result<void> {
             if (auto r = check_listen(v); !r) return r;
             c.listen.emplace_back(v);
             return {};
         }},
        {"zone-file", "NAME=PATH", "serve the master file PATH as zone NAME (repeatable)", true,
         [](Config& c, std::string_view v) -> Result<void> {
             auto eq = v.find('=');
             if (eq == std::string_view::npos)
                 return make_error(Errc::syntax, "expects NAME=PATH, got '" + std::string(v) + "'");
             return add_zone(c, v.substr(0, eq), v.substr(eq + 1));
         }},
        {"threads", "N", "worker threads, each with its own UDP and TCP sockets (default: one per core)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 1, 256);
             if (!n) return n.error();
             c.threads = *n;
             return {};
         }},
        {"nsid", "TEXT", "NSID (RFC 5001) sent to clients that ask for it", false,
         [](Config& c, std::string_view v) -> Result<void> {
             if (v.size() > 255) return make_error(Errc::syntax, "NSID longer than 255 bytes");
             c.nsid = v;
             return {};
         }},
        {"identity", "TEXT", "answer to CH TXT id.server and hostname.bind (default: none, refused)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             c.identity = v;
             return {};
         }},
        {"server-version", "TEXT", "answer to CH TXT version.bind (default: none, refused)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             c.version = v;
             return {};
         }},
        {"max-udp-size", "BYTES", "largest UDP response with EDNS (512-4096, default 1232)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 512, 4096);
             if (!n) return n.error();
             c.max_udp = static_cast<uint16_t>(*n);
             return {};
         }},
        {"tcp-idle-timeout", "MS", "close idle TCP connections after MS milliseconds (default 10000)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 100, 3600000);
             if (!n) return n.error();
             c.tcp_idle_timeout_ms = *n;
             return {};
         }},
        {"tcp-max-clients", "N", "TCP connections per worker (default 1024)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 1, 1000000);
             if (!n) return n.error();
             c.tcp_max_clients = *n;
             return {};
         }},
        {"allow-include", nullptr, "honour $INCLUDE in zone files", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto b = v.empty() ? Result<bool>(true) : to_bool(v);
             if (!b) return b.error();
             c.include = *b;
             return {};
         }},
        {"secondary", "NAME@ADDR:PORT[,ADDR:PORT]", "pull zone NAME from these primaries (repeatable)", true,
         [](Config& c, std::string_view v) { return add_secondary(c, v, false); }},
        {"catalog", "NAME@ADDR:PORT", "pull catalog zone NAME (RFC 9432) and every member zone from that primary", true,
         [](Config& c, std::string_view v) { return add_secondary(c, v, true); }},
        {"tsig", "NAME:ALGORITHM:BASE64SECRET", "TSIG key for SOA queries, transfers and NOTIFY (repeatable)", true,
         [](Config& c, std::string_view v) -> Result<void> {
             if (std::count(v.begin(), v.end(), ':') < 2)
                 return make_error(Errc::syntax, "expects NAME:ALGORITHM:BASE64SECRET");
             c.tsig.emplace_back(v);
             return {};
         }},
        {"allow-transfer", "PREFIX[:KEY]", "who may AXFR and IXFR this server (repeatable; default: nobody)", true,
         [](Config& c, std::string_view v) -> Result<void> {
             auto r = dns::io::parse_transfer_rule(std::string(v));
             if (!r) return r.error();
             c.allow_transfer.emplace_back(v);
             return {};
         }},
        {"state-dir", "DIR", "keep transferred zones here and serve them at once after a restart", false,
         [](Config& c, std::string_view v) -> Result<void> {
             if (v.empty()) return make_error(Errc::syntax, "empty directory");
             c.state_dir = v;
             return {};
         }},
        {"http", "ADDR:PORT", "serve /healthz, /metrics and /zones here", false,
         [](Config& c, std::string_view v) -> Result<void> {
             if (auto r = check_listen(v); !r) return r;
             c.http = v;
             return {};
         }},
        {"xfr-max-records", "N", "refuse a transfer with more records (default 5000000)", false,
         [](Config& c, std::string_view v) { return set_size(c.xfr_max_records, v, 1, 1ull << 32); }},
        {"xfr-max-bytes", "N", "refuse a transfer with more bytes (default 1 GiB)", false,
         [](Config& c, std::string_view v) { return set_size(c.xfr_max_bytes, v, 512, 1ull << 40); }},
        {"xfr-timeout", "SECONDS", "longest a transfer may take (default 600)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 1, 86400);
             if (!n) return n.error();
             c.xfr_timeout_s = *n;
             return {};
         }},
        {"xfr-idle-timeout", "SECONDS", "a primary silent this long fails the transfer (default 10)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 1, 3600);
             if (!n) return n.error();
             c.xfr_idle_timeout_s = *n;
             return {};
         }},
        {"max-transfers", "N", "transfers running at once (default 16)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 1, 1024);
             if (!n) return n.error();
             c.max_transfers = *n;
             return {};
         }},
        {"min-refresh", "SECONDS", "floor for a zone's SOA refresh and retry (default 5)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 1, 86400);
             if (!n) return n.error();
             c.min_refresh_s = *n;
             return {};
         }},
        {"min-expire", "SECONDS", "floor for a zone's SOA expire (default 60)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             auto n = to_uint(v, 1, 86400 * 7);
             if (!n) return n.error();
             c.min_expire_s = *n;
             return {};
         }},
        {"log-level", "LEVEL", "debug, info, warning or error (default info)", false,
         [](Config& c, std::string_view v) -> Result<void> {
             if (v != "debug" && v != "info" && v != "warning" && v != "error")
                 return make_error(Errc::syntax, "expects debug, info, warning or error");
             c.log_level = v;
             return {};
         }},
    };
    return table;
}

const Option* find_option(std::string_view name) {
    for (const auto& o : options())
        if (name == o.name) return &o;
    return nullptr;
}

std::string toml_key(const char* name) {
    std::string k = name;
    for (auto& ch : k)
        if (ch == '-') ch = '_';
    return k;
}

std::string node_text(const toml::node& n) {
    if (auto s = n.as_string()) return s->get();
    if (auto i = n.as_integer()) return std::to_string(i->get());
    if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
    return {};
}

}  // namespace

std::string help_text() {
    std::ostringstream o;
    o << "dnsd " DNSD_VERSION " - authoritative DNS server for an anycast point of presence\n\n"
         "Usage: dnsd [--config FILE] [OPTIONS]\n\n"
         "Options (each may also be set in the TOML config file, with '_' for '-'):\n";
    for (const auto& opt : options()) {
        std::string flag = std::string("  --") + opt.name + (opt.arg ? std::string(" ") + opt.arg : "");
        o << flag;
        if (flag.size() >= 30) o << "\n" << std::string(30, ' ');
        else o << std::string(30 - flag.size(), ' ');
        o << opt.help << "\n";
    }
    o << "  --config FILE                 read settings from a TOML file first; flags add to it\n"
         "  --help                        this text\n"
         "  --version                     print the version\n\n"
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
         "Signals: SIGHUP reloads changed zone files (a zone that fails keeps its old copy);\n"
         "SIGTERM and SIGINT stop the server.\n";
    return o.str();
}

Result<void> load_config_file(const std::string& path, Config& c) {
    toml::table tbl;
    try {
        tbl = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream m;
        m << path << ":" << e.source().begin.line << ": " << e.description();
        return make_error(Errc::syntax, m.str());
    }
    for (const auto& [key, value] : tbl) {
        std::string k(key.str());
        if (k == "zone") {
            auto arr = value.as_array();
            if (!arr) return make_error(Errc::syntax, path + ": 'zone' must be an array of tables ([[zone]])");
            for (const auto& z : *arr) {
                auto t = z.as_table();
                if (!t) return make_error(Errc::syntax, path + ": each [[zone]] must be a table");
                std::string name = (*t)["name"].value_or(std::string());
                std::string file = (*t)["file"].value_or(std::string());
                if (auto r = add_zone(c, name, file); !r)
                    return make_error(Errc::syntax, path + ": zone: " + r.error().message);
            }
            continue;
        }
        if (k == "secondary") {
            auto arr = value.as_array();
            if (!arr) return make_error(Errc::syntax, path + ": 'secondary' must be an array of tables ([[secondary]])");
            for (const auto& e : *arr) {
                auto t = e.as_table();
                if (!t) return make_error(Errc::syntax, path + ": each [[secondary]] must be a table");
                std::string name = (*t)["name"].value_or(std::string());
                std::string spec = name + "@";
                if (auto ps = (*t)["primaries"].as_array()) {
                    bool first = true;
                    for (const auto& p : *ps) {
                        spec += (first ? "" : ",") + node_text(p);
                        first = false;
                    }
                }
                bool catalog = (*t)["catalog"].value_or(false);
                if (auto r = add_secondary(c, spec, catalog); !r)
                    return make_error(Errc::syntax, path + ": secondary: " + r.error().message);
                c.secondaries.back().key = (*t)["key"].value_or(std::string());
            }
            continue;
        }
        const Option* opt = nullptr;
        for (const auto& o : options())
            if (toml_key(o.name) == k) opt = &o;
        if (!opt) return make_error(Errc::syntax, path + ": unknown setting '" + k + "'");
        auto apply = [&](const toml::node& n) -> Result<void> {
            auto r = opt->set(c, node_text(n));
            if (!r) return make_error(Errc::syntax, path + ": " + k + ": " + r.error().message);
            return {};
        };
        if (auto arr = value.as_array()) {
            if (!opt->repeatable) return make_error(Errc::syntax, path + ": " + k + " takes one value");
            for (const auto& n : *arr)
                if (auto r = apply(n); !r) return r;
        } else if (auto r = apply(value); !r) {
            return r;
        }
    }
    return {};
}

Result<void> secondary_zones(const Config& config, std::vector<dns::xfr::TsigKey>& keys,
                             std::vector<dns::io::SecondaryZone>& zones) {
    keys.clear();
    zones.clear();
    for (const auto& spec : config.tsig) {
        auto k = dns::xfr::parse_tsig_key(spec);
        if (!k) return make_error(Errc::syntax, "--tsig: " + k.error().message);
        keys.push_back(*k);
    }
    for (const auto& sc : config.secondaries) {
        dns::io::SecondaryZone z{sc.name, {}, sc.key, sc.catalog};
        for (const auto& p : sc.primaries) {
            auto ep = dns::io::parse_endpoint(p);
            if (!ep) return make_error(Errc::syntax, "zone " + sc.name.to_text() + ": " + ep.error().message);
            z.primaries.push_back(*ep);
        }
        if (z.key.empty() && keys.size() == 1) z.key = keys[0].name.to_text();
        if (!z.key.empty()) {
            bool found = false;
            for (const auto& k : keys) found = found || k.name.to_text() == z.key || k.name.to_text() == z.key + ".";
            if (!found) return make_error(Errc::syntax, "zone " + sc.name.to_text() + ": no --tsig key named " + z.key);
        }
        zones.push_back(std::move(z));
    }
    return {};
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
    return o;
}

std::vector<std::string> restart_needed(const Config& a, const Config& b) {
    std::vector<std::string> out;
    auto note = [&](bool differs, const char* name) {
        if (differs) out.emplace_back(name);
    };
    note(a.listen != b.listen, "listen");
    note(a.threads != b.threads, "threads");
    note(a.nsid != b.nsid, "nsid");
    note(a.identity != b.identity, "identity");
    note(a.version != b.version, "server-version");
    note(a.max_udp != b.max_udp, "max-udp-size");
    note(a.tcp_idle_timeout_ms != b.tcp_idle_timeout_ms, "tcp-idle-timeout");
    note(a.tcp_max_clients != b.tcp_max_clients, "tcp-max-clients");
    note(a.state_dir != b.state_dir, "state-dir");
    note(a.http != b.http, "http");
    note(a.xfr_max_records != b.xfr_max_records, "xfr-max-records");
    note(a.xfr_max_bytes != b.xfr_max_bytes, "xfr-max-bytes");
    note(a.xfr_timeout_s != b.xfr_timeout_s, "xfr-timeout");
    note(a.xfr_idle_timeout_s != b.xfr_idle_timeout_s, "xfr-idle-timeout");
    note(a.max_transfers != b.max_transfers, "max-transfers");
    note(a.min_refresh_s != b.min_refresh_s, "min-refresh");
    note(a.min_expire_s != b.min_expire_s, "min-expire");
    note(a.log_level != b.log_level, "log-level");
    note(a.allow_transfer != b.allow_transfer, "allow-transfer");
    return out;
}

ParseOutcome parse_command_line(int argc, char** argv, Config& c, std::string& error) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    // The config file is read first so flags can add to it.
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" || args[i].rfind("--config=", 0) == 0) {
            std::string path = args[i] == "--config" ? (i + 1 < args.size() ? std::string(args[i + 1]) : "")
                                                     : std::string(args[i].substr(9));
            if (path.empty()) {
                error = "--config needs a FILE";
                return ParseOutcome::exit_error;
            }
            c.config_file = path;
            if (auto r = load_config_file(path, c); !r) {
                error = r.error().message;
                return ParseOutcome::exit_error;
            }
        }
    }
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == "--help" || a == "-h") {
            std::fputs(help_text().c_str(), stdout);
            return ParseOutcome::exit_ok;
        }
        if (a == "--version") {
            std::puts("dnsd " DNSD_VERSION);
            return ParseOutcome::exit_ok;
        }
        if (a == "--config") {
            ++i;
            continue;
        }
        if (a.rfind("--config=", 0) == 0) continue;
        if (a.rfind("--", 0) != 0) {
            error = "unexpected argument '" + std::string(a) + "' (see --help)";
            return ParseOutcome::exit_error;
        }
        std::string_view name = a.substr(2), value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        const Option* opt = find_option(name);
        if (!opt) {
            error = "unknown option --" + std::string(name) + " (see --help)";
            return ParseOutcome::exit_error;
        }
        if (opt->arg && !inline_value) {
            if (i + 1 >= args.size()) {
                error = "--" + std::string(name) + " needs " + opt->arg;
                return ParseOutcome::exit_error;
            }
            value = args[++i];
        }
        if (auto r = opt->set(c, value); !r) {
            error = "--" + std::string(name) + ": " + r.error().message;
            return ParseOutcome::exit_error;
        }
    }
    if (c.listen.empty()) c.listen.push_back("127.0.0.1:53");
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    return ParseOutcome::run;
}

}  // namespace dnsd
