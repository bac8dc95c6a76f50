#include "lib/xfr/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lib/base/checksum.hpp"
#include "lib/wire/name.hpp"

namespace dns::xfr {

namespace {

constexpr char kMagic[8] = {'D', 'N', 'S', 'D', 'J', 'N', '0', '1'};

void put(std::vector<uint8_t>& b, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get(const uint8_t*& p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | *p++;
    return v;
}

Error io_error(const std::string& path) {
    return make_error(Errc::io, path + ": " + std::strerror(errno));
}

}  // namespace

void encode_record(std::vector<uint8_t>& out, const Record& r) {
    put(out, r.owner.size(), 1);
    out.insert(out.end(), r.owner.begin(), r.owner.end());
    put(out, r.type, 2);
    put(out, r.ttl, 4);
    put(out, r.rdata.size(), 2);
    out.insert(out.end(), r.rdata.begin(), r.rdata.end());
}

bool decode_record(const uint8_t*& p, const uint8_t* end, Record& out) {
    if (end - p < 1) return false;
    size_t olen = *p++;
    if (static_cast<size_t>(end - p) < olen + 8) return false;
    if (!wire::Name::from_wire_checked({p, olen})) return false;
    out.owner.assign(reinterpret_cast<const char*>(p), olen);
    p += olen;
    out.type = static_cast<uint16_t>(get(p, 2));
    out.ttl = static_cast<uint32_t>(get(p, 4));
    size_t rdlen = get(p, 2);
    if (static_cast<size_t>(end - p) < rdlen) return false;
    out.rdata.assign(reinterpret_cast<const char*>(p), rdlen);
    p += rdlen;
    return true;
}

std::vector<uint8_t> Journal::encode(std::span<const Diff> diffs, int64_t stamp, bool with_magic) {
    std::vector<uint8_t> b;
    if (with_magic)  // (a loop: GCC 12 warns falsely on insert() into an empty vector here)
        for (char c : kMagic) b.push_back(static_cast<uint8_t>(c));
    for (const Diff& d : diffs) {
        size_t at = b.size();
        put(b, 0, 4);  // length, filled in below
        put(b, d.from, 4);
        put(b, d.to, 4);
        put(b, static_cast<uint64_t>(stamp), 8);
        put(b, d.removed.size(), 4);
        put(b, d.added.size(), 4);
        for (const Record& r : d.removed) encode_record(b, r);
        for (const Record& r : d.added) encode_record(b, r);
        size_t len = b.size() - at - 4;
        for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(len >> (24 - 8 * i));
        put(b, fnv1a(b.data() + at + 4, len), 4);
    }
    return b;
}

Result<size_t> Journal::append(std::span<const Diff> diffs, int64_t stamp) const {
    struct stat st {};
    const bool fresh =
        ::stat(path_.c_str(), &st) != 0 || st.st_size < static_cast<off_t>(sizeof kMagic);
    std::vector<uint8_t> b = encode(diffs, stamp, fresh);
    int fd =
        ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : O_APPEND), 0644);
    if (fd < 0) return io_error(path_);
    size_t off = 0;
    while (off < b.size()) {
        ssize_t n = ::write(fd, b.data() + off, b.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto e = io_error(path_);
            ::close(fd);
            return e;
        }
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        auto e = io_error(path_);
        ::close(fd);
        return e;
    }
    off_t size = ::lseek(fd, 0, SEEK_END);
    ::close(fd);
    return static_cast<size_t>(size);
}

Result<std::vector<Journal::Entry>> Journal::read(size_t* valid_bytes) const {
    if (valid_bytes) *valid_bytes = 0;
    FILE* f = std::fopen(path_.c_str(), "rb");
    if (!f) {
        if (errno == ENOENT) return std::vector<Entry>{};
        return io_error(path_);
    }
    std::vector<uint8_t> data;
    uint8_t chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
        data.insert(data.end(), chunk, chunk + n);
    std::fclose(f);
    auto r = parse(data, valid_bytes);
    if (!r) return make_error(r.error().code, path_ + ": " + r.error().message);
    return r;
}

Result<std::vector<Journal::Entry>> Journal::parse(std::span<const uint8_t> data,
                                                   size_t* valid_bytes) {
    if (valid_bytes) *valid_bytes = 0;
    std::vector<Entry> out;
    if (data.size() < sizeof kMagic || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
        return make_error(Errc::malformed, "not a journal");
    const uint8_t* p = data.data() + sizeof kMagic;
    const uint8_t* end = data.data() + data.size();
    while (p != end) {
        const uint8_t* q = p;
        if (end - q < 4) break;
        size_t len = get(q, 4);
        if (static_cast<size_t>(end - q) < len + 4 || len < 24) break;
        const uint8_t* body_end = q + len;
        const uint8_t* c = body_end;
        if (get(c, 4) != fnv1a(q, len)) break;
        Entry e;
        e.diff.from = static_cast<uint32_t>(get(q, 4));
        e.diff.to = static_cast<uint32_t>(get(q, 4));
        e.stamp = static_cast<int64_t>(get(q, 8));
        uint64_t removed = get(q, 4), added = get(q, 4);
        bool ok = true;
        for (uint64_t i = 0; ok && i < removed + added; ++i) {
            Record r;
            ok = decode_record(q, body_end, r);
            (i < removed ? e.diff.removed : e.diff.added).push_back(std::move(r));
        }
        if (!ok || q != body_end) break;
        out.push_back(std::move(e));
        p = body_end + 4;
    }
    if (valid_bytes) *valid_bytes = static_cast<size_t>(p - data.data());
    return out;
}

size_t Journal::size() const {
    struct stat st {};
    return ::stat(path_.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

Result<void> Journal::truncate(size_t bytes) const {
    if (::truncate(path_.c_str(), static_cast<off_t>(bytes)) != 0) return io_error(path_);
    return {};
}

void Journal::clear() const { ::unlink(path_.c_str()); }

}  // namespace dns::xfr
