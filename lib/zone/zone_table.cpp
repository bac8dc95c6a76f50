#include "lib/zone/zone_table.hpp"

#include <algorithm>
#include <cstring>

namespace dns::zone {

namespace {

const ZoneTable::ShardPtr& empty_shard() {
    static const ZoneTable::ShardPtr empty = std::make_shared<const ZoneTable::Shard>(
        std::vector<ZonePtr>{}, std::vector<bool>{}, std::vector<ExpiryCell>{});
    return empty;
}

uint64_t apex_hash(const wire::Name& lapex) { return wire::name_hash(lapex.data(), lapex.size()); }

}  // namespace

ZoneTable::Shard::Shard(std::vector<ZonePtr> zones, std::vector<bool> expired,
                        std::vector<ExpiryCell> expiry)
    : zones_(std::move(zones)), expired_(std::move(expired)), expiry_(std::move(expiry)) {
    if (expired_.size() != zones_.size() ||
        std::none_of(expired_.begin(), expired_.end(), [](bool e) { return e; }))
        expired_.clear();
    if (expiry_.size() != zones_.size()) expiry_.clear();
    size_t cap = 2;
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
        size_t slot = apex_hash(a) & mask_;
        while (index_[slot] != kNone) slot = (slot + 1) & mask_;
        index_[slot] = i;
    }
}

uint32_t ZoneTable::Shard::probe(const uint8_t* lname, size_t len, uint64_t hash) const noexcept {
    for (size_t slot = hash & mask_;; slot = (slot + 1) & mask_) {
        uint32_t i = index_[slot];
        if (i == kNone) return kNone;
        const wire::Name& a = *lapex_[i];
        if (a.size() == len && std::memcmp(a.data(), lname, len) == 0) return i;
    }
}

ZoneTable::ZoneTable() { shards_.fill(empty_shard()); }

ZoneTable::ZoneTable(std::vector<ZonePtr> zones, std::vector<bool> expired,
                     std::vector<ExpiryCell> expiry) {
    if (expired.size() != zones.size()) expired.clear();
    if (expiry.size() != zones.size()) expiry.clear();
    std::array<std::vector<ZonePtr>, kShards> z;
    std::array<std::vector<bool>, kShards> e;
    std::array<std::vector<ExpiryCell>, kShards> c;
    for (size_t i = 0; i < zones.size(); ++i) {
        const unsigned s = shard_of(apex_hash(zones[i]->lapex()));
        z[s].push_back(std::move(zones[i]));
        e[s].push_back(!expired.empty() && expired[i]);
        c[s].push_back(expiry.empty() ? nullptr : expiry[i]);
    }
    Shards shards;
    for (unsigned s = 0; s < kShards; ++s)
        if (!z[s].empty())
            shards[s] =
                std::make_shared<const Shard>(std::move(z[s]), std::move(e[s]), std::move(c[s]));
    *this = ZoneTable(shards);
}

ZoneTable::ZoneTable(const Shards& shards) : shards_(shards) {
    for (auto& s : shards_) {
        if (!s) s = empty_shard();
        size_ += s->zones_.size();
        min_labels_ = std::min(min_labels_, s->min_labels_);
        max_labels_ = std::max(max_labels_, s->max_labels_);
    }
}

const Zone* ZoneTable::find_exact(const uint8_t* lname, size_t len) const noexcept {
    const uint64_t h = wire::name_hash(lname, len);
    const Shard& s = *shards_[shard_of(h)];
    if (s.zones_.empty()) return nullptr;
    uint32_t i = s.probe(lname, len, h);
    return i == kNone ? nullptr : s.zones_[i].get();
}

ZonePtr ZoneTable::get_exact(const uint8_t* lname, size_t len) const noexcept {
    const uint64_t h = wire::name_hash(lname, len);
    const Shard& s = *shards_[shard_of(h)];
    if (s.zones_.empty()) return nullptr;
    uint32_t i = s.probe(lname, len, h);
    return i == kNone ? nullptr : s.zones_[i];
}

size_t ZoneTable::expired_count() const {
    size_t n = 0;
    for (const auto& s : shards_)
        n += static_cast<size_t>(std::count(s->expired_.begin(), s->expired_.end(), true));
    return n;
}

// An index is the shard (top 8 bits) and the position in it.
uint32_t ZoneTable::expire_remaining(uint32_t index, int64_t now) const noexcept {
    const Shard& s = *shards_[index >> 24];
    const uint32_t i = index & 0xFFFFFF;
    if (i >= s.zones_.size()) return 0;
    int64_t at =
        s.expiry_.empty() || !s.expiry_[i] ? 0 : s.expiry_[i]->load(std::memory_order_relaxed);
    if (at == 0) return s.zones_[i]->soa_expire();
    return at <= now ? 0 : static_cast<uint32_t>(std::min<int64_t>(at - now, 0xFFFFFFFF));
}

const Zone* ZoneTable::find(const uint8_t* lname, size_t len, bool* expired,
                            uint32_t* index) const noexcept {
    if (size_ == 0) return nullptr;
    uint8_t offs[wire::kMaxLabels + 1];
    size_t n = 0;
    for (size_t p = 0; lname[p]; p += lname[p] + 1u) offs[n++] = static_cast<uint8_t>(p);
    offs[n] = static_cast<uint8_t>(len - 1);  // the root
    // Label count of the suffix starting at offs[k] is n - k.
    size_t k = n > max_labels_ ? n - max_labels_ : 0;
    for (; k <= n && n - k >= min_labels_; ++k) {
        const uint8_t* suffix = lname + offs[k];
        const size_t slen = len - offs[k];
        const uint64_t h = wire::name_hash(suffix, slen);
        const unsigned si = shard_of(h);
        const Shard& s = *shards_[si];
        if (s.zones_.empty()) continue;
        uint32_t i = s.probe(suffix, slen, h);
        if (i != kNone) {
            if (expired) *expired = !s.expired_.empty() && s.expired_[i];
            if (index) *index = si << 24 | i;
            return s.zones_[i].get();
        }
    }
    return nullptr;
}

std::shared_ptr<const ZoneTable> ZoneTable::with(ZonePtr zone, bool expired) const {
    std::vector<ZonePtr> zs;
    std::vector<bool> ex;
    std::vector<ExpiryCell> cells;
    for (const auto& s : shards_)
        for (size_t i = 0; i < s->zones_.size(); ++i) {
            if (s->zones_[i]->lapex() == zone->lapex()) continue;
            zs.push_back(s->zones_[i]);
            ex.push_back(!s->expired_.empty() && s->expired_[i]);
            cells.push_back(s->expiry_.empty() ? nullptr : s->expiry_[i]);
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
    for (const auto& s : shards_)
        for (size_t i = 0; i < s->zones_.size(); ++i) {
            if (s->zones_[i]->apex() == apex) continue;
            zs.push_back(s->zones_[i]);
            ex.push_back(!s->expired_.empty() && s->expired_[i]);
            cells.push_back(s->expiry_.empty() ? nullptr : s->expiry_[i]);
        }
    return std::make_shared<const ZoneTable>(std::move(zs), std::move(ex), std::move(cells));
}

}  // namespace dns::zone
