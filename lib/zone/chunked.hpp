#pragma once
// Arrays made of fixed-size, reference-counted chunks, for zone snapshots.
//
// A new snapshot copies the chunk table (a few pointers per 4096 elements) and
// shares every chunk; writing an element first copies its chunk unless the
// chunk belongs to the writer (copy on write, per chunk). So an update that
// touches k elements copies O(k) chunks, not the zone. Reads cost one more
// indirection than a flat array; the chunk table of even a large zone stays in
// cache.
//
// Each writer (one Builder or Updater at a time, never concurrently with its
// own readers) holds a unique token; chunks it allocated carry that token and
// are written in place. A published snapshot is never written again: the next
// writer has a new token. Elements must be trivially copyable.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace dns::zone::detail {

/// A fresh writer token (never 0).
uint64_t next_token() noexcept;

template <class T, unsigned Bits>
class Chunked {
    static_assert(std::is_trivially_copyable_v<T>);

  public:
    static constexpr size_t kChunk = size_t{1} << Bits;
    static constexpr size_t kMask = kChunk - 1;

    Chunked() = default;
    Chunked(const Chunked& o) : chunks_(o.chunks_), size_(o.size_) {
        for (Chunk* c : chunks_) c->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Chunked(Chunked&& o) noexcept : chunks_(std::move(o.chunks_)), size_(o.size_) { o.size_ = 0; }
    Chunked& operator=(Chunked o) noexcept {
        std::swap(chunks_, o.chunks_);
        std::swap(size_, o.size_);
        return *this;
    }
    ~Chunked() { release(); }

    size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const T& operator[](size_t i) const noexcept { return elems(chunks_[i >> Bits])[i & kMask]; }
    /// Elements i.. up to the end of i's chunk are contiguous.
    const T* ptr(size_t i) const noexcept { return elems(chunks_[i >> Bits]) + (i & kMask); }

    /// A writable element, its chunk copied first unless `token` owns it.
    T& mut(size_t i, uint64_t token) {
        Chunk*& c = chunks_[i >> Bits];
        if (c->owner != token) c = copy_of(c, c->capacity, used_in(i >> Bits), token);
        return elems(c)[i & kMask];
    }

    /// Room for n (<= kChunk) contiguous elements at the end, left uninitialised;
    /// returns the index of the first. A run that would cross a chunk boundary
    /// starts at the next chunk instead (the gap is never read).
    size_t append_run(size_t n, uint64_t token) {
        size_t start = size_;
        if ((start & kMask) != 0 && (start & kMask) + n > kChunk) start = (start | kMask) + 1;
        const size_t ci = start >> Bits, need = (start & kMask) + n;
        if (ci == chunks_.size()) {
            chunks_.push_back(make(std::max(need, std::min(kChunk, size_t{16})), token));
        } else {
            Chunk*& c = chunks_[ci];
            if (c->owner != token || c->capacity < need) {
                size_t cap = c->capacity;
                while (cap < need) cap = std::min(kChunk, cap * 2);
                c = copy_of(c, cap, used_in(ci), token);
            }
        }
        size_ = start + n;
        return start;
    }
    void push_back(const T& v, uint64_t token) {
        size_t i = append_run(1, token);
        elems(chunks_[i >> Bits])[i & kMask] = v;
    }
    /// Copies n values in as one contiguous run; returns the index of the first.
    size_t append(const T* v, size_t n, uint64_t token) {
        size_t i = append_run(n, token);
        if (n) std::memcpy(elems(chunks_[i >> Bits]) + (i & kMask), v, n * sizeof(T));
        return i;
    }

    /// Allocates chunks for a total of n elements in advance (exact size for small arrays).
    void reserve(size_t n, uint64_t token) {
        for (size_t ci = 0; ci * kChunk < n; ++ci) {
            size_t want = std::min(kChunk, n - ci * kChunk);
            if (ci == chunks_.size()) {
                chunks_.push_back(make(want, token));
            } else if (chunks_[ci]->capacity < want) {
                chunks_[ci] = copy_of(chunks_[ci], want, used_in(ci), token);
            }
        }
    }
    /// n copies of v (replaces the contents).
    void assign(size_t n, const T& v, uint64_t token) {
        release();
        chunks_.clear();
        size_ = 0;
        reserve(n, token);
        for (size_t ci = 0; ci * kChunk < n; ++ci)
            std::fill_n(elems(chunks_[ci]), std::min(kChunk, n - ci * kChunk), v);
        size_ = n;
    }

    /// Heap bytes held (shared chunks counted in full).
    size_t bytes() const noexcept {
        size_t b = chunks_.capacity() * sizeof(Chunk*);
        for (const Chunk* c : chunks_) b += sizeof(Chunk) + c->capacity * sizeof(T);
        return b;
    }

  private:
    struct Chunk {
        std::atomic<uint32_t> refs;
        uint32_t capacity;
        uint64_t owner;
    };
    static_assert(sizeof(Chunk) % alignof(T) == 0 && alignof(T) <= alignof(std::max_align_t));

    static T* elems(Chunk* c) noexcept { return reinterpret_cast<T*>(c + 1); }
    static const T* elems(const Chunk* c) noexcept { return reinterpret_cast<const T*>(c + 1); }

    static Chunk* make(size_t capacity, uint64_t token) {
        void* p = std::malloc(sizeof(Chunk) + capacity * sizeof(T));
        if (!p) throw std::bad_alloc();
        Chunk* c = new (p) Chunk;
        c->refs.store(1, std::memory_order_relaxed);
        c->capacity = static_cast<uint32_t>(capacity);
        c->owner = token;
        return c;
    }
    static void unref(Chunk* c) noexcept {
        if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            c->~Chunk();
            std::free(c);
        }
    }
    // Elements of chunk ci that hold data (the rest is a gap or unused).
    size_t used_in(size_t ci) const noexcept {
        size_t first = ci << Bits;
        return size_ <= first ? 0 : std::min(kChunk, size_ - first);
    }
    // A private copy of c with `capacity` elements; drops the reference to c.
    static Chunk* copy_of(Chunk* c, size_t capacity, size_t used, uint64_t token) {
        Chunk* n = make(capacity, token);
        used = std::min({used, capacity, size_t{c->capacity}});
        if (used) std::memcpy(elems(n), elems(c), used * sizeof(T));
        unref(c);
        return n;
    }
    void release() noexcept {
        for (Chunk* c : chunks_) unref(c);
    }

    std::vector<Chunk*> chunks_;
    size_t size_ = 0;
};

}  // namespace dns::zone::detail
