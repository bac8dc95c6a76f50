#include "lib/xfr/history.hpp"

namespace dns::xfr {

void HistoryStore::append(const std::string& key, const std::vector<Diff>& diffs) {
    if (diffs.empty()) return;
    std::lock_guard lock(mu_);
    auto& h = zones_[key];
    auto next = std::make_shared<History>();
    if (h && !h->empty() && h->back().to == diffs.front().from) *next = *h;
    next->insert(next->end(), diffs.begin(), diffs.end());
    size_t records = 0;
    for (const auto& d : *next) records += d.removed.size() + d.added.size();
    while (!next->empty() && (next->size() > limits_.differences || records > limits_.records)) {
        records -= next->front().removed.size() + next->front().added.size();
        next->erase(next->begin());
    }
    if (next->empty())
        zones_.erase(key);
    else
        h = std::move(next);
}

void HistoryStore::reset(const std::string& key) {
    std::lock_guard lock(mu_);
    zones_.erase(key);
}

std::shared_ptr<const History> HistoryStore::get(const std::string& key, uint32_t serial) const {
    std::lock_guard lock(mu_);
    auto it = zones_.find(key);
    if (it == zones_.end() || !it->second || it->second->back().to != serial) return nullptr;
    return it->second;
}

}  // namespace dns::xfr
