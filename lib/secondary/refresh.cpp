#include "lib/secondary/refresh.hpp"

#include <algorithm>

#include "lib/wire/message.hpp"
#include "lib/wire/name.hpp"

namespace dns::secondary {

namespace {
// The 20 fixed bytes follow the two names of SOA RDATA.
const uint8_t* soa_fixed(const uint8_t* rd, size_t len) {
    size_t a = wire::name_length(rd);
    size_t b = wire::name_length(rd + a);
    return a + b + 20 <= len ? rd + a + b : nullptr;
}
}  // namespace

SoaTimers timers_from_soa(const uint8_t* rd, size_t len) {
    SoaTimers t;
    if (const uint8_t* f = soa_fixed(rd, len)) {
        t.refresh = wire::get32(f + 4);
        t.retry = wire::get32(f + 8);
        t.expire = wire::get32(f + 12);
    }
    return t;
}

uint32_t serial_from_soa(const uint8_t* rd, size_t len) {
    const uint8_t* f = soa_fixed(rd, len);
    return f ? wire::get32(f) : 0;
}

const char* to_string(ZoneState s) {
    switch (s) {
        case ZoneState::empty:
            return "empty";
        case ZoneState::fresh:
            return "fresh";
        case ZoneState::stale:
            return "stale";
        case ZoneState::expired:
            return "expired";
    }
    return "?";
}

SoaTimers RefreshState::bounded(SoaTimers t) const {
    t.refresh = std::clamp(t.refresh, bounds_.min_refresh, bounds_.max_refresh);
    t.retry = std::clamp(t.retry, bounds_.min_retry, bounds_.max_retry);
    t.expire = std::clamp(t.expire, std::max(bounds_.min_expire, t.refresh), bounds_.max_expire);
    if (t.upstream_expire >= 0) {
        uint32_t cap =
            static_cast<uint32_t>(std::max<int64_t>(t.upstream_expire, bounds_.min_expire));
        t.expire = std::min(t.expire, cap);
        t.refresh = std::min(t.refresh, t.expire);
    }
    return t;
}

// A duration of `seconds` shortened by up to `percent` percent, at random.
Seconds RefreshState::jitter(uint32_t seconds, unsigned percent) {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    uint64_t cut = static_cast<uint64_t>(seconds) * percent / 100;
    uint64_t off = cut ? rng_ % (cut + 1) : 0;
    return Seconds(seconds - off);
}

void RefreshState::loaded(uint32_t serial, SoaTimers timers, TimePoint verified, TimePoint now) {
    has_data_ = true;
    serial_ = serial;
    timers_ = bounded(timers);
    verified_ = verified;
    expires_ = verified + Seconds(timers_.expire);
    next_ = std::max(now, verified + jitter(timers_.refresh, 10));
    failures_ = 0;
}

void RefreshState::refreshed(uint32_t serial, SoaTimers timers, TimePoint now) {
    has_data_ = true;
    serial_ = serial;
    timers_ = bounded(timers);
    verified_ = now;
    expires_ = now + Seconds(timers_.expire);
    failures_ = 0;
    notified_ = false;
    next_ = now + jitter(timers_.refresh, 10);
}

void RefreshState::failed(TimePoint now) {
    ++failures_;
    notified_ = false;
    // Retry, doubling while failures continue, at most 8 x retry (and the
    // bound), so a dead primary is not hammered and a revived one is found.
    uint32_t base = has_data_ ? timers_.retry : std::max<uint32_t>(bounds_.min_retry, 10);
    uint32_t factor = 1u << std::min(failures_ - 1, 3u);
    uint32_t wait = std::min(base * factor, bounds_.max_retry);
    next_ = now + jitter(wait, 20);
}

void RefreshState::notify(TimePoint now) {
    notified_ = true;
    next_ = now;
}

void RefreshState::spread_first_check(TimePoint now, std::chrono::milliseconds window, bool all) {
    if (window.count() <= 0) return;
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    // A check due before the window ends moves to a random point inside it.
    if (!all && next_ > now + window) return;
    next_ = now + std::chrono::milliseconds(rng_ % static_cast<uint64_t>(window.count()));
}

ZoneState RefreshState::state(TimePoint now) const {
    if (!has_data_) return ZoneState::empty;
    if (now >= expires_) return ZoneState::expired;
    if (now >= verified_ + Seconds(timers_.refresh) + Seconds(timers_.retry))
        return ZoneState::stale;
    return ZoneState::fresh;
}

}  // namespace dns::secondary
