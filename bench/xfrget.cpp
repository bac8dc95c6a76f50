// xfrget: a minimal zone-transfer client for benchmarks. It asks for AXFR or
// IXFR over TCP, reads the answer stream as fast as the socket gives it, walks
// every record just enough to find the SOAs (RFC 5936 / RFC 1995 framing), and
// prints how long it took. It keeps nothing: the time measured is the
// server's and the kernel's, not a zone parser's.
//
//   xfrget --server 127.0.0.1 --port 53 --zone example.com [--ixfr SERIAL]
//          [--repeat N] [--timeout-ms MS]
//
// One line per transfer:
//   xfrget kind=axfr style=axfr ms=812.4 bytes=… messages=… records=… serial=… rcode=0
// style: axfr (full zone), ixfr (incremental), uptodate (a single SOA),
// error (rcode, a broken stream or a timeout; exit status 1).
//
// Build: g++ -O2 -std=c++20 -o xfrget bench/xfrget.cpp

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
    std::string server = "127.0.0.1";
    int port = 53;
    std::string zone;
    bool ixfr = false;
    uint32_t serial = 0;
    int repeat = 1;
    int timeout_ms = 60000;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "xfrget: %s\nusage: xfrget --server ADDR --port PORT --zone NAME [--ixfr SERIAL] "
                 "[--repeat N] [--timeout-ms MS]\n",
                 why);
    std::exit(2);
}

bool encode_name(const std::string& text, std::vector<uint8_t>& out) {
    size_t start = 0;
    std::string t = text;
    if (!t.empty() && t.back() == '.') t.pop_back();
    while (start <= t.size() && !t.empty()) {
        size_t dot = t.find('.', start);
        if (dot == std::string::npos) dot = t.size();
        size_t len = dot - start;
        if (len == 0 || len > 63) return false;
        out.push_back(static_cast<uint8_t>(len));
        out.insert(out.end(), t.begin() + static_cast<long>(start),
                   t.begin() + static_cast<long>(dot));
        start = dot + 1;
        if (dot == t.size()) break;
    }
    out.push_back(0);
    return out.size() <= 255;
}

void put16(std::vector<uint8_t>& v, uint16_t x) {
    v.push_back(static_cast<uint8_t>(x >> 8));
    v.push_back(static_cast<uint8_t>(x));
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
    put16(v, static_cast<uint16_t>(x >> 16));
    put16(v, static_cast<uint16_t>(x));
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | p[3];
}

std::vector<uint8_t> make_query(const Options& o, uint16_t id) {
    std::vector<uint8_t> m;
    put16(m, id);
    put16(m, 0);               // flags: QUERY, no RD
    put16(m, 1);               // QDCOUNT
    put16(m, 0);               // ANCOUNT
    put16(m, o.ixfr ? 1 : 0);  // NSCOUNT: the client's SOA for IXFR
    put16(m, 0);               // ARCOUNT
    std::vector<uint8_t> name;
    if (!encode_name(o.zone, name)) usage("bad --zone");
    m.insert(m.end(), name.begin(), name.end());
    put16(m, o.ixfr ? 251 : 252);
    put16(m, 1);
    if (o.ixfr) {
        put16(m, 0xC00C);  // owner: the question name
        put16(m, 6);
        put16(m, 1);
        put32(m, 0);
        // RDATA: root MNAME and RNAME, then the five numbers.
        put16(m, 22);
        m.push_back(0);
        m.push_back(0);
        put32(m, o.serial);
        for (int i = 0; i < 4; ++i) put32(m, 0);
    }
    std::vector<uint8_t> framed;
    put16(framed, static_cast<uint16_t>(m.size()));
    framed.insert(framed.end(), m.begin(), m.end());
    return framed;
}

// Skips a (possibly compressed) name; false when it runs past the end.
bool skip_name(const uint8_t* m, size_t len, size_t& pos) {
    for (int guard = 0; guard < 128; ++guard) {
        if (pos >= len) return false;
        uint8_t l = m[pos];
        if ((l & 0xC0) == 0xC0) {
            pos += 2;
            return pos <= len;
        }
        if (l & 0xC0) return false;
        pos += l + 1u;
        if (l == 0) return pos <= len;
    }
    return false;
}

struct Stream {
    bool ixfr_request = false;
    uint64_t records = 0, messages = 0, bytes = 0;
    uint32_t serial = 0;  // the new serial (first SOA)
    int style = 0;        // 0 unknown, 1 axfr, 2 ixfr, 3 uptodate
    bool adding = false;  // IXFR: inside an "added" section
    bool done = false;
    int rcode = 0;
    std::string error;

    // One DNS message; false on a broken message.
    bool message(const uint8_t* m, size_t len) {
        ++messages;
        if (len < 12) return fail("message shorter than a header");
        rcode = m[3] & 0x0F;
        if (rcode != 0) return fail("rcode " + std::to_string(rcode));
        const uint16_t qd = get16(m + 4), an = get16(m + 6);
        size_t pos = 12;
        for (uint16_t i = 0; i < qd; ++i) {
            if (!skip_name(m, len, pos)) return fail("bad question");
            pos += 4;
        }
        for (uint16_t i = 0; i < an; ++i) {
            if (done) return fail("records after the end of the transfer");
            if (!skip_name(m, len, pos) || pos + 10 > len) return fail("bad record");
            const uint16_t type = get16(m + pos);
            const uint16_t rdlen = get16(m + pos + 8);
            pos += 10;
            if (pos + rdlen > len) return fail("RDATA past the end");
            ++records;
            if (type == 6) {
                size_t p = pos;
                if (!skip_name(m, len, p) || !skip_name(m, len, p) || p + 20 > pos + rdlen)
                    return fail("bad SOA");
                soa(get32(m + p));
            } else if (records == 2) {
                style = 1;  // data right after the first SOA: a full zone
            }
            pos += rdlen;
        }
        // A lone SOA answering an IXFR: up to date.
        if (records == 1 && an == 1 && ixfr_request && !done) {
            style = 3;
            done = true;
        }
        return true;
    }

    void soa(uint32_t s) {
        if (records == 1) {
            serial = s;
            return;
        }
        if (records == 2 && ixfr_request) {
            style = 2;  // SOA, SOA(old): incremental; the old SOA opens a "removed" section
            adding = false;
            return;
        }
        if (style == 1) {
            if (s == serial) done = true;
            return;
        }
        // IXFR: an SOA in a removed section opens the added one; in an added
        // section, the new serial ends the transfer and any other opens the
        // next difference.
        if (!adding) {
            adding = true;
        } else if (s == serial) {
            done = true;
        } else {
            adding = false;
        }
    }

    bool fail(std::string why) {
        error = std::move(why);
        return false;
    }
};

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

int transfer(const Options& o, uint16_t id) {
    Stream st;
    st.ixfr_request = o.ixfr;
    const double t0 = now_ms();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        std::perror("socket");
        return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(o.port));
    if (inet_pton(AF_INET, o.server.c_str(), &sa.sin_addr) != 1) usage("bad --server");
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        std::perror("connect");
        close(fd);
        return 1;
    }
    auto q = make_query(o, id);
    if (write(fd, q.data(), q.size()) != static_cast<ssize_t>(q.size())) {
        std::perror("write");
        close(fd);
        return 1;
    }
    std::vector<uint8_t> buf(1 << 20);
    size_t have = 0;
    bool ok = true;
    while (!st.done && ok) {
        const double left = o.timeout_ms - (now_ms() - t0);
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) {
            st.error = "timeout";
            ok = false;
            break;
        }
        ssize_t n = read(fd, buf.data() + have, buf.size() - have);
        if (n <= 0) {
            st.error = n == 0 ? "connection closed before the end" : "read error";
            ok = false;
            break;
        }
        st.bytes += static_cast<uint64_t>(n);
        have += static_cast<size_t>(n);
        size_t pos = 0;
        while (ok && have - pos >= 2) {
            const size_t len = get16(buf.data() + pos);
            if (have - pos < 2 + len) break;
            if (len >= 2 && get16(buf.data() + pos + 2) != id) {
                st.error = "wrong message ID";
                ok = false;
                break;
            }
            ok = st.message(buf.data() + pos + 2, len);
            pos += 2 + len;
            if (st.done && pos != have) {
                st.error = "bytes after the end of the transfer";
                ok = false;
            }
        }
        std::memmove(buf.data(), buf.data() + pos, have - pos);
        have -= pos;
    }
    const double ms = now_ms() - t0;
    close(fd);
    static const char* styles[] = {"unknown", "axfr", "ixfr", "uptodate"};
    std::printf(
        "xfrget kind=%s style=%s ms=%.3f bytes=%llu messages=%llu records=%llu serial=%u "
        "rcode=%d%s%s\n",
        o.ixfr ? "ixfr" : "axfr", ok ? styles[st.style] : "error", ms,
        static_cast<unsigned long long>(st.bytes), static_cast<unsigned long long>(st.messages),
        static_cast<unsigned long long>(st.records), st.serial, st.rcode,
        ok ? "" : " error=", ok ? "" : st.error.c_str());
    std::fflush(stdout);
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage(("missing value for " + a).c_str());
            return argv[++i];
        };
        if (a == "--server") {
            o.server = val();
        } else if (a == "--port") {
            o.port = std::atoi(val().c_str());
        } else if (a == "--zone") {
            o.zone = val();
        } else if (a == "--ixfr") {
            o.ixfr = true;
            o.serial = static_cast<uint32_t>(std::strtoul(val().c_str(), nullptr, 10));
        } else if (a == "--repeat") {
            o.repeat = std::atoi(val().c_str());
        } else if (a == "--timeout-ms") {
            o.timeout_ms = std::atoi(val().c_str());
        } else {
            usage(("unknown option " + a).c_str());
        }
    }
    if (o.zone.empty()) usage("--zone is required");
    if (o.repeat < 1 || o.repeat > 10000) usage("--repeat must be 1..10000");
    int status = 0;
    for (int r = 0; r < o.repeat; ++r) status |= transfer(o, static_cast<uint16_t>(0x4000 + r));
    return status;
}
