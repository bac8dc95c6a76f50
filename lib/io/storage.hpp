#pragma once
// Files as a program's storage sees them: whole files read, written
// atomically (to a temporary file, fsync'd, renamed over the old one), updated
// in place, removed. An interface so the state directory can be tested with
// faults and run over another medium; FileStorage is the real one.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/base/result.hpp"

namespace dns::io {

class Storage {
  public:
    virtual ~Storage() = default;
    /// Creates the directory if needed; fails if it is not writable.
    virtual Result<void> prepare_dir(const std::string& dir) = 0;
    /// Replaces `path` with `data` so that a crash leaves the old or the new file, whole.
    virtual Result<void> write_atomically(const std::string& path,
                                          std::span<const uint8_t> data) = 0;
    /// Several write_atomically()s; the real file system shares one flush to
    /// disk among them (a POP taking a thousand new zones at once pays one,
    /// not a thousand). One result per write, in order.
    struct Write {
        std::string path;
        std::vector<uint8_t> data;
    };
    virtual std::vector<Result<void>> write_atomically_many(std::span<const Write> writes) {
        std::vector<Result<void>> out;
        for (const auto& w : writes) out.push_back(write_atomically(w.path, w.data));
        return out;
    }
    /// Overwrites bytes at `offset` of an existing file (not synced: for
    /// updates whose loss costs little, like a time stamp).
    virtual Result<void> write_at(const std::string& path, size_t offset,
                                  std::span<const uint8_t> data) = 0;
    /// The whole file; not_found when it does not exist.
    virtual Result<std::vector<uint8_t>> read(const std::string& path) = 0;
    /// Bytes in the file (0 when absent).
    virtual size_t size(const std::string& path) = 0;
    virtual void remove(const std::string& path) = 0;
};

/// The local file system (POSIX).
class FileStorage final : public Storage {
  public:
    Result<void> prepare_dir(const std::string& dir) override;
    Result<void> write_atomically(const std::string& path, std::span<const uint8_t> data) override;
    /// Every temporary file written, one syncfs() for all (fsync of each if
    /// that fails), then each renamed over its target.
    std::vector<Result<void>> write_atomically_many(std::span<const Write> writes) override;
    Result<void> write_at(const std::string& path, size_t offset,
                          std::span<const uint8_t> data) override;
    Result<std::vector<uint8_t>> read(const std::string& path) override;
    size_t size(const std::string& path) override;
    void remove(const std::string& path) override;
};

}  // namespace dns::io
