#include "lib/io/state_dir.hpp"

#include <dirent.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "lib/base/log.hpp"
#include "lib/xfr/transfer.hpp"

namespace dns::io {

namespace {
std::vector<uint8_t> pack_key(const dns::wire::Name& zone) {
    auto l = zone.lowercased();
    return {l.data(), l.data() + l.size()};
}
}  // namespace

StateDir::StateDir(std::string dir, Storage* storage, size_t pack_limit)
    : dir_(std::move(dir)), storage_(storage), pack_limit_(pack_limit) {
    if (!storage_) {
        own_ = std::make_unique<FileStorage>();
        storage_ = own_.get();
    }
    if (!dir_.empty() && pack_limit_ > 0) pack_ = std::make_unique<ZonePack>(dir_ + "/zones.pack");
}

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
    if (auto r = storage_->prepare_dir(dir_); !r) return r;
    if (!pack_) return {};
    if (auto r = pack_->open(); !r) return r;
    if (auto note = pack_->note(); !note.empty()) LOG_WARN("state dir: %s", note.c_str());
    // The files there now: a zone in the pack is looked for in a file of its
    // own only if one was there at start (left by a crash between the two).
    std::lock_guard lock(files_mu_);
    files_at_start_.clear();
    if (DIR* d = ::opendir(dir_.c_str())) {
        while (const dirent* e = ::readdir(d)) files_at_start_.insert(dir_ + "/" + e->d_name);
        ::closedir(d);
    }
    files_listed_ = true;
    return {};
}

bool StateDir::had_file(const std::string& path) const {
    std::lock_guard lock(files_mu_);
    return !files_listed_ || files_at_start_.count(path) != 0;
}

bool StateDir::packed(const dns::wire::Name& zone) const {
    return pack_ && pack_->contains(pack_key(zone));
}

void StateDir::drop_file(const dns::wire::Name& zone) const {
    storage_->remove(path_of(zone));
    journal_of(zone).clear();
}

dns::Result<void> StateDir::save(const dns::zone::Zone& zone, int64_t verified,
                                 const std::string& primary) const {
    SaveRequest one{&zone, verified, &primary};
    return std::move(save_many({&one, 1}).front());
}

std::vector<dns::Result<void>> StateDir::save_many(std::span<const SaveRequest> zones) const {
    // Small snapshots go to the pack (one write and one flush for all of
    // them), the others to a file each (sharing one flush to disk).
    std::vector<dns::Result<void>> out(zones.size());
    std::vector<Storage::Write> writes;
    std::vector<size_t> to_file, to_pack, was_packed;
    std::vector<ZonePack::Put> puts;
    for (size_t i = 0; i < zones.size(); ++i) {
        auto bytes =
            dns::xfr::encode_snapshot(*zones[i].zone, zones[i].verified_unix, *zones[i].primary);
        if (pack_ && bytes.size() <= pack_limit_) {
            auto key = pack_key(zones[i].zone->apex());
            was_packed.push_back(pack_->contains(key) ? 1 : 0);
            puts.push_back({std::move(key), std::move(bytes)});
            to_pack.push_back(i);
        } else {
            writes.push_back({path_of(zones[i].zone->apex()), std::move(bytes)});
            to_file.push_back(i);
        }
    }
    if (!puts.empty()) {
        auto r = pack_->write(puts, {});
        for (size_t j = 0; j < to_pack.size(); ++j) {
            out[to_pack[j]] = r;
            // Moved into the pack: the file it had (if any) goes once the pack holds it.
            if (r && !was_packed[j]) drop_file(zones[to_pack[j]].zone->apex());
        }
    }
    if (!writes.empty()) {
        auto written = storage_->write_atomically_many(writes);
        std::vector<std::vector<uint8_t>> unpacked;
        for (size_t j = 0; j < to_file.size() && j < written.size(); ++j) {
            const auto& apex = zones[to_file[j]].zone->apex();
            if (written[j]) {
                journal_of(apex).clear();  // the snapshot includes it now
                if (packed(apex)) unpacked.push_back(pack_key(apex));  // grew out of the pack
            }
            out[to_file[j]] = std::move(written[j]);
        }
        if (!unpacked.empty())
            if (auto r = pack_->write({}, unpacked); !r)
                LOG_WARN("state dir: %s (the newer files win at load)", r.error().message.c_str());
    }
    return out;
}

dns::Result<void> StateDir::append(const dns::wire::Name& zone,
                                   std::span<const dns::xfr::Diff> diffs, int64_t verified) const {
    auto r = journal_of(zone).append(diffs, verified);
    if (!r) return r.error();
    return {};
}

std::pair<size_t, size_t> StateDir::sizes(const dns::wire::Name& zone) const {
    return {storage_->size(path_of(zone)), journal_of(zone).size()};
}

dns::Result<void> StateDir::touch(const dns::wire::Name& zone, int64_t verified) const {
    if (packed(zone)) return pack_->touch(pack_key(zone), verified);
    uint8_t buf[8];
    for (int i = 0; i < 8; ++i)
        buf[i] = static_cast<uint8_t>(static_cast<uint64_t>(verified) >> (56 - 8 * i));
    return storage_->write_at(path_of(zone), dns::xfr::kSnapshotVerifiedOffset, buf);
}

dns::Result<SavedZone> StateDir::load(const dns::wire::Name& zone) const {
    if (!packed(zone)) return load_file(zone);
    auto data = pack_->get(pack_key(zone));
    if (!data) return data.error();
    auto snap = dns::xfr::decode_snapshot(*data, zone);
    if (!snap)
        return dns::make_error(snap.error().code,
                               pack_->path() + ": " + zone.to_text() + ": " + snap.error().message);
    SavedZone out;
    out.zone = std::move(snap->zone);
    out.verified_unix = snap->verified_unix;
    out.primary = std::move(snap->primary);
    // A crash between a zone's move into the pack or out of it and the
    // removal of the other copy leaves both: the one verified last wins.
    if (const std::string path = path_of(zone); had_file(path) && storage_->size(path) > 0)
        if (auto file = load_file(zone); file && file->verified_unix > out.verified_unix)
            return file;
    return out;
}

dns::Result<SavedZone> StateDir::load_file(const dns::wire::Name& zone) const {
    std::string path = path_of(zone);
    auto data = storage_->read(path);
    if (!data) return data.error();
    auto snap = dns::xfr::decode_snapshot(*data, zone);
    if (!snap) return dns::make_error(snap.error().code, path + ": " + snap.error().message);
    SavedZone out;
    out.zone = std::move(snap->zone);
    out.verified_unix = snap->verified_unix;
    out.primary = std::move(snap->primary);
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
        out.journal_note = journal.path() + ": torn entry after " +
                           std::to_string(entries->size()) + " good ones (cut off)";
        if (valid == 0) {
            journal.clear();
        } else if (auto cut = journal.truncate(valid); !cut) {
            out.journal_note += "; " + cut.error().message;
        }
    }
    dns::xfr::Snapshot snap{out.zone, out.verified_unix, out.primary};
    auto r = dns::xfr::replay(snap, std::move(*entries));
    if (!r.note.empty()) out.journal_note = journal.path() + ": " + r.note;
    out.zone = std::move(snap.zone);
    out.verified_unix = snap.verified_unix;
    out.journal_entries = r.entries;
}

void StateDir::remove(const dns::wire::Name& zone) const {
    if (packed(zone)) {
        std::vector<uint8_t> key = pack_key(zone);
        if (auto r = pack_->write({}, {&key, 1}); !r)
            LOG_WARN("state dir: %s", r.error().message.c_str());
    }
    storage_->remove(path_of(zone));
    journal_of(zone).clear();
}

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
        jobs_[key] =
            Job{Job::save, std::move(zone), std::move(name), verified, std::move(primary), {}};
    }
    cv_.notify_one();
}

void StateWriter::append(dns::zone::ZonePtr zone, std::vector<dns::xfr::Diff> diffs,
                         int64_t verified, std::string primary) {
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
            jobs_[key] = Job{Job::append, std::move(zone),    std::move(name),
                             verified,    std::move(primary), std::move(diffs)};
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
        // Everything pending at once (one job per zone): the snapshots among
        // them share one flush to disk.
        std::vector<Job> batch;
        while (!jobs_.empty() && batch.size() < 1024)
            batch.push_back(std::move(jobs_.extract(jobs_.begin()).mapped()));
        busy_ = true;
        lock.unlock();
        std::vector<StateDir::SaveRequest> saves;
        for (Job& job : batch) {
            dns::Result<void> r;
            switch (job.kind) {
                case Job::save:
                    saves.push_back({job.zone.get(), job.verified, &job.primary});
                    break;
                case Job::append: {
                    // The snapshot is rewritten once the journal outgrows half of
                    // it (or when there is no snapshot to append to).
                    // A zone in the pack is rewritten there whole (it is small).
                    if (dir_.packed(job.name)) {
                        saves.push_back({job.zone.get(), job.verified, &job.primary});
                        break;
                    }
                    auto [snapshot, journal] = dir_.sizes(job.name);
                    if (snapshot == 0 || journal > snapshot / 2 ||
                        !dir_.append(job.name, job.diffs, job.verified))
                        saves.push_back({job.zone.get(), job.verified, &job.primary});
                    break;
                }
                case Job::touch:
                    r = dir_.touch(job.name, job.verified);
                    break;
                case Job::remove:
                    dir_.remove(job.name);
                    break;
            }
            if (!r) LOG_ERROR("state dir: %s", r.error().message.c_str());
        }
        if (!saves.empty())
            for (const auto& r : dir_.save_many(saves))
                if (!r) LOG_ERROR("state dir: %s", r.error().message.c_str());
        batch.clear();  // drop the snapshots and differences outside the lock
        lock.lock();
        busy_ = false;
        if (jobs_.empty()) idle_.notify_all();
    }
}

}  // namespace dns::io
