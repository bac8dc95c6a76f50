#pragma once
// The refresh state of one secondary zone (RFC 1035 §4.3.5, RFC 1996, RFC 1982):
// when to check the primary's SOA next, when the zone goes stale and when it
// expires. Sans-I/O: it takes events and a time, and answers with times.

#include <chrono>
#include <cstdint>

namespace dns::secondary {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Seconds = std::chrono::seconds;

/// The SOA timers that drive a secondary.
struct SoaTimers {
    uint32_t refresh = 3600;
    uint32_t retry = 600;
    uint32_t expire = 604800;
    /// The EDNS EXPIRE (RFC 7314) the primary answered, -1 if none. A primary
    /// that is itself a secondary tells how long its copy has left; ours must
    /// not outlive it, so it caps the expire (after the sanity bounds, which
    /// would otherwise raise it to the refresh), and the refresh with it.
    int64_t upstream_expire = -1;
};

/// Reads the timers from SOA RDATA (uncompressed wire form).
SoaTimers timers_from_soa(const uint8_t* rdata, size_t len);
/// Reads the serial from SOA RDATA.
uint32_t serial_from_soa(const uint8_t* rdata, size_t len);

enum class ZoneState {
    empty,    ///< no data yet
    fresh,    ///< verified current within its refresh interval
    stale,    ///< refresh overdue; still served until expire
    expired,  ///< not verified within expire: answers SERVFAIL
};
const char* to_string(ZoneState s);

/// Limits applied to the SOA timers a primary publishes, so a hostile or
/// careless SOA cannot make us hammer it or hold data forever.
struct TimerBounds {
    uint32_t min_refresh = 5, max_refresh = 86400;
    uint32_t min_retry = 5, max_retry = 3600;
    uint32_t min_expire = 60, max_expire = 2419200;
};

class RefreshState {
  public:
    /// `seed` varies the jitter between zones so checks do not come in storms.
    explicit RefreshState(uint64_t seed = 0, TimerBounds bounds = {})
        : rng_(seed | 1), bounds_(bounds) {}

    /// Data is present, last verified current at `verified` (may be in the past,
    /// e.g. for a zone read from disk).
    void loaded(uint32_t serial, SoaTimers timers, TimePoint verified, TimePoint now);
    /// A check or transfer confirmed `serial` as current.
    void refreshed(uint32_t serial, SoaTimers timers, TimePoint now);
    /// Every primary failed: retry later, backing off while failures continue.
    void failed(TimePoint now);
    /// A NOTIFY arrived (or an operator asked): check at once. Several collapse into one.
    void notify(TimePoint now);
    /// Moves a check due within [now, now + window) to a random point of that window
    /// (start-up without storms); later checks stay where they are, unless
    /// `all`: then every check moves into the window.
    void spread_first_check(TimePoint now, std::chrono::milliseconds window, bool all = false);

    TimePoint next_check() const { return next_; }
    bool due(TimePoint now) const { return now >= next_; }
    ZoneState state(TimePoint now) const;
    bool has_data() const { return has_data_; }
    uint32_t serial() const { return serial_; }
    TimePoint verified() const { return verified_; }
    TimePoint expires() const { return expires_; }
    unsigned failures() const { return failures_; }
    bool notified() const { return notified_; }
    const SoaTimers& timers() const { return timers_; }

  private:
    SoaTimers bounded(SoaTimers t) const;
    Seconds jitter(uint32_t seconds, unsigned percent);

    uint64_t rng_;
    TimerBounds bounds_;
    bool has_data_ = false;
    bool notified_ = false;
    uint32_t serial_ = 0;
    unsigned failures_ = 0;
    SoaTimers timers_;
    TimePoint verified_{};
    TimePoint expires_{};
    TimePoint next_{};
};

}  // namespace dns::secondary
