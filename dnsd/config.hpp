#pragma once
// dnsd's configuration: its option table (lib/options) drives the command
// line, the TOML config file and --help, and yields a typed, checked Config.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/io/client.hpp"
#include "lib/io/secondary_runner.hpp"
#include "lib/io/transfer_server.hpp"
#include "lib/options/options.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/tsig.hpp"

namespace dnsd {

struct ZoneConfig {
    dns::wire::Name name;
    std::string file;
};

/// A zone pulled from primaries (or a catalog whose members are).
struct SecondaryConfig {
    dns::wire::Name name;
    std::vector<dns::io::Endpoint> primaries;
    std::string key;  ///< TSIG key name; "" = the only --tsig key if there is one
    bool catalog = false;
};

struct Config {
    std::vector<dns::io::Endpoint> listen;  ///< default 127.0.0.1:53
    std::vector<ZoneConfig> zones;
    unsigned threads = 0;  ///< 0: one per core
    std::string nsid;
    std::string identity;  ///< CH TXT id.server; default: refused
    std::string version;   ///< CH TXT version.bind; default: refused (not revealed)
    uint16_t max_udp = 1232;
    unsigned tcp_idle_timeout_ms = 10000;
    unsigned tcp_max_clients = 1024;
    bool include = false;  ///< allow $INCLUDE in zone files
    std::vector<SecondaryConfig> secondaries;
    std::vector<dns::xfr::TsigKey> tsig;
    std::vector<dns::io::TransferRule> allow_transfer;  ///< who may AXFR/IXFR (default nobody)
    std::string state_dir;
    std::optional<dns::io::Endpoint> http;  ///< control and metrics listener
    size_t xfr_max_records = 5000000;
    size_t xfr_max_bytes = 1ull << 30;
    unsigned xfr_timeout_s = 600;
    unsigned xfr_idle_timeout_s = 10;
    unsigned max_transfers = 16;
    unsigned min_refresh_s = 5;  ///< floor for SOA refresh and retry
    unsigned min_expire_s = 60;  ///< floor for SOA expire
    std::string log_level = "info";
    std::string config_file;
};

/// dnsd's option table, writing into `config`.
dns::options::Table option_table(Config& config);

enum class ParseOutcome { run, exit_ok, exit_error };

/// Parses argv (and the config file it names), fills in the defaults and
/// checks the whole (a zone's TSIG key must exist, ...). On exit_error,
/// `error` says why.
ParseOutcome parse_command_line(int argc, char** argv, Config& config, std::string& error);

/// Parses a TOML config file into config (used by --config).
dns::Result<void> load_config_file(const std::string& path, Config& config);

/// The --help text.
std::string help_text();

/// The secondary zones of a configuration, for the runner.
std::vector<dns::io::SecondaryZone> secondary_zones(const Config& config);
/// The secondary runner's options from a configuration.
dns::io::RunnerOptions runner_options(const Config& config);
/// The settings that differ between two configurations and only take effect
/// after a restart (their option names).
std::vector<std::string> restart_needed(const Config& before, const Config& after);

}  // namespace dnsd
