#include "lib/secondary/backoff.hpp"

#include <algorithm>

namespace dns::secondary {

bool PrimaryBackoff::usable(const std::string& primary, TimePoint now) const {
    auto it = state_.find(primary);
    return it == state_.end() || now >= it->second.until;
}

void PrimaryBackoff::succeeded(const std::string& primary, TimePoint now) {
    State& s = state_[primary];
    s = State{};
    s.answered = now;
    s.ever_answered = true;
}

bool PrimaryBackoff::failed(const std::string& primary, TimePoint now) {
    State& s = state_[primary];
    ++s.failures;
    if (s.failures < cfg_.threshold) return false;
    if (now < s.until) return false;  // already paused (answers to queries sent before the pause)
    if (s.ever_answered && now - s.answered < cfg_.recent) return false;  // alive
    s.pause = s.pause.count() == 0 ? cfg_.first : std::min(cfg_.max, s.pause * 2);
    s.until = now + s.pause;
    return true;
}

TimePoint PrimaryBackoff::paused_until(const std::string& primary) const {
    auto it = state_.find(primary);
    return it == state_.end() ? TimePoint{} : it->second.until;
}

unsigned PrimaryBackoff::failures(const std::string& primary) const {
    auto it = state_.find(primary);
    return it == state_.end() ? 0 : it->second.failures;
}

size_t PrimaryBackoff::paused(TimePoint now) const {
    // (Entries of answering primaries stay, with no failures: one per primary.)
    return static_cast<size_t>(std::count_if(
        state_.begin(), state_.end(), [&](const auto& kv) { return now < kv.second.until; }));
}

}  // namespace dns::secondary
