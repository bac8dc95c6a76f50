#pragma once
// dnsd's sink for the secondary engine: each new version of a zone goes to the
// query threads (the ZoneStore, one table per burst) and to the state
// directory (on a thread of its own), and comes back from there at start.

#include <memory>
#include <optional>

#include "lib/io/secondary_runner.hpp"
#include "lib/io/state_dir.hpp"
#include "lib/io/transfer_server.hpp"
#include "lib/xfr/history.hpp"
#include "lib/zone/zone_store.hpp"

namespace dnsd {

class Publisher final : public dns::io::ZoneSink, public dns::io::TransferSource {
  public:
    /// `state` may be disabled (no --state-dir); all three must outlive the Publisher.
    Publisher(dns::zone::ZoneStore& store, const dns::io::StateDir& state,
              dns::xfr::HistoryStore& history);
    ~Publisher() override;

    std::optional<dns::io::Stored> stored(const dns::wire::Name& zone) override;
    void installed(const dns::io::Installed& v) override;
    void verified(const dns::wire::Name& zone, int64_t verified_unix,
                  int64_t expires_unix) override;
    void expired(const dns::wire::Name& zone, bool expired) override;
    void removed(const dns::wire::Name& zone) override;
    void flush() override { store_.commit(); }

    /// Waits until every state-directory write queued so far is done.
    void sync();
    /// Zones served from the state directory so far (at start: one log line
    /// for all of them; each zone's own is at debug level).
    size_t restored() const { return restored_; }

    // For transfers out (--allow-transfer): the zones served, and the recent
    // differences of each (the IXFRs that came, the reloads of zone files), so
    // a client a few steps behind gets the difference instead of the zone.
    dns::zone::ZonePtr zone(const uint8_t* lname, size_t len) const override;
    std::shared_ptr<const dns::xfr::History> history(const dns::zone::Zone& zone) const override;

  private:
    dns::zone::ZoneStore& store_;
    const dns::io::StateDir& state_;
    std::unique_ptr<dns::io::StateWriter> writer_;
    dns::xfr::HistoryStore& history_;
    size_t restored_ = 0;  // control thread (and main before start)
};

}  // namespace dnsd
