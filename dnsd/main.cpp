// dnsd: the POP's authoritative server. See --help.

#include <signal.h>

#include <cstdio>

#include "dnsd/config.hpp"
#include "dnsd/server.hpp"
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

    dnsd::Server server(config, store);
    if (auto r = server.start(); !r) {
        LOG_ERROR("%s", r.error().message.c_str());
        return 1;
    }
    LOG_INFO("dnsd %s serving %zu zones", DNSD_VERSION, store.get()->size());

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
    server.stop();
    auto c = server.counters();
    LOG_INFO("stopped after %llu UDP and %llu TCP queries",
             static_cast<unsigned long long>(c.transport[0]),
             static_cast<unsigned long long>(c.transport[1]));
    return 0;
}
