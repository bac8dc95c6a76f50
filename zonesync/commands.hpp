#pragma once
// The operator's commands (zone add|rm|list|status|release, pop
// add|rm|list, promote, demote) over either the database (while no server holds it, or
// read-only beside one) or a running server's API: the same checks and the
// same messages either way.
#include <memory>
#include <string>
#include <vector>

#include "lib/base/result.hpp"
#include "zonesync/store.hpp"

namespace zonesync {

struct ZoneDetail {
    ZoneEntry zone;
    std::vector<TransferEntry> transfers;
    std::vector<PopSerial> pops;
    /// From a running server: "serial N on 3 of 3 POPs, 12.1 ms after the primary's NOTIFY".
    std::string converged;
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual dns::Result<void> add_zone(const ZoneEntry& z) = 0;
    virtual dns::Result<void> remove_zone(const std::string& name) = 0;
    virtual dns::Result<std::vector<ZoneEntry>> zones() = 0;
    virtual dns::Result<ZoneDetail> zone(const std::string& name) = 0;
    virtual dns::Result<void> release(const std::string& name) = 0;
    virtual dns::Result<void> add_pop(const PopEntry& p) = 0;
    virtual dns::Result<void> remove_pop(const std::string& name) = 0;
    virtual dns::Result<std::vector<PopEntry>> pops() = 0;
    /// promote (standby -> active) or demote (active -> standby).
    virtual dns::Result<void> set_role(bool standby) = 0;
};

/// On the database (`writer` false: list and status beside a running server).
dns::Result<std::unique_ptr<Backend>> store_backend(const std::string& db, bool writer);
/// Through a running server's API ("http://HOST:PORT", the bearer token).
std::unique_ptr<Backend> api_backend(const std::string& url, const std::string& token);

struct CommandOptions {
    std::string key, owner;  ///< zone add
};
/// Runs `what action args...`; prints the outcome; returns the exit status
/// (0 done, 1 refused or failed, 2 usage).
int run_command(Backend& backend, const std::string& what, const std::string& action,
                const std::vector<std::string>& args, const CommandOptions& options);

}  // namespace zonesync
