#include "dnsd/zones.hpp"

#include <malloc.h>
#include <sys/stat.h>

#include <chrono>

#include "lib/base/log.hpp"
#include "lib/base/serial.hpp"
#include "lib/zonefile/zonefile.hpp"

namespace dnsd {

size_t ZoneFiles::sync(const std::vector<ZoneConfig>& zones, bool allow_include) {
    size_t failed = 0, changed = 0;
    std::map<std::string, Loaded> next;
    for (const auto& zc : zones) {
        std::string key = zc.name.lowercased().to_text();
        struct stat st {};
        bool have_stat = ::stat(zc.file.c_str(), &st) == 0;
        auto old = loaded_.find(key);
        if (old != loaded_.end() && have_stat && old->second.file == zc.file &&
            old->second.mtime.tv_sec == st.st_mtim.tv_sec &&
            old->second.mtime.tv_nsec == st.st_mtim.tv_nsec && old->second.size == st.st_size) {
            next.emplace(key, std::move(old->second));
            continue;
        }
        auto t0 = std::chrono::steady_clock::now();
        dns::zonefile::LoadOptions opt;
        opt.allow_include = allow_include;
        auto z = dns::zonefile::load(zc.file, zc.name, opt);
        if (!z) {
            ++failed;
            if (old != loaded_.end()) {
                LOG_ERROR("zone %s: reload failed, still serving serial %u: %s", key.c_str(),
                          old->second.zone->serial(), z.error().message.c_str());
                next.emplace(key, std::move(old->second));
            } else {
                LOG_ERROR("zone %s: not loaded: %s", key.c_str(), z.error().message.c_str());
            }
            continue;
        }
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
        LOG_INFO("zone %s: loaded serial %u, %zu records, %zu names, in %.1f ms", key.c_str(),
                 (*z)->serial(), (*z)->record_count(), (*z)->node_count(), ms);
        ++changed;
        if (history_) {
            // A reload with a newer serial: the difference, for IXFR out.
            if (old != loaded_.end() && dns::serial_gt((*z)->serial(), old->second.zone->serial()))
                history_->append(key, {dns::xfr::diff_zones(*old->second.zone, **z)});
            else
                history_->reset(key);
        }
        next.emplace(key, Loaded{zc.file, st.st_mtim, st.st_size, std::move(*z)});
    }
    for (const auto& [key, l] : loaded_)
        if (!next.count(key)) {
            LOG_INFO("zone %s: removed", key.c_str());
            store_.remove(dns::zone::ZoneStore::Source::file, key);
            if (history_) history_->reset(key);
            ++changed;
        }
    loaded_ = std::move(next);
    for (const auto& [key, l] : loaded_) store_.set(dns::zone::ZoneStore::Source::file, l.zone);
    // Loading leaves large freed buffers in the heap; give them back to the system.
    if (changed) malloc_trim(0);
    if (changed) store_.commit();
    return failed;
}

}  // namespace dnsd
