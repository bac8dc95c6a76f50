#pragma once
// The management HTTP endpoint (--http): /healthz, /metrics (Prometheus text
// format 0.0.4) and /zones. It runs on its own thread and only reads.

#include <functional>
#include <memory>
#include <string>

#include "lib/base/result.hpp"
#include "lib/io/client.hpp"

namespace dns::io {
class SecondaryRunner;
}
namespace dns::zone {
class ZoneStore;
}

namespace dnsd {

class Server;

class Control {
  public:
    /// `secondaries` may be null (no secondary zones).
    Control(const Server& server, const dns::zone::ZoneStore& store,
            const dns::io::SecondaryRunner* secondaries);
    ~Control();

    /// Binds ADDR:PORT and starts serving; fails if the address cannot be bound.
    dns::Result<void> start(const dns::io::Endpoint& listen);
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
    const dns::zone::ZoneStore& store_;
    const dns::io::SecondaryRunner* secondaries_;
};

}  // namespace dnsd
