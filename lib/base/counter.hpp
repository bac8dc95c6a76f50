#pragma once
// A statistics counter written by one thread and read by any: relaxed atomic
// load and store, which on x86 compile to plain moves (no locked instruction),
// so the query path pays nothing for metrics that another thread may read.

#include <atomic>
#include <cstdint>

namespace dns {

class Counter {
  public:
    /// Only the owning thread may increment.
    void operator++() noexcept {
        v_.store(v_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> v_{0};
};

}  // namespace dns
