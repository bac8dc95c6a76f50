#include "lib/zone/zone.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace dns::zone {

uint32_t Zone::find(const uint8_t* lname, size_t len, uint64_t hash) const noexcept {
    const uint64_t tag = hash >> 32;
    for (size_t slot = hash & index_mask_;; slot = (slot + 1) & index_mask_) {
        uint64_t e = index_[slot];
        if (e == kEmpty) return kNone;
        if ((e >> 32) != tag) continue;
        uint32_t id = static_cast<uint32_t>(e);
        const Node& n = nodes_[id];
        if (n.name_len == len && std::memcmp(names_.data() + n.lname, lname, len) == 0) return id;
    }
}

uint32_t Zone::nsec_for(const uint8_t* lname) const noexcept {
    // Greatest NSEC owner <= lname in canonical order; wraps to the last one.
    auto it = std::upper_bound(nsec_nodes_.begin(), nsec_nodes_.end(), lname,
                               [&](const uint8_t* name, uint32_t id) {
                                   return wire::canonical_compare(name, lowner(nodes_[id])) < 0;
                               });
    if (it == nsec_nodes_.begin()) return nsec_nodes_.empty() ? kNone : nsec_nodes_.back();
    return *(it - 1);
}

uint32_t Zone::nsec3_for(const uint8_t* hash, size_t hash_len, bool& exact) const noexcept {
    exact = false;
    if (nsec3_.empty()) return kNone;
    auto less = [&](const uint8_t* h, const Nsec3Entry& e) {
        return std::lexicographical_compare(h, h + hash_len, e.hash.begin(), e.hash.begin() + e.hash_len);
    };
    auto it = std::upper_bound(nsec3_.begin(), nsec3_.end(), hash, less);
    const Nsec3Entry& e = (it == nsec3_.begin()) ? nsec3_.back() : *(it - 1);
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
    return nodes_.capacity() * sizeof(Node) + rrsets_.capacity() * sizeof(RRset) +
           rdatas_.capacity() * sizeof(Rdata) + targets_.capacity() * 4 + data_.capacity() +
           names_.capacity() + index_.capacity() * 8 + nsec_nodes_.capacity() * 4 +
           nsec3_.capacity() * sizeof(Nsec3Entry);
}

}  // namespace dns::zone
