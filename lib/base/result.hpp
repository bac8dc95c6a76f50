#pragma once
// Result<T>: the std::expected interface (C++23) for C++20. Used wherever a
// function can fail without throwing, which is everywhere on the query path.

#include <string>
#include <utility>
#include <variant>

namespace dns {

enum class Errc {
    malformed,  ///< bytes that do not form what was expected
    truncated,  ///< data ends before a field does
    limit,      ///< a configured or protocol limit was exceeded
    bad_name,   ///< a domain name is invalid (too long, bad escape, bad pointer)
    not_found,
    io,        ///< a file or socket operation failed
    syntax,    ///< presentation-format text could not be parsed
    semantic,  ///< well-formed data that breaks a rule (no SOA, out of zone, ...)
    unsupported,
    timeout,
    refused,
    unreachable,  ///< no connection: refused, reset before it was made, no route
};

/// An error code with a human-readable reason (empty on hot paths: no allocation).
struct Error {
    Errc code;
    std::string message;
};

inline Error make_error(Errc code, std::string message = {}) {
    return Error{code, std::move(message)};
}

/// Holds either a T or an Error. Mirrors std::expected: has_value(), value(), error(),
/// operator*, operator->, explicit operator bool.
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), ok_(false) {}
    bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const& { return err_; }

  private:
    Error err_{Errc::malformed, {}};
    bool ok_ = true;
};

}  // namespace dns
