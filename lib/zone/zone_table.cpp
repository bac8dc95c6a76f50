#include "lib/zone/zone_table.hpp"

#include <cstring>

namespace dns::zone {

ZoneTable::ZoneTable(std::vector<ZonePtr> zones, std::vector<bool> expired,
                     std::vector<ExpiryCell> expiry)
    : zones_(std::move(zones)), expired_(std::move(expired)), expiry_(std::move(expiry)) {
    if (expired_.size() != zones_.size()) expired_.clear();
    if (expiry_.size() != zones_.size()) expiry_.clear();
    size_t cap = 8;
    while (cap < zones_.size() * 2) cap <<= 1;
    index_.assign(cap, kNone);
    mask_ = cap - 1;
    lapex_.reserve(zones_.size());
    for (uint32_t i = 0; i < zones_.size(); ++i) {
        lapex_.push_back(&zones_[i]->lapex());
        const wire::Name& a = *lapex_.back();
        uint8_t labels = static_cast<uint8_t>(a.labels());
        min_labels_ = std::min(min_labels_, labels);
        max_labels_ = std::max(max_labels_, labels);
        size_t slot = wire::name_hash(a.data(), a.size()) & mask_;
        while (index_[slot] != kNone) slot = (slot + 1) & mask_;
        index_[slot] = i;
    }
}

uint32_t ZoneTable::probe(const uint8_t* lname, size_t len) const noexcept {
    for (size_t slot = wire::name_hash(lname, len) & mask_;; slot = (slot + 1) & mask_) {
        uint32_t i = index_[slot];
        if (i == kNone) return kNone;
        const wire::Name& a = *lapex_[i];
        if (a.size() == len && std::memcmp(a.data(), lname, len) == 0) return i;
    }
}

const Zone* ZoneTable::find_exact(const uint8_t* lname, size_t len) const noexcept {
    if (zones_.empty()) return nullptr;
    uint32_t i = probe(lname, len);
    return i == kNone ? nullptr : zones_[i].get();
}

ZonePtr ZoneTable::get_exact(const uint8_t* lname, size_t len) const noexcept {
    if (zones_.empty()) return nullptr;
    uint32_t i = probe(lname, len);
    return i == kNone ? nullptr : zones_[i];
}

uint32_t ZoneTable::expire_remaining(uint32_t i, int64_t now) const noexcept {
    if (i >= zones_.size()) return 0;
    int64_t at = expiry_.empty() || !expiry_[i] ? 0 : expiry_[i]->load(std::memory_order_relaxed);
    if (at == 0) return zones_[i]->soa_expire();
    return at <= now ? 0 : static_cast<uint32_t>(std::min<int64_t>(at - now, 0xFFFFFFFF));
}

const Zone* ZoneTable::find(const uint8_t* lname, size_t len, bool* expired,
                            uint32_t* index) const noexcept {
    if (zones_.empty()) return nullptr;
    uint8_t offs[wire::kMaxLabels + 1];
    size_t n = 0;
    for (size_t p = 0; lname[p]; p += lname[p] + 1u) offs[n++] = static_cast<uint8_t>(p);
    offs[n] = static_cast<uint8_t>(len - 1);  // the root
    // Label count of the suffix starting at offs[k] is n - k.
    size_t k = n > max_labels_ ? n - max_labels_ : 0;
    for (; k <= n && n - k >= min_labels_; ++k) {
        uint32_t i = probe(lname + offs[k], len - offs[k]);
        if (i != kNone) {
            if (expired) *expired = this->expired(i);
            if (index) *index = i;
            return zones_[i].get();
        }
    }
    return nullptr;
}

std::shared_ptr<const ZoneTable> ZoneTable::with(ZonePtr zone, bool expired) const {
    std::vector<ZonePtr> zs;
    std::vector<bool> ex;
    std::vector<ExpiryCell> cells;
    zs.reserve(zones_.size() + 1);
    ex.reserve(zones_.size() + 1);
    for (size_t i = 0; i < zones_.size(); ++i) {
        if (zones_[i]->lapex() == zone->lapex()) continue;
        zs.push_back(zones_[i]);
        ex.push_back(this->expired(i));
        cells.push_back(expiry_.empty() ? nullptr : expiry_[i]);
    }
    zs.push_back(std::move(zone));
    ex.push_back(expired);
    cells.push_back(nullptr);
    return std::make_shared<const ZoneTable>(std::move(zs), std::move(ex), std::move(cells));
}

std::shared_ptr<const ZoneTable> ZoneTable::without(const wire::Name& apex) const {
    std::vector<ZonePtr> zs;
    std::vector<bool> ex;
    std::vector<ExpiryCell> cells;
    for (size_t i = 0; i < zones_.size(); ++i) {
        if (zones_[i]->apex() == apex) continue;
        zs.push_back(zones_[i]);
        ex.push_back(this->expired(i));
        cells.push_back(expiry_.empty() ? nullptr : expiry_[i]);
    }
    return std::make_shared<const ZoneTable>(std::move(zs), std::move(ex), std::move(cells));
}

}  // namespace dns::zone
