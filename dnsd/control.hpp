#pragma once
// The management HTTP endpoint (--http): /healthz, /metrics (Prometheus text
// format 0.0.4) and /zones. It runs on its own thread and only reads.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "lib/base/result.hpp"

namespace dnsd {

class Server;
class Secondaries;
class ZoneStore;

class Control {
public:
    Control(const Server& server, const ZoneStore& store, const Secondaries* secondaries);
    ~Control();

    /// Binds ADDR:PORT and starts serving; fails if the address cannot be bound.
    dns::Result<void> start(const std::string& listen);
    void stop();

    // The bodies, for tests.
    /// JSON; `healthy` says whether the POP should be announced (HTTP 200) or not (503).
    std::string healthz(bool& healthy) const;
    std::string metrics() const;
    std::string zones() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    const Server& server_;
    const ZoneStore& store_;
    const Secondaries* secondaries_;
    std::thread thread_;
};

}  // namespace dnsd
