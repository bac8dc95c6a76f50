#include "lib/io/state_dir.hpp"

#include <cstdio>
#include <cstring>
#include <vector>

#include "lib/base/log.hpp"
#include "lib/xfr/transfer.hpp"

namespace dns::io {

StateDir::StateDir(std::string dir, Storage* storage) : dir_(std::move(dir)), storage_(storage) {
    if (!storage_) {
        own_ = std::make_unique<FileStorage>();
        storage_ = own_.get();
    }
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

dns::Result<void> StateDir::prepare() const { return storage_->prepare_dir(dir_); }

dns::Result<void> StateDir::save(const dns::zone::Zone& zone, int64_t verified,
                                 const std::string& primary) const {
    auto bytes = dns::xfr::encode_snapshot(zone, verified, primary);
    auto written = storage_->write_atomically(path_of(zone.apex()), bytes);
    if (written) journal_of(zone.apex()).clear();  // the snapshot includes it now
    return written;
}

std::vector<dns::Result<void>> StateDir::save_many(std::span<const SaveRequest> zones) const {
    std::vector<Storage::Write> writes;
    writes.reserve(zones.size());
    for (const auto& z : zones)
        writes.push_back({path_of(z.zone->apex()),
                          dns::xfr::encode_snapshot(*z.zone, z.verified_unix, *z.primary)});
    auto out = storage_->write_atomically_many(writes);
    for (size_t i = 0; i < zones.size() && i < out.size(); ++i)
        if (out[i]) journal_of(zones[i].zone->apex()).clear();  // the snapshot includes it now
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
    uint8_t buf[8];
    for (int i = 0; i < 8; ++i)
        buf[i] = static_cast<uint8_t>(static_cast<uint64_t>(verified) >> (56 - 8 * i));
    return storage_->write_at(path_of(zone), dns::xfr::kSnapshotVerifiedOffset, buf);
}

dns::Result<SavedZone> StateDir::load(const dns::wire::Name& zone) const {
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
