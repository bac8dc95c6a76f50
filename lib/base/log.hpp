#pragma once
// A small logging facade: one line per event, to stderr, with level and time.
// Thread-safe (each line is written with a single write(2)).

#include <cstdarg>
#include <string_view>

namespace dns::log {

enum class Level { debug = 0, info = 1, warning = 2, error = 3 };

/// Sets the lowest level that is printed (default: info).
void set_level(Level level);
/// "debug", "info", "warning" or "error" (anything else: info).
Level parse_level(std::string_view name);
Level level();

void write(Level level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define DNS_LOG(lvl, ...)                                                   \
    do {                                                                    \
        if (static_cast<int>(lvl) >= static_cast<int>(::dns::log::level())) \
            ::dns::log::write(lvl, __VA_ARGS__);                            \
    } while (0)
#define LOG_DEBUG(...) DNS_LOG(::dns::log::Level::debug, __VA_ARGS__)
#define LOG_INFO(...) DNS_LOG(::dns::log::Level::info, __VA_ARGS__)
#define LOG_WARN(...) DNS_LOG(::dns::log::Level::warning, __VA_ARGS__)
#define LOG_ERROR(...) DNS_LOG(::dns::log::Level::error, __VA_ARGS__)

}  // namespace dns::log
