#pragma once
// An injectable clock so timer logic (SOA refresh, hysteresis) is testable without sleeping.

#include <chrono>

namespace dns {

class Clock {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
};

/// The real monotonic clock.
class SteadyClock final : public Clock {
  public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
};

/// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
  public:
    time_point now() const override { return now_; }
    void advance(std::chrono::nanoseconds d) { now_ += d; }

  private:
    time_point now_{};
};

}  // namespace dns
