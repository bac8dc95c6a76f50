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

std::vector<Result<void>> FileStorage::write_atomically_many(std::span<const Write> writes) {
    if (writes.size() == 1) return {write_atomically(writes[0].path, writes[0].data)};
    std::vector<Result<void>> out(writes.size());
    std::vector<int> fds(writes.size(), -1);
    auto fail = [&](size_t i, Error e) {
        out[i] = std::move(e);
        if (fds[i] >= 0) ::close(fds[i]);
        fds[i] = -1;
        ::unlink((writes[i].path + ".tmp").c_str());
    };
    int any = -1;
    for (size_t i = 0; i < writes.size(); ++i) {
        const std::string tmp = writes[i].path + ".tmp";
        fds[i] = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fds[i] < 0) {
            out[i] = sys_error(tmp);
            continue;
        }
        const auto& data = writes[i].data;
        size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ::write(fds[i], data.data() + off, data.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) break;
            off += static_cast<size_t>(n);
        }
        if (off < data.size()) {
            fail(i, sys_error(tmp));
            continue;
        }
        any = fds[i];
    }
    // One flush for all of them; where the file system cannot, one each.
    const bool synced = any >= 0 && ::syncfs(any) == 0;
    for (size_t i = 0; i < writes.size(); ++i) {
        if (fds[i] < 0) continue;
        if (!synced && ::fsync(fds[i]) != 0) {
            fail(i, sys_error(writes[i].path + ".tmp"));
            continue;
        }
        const int fd = fds[i];
        fds[i] = -1;
        if (::close(fd) != 0) {
            fail(i, sys_error(writes[i].path + ".tmp"));
            continue;
        }
        if (::rename((writes[i].path + ".tmp").c_str(), writes[i].path.c_str()) != 0)
            fail(i, sys_error(writes[i].path));
    }
    return out;
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
