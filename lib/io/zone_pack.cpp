#include "lib/io/zone_pack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lib/base/checksum.hpp"
#include "lib/xfr/snapshot.hpp"

namespace dns::io {
namespace {

constexpr char kFileMagic[8] = {'D', 'N', 'S', 'D', 'P', 'K', '0', '1'};
constexpr uint32_t kRecordMagic = 0x5a504b52;  // "ZPKR"
constexpr size_t kHeader = 12;                 // magic, length, checksum
constexpr uint8_t kPut = 1, kDelete = 2;
constexpr uint32_t kMaxBody = 64u << 20;
// Compaction once the dead records outweigh the live ones and pass this.
constexpr uint64_t kCompactAfter = 4u << 20;

Error sys_error(const std::string& what) {
    return make_error(Errc::io, what + ": " + std::strerror(errno));
}

void put32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
uint32_t get32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

/// The checksum of a record body, its verified time (in a put) counted as zero.
uint32_t body_checksum(const uint8_t* body, size_t len) {
    if (len < 2 || body[0] != kPut) return fnv1a(body, len);
    const size_t at = 2 + size_t{body[1]} + xfr::kSnapshotVerifiedOffset;
    if (at + 8 > len) return fnv1a(body, len);
    static constexpr uint8_t zero[8] = {};
    uint32_t h = fnv1a(body, at);
    h = fnv1a(zero, 8, h);
    return fnv1a(body + at + 8, len - at - 8, h);
}

void append_record(std::vector<uint8_t>& out, uint8_t kind, std::span<const uint8_t> key,
                   std::span<const uint8_t> snapshot) {
    const size_t at = out.size();
    const uint32_t body = static_cast<uint32_t>(2 + key.size() + snapshot.size());
    out.resize(at + kHeader + body);
    uint8_t* p = out.data() + at;
    put32(p, kRecordMagic);
    put32(p + 4, body);
    p[kHeader] = kind;
    p[kHeader + 1] = static_cast<uint8_t>(key.size());
    std::memcpy(p + kHeader + 2, key.data(), key.size());
    if (!snapshot.empty())
        std::memcpy(p + kHeader + 2 + key.size(), snapshot.data(), snapshot.size());
    put32(p + 8, body_checksum(p + kHeader, body));
}

bool write_all(int fd, const uint8_t* p, size_t n, uint64_t offset) {
    while (n > 0) {
        ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
        offset += static_cast<uint64_t>(w);
    }
    return true;
}

bool read_all(int fd, uint8_t* p, size_t n, uint64_t offset) {
    while (n > 0) {
        ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
        offset += static_cast<uint64_t>(r);
    }
    return true;
}

}  // namespace

ZonePack::ZonePack(std::string path) : path_(std::move(path)) {}

ZonePack::~ZonePack() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> ZonePack::open() {
    std::lock_guard lock(mu_);
    return open_locked();
}

std::string ZonePack::note() const {
    std::lock_guard lock(mu_);
    return note_;
}

Result<void> ZonePack::open_locked() {
    if (opened_) return fd_ >= 0 ? Result<void>{} : make_error(Errc::io, path_ + ": not open");
    opened_ = true;
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return sys_error(path_);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return sys_error(path_);
    std::vector<uint8_t> data(static_cast<size_t>(st.st_size));
    if (!data.empty() && !read_all(fd_, data.data(), data.size(), 0)) return sys_error(path_);
    if (data.size() < sizeof kFileMagic) {
        // New (or torn before its first record): start it.
        if (::ftruncate(fd_, 0) != 0 ||
            !write_all(fd_, reinterpret_cast<const uint8_t*>(kFileMagic), sizeof kFileMagic, 0) ||
            ::fdatasync(fd_) != 0)
            return sys_error(path_);
        end_ = sizeof kFileMagic;
        return {};
    }
    if (std::memcmp(data.data(), kFileMagic, sizeof kFileMagic) != 0) {
        ::close(fd_);
        fd_ = -1;
        return make_error(Errc::malformed, path_ + ": not a zone pack");
    }
    uint64_t at = sizeof kFileMagic;
    while (at + kHeader <= data.size()) {
        const uint8_t* p = data.data() + at;
        const uint32_t body = get32(p + 4);
        if (get32(p) != kRecordMagic || body < 2 || body > kMaxBody ||
            at + kHeader + body > data.size() || get32(p + 8) != body_checksum(p + kHeader, body) ||
            2u + p[kHeader + 1] > body)
            break;
        const uint8_t kind = p[kHeader];
        const uint8_t nlen = p[kHeader + 1];
        std::string key(reinterpret_cast<const char*>(p + kHeader + 2), nlen);
        if (auto it = index_.find(key); it != index_.end()) {
            live_ -= it->second.length;
            index_.erase(it);
        }
        if (kind == kPut) {
            const uint32_t length = static_cast<uint32_t>(kHeader + body);
            index_.emplace(std::move(key), Entry{at, length, nlen});
            live_ += length;
        } else if (kind != kDelete) {
            break;
        }
        at += kHeader + body;
    }
    if (at < data.size()) {
        note_ = path_ + ": " + std::to_string(data.size() - at) +
                " bytes after the last good record cut off (a write torn by a crash?)";
        if (::ftruncate(fd_, static_cast<off_t>(at)) != 0) return sys_error(path_);
    }
    end_ = at;
    return {};
}

bool ZonePack::contains(std::span<const uint8_t> key) {
    std::lock_guard lock(mu_);
    if (!open_locked()) return false;
    return index_.count(key_of(key)) != 0;
}

Result<std::vector<uint8_t>> ZonePack::get(std::span<const uint8_t> key) {
    std::lock_guard lock(mu_);
    if (auto r = open_locked(); !r) return r.error();
    auto it = index_.find(key_of(key));
    if (it == index_.end()) return make_error(Errc::not_found, path_ + ": no such zone");
    const Entry& e = it->second;
    const size_t skip = kHeader + 2 + e.name_len;
    std::vector<uint8_t> out(e.length - skip);
    if (!read_all(fd_, out.data(), out.size(), e.offset + skip)) return sys_error(path_);
    return out;
}

Result<void> ZonePack::write(std::span<const Put> puts,
                             std::span<const std::vector<uint8_t>> deletes) {
    std::lock_guard lock(mu_);
    if (auto r = open_locked(); !r) return r;
    std::vector<uint8_t> buf;
    struct Placed {
        std::string key;
        Entry entry;
    };
    std::vector<Placed> placed;
    std::vector<std::string> gone;
    for (const auto& p : puts) {
        if (p.key.empty() || p.key.size() > 255 || 2 + p.key.size() + p.snapshot.size() > kMaxBody)
            return make_error(Errc::limit, path_ + ": a zone too large for the pack");
        const uint64_t offset = end_ + buf.size();
        append_record(buf, kPut, p.key, p.snapshot);
        placed.push_back(
            {key_of(p.key), Entry{offset, static_cast<uint32_t>(end_ + buf.size() - offset),
                                  static_cast<uint8_t>(p.key.size())}});
    }
    for (const auto& k : deletes) {
        std::string key = key_of(k);
        if (!index_.count(key)) continue;
        append_record(buf, kDelete, k, {});
        gone.push_back(std::move(key));
    }
    if (buf.empty()) return {};
    if (!write_all(fd_, buf.data(), buf.size(), end_) || ::fdatasync(fd_) != 0) {
        Error e = sys_error(path_);
        (void)::ftruncate(fd_, static_cast<off_t>(end_));  // the index still says what counts
        return e;
    }
    end_ += buf.size();
    for (auto& p : placed) {
        auto [it, fresh] = index_.try_emplace(std::move(p.key), p.entry);
        if (!fresh) {
            live_ -= it->second.length;
            it->second = p.entry;
        }
        live_ += p.entry.length;
    }
    for (const auto& k : gone)
        if (auto it = index_.find(k); it != index_.end()) {
            live_ -= it->second.length;
            index_.erase(it);
        }
    const uint64_t dead = end_ - sizeof kFileMagic - live_;
    if (dead > live_ && dead > kCompactAfter) return compact_locked();
    return {};
}

Result<void> ZonePack::touch(std::span<const uint8_t> key, int64_t verified) {
    std::lock_guard lock(mu_);
    if (auto r = open_locked(); !r) return r;
    auto it = index_.find(key_of(key));
    if (it == index_.end()) return make_error(Errc::not_found, path_ + ": no such zone");
    uint8_t b[8];
    for (int i = 0; i < 8; ++i)
        b[i] = static_cast<uint8_t>(static_cast<uint64_t>(verified) >> (56 - 8 * i));
    const uint64_t at =
        it->second.offset + kHeader + 2 + it->second.name_len + xfr::kSnapshotVerifiedOffset;
    if (!write_all(fd_, b, sizeof b, at)) return sys_error(path_);
    return {};
}

Result<void> ZonePack::compact_locked() {
    // The live records, in file order, into a new file that replaces this one
    // (written, synced, renamed: a crash leaves the old file or the new).
    std::vector<std::pair<uint64_t, std::string>> order;
    order.reserve(index_.size());
    for (const auto& [k, e] : index_) order.emplace_back(e.offset, k);
    std::sort(order.begin(), order.end());
    const std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return sys_error(tmp);
    std::unordered_map<std::string, Entry> index;
    index.reserve(index_.size());
    std::vector<uint8_t> buf(kFileMagic, kFileMagic + sizeof kFileMagic);
    uint64_t written = 0;
    bool ok = true;
    for (const auto& [offset, key] : order) {
        const Entry& e = index_.at(key);
        const size_t at = buf.size();
        buf.resize(at + e.length);
        if (!read_all(fd_, buf.data() + at, e.length, e.offset)) {
            ok = false;
            break;
        }
        index.emplace(key, Entry{written + at, e.length, e.name_len});
        if (buf.size() >= (1u << 20)) {
            ok = write_all(fd, buf.data(), buf.size(), written);
            written += buf.size();
            buf.clear();
            if (!ok) break;
        }
    }
    ok = ok && write_all(fd, buf.data(), buf.size(), written) && ::fsync(fd) == 0;
    written += buf.size();
    if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
        Error e = sys_error(tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;  // the old file stays as it was, whole
    }
    ::close(fd_);
    fd_ = fd;
    index_ = std::move(index);
    end_ = written;
    return {};
}

size_t ZonePack::size() const {
    std::lock_guard lock(mu_);
    return index_.size();
}

size_t ZonePack::file_bytes() const {
    std::lock_guard lock(mu_);
    return end_;
}

size_t ZonePack::live_bytes() const {
    std::lock_guard lock(mu_);
    return live_;
}

}  // namespace dns::io
