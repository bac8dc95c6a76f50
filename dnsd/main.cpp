// dnsd: the POP's authoritative server. See --help.

#include <signal.h>

#include <cstdio>

#include "dnsd/config.hpp"
#include "dnsd/control.hpp"
#include "dnsd/secondary.hpp"
#include "dnsd/server.hpp"
#include "dnsd/state_dir.hpp"
#include "dnsd/zones.hpp"
#include "lib/base/log.hpp"

namespace {

dns::log::Level parse_level(const std::string& s) {
    if (s == "debug") return dns::log::Level::debug;
    if (s == "warning") return dns::log::Level::warning;
    if (s == "error") return dns::log::Level::error;
    return dns::log::Level::info;
}

}  // namespace

int main(int argc, char** argv) {
    dnsd::Config config;
    std::string error;
    switch (dnsd::parse_command_line(argc, argv, config, error)) {
        case dnsd::ParseOutcome::exit_ok: return 0;
        case dnsd::ParseOutcome::exit_error:
            std::fprintf(stderr, "dnsd: %s\n", error.c_str());
            return 2;
        case dnsd::ParseOutcome::run: break;
    }
    dns::log::set_level(parse_level(config.log_level));

    // Signals are taken synchronously by this thread; workers never see them.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    signal(SIGPIPE, SIG_IGN);

    dnsd::ZoneStore store;
    dnsd::ZoneFiles files(store);
    files.sync(config.zones, config.include);

    // Secondaries: keys, specs, and what the state directory already holds.
    std::vector<dns::xfr::TsigKey> keys;
    for (const auto& spec : config.tsig) {
        auto k = dns::xfr::parse_tsig_key(spec);
        if (!k) {
            std::fprintf(stderr, "dnsd: --tsig: %s\n", k.error().message.c_str());
            return 2;
        }
        keys.push_back(*k);
    }
    std::vector<dnsd::SecondarySpec> specs;
    for (const auto& sc : config.secondaries) {
        dnsd::SecondarySpec s{sc.name, {}, sc.key, sc.catalog};
        for (const auto& p : sc.primaries) {
            auto ep = dns::io::parse_endpoint(p);
            if (!ep) {
                std::fprintf(stderr, "dnsd: zone %s: %s\n", sc.name.to_text().c_str(), ep.error().message.c_str());
                return 2;
            }
            s.primaries.push_back(*ep);
        }
        if (s.key.empty() && keys.size() == 1) s.key = keys[0].name.to_text();
        if (!s.key.empty()) {
            bool found = false;
            for (const auto& k : keys) found = found || k.name.to_text() == s.key || k.name.to_text() == s.key + ".";
            if (!found) {
                std::fprintf(stderr, "dnsd: zone %s: no --tsig key named %s\n", sc.name.to_text().c_str(), s.key.c_str());
                return 2;
            }
        }
        specs.push_back(std::move(s));
    }
    dnsd::StateDir state(config.state_dir);
    if (state.enabled()) {
        if (auto r = state.prepare(); !r) {
            LOG_ERROR("--state-dir: %s", r.error().message.c_str());
            return 1;
        }
    }
    std::unique_ptr<dnsd::Secondaries> secondaries;
    if (!specs.empty()) {
        dnsd::SecondaryOptions so;
        so.limits.max_records = config.xfr_max_records;
        so.limits.max_bytes = config.xfr_max_bytes;
        so.max_duration = std::chrono::seconds(config.xfr_timeout_s);
        so.idle_timeout = std::chrono::seconds(config.xfr_idle_timeout_s);
        so.max_concurrent_transfers = config.max_transfers;
        so.bounds.min_refresh = so.bounds.min_retry = config.min_refresh_s;
        so.bounds.min_expire = config.min_expire_s;
        secondaries = std::make_unique<dnsd::Secondaries>(std::move(specs), keys, so, store, state);
        secondaries->load_persisted();
    }
    store.commit();

    dnsd::Server server(config, store, secondaries.get());
    if (auto r = server.start(); !r) {
        LOG_ERROR("%s", r.error().message.c_str());
        return 1;
    }
    LOG_INFO("dnsd %s serving %zu zones", DNSD_VERSION, store.get()->size());
    if (secondaries) secondaries->start();
    dnsd::Control control(server, store, secondaries.get());
    if (!config.http.empty()) {
        if (auto r = control.start(config.http); !r) {
            LOG_ERROR("--http: %s", r.error().message.c_str());
            server.stop();
            return 1;
        }
    }

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0) continue;
        if (sig == SIGHUP) {
            LOG_INFO("SIGHUP: reloading");
            std::vector<dnsd::ZoneConfig> zones = config.zones;
            if (!config.config_file.empty()) {
                // Re-read the zone list from the command line and config file.
                dnsd::Config fresh;
                std::string err;
                if (dnsd::parse_command_line(argc, argv, fresh, err) == dnsd::ParseOutcome::run)
                    zones = fresh.zones;
                else
                    LOG_ERROR("config not reloaded: %s", err.c_str());
            }
            size_t failed = files.sync(zones, config.include);
            LOG_INFO("reload done: %zu zones served, %zu failed", store.get()->size(), failed);
            continue;
        }
        LOG_INFO("signal %d: shutting down", sig);
        break;
    }
    control.stop();
    if (secondaries) secondaries->stop();
    server.stop();
    auto c = server.counters();
    LOG_INFO("stopped after %llu UDP and %llu TCP queries",
             static_cast<unsigned long long>(c.transport[0]),
             static_cast<unsigned long long>(c.transport[1]));
    return 0;
}
