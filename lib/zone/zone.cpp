#include "lib/zone/zone.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace dns::zone {

namespace detail {
uint64_t next_token() noexcept {
    static std::atomic<uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
}
}  // namespace detail

uint32_t Zone::find(const uint8_t* lname, size_t len, uint64_t hash) const noexcept {
    const uint64_t tag = hash >> 32;
    for (size_t slot = hash & index_mask_;; slot = (slot + 1) & index_mask_) {
        uint64_t e = index_[slot];
        if (e == kEmpty) return kNone;
        if ((e >> 32) != tag) continue;
        uint32_t id = static_cast<uint32_t>(e);
        const Node& n = nodes_[id];
        if (n.name_len == len && std::memcmp(names_.ptr(n.lname), lname, len) == 0)
            return (n.flags & nf::removed) ? kNone : id;
    }
}

uint32_t Zone::find_any(const uint8_t* lname, size_t len, uint64_t hash) const noexcept {
    const uint64_t tag = hash >> 32;
    for (size_t slot = hash & index_mask_;; slot = (slot + 1) & index_mask_) {
        uint64_t e = index_[slot];
        if (e == kEmpty) return kNone;
        if ((e >> 32) != tag) continue;
        uint32_t id = static_cast<uint32_t>(e);
        const Node& n = nodes_[id];
        if (n.name_len == len && std::memcmp(names_.ptr(n.lname), lname, len) == 0) return id;
    }
}

void Zone::index_insert(uint32_t id, uint64_t hash) {
    if ((index_used_ + 1) * 4 > index_.size() * 3) {
        // Grow: every indexed node goes into a table twice the size.
        size_t cap = std::max<size_t>(16, index_.size() * 2);
        detail::Chunked<uint64_t, 13> old = std::move(index_);
        index_ = {};
        index_.assign(cap, kEmpty, token_);
        index_mask_ = cap - 1;
        for (size_t i = 0; i < old.size(); ++i) {
            uint64_t e = old[i];
            if (e == kEmpty) continue;
            const Node& n = nodes_[static_cast<uint32_t>(e)];
            size_t slot = wire::name_hash(names_.ptr(n.lname), n.name_len) & index_mask_;
            while (index_[slot] != kEmpty) slot = (slot + 1) & index_mask_;
            index_.mut(slot, token_) = e;
        }
    }
    size_t slot = hash & index_mask_;
    while (index_[slot] != kEmpty) slot = (slot + 1) & index_mask_;
    index_.mut(slot, token_) = entry(hash, id);
    ++index_used_;
}

uint32_t Zone::nsec_for(const uint8_t* lname) const noexcept {
    // Greatest NSEC owner <= lname in canonical order; wraps to the last one.
    if (!nsec_nodes_ || nsec_nodes_->empty()) return kNone;
    const std::vector<uint32_t>& v = *nsec_nodes_;
    auto it = std::upper_bound(v.begin(), v.end(), lname, [&](const uint8_t* name, uint32_t id) {
        return wire::canonical_compare(name, lowner(nodes_[id])) < 0;
    });
    if (it == v.begin()) return v.back();
    return *(it - 1);
}

uint32_t Zone::nsec3_for(const uint8_t* hash, size_t hash_len, bool& exact) const noexcept {
    exact = false;
    if (!nsec3_ || nsec3_->empty()) return kNone;
    const std::vector<Nsec3Entry>& v = *nsec3_;
    auto less = [&](const uint8_t* h, const Nsec3Entry& e) {
        return std::lexicographical_compare(h, h + hash_len, e.hash.begin(),
                                            e.hash.begin() + e.hash_len);
    };
    auto it = std::upper_bound(v.begin(), v.end(), hash, less);
    const Nsec3Entry& e = (it == v.begin()) ? v.back() : *(it - 1);
    exact = e.hash_len == hash_len && std::memcmp(e.hash.data(), hash, hash_len) == 0;
    return e.node;
}

size_t Zone::nsec3_hash(const uint8_t* lname, size_t len, uint8_t* out) const noexcept {
    // RFC 5155 §5: IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(k-1) || salt).
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (!ctx) return 0;
    unsigned n = 0;
    const std::string& salt = nsec3_params_.salt;
    bool ok = EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) && EVP_DigestUpdate(ctx, lname, len) &&
              EVP_DigestUpdate(ctx, salt.data(), salt.size()) && EVP_DigestFinal_ex(ctx, out, &n);
    for (uint16_t i = 0; ok && i < nsec3_params_.iterations; ++i) {
        ok = EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) && EVP_DigestUpdate(ctx, out, n) &&
             EVP_DigestUpdate(ctx, salt.data(), salt.size()) && EVP_DigestFinal_ex(ctx, out, &n);
    }
    EVP_MD_CTX_free(ctx);
    return ok ? n : 0;
}

size_t Zone::memory_usage() const {
    return nodes_.bytes() + children_.bytes() + rrsets_.bytes() + rdatas_.bytes() +
           targets_.bytes() + data_.bytes() + names_.bytes() + index_.bytes() +
           (nsec_nodes_ ? nsec_nodes_->capacity() * 4 : 0) +
           (nsec3_ ? nsec3_->capacity() * sizeof(Nsec3Entry) : 0) +
           (unresolved_ ? unresolved_->capacity() * 8 : 0);
}

}  // namespace dns::zone
