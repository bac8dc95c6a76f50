// dnsd: the POP's authoritative server. See --help.

#include <cstdio>

#include "dnsd/config.hpp"
#include "dnsd/control.hpp"
#include "dnsd/publisher.hpp"
#include "dnsd/server.hpp"
#include "dnsd/zones.hpp"
#include "lib/base/log.hpp"
#include "lib/base/signals.hpp"
#include "lib/io/secondary_runner.hpp"
#include "lib/io/state_dir.hpp"
#include "lib/xfr/history.hpp"

int main(int argc, char** argv) {
    dnsd::Config config;
    std::string error;
    switch (dnsd::parse_command_line(argc, argv, config, error)) {
        case dnsd::ParseOutcome::exit_ok:
            return 0;
        case dnsd::ParseOutcome::exit_error:
            std::fprintf(stderr, "dnsd: %s\n", error.c_str());
            return 2;
        case dnsd::ParseOutcome::run:
            break;
    }
    dns::log::set_level(dns::log::parse_level(config.log_level));

    // Signals are taken synchronously by this thread; workers never see them.
    const dns::ControlSignals signals;

    dns::zone::ZoneStore store;
    dns::xfr::HistoryStore history;  // recent differences, for IXFR out
    dnsd::ZoneFiles files(store, &history);
    files.sync(config.zones, config.include);

    // Secondaries: zones, keys, and what the state directory already holds.
    const std::vector<dns::xfr::TsigKey>& keys = config.tsig;
    std::vector<dns::io::SecondaryZone> zones = dnsd::secondary_zones(config);
    // Zones whose saved copy is at most 16 KiB share one pack file (a file
    // each would cost an inode per zone: 100,000 catalog members are common).
    dns::io::StateDir state(config.state_dir, nullptr, 16 * 1024);
    if (state.enabled()) {
        if (auto r = state.prepare(); !r) {
            LOG_ERROR("--state-dir: %s", r.error().message.c_str());
            return 1;
        }
    }
    dnsd::Publisher publisher(store, state, history);
    // Always there (idle without secondary zones), so a reload can add some.
    auto secondaries =
        std::make_unique<dns::io::SecondaryRunner>(dnsd::runner_options(config), keys, publisher);
    for (const auto& z : zones) secondaries->add(z);
    store.commit();

    // Transfers out, for the clients --allow-transfer names.
    std::unique_ptr<dns::io::TransferServer> transfers;
    if (!config.allow_transfer.empty())
        transfers =
            std::make_unique<dns::io::TransferServer>(config.allow_transfer, keys, publisher);
    dnsd::Server server(config, store, &secondaries->notify_gate(), transfers.get(), keys);
    if (auto r = server.start(); !r) {
        LOG_ERROR("%s", r.error().message.c_str());
        return 1;
    }
    LOG_INFO("dnsd %s serving %zu zones (%zu from the state directory)", DNSD_VERSION,
             store.get()->size(), publisher.restored());
    secondaries->start();
    dnsd::Control control(server, store, secondaries.get());
    if (config.http) {
        if (auto r = control.start(*config.http); !r) {
            LOG_ERROR("--http: %s", r.error().message.c_str());
            server.stop();
            return 1;
        }
    }

    for (;;) {
        const int sig = signals.wait();
        if (sig == SIGHUP) {
            LOG_INFO("SIGHUP: reloading");
            dnsd::Config fresh;
            std::string err;
            if (dnsd::parse_command_line(argc, argv, fresh, err) != dnsd::ParseOutcome::run) {
                LOG_ERROR("config not reloaded: %s", err.c_str());
                continue;
            }
            for (const auto& what : dnsd::restart_needed(config, fresh))
                LOG_WARN("reload: %s changed; it takes effect after a restart", what.c_str());
            size_t failed = files.sync(fresh.zones, fresh.include);
            config.zones = fresh.zones;
            config.include = fresh.include;
            secondaries->reconfigure(dnsd::secondary_zones(fresh), fresh.tsig);
            LOG_INFO("reload done: %zu zones served, %zu failed", store.get()->size(), failed);
            continue;
        }
        LOG_INFO("signal %d: shutting down", sig);
        break;
    }
    control.stop();
    secondaries->stop();
    publisher.sync();
    server.stop();
    auto c = server.counters();
    LOG_INFO("stopped after %llu UDP and %llu TCP queries",
             static_cast<unsigned long long>(c.transport[0]),
             static_cast<unsigned long long>(c.transport[1]));
    return 0;
}
