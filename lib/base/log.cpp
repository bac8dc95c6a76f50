#include "lib/base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>

namespace dns::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
const char* const kNames[] = {"debug", "info", "warning", "error"};
}  // namespace

void set_level(Level l) { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }

Level parse_level(std::string_view s) {
    if (s == "debug") return Level::debug;
    if (s == "warning") return Level::warning;
    if (s == "error") return Level::error;
    return Level::info;
}
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

void write(Level l, const char* fmt, ...) {
    char line[2048];
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    int n = std::snprintf(line, sizeof line,
                          "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ", t.tm_year + 1900,
                          t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                          ts.tv_nsec / 1000000, kNames[static_cast<int>(l)]);
    va_list ap;
    va_start(ap, fmt);
    int m = std::vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    size_t len = n + (m < 0 ? 0 : std::min<size_t>(m, sizeof line - n - 2));
    line[len++] = '\n';
    ssize_t ignored = ::write(2, line, len);
    (void)ignored;
}

}  // namespace dns::log
