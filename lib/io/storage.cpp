#include "lib/io/storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dns::io {
namespace {

Error sys_error(const std::string& what) {
    return make_error(Errc::io, what + ": " + std::strerror(errno));
}

}  // namespace

Result<void> FileStorage::prepare_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return sys_error(dir);
    if (::access(dir.c_str(), W_OK) != 0) return make_error(Errc::io, dir + ": not writable");
    return {};
}

Result<void> FileStorage::write_atomically(const std::string& path, std::span<const uint8_t> data) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return sys_error(tmp);
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            Error e = sys_error(tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return e;
        }
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        Error e = sys_error(tmp);
        ::unlink(tmp.c_str());
        return e;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        Error e = sys_error(path);
        ::unlink(tmp.c_str());
        return e;
    }
    return {};
}

Result<void> FileStorage::write_at(const std::string& path, size_t offset,
                                   std::span<const uint8_t> data) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return sys_error(path);
    bool ok = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)) ==
              static_cast<ssize_t>(data.size());
    ::close(fd);
    if (!ok) return make_error(Errc::io, path + ": cannot update");
    return {};
}

Result<std::vector<uint8_t>> FileStorage::read(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return make_error(errno == ENOENT ? Errc::not_found : Errc::io,
                          path + ": " + std::strerror(errno));
    std::vector<uint8_t> data;
    uint8_t chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
        data.insert(data.end(), chunk, chunk + n);
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return make_error(Errc::io, path + ": read error");
    return data;
}

size_t FileStorage::size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

void FileStorage::remove(const std::string& path) { ::unlink(path.c_str()); }

}  // namespace dns::io
