#pragma once
// Back-off per primary, across all the zones it serves: a primary that stops
// answering (timeouts, refused connections) several times in a row, whatever
// the zone, is left alone for a while instead of costing every zone's refresh
// a timeout. When the pause ends the next query is a probe: success clears the
// primary, failure doubles the pause (up to a maximum). Answers that are about
// one zone (REFUSED, NOTAUTH, a bad transfer) say nothing about the primary's
// health and are not counted here. Nor is a primary that answered anything
// in the last `recent` seconds paused, whatever failed meanwhile: it is alive
// (a primary of 100,000 zones that drops a few queries of a burst must not
// lose every NOTIFY for a pause). Sans-I/O; the caller supplies the time.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "lib/secondary/refresh.hpp"

namespace dns::secondary {

class PrimaryBackoff {
  public:
    struct Config {
        unsigned threshold = 3;      ///< failures in a row before a pause
        Seconds first{5}, max{300};  ///< the first pause, and the longest
        Seconds recent{10};          ///< an answer this recent: no pause
    };
    PrimaryBackoff() = default;
    explicit PrimaryBackoff(Config c) : cfg_(c) {}

    /// Whether to contact `primary` now: false during a pause.
    bool usable(const std::string& primary, TimePoint now) const;
    /// The primary answered.
    void succeeded(const std::string& primary, TimePoint now);
    /// The primary did not answer. True when this starts (or extends) a pause.
    bool failed(const std::string& primary, TimePoint now);
    /// Until when the primary is paused (a past time point when it is not).
    TimePoint paused_until(const std::string& primary) const;
    /// Consecutive failures of the primary.
    unsigned failures(const std::string& primary) const;
    /// Primaries paused at `now`.
    size_t paused(TimePoint now) const;

  private:
    struct State {
        unsigned failures = 0;
        Seconds pause{0};
        TimePoint until{};
        TimePoint answered{};  // the last answer
        bool ever_answered = false;
    };
    Config cfg_;
    std::unordered_map<std::string, State> state_;
};

}  // namespace dns::secondary
