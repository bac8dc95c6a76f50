#include "lib/wire/reader.hpp"

#include <cstring>

#include "lib/wire/name.hpp"

namespace dns::wire {

bool Reader::u8(uint8_t& v) noexcept {
    if (remaining() < 1) return false;
    v = msg_[pos_++];
    return true;
}

bool Reader::u16(uint16_t& v) noexcept {
    if (remaining() < 2) return false;
    v = static_cast<uint16_t>(msg_[pos_] << 8 | msg_[pos_ + 1]);
    pos_ += 2;
    return true;
}

bool Reader::u32(uint32_t& v) noexcept {
    if (remaining() < 4) return false;
    v = static_cast<uint32_t>(msg_[pos_]) << 24 | static_cast<uint32_t>(msg_[pos_ + 1]) << 16 |
        static_cast<uint32_t>(msg_[pos_ + 2]) << 8 | msg_[pos_ + 3];
    pos_ += 4;
    return true;
}

bool Reader::bytes(size_t n, const uint8_t*& p) noexcept {
    if (remaining() < n) return false;
    p = msg_.data() + pos_;
    pos_ += n;
    return true;
}

bool Reader::skip(size_t n) noexcept {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
}

bool Reader::seek(size_t pos) noexcept {
    if (pos > msg_.size()) return false;
    pos_ = pos;
    return true;
}

size_t read_name_at(std::span<const uint8_t> msg, size_t pos, uint8_t* out, size_t& len) noexcept {
    size_t n = 0;          // bytes written to out
    size_t end = 0;        // offset after the name in place
    size_t segment = pos;  // start of the label sequence being read
    const size_t size = msg.size();
    for (;;) {
        if (pos >= size) return 0;
        uint8_t l = msg[pos];
        if (l == 0) {
            if (n + 1 > kMaxNameLen) return 0;
            out[n++] = 0;
            if (!end) end = pos + 1;
            len = n;
            return end;
        }
        if ((l & 0xC0) == 0xC0) {
            if (pos + 1 >= size) return 0;
            size_t target = static_cast<size_t>(l & 0x3F) << 8 | msg[pos + 1];
            if (target >= segment) return 0;  // forward, self or loop
            if (!end) end = pos + 2;
            pos = segment = target;
            continue;
        }
        if (l & 0xC0) return 0;  // extended label types (RFC 6891 §5) are not supported
        if (pos + 1 + l > size || n + 1 + l + 1 > kMaxNameLen) return 0;
        std::memcpy(out + n, msg.data() + pos, l + 1u);
        n += l + 1u;
        pos += l + 1u;
    }
}

bool Reader::name(uint8_t* out, size_t& len) noexcept {
    size_t end = read_name_at(msg_, pos_, out, len);
    if (!end) return false;
    pos_ = end;
    return true;
}

}  // namespace dns::wire
