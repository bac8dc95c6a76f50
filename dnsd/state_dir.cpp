#include "dnsd/state_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/base/log.hpp"
#include "lib/zone/builder.hpp"

namespace dnsd {

namespace {

constexpr char kMagic1[8] = {'D', 'N', 'S', 'D', 'Z', 'N', '0', '1'};
constexpr char kMagic[8] = {'D', 'N', 'S', 'D', 'Z', 'N', '0', '2'};

// File layout: magic, u64 verified time, u32 record count, u16 apex length,
// apex, (version 2:) u8 primary length, primary ("ADDR:PORT" text), then each
// record: u8 owner length, owner, u16 type, u32 TTL, u16 RDATA length, RDATA.
// All integers big-endian.
void put(std::vector<uint8_t>& b, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get(const uint8_t*& p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | *p++;
    return v;
}

dns::Result<void> write_atomically(const std::string& path, const std::vector<uint8_t>& data) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return dns::make_error(dns::Errc::io, tmp + ": " + std::strerror(errno));
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return dns::make_error(dns::Errc::io, tmp + ": " + std::strerror(e));
        }
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        return dns::make_error(dns::Errc::io, tmp + ": " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        return dns::make_error(dns::Errc::io, path + ": " + std::strerror(e));
    }
    return {};
}

}  // namespace

std::string StateDir::path_of(const dns::wire::Name& zone) const {
    // The lower-cased name, with anything but [a-z0-9-_.] hex-escaped, so every
    // zone maps to one safe file name.
    std::string text = zone.lowercased().to_text(), file;
    for (unsigned char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') {
            file += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02x", c);
            file += buf;
        }
    }
    if (file == ".") file = "%2e";  // the root: '%' never appears unescaped, so no clash
    return dir_ + "/" + file + "zone";
}

dns::Result<void> StateDir::prepare() const {
    if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST)
        return dns::make_error(dns::Errc::io, dir_ + ": " + std::strerror(errno));
    if (::access(dir_.c_str(), W_OK) != 0)
        return dns::make_error(dns::Errc::io, dir_ + ": not writable");
    return {};
}

dns::Result<void> StateDir::save(const dns::zone::Zone& zone, int64_t verified,
                                 const std::string& primary) const {
    auto records = dns::xfr::records_of(zone);
    std::vector<uint8_t> b(kMagic, kMagic + 8);
    size_t size = 32 + zone.apex().size();
    for (const auto& r : records) size += 9 + r.owner.size() + r.rdata.size();
    b.reserve(size);
    put(b, static_cast<uint64_t>(verified), 8);
    put(b, records.size(), 4);
    put(b, zone.apex().size(), 2);
    b.insert(b.end(), zone.apex().data(), zone.apex().data() + zone.apex().size());
    std::string p = primary.substr(0, 255);
    put(b, p.size(), 1);
    b.insert(b.end(), p.begin(), p.end());
    for (const auto& r : records) dns::xfr::encode_record(b, r);
    auto written = write_atomically(path_of(zone.apex()), b);
    if (written) journal_of(zone.apex()).clear();  // the snapshot includes it now
    return written;
}

dns::Result<void> StateDir::append(const dns::wire::Name& zone, std::span<const dns::xfr::Diff> diffs,
                                   int64_t verified) const {
    auto r = journal_of(zone).append(diffs, verified);
    if (!r) return r.error();
    return {};
}

std::pair<size_t, size_t> StateDir::sizes(const dns::wire::Name& zone) const {
    struct stat st {};
    size_t snapshot = ::stat(path_of(zone).c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
    return {snapshot, journal_of(zone).size()};
}

dns::Result<void> StateDir::touch(const dns::wire::Name& zone, int64_t verified) const {
    std::string path = path_of(zone);
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return dns::make_error(dns::Errc::io, path + ": " + std::strerror(errno));
    uint8_t buf[8];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<uint8_t>(static_cast<uint64_t>(verified) >> (56 - 8 * i));
    bool ok = ::pwrite(fd, buf, 8, 8) == 8;
    ::close(fd);
    if (!ok) return dns::make_error(dns::Errc::io, path + ": cannot update");
    return {};
}

dns::Result<SavedZone> StateDir::load(const dns::wire::Name& zone) const {
    std::string path = path_of(zone);
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return dns::make_error(dns::Errc::not_found, path);
    std::vector<uint8_t> data;
    uint8_t chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) data.insert(data.end(), chunk, chunk + n);
    std::fclose(f);
    auto bad = [&](const char* why) { return dns::make_error(dns::Errc::malformed, path + ": " + why); };
    if (data.size() < 22) return bad("not a saved zone");
    const bool v2 = std::memcmp(data.data(), kMagic, 8) == 0;
    if (!v2 && std::memcmp(data.data(), kMagic1, 8) != 0) return bad("not a saved zone");
    const uint8_t* p = data.data() + 8;
    const uint8_t* end = data.data() + data.size();
    SavedZone out;
    out.verified_unix = static_cast<int64_t>(get(p, 8));
    uint64_t count = get(p, 4);
    size_t alen = get(p, 2);
    if (static_cast<size_t>(end - p) < alen) return bad("truncated");
    auto apex = dns::wire::Name::from_wire_checked({p, alen});
    if (!apex || !(*apex == zone)) return bad("holds another zone");
    p += alen;
    if (v2) {
        if (end - p < 1) return bad("truncated");
        size_t plen = *p++;
        if (static_cast<size_t>(end - p) < plen) return bad("truncated");
        out.primary.assign(reinterpret_cast<const char*>(p), plen);
        p += plen;
    }
    dns::zone::Builder builder(*apex);
    dns::xfr::Record rec;
    for (uint64_t i = 0; i < count; ++i) {
        if (!dns::xfr::decode_record(p, end, rec)) return bad("truncated or bad owner name");
        auto r = builder.add(reinterpret_cast<const uint8_t*>(rec.owner.data()), rec.type, dns::wire::rrclass::IN,
                             rec.ttl, {reinterpret_cast<const uint8_t*>(rec.rdata.data()), rec.rdata.size()});
        if (!r) return bad(r.error().message.c_str());
    }
    if (p != end) return bad("trailing bytes");
    auto z = builder.build();
    if (!z) return bad(z.error().message.c_str());
    out.zone = std::move(*z);
    apply_journal(zone, out);
    return out;
}

void StateDir::apply_journal(const dns::wire::Name& zone, SavedZone& out) const {
    // The differences since the snapshot: entries that follow on from its
    // serial (older ones, left by a crash between snapshot and journal
    // removal, are skipped).
    auto journal = journal_of(zone);
    size_t valid = 0;
    auto entries = journal.read(&valid);
    if (!entries) {
        out.journal_note = entries.error().message + "; journal ignored";
        return;
    }
    if (valid < journal.size()) {
        out.journal_note = journal.path() + ": torn entry after " + std::to_string(entries->size()) +
                           " good ones (cut off)";
        if (valid == 0) {
            journal.clear();
        } else if (auto cut = journal.truncate(valid); !cut) {
            out.journal_note += "; " + cut.error().message;
        }
    }
    std::vector<dns::xfr::Diff> diffs;
    int64_t stamp = out.verified_unix;
    uint32_t serial = out.zone->serial();
    for (auto& e : *entries) {
        if (e.diff.from != serial) continue;
        serial = e.diff.to;
        stamp = std::max(stamp, e.stamp);
        diffs.push_back(std::move(e.diff));
    }
    if (diffs.empty()) return;
    auto applied = dns::xfr::apply(out.zone, diffs);
    if (!applied) {
        out.journal_note = journal.path() + ": " + applied.error().message + "; serving the snapshot";
        return;
    }
    out.zone = std::move(*applied);
    out.verified_unix = stamp;
    out.journal_entries = static_cast<uint32_t>(diffs.size());
}

void StateDir::remove(const dns::wire::Name& zone) const {
    ::unlink(path_of(zone).c_str());
    journal_of(zone).clear();
}

}  // namespace dnsd

namespace dnsd {

StateWriter::StateWriter(const StateDir& dir) : dir_(dir), thread_([this] { run(); }) {}

StateWriter::~StateWriter() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void StateWriter::save(dns::zone::ZonePtr zone, int64_t verified, std::string primary) {
    std::string key = zone->lapex().to_text();
    dns::wire::Name name = zone->apex();
    {
        std::lock_guard lock(mu_);
        jobs_[key] = Job{Job::save, std::move(zone), std::move(name), verified, std::move(primary), {}};
    }
    cv_.notify_one();
}

void StateWriter::append(dns::zone::ZonePtr zone, std::vector<dns::xfr::Diff> diffs, int64_t verified,
                         std::string primary) {
    std::string key = zone->lapex().to_text();
    dns::wire::Name name = zone->apex();
    {
        std::lock_guard lock(mu_);
        auto it = jobs_.find(key);
        if (it != jobs_.end() && (it->second.kind == Job::save || it->second.kind == Job::append)) {
            // A pending write of this zone takes the newer data with it: a save
            // simply saves the newer zone, an append adds these differences.
            Job& job = it->second;
            job.zone = std::move(zone);
            job.verified = verified;
            if (job.kind == Job::append)
                job.diffs.insert(job.diffs.end(), std::make_move_iterator(diffs.begin()),
                                 std::make_move_iterator(diffs.end()));
        } else {
            jobs_[key] = Job{Job::append, std::move(zone), std::move(name), verified, std::move(primary), std::move(diffs)};
        }
    }
    cv_.notify_one();
}

void StateWriter::touch(const dns::wire::Name& zone, int64_t verified) {
    std::string key = zone.lowercased().to_text();
    {
        std::lock_guard lock(mu_);
        auto it = jobs_.find(key);
        if (it != jobs_.end() && (it->second.kind == Job::save || it->second.kind == Job::append)) {
            it->second.verified = verified;  // the pending write carries the new time
        } else {
            jobs_[key] = Job{Job::touch, nullptr, zone, verified, {}, {}};
        }
    }
    cv_.notify_one();
}

void StateWriter::remove(const dns::wire::Name& zone) {
    {
        std::lock_guard lock(mu_);
        jobs_[zone.lowercased().to_text()] = Job{Job::remove, nullptr, zone, 0, {}, {}};
    }
    cv_.notify_one();
}

void StateWriter::flush() {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] { return jobs_.empty() && !busy_; });
}

void StateWriter::run() {
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) {
            if (stop_) return;
            continue;
        }
        auto node = jobs_.extract(jobs_.begin());
        busy_ = true;
        lock.unlock();
        Job& job = node.mapped();
        dns::Result<void> r;
        switch (job.kind) {
            case Job::save: r = dir_.save(*job.zone, job.verified, job.primary); break;
            case Job::append: {
                // The snapshot is rewritten once the journal outgrows half of it
                // (or when there is no snapshot to append to).
                auto [snapshot, journal] = dir_.sizes(job.name);
                if (snapshot == 0 || journal > snapshot / 2) {
                    r = dir_.save(*job.zone, job.verified, job.primary);
                } else {
                    r = dir_.append(job.name, job.diffs, job.verified);
                    if (!r) r = dir_.save(*job.zone, job.verified, job.primary);
                }
                break;
            }
            case Job::touch: r = dir_.touch(job.name, job.verified); break;
            case Job::remove: dir_.remove(job.name); break;
        }
        if (!r) LOG_ERROR("state dir: %s", r.error().message.c_str());
        job.zone.reset();  // drop the snapshot and differences outside the lock
        job.diffs.clear();
        lock.lock();
        busy_ = false;
        if (jobs_.empty()) idle_.notify_all();
    }
}

}  // namespace dnsd
