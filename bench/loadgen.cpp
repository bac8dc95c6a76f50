// loadgen — a small DNS load generator for benchmarking (Linux only, libc + std only).
//
// Build: g++ -O2 -std=c++20 -pthread -o loadgen loadgen.cpp
//
// Modes:
//   --mode udp   N connected UDP sockets, sendmmsg/recvmmsg, a fixed number of queries in flight
//                (each query tracked by its random ID; unanswered ones time out and are counted
//                lost)
//   --mode tcp   N TCP connections, each pipelining --pipeline queries (2-byte length framing)
//   --wait-soa Z1[,Z2...]  readiness probe: polls the server with SOA queries until every zone
//                answers NOERROR with an SOA (optionally at --serial N), or --max-wait seconds
//                pass.
//
// Output (one line, machine-readable), e.g.
//   loadgen mode=udp sent=.. received=.. qps=.. noerror=.. nxdomain=.. other=.. tc=.. lost=.. ...
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// ---------------------------------------------------------------- options
struct Options {
    std::string server = "127.0.0.1";
    int port = 53;
    std::string queries;
    std::string mode = "udp";
    double seconds = 5;
    double warmup = 0;
    int inflight = 128;    // UDP: total queries in flight over all sockets
    int sockets = 8;       // UDP sockets
    int conns = 10;        // TCP connections
    int pipeline = 64;     // TCP: queries in flight per connection
    int threads = 1;       // generator threads (sockets/connections are split between them)
    int batch = 64;        // sendmmsg/recvmmsg batch
    int timeout_ms = 500;  // UDP: a query unanswered this long is counted lost
    bool edns = false;
    bool dnssec_ok = false;
    std::string wait_soa;  // comma-separated zones
    long long serial = -1;
    double max_wait = 30;
};

[[noreturn]] void usage(const char* msg = nullptr) {
    if (msg) std::fprintf(stderr, "loadgen: %s\n", msg);
    std::fprintf(stderr,
                 "usage: loadgen --queries FILE [--server 127.0.0.1] [--port 53] [--mode udp|tcp]\n"
                 "               [--seconds 5] [--warmup 0] [--inflight 128] [--sockets 8]\n"
                 "               [--conns 10] [--pipeline 64] [--threads 1] [--batch 64]\n"
                 "               [--timeout-ms 500] [--edns] [--do]\n"
                 "       loadgen --wait-soa ZONE[,ZONE...] [--serial N] [--max-wait 30] [--server "
                 "..] [--port ..]\n");
    std::exit(2);
}

Options parse_args(int argc, char** argv) {
    Options o;
    auto need = [&](int& i) -> const char* {
        if (i + 1 >= argc) usage((std::string("missing value for ") + argv[i]).c_str());
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--server")
            o.server = need(i);
        else if (a == "--port")
            o.port = std::atoi(need(i));
        else if (a == "--queries")
            o.queries = need(i);
        else if (a == "--mode")
            o.mode = need(i);
        else if (a == "--seconds")
            o.seconds = std::atof(need(i));
        else if (a == "--warmup")
            o.warmup = std::atof(need(i));
        else if (a == "--inflight")
            o.inflight = std::atoi(need(i));
        else if (a == "--sockets")
            o.sockets = std::atoi(need(i));
        else if (a == "--conns" || a == "--connections")
            o.conns = std::atoi(need(i));
        else if (a == "--pipeline")
            o.pipeline = std::atoi(need(i));
        else if (a == "--threads")
            o.threads = std::atoi(need(i));
        else if (a == "--batch")
            o.batch = std::atoi(need(i));
        else if (a == "--timeout-ms")
            o.timeout_ms = std::atoi(need(i));
        else if (a == "--edns")
            o.edns = true;
        else if (a == "--do") {
            o.dnssec_ok = true;
            o.edns = true;
        } else if (a == "--wait-soa")
            o.wait_soa = need(i);
        else if (a == "--serial")
            o.serial = std::atoll(need(i));
        else if (a == "--max-wait")
            o.max_wait = std::atof(need(i));
        else if (a == "-h" || a == "--help")
            usage();
        else
            usage((std::string("unknown option ") + std::string(a)).c_str());
    }
    if (o.mode != "udp" && o.mode != "tcp") usage("--mode must be udp or tcp");
    if (o.port <= 0 || o.port > 65535) usage("bad --port");
    o.sockets = std::clamp(o.sockets, 1, 1024);
    o.conns = std::clamp(o.conns, 1, 4096);
    o.pipeline = std::clamp(o.pipeline, 1, 4096);
    o.threads = std::clamp(o.threads, 1, 64);
    o.batch = std::clamp(o.batch, 1, 256);
    o.inflight = std::clamp(o.inflight, 1, 65536 * 16);
    if (o.timeout_ms < 1) o.timeout_ms = 1;
    return o;
}

// ---------------------------------------------------------------- misc
inline uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

struct Rng {  // xorshift64*
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed ? seed : 0x9e3779b97f4a7c15ull) {}
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
};

uint64_t seed_from_env() {
    uint64_t s = now_ns() ^ (uint64_t(getpid()) << 32);
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        uint64_t r;
        if (read(fd, &r, sizeof r) == ssize_t(sizeof r)) s ^= r;
        close(fd);
    }
    return s;
}

// ---------------------------------------------------------------- wire format
int type_code(std::string t) {
    for (auto& c : t) c = char(std::toupper(static_cast<unsigned char>(c)));
    static const struct {
        const char* n;
        int v;
    } tab[] = {{"A", 1},           {"NS", 2},     {"CNAME", 5},  {"SOA", 6},      {"PTR", 12},
               {"HINFO", 13},      {"MX", 15},    {"TXT", 16},   {"RP", 17},      {"AAAA", 28},
               {"LOC", 29},        {"SRV", 33},   {"NAPTR", 35}, {"DNAME", 39},   {"DS", 43},
               {"SSHFP", 44},      {"RRSIG", 46}, {"NSEC", 47},  {"DNSKEY", 48},  {"NSEC3", 50},
               {"NSEC3PARAM", 51}, {"TLSA", 52},  {"CDS", 59},   {"CDNSKEY", 60}, {"SVCB", 64},
               {"HTTPS", 65},      {"SPF", 99},   {"ANY", 255},  {"CAA", 257}};
    for (auto& e : tab)
        if (t == e.n) return e.v;
    if (t.rfind("TYPE", 0) == 0 && t.size() > 4) {
        long v = std::strtol(t.c_str() + 4, nullptr, 10);
        if (v > 0 && v < 65536) return int(v);
    }
    return -1;
}

// Encodes a query (ID 0) into out; returns false on a malformed name.
bool encode_query(std::string_view name, int qtype, const Options& o, std::vector<uint8_t>& out) {
    out.clear();
    out.reserve(512);
    uint8_t hdr[12] = {0, 0, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, uint8_t(o.edns ? 1 : 0)};  // RD=0
    for (uint8_t b : hdr) out.push_back(b);
    if (name == ".") name = "";
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    size_t total = 1;
    while (!name.empty()) {
        size_t dot = name.find('.');
        std::string_view label = name.substr(0, dot);
        if (label.empty() || label.size() > 63) return false;
        out.push_back(uint8_t(label.size()));
        for (char ch : label) out.push_back(uint8_t(ch));
        total += label.size() + 1;
        if (dot == std::string_view::npos) break;
        name.remove_prefix(dot + 1);
    }
    if (total > 255) return false;
    out.push_back(0);
    out.push_back(uint8_t(qtype >> 8));
    out.push_back(uint8_t(qtype));
    out.push_back(0);
    out.push_back(1);  // IN
    if (o.edns) {
        const uint8_t opt[11] = {0,
                                 0,
                                 41,
                                 uint8_t(1232 >> 8),
                                 uint8_t(1232 & 0xff),
                                 0,
                                 0,
                                 uint8_t(o.dnssec_ok ? 0x80 : 0),
                                 0,
                                 0,
                                 0};
        for (uint8_t b : opt) out.push_back(b);
    }
    return true;
}

struct QuerySet {
    std::vector<uint8_t> data;  // all queries back to back
    std::vector<uint32_t> off;  // start of each
    std::vector<uint16_t> len;
    size_t size() const { return off.size(); }
    const uint8_t* q(size_t i) const { return data.data() + off[i]; }
};

QuerySet load_queries(const Options& o) {
    QuerySet qs;
    std::ifstream in(o.queries);
    if (!in) {
        std::fprintf(stderr, "loadgen: cannot open %s\n", o.queries.c_str());
        std::exit(2);
    }
    Rng rng(seed_from_env());
    std::string line;
    std::vector<uint8_t> buf;
    size_t lineno = 0, bad = 0;
    while (std::getline(in, line)) {
        ++lineno;
        size_t p = line.find_first_not_of(" \t\r");
        if (p == std::string::npos || line[p] == '#' || line[p] == ';') continue;
        size_t e = line.find_first_of(" \t", p);
        if (e == std::string::npos) {
            ++bad;
            continue;
        }
        std::string name = line.substr(p, e - p);
        size_t tp = line.find_first_not_of(" \t", e);
        if (tp == std::string::npos) {
            ++bad;
            continue;
        }
        size_t te = line.find_first_of(" \t\r", tp);
        int t = type_code(line.substr(tp, te == std::string::npos ? std::string::npos : te - tp));
        if (t < 0 || !encode_query(name, t, o, buf)) {
            ++bad;
            continue;
        }
        uint16_t id = uint16_t(rng.next());
        buf[0] = uint8_t(id >> 8);
        buf[1] = uint8_t(id);
        qs.off.push_back(uint32_t(qs.data.size()));
        qs.len.push_back(uint16_t(buf.size()));
        qs.data.insert(qs.data.end(), buf.begin(), buf.end());
    }
    if (bad) std::fprintf(stderr, "loadgen: skipped %zu malformed lines of %zu\n", bad, lineno);
    if (qs.size() == 0) {
        std::fprintf(stderr, "loadgen: no queries in %s\n", o.queries.c_str());
        std::exit(2);
    }
    return qs;
}

// ---------------------------------------------------------------- counters
struct Counters {
    uint64_t sent = 0, received = 0, noerror = 0, nxdomain = 0, other = 0, tc = 0;
    uint64_t lost = 0, late = 0, reconnects = 0, errors = 0;
    uint64_t lat_sum_ns = 0, lat_n = 0;
    void add(const Counters& c) {
        sent += c.sent;
        received += c.received;
        noerror += c.noerror;
        nxdomain += c.nxdomain;
        other += c.other;
        tc += c.tc;
        lost += c.lost;
        late += c.late;
        reconnects += c.reconnects;
        errors += c.errors;
        lat_sum_ns += c.lat_sum_ns;
        lat_n += c.lat_n;
    }
    Counters minus(const Counters& c) const {
        Counters r = *this;
        r.sent -= c.sent;
        r.received -= c.received;
        r.noerror -= c.noerror;
        r.nxdomain -= c.nxdomain;
        r.other -= c.other;
        r.tc -= c.tc;
        r.lost -= c.lost;
        r.late -= c.late;
        r.reconnects -= c.reconnects;
        r.errors -= c.errors;
        r.lat_sum_ns -= c.lat_sum_ns;
        r.lat_n -= c.lat_n;
        return r;
    }
    inline void count_rcode(const uint8_t* p) {
        ++received;
        if (p[2] & 0x02) ++tc;
        switch (p[3] & 0x0f) {
            case 0:
                ++noerror;
                break;
            case 3:
                ++nxdomain;
                break;
            default:
                ++other;
                break;
        }
    }
};

// Per-thread shared timing: the thread flips into measuring state at warm_end.
struct Timing {
    uint64_t start, warm_end, end;
};

struct ThreadResult {
    Counters total;    // everything
    Counters at_warm;  // snapshot at the end of the warm-up
    uint64_t t_measure_start = 0, t_measure_end = 0;
};

sockaddr_storage make_addr(const Options& o, socklen_t& len) {
    sockaddr_storage ss{};
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, o.server.c_str(), &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(uint16_t(o.port));
        len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, o.server.c_str(), &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(uint16_t(o.port));
        len = sizeof(sockaddr_in6);
    } else {
        std::fprintf(stderr, "loadgen: --server must be a numeric IPv4/IPv6 address\n");
        std::exit(2);
    }
    return ss;
}

void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// ---------------------------------------------------------------- UDP
struct UdpSock {
    int fd = -1;
    int window = 0;
    std::vector<uint64_t> sent_at;  // by ID; 0 = free
    std::vector<uint16_t> live;     // IDs in flight
    std::vector<uint32_t> pos;      // by ID: index in live
    bool want_out = false;
};

void udp_thread(const Options& o, const QuerySet& qs, const Timing& tm, int nsock, int inflight,
                uint64_t seed, ThreadResult& res) {
    Rng rng(seed);
    socklen_t alen;
    sockaddr_storage addr = make_addr(o, alen);
    std::vector<UdpSock> socks(static_cast<size_t>(nsock));
    for (int i = 0; i < nsock; ++i) {
        auto& s = socks[size_t(i)];
        s.fd = socket(addr.ss_family, SOCK_DGRAM, 0);
        if (s.fd < 0) {
            perror("socket");
            std::exit(1);
        }
        int sz = 4 << 20;
        setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
        setsockopt(s.fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), alen) != 0) {
            perror("connect");
            std::exit(1);
        }
        set_nonblock(s.fd);
        s.window = inflight / nsock + (i < inflight % nsock ? 1 : 0);
        if (s.window > 65000) s.window = 65000;
        if (s.window < 1) s.window = 1;
        s.sent_at.assign(65536, 0);
        s.pos.assign(65536, 0);
        s.live.reserve(size_t(s.window));
    }
    const int B = o.batch;
    constexpr size_t SBUF = 512, RBUF = 4096;
    const size_t BS = static_cast<size_t>(B);
    std::vector<uint8_t> sbuf(BS * SBUF), rbuf(BS * RBUF);
    std::vector<mmsghdr> smsg(BS), rmsg(BS);
    std::vector<iovec> siov(BS), riov(BS);
    for (int i = 0; i < B; ++i) {
        riov[size_t(i)] = {rbuf.data() + size_t(i) * RBUF, RBUF};
        siov[size_t(i)] = {sbuf.data() + size_t(i) * SBUF, 0};
    }
    std::vector<pollfd> pfds(static_cast<size_t>(nsock));
    size_t qi = size_t(rng.next() % qs.size());
    const uint64_t timeout_ns = uint64_t(o.timeout_ms) * 1000000ull;
    uint64_t last_sweep = now_ns();
    Counters& c = res.total;
    bool measuring = false;
    if (tm.warm_end <= tm.start) {
        measuring = true;
        res.t_measure_start = tm.start;
    }

    for (;;) {
        uint64_t now = now_ns();
        if (now >= tm.end) {
            res.t_measure_end = now;
            break;
        }
        if (!measuring && now >= tm.warm_end) {
            measuring = true;
            res.at_warm = c;
            res.t_measure_start = now;
        }
        bool progress = false;
        for (auto& s : socks) {
            // receive
            for (int rounds = 0; rounds < 4; ++rounds) {
                for (int i = 0; i < B; ++i) {
                    rmsg[size_t(i)].msg_hdr = msghdr{};
                    rmsg[size_t(i)].msg_hdr.msg_iov = &riov[size_t(i)];
                    rmsg[size_t(i)].msg_hdr.msg_iovlen = 1;
                }
                int n = recvmmsg(s.fd, rmsg.data(), unsigned(B), MSG_DONTWAIT, nullptr);
                if (n <= 0) {
                    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                        errno != ECONNREFUSED)
                        ++c.errors;
                    break;
                }
                progress = true;
                for (int i = 0; i < n; ++i) {
                    const uint8_t* p = rbuf.data() + size_t(i) * RBUF;
                    if (rmsg[size_t(i)].msg_len < 12 || !(p[2] & 0x80)) {
                        ++c.errors;
                        continue;
                    }
                    uint16_t id = uint16_t((p[0] << 8) | p[1]);
                    uint64_t t = s.sent_at[id];
                    if (!t) {
                        ++c.late;
                        continue;
                    }
                    if (now > t) c.lat_sum_ns += now - t;
                    ++c.lat_n;
                    s.sent_at[id] = 0;
                    uint32_t ps = s.pos[id];
                    uint16_t last = s.live.back();
                    s.live[ps] = last;
                    s.pos[last] = ps;
                    s.live.pop_back();
                    c.count_rcode(p);
                }
                if (n < B) break;
            }
            // send
            int room = s.window - int(s.live.size());
            if (room <= 0) continue;
            int k = std::min(room, B);
            for (int i = 0; i < k; ++i) {
                uint16_t id;
                do {
                    id = uint16_t(rng.next());
                } while (s.sent_at[id]);
                uint8_t* d = sbuf.data() + size_t(i) * SBUF;
                size_t L = qs.len[qi];
                std::memcpy(d, qs.q(qi), L);
                d[0] = uint8_t(id >> 8);
                d[1] = uint8_t(id);
                siov[size_t(i)].iov_len = L;
                smsg[size_t(i)].msg_hdr = msghdr{};
                smsg[size_t(i)].msg_hdr.msg_iov = &siov[size_t(i)];
                smsg[size_t(i)].msg_hdr.msg_iovlen = 1;
                if (++qi == qs.size()) qi = 0;
                // provisional: mark as in flight; undone below for the ones not sent
                s.sent_at[id] = now | 1;
                s.pos[id] = uint32_t(s.live.size());
                s.live.push_back(id);
            }
            int n = sendmmsg(s.fd, smsg.data(), unsigned(k), MSG_DONTWAIT);
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS && errno != EINTR &&
                    errno != ECONNREFUSED)
                    ++c.errors;
                n = 0;
            }
            if (n > 0) progress = true;
            // un-send the tail that didn't go out
            for (int i = k - 1; i >= n; --i) {
                uint16_t id = s.live.back();
                s.live.pop_back();
                s.sent_at[id] = 0;
                if (qi == 0) qi = qs.size();
                --qi;
            }
            s.want_out = n < k;
            c.sent += uint64_t(n);
        }
        if (now - last_sweep > 20000000ull) {  // every 20 ms: time out lost queries
            last_sweep = now;
            for (auto& s : socks) {
                for (size_t j = 0; j < s.live.size();) {
                    uint16_t id = s.live[j];
                    if (now > s.sent_at[id] + timeout_ns) {
                        s.sent_at[id] = 0;
                        uint16_t last = s.live.back();
                        s.live[j] = last;
                        s.pos[last] = uint32_t(j);
                        s.live.pop_back();
                        ++c.lost;
                    } else {
                        ++j;
                    }
                }
            }
        }
        if (!progress) {
            for (int i = 0; i < nsock; ++i) {
                pfds[size_t(i)] = {socks[size_t(i)].fd,
                                   short(POLLIN | (socks[size_t(i)].want_out ? POLLOUT : 0)), 0};
            }
            poll(pfds.data(), nfds_t(nsock), 1);
        }
    }
    // queries still in flight at the end are neither received nor lost
    for (auto& s : socks) close(s.fd);
}

// ---------------------------------------------------------------- TCP
struct TcpConn {
    int fd = -1;
    int outstanding = 0;
    std::vector<uint8_t> out;
    size_t out_off = 0;
    std::vector<uint8_t> in;
    size_t in_len = 0;
    std::vector<uint8_t> id_used;  // by ID: 1 while a query with that ID is in flight
};

bool tcp_connect(TcpConn& t, const sockaddr_storage& addr, socklen_t alen) {
    t.fd = socket(addr.ss_family, SOCK_STREAM, 0);
    if (t.fd < 0) return false;
    int one = 1;
    setsockopt(t.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(t.fd, reinterpret_cast<const sockaddr*>(&addr), alen) != 0) {
        close(t.fd);
        t.fd = -1;
        return false;
    }
    set_nonblock(t.fd);
    t.outstanding = 0;
    t.out.clear();
    t.out_off = 0;
    t.in_len = 0;
    t.id_used.assign(65536, 0);
    return true;
}

void tcp_thread(const Options& o, const QuerySet& qs, const Timing& tm, int nconn, uint64_t seed,
                ThreadResult& res) {
    Rng rng(seed);
    socklen_t alen;
    sockaddr_storage addr = make_addr(o, alen);
    Counters& c = res.total;
    std::vector<TcpConn> conns(static_cast<size_t>(nconn));
    for (auto& t : conns) {
        t.in.resize(1 << 18);
        if (!tcp_connect(t, addr, alen)) ++c.errors;
    }
    std::vector<pollfd> pfds(static_cast<size_t>(nconn));
    size_t qi = size_t(rng.next() % qs.size());
    bool measuring = false;
    if (tm.warm_end <= tm.start) {
        measuring = true;
        res.t_measure_start = tm.start;
    }
    uint64_t last_reconnect_try = 0;

    for (;;) {
        uint64_t now = now_ns();
        if (now >= tm.end) {
            res.t_measure_end = now;
            break;
        }
        if (!measuring && now >= tm.warm_end) {
            measuring = true;
            res.at_warm = c;
            res.t_measure_start = now;
        }
        bool progress = false;
        for (auto& t : conns) {
            if (t.fd < 0) {
                if (now - last_reconnect_try > 10000000ull) {  // at most every 10 ms
                    last_reconnect_try = now;
                    if (tcp_connect(t, addr, alen))
                        ++c.reconnects;
                    else
                        ++c.errors;
                }
                if (t.fd < 0) continue;
            }
            // fill the pipeline
            if (t.outstanding < o.pipeline) {
                if (t.out_off == t.out.size()) {
                    t.out.clear();
                    t.out_off = 0;
                }
                int k = o.pipeline - t.outstanding;
                for (int i = 0; i < k; ++i) {
                    size_t L = qs.len[qi];
                    size_t base = t.out.size();
                    t.out.resize(base + 2 + L);
                    uint8_t* d = t.out.data() + base;
                    d[0] = uint8_t(L >> 8);
                    d[1] = uint8_t(L);
                    std::memcpy(d + 2, qs.q(qi), L);
                    uint16_t id;
                    do {
                        id = uint16_t(rng.next());
                    } while (t.id_used[id]);
                    t.id_used[id] = 1;
                    d[2] = uint8_t(id >> 8);
                    d[3] = uint8_t(id);
                    if (++qi == qs.size()) qi = 0;
                }
                t.outstanding += k;
                c.sent += uint64_t(k);
            }
            bool dead = false;
            if (t.out_off < t.out.size()) {
                ssize_t n = send(t.fd, t.out.data() + t.out_off, t.out.size() - t.out_off,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n > 0) {
                    t.out_off += size_t(n);
                    progress = true;
                } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    dead = true;
            }
            // read responses
            for (int rounds = 0; rounds < 4 && !dead; ++rounds) {
                ssize_t n =
                    recv(t.fd, t.in.data() + t.in_len, t.in.size() - t.in_len, MSG_DONTWAIT);
                if (n == 0) {
                    dead = true;
                    break;
                }
                if (n < 0) {
                    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) dead = true;
                    break;
                }
                progress = true;
                t.in_len += size_t(n);
                size_t p = 0;
                while (t.in_len - p >= 2) {
                    size_t L = (size_t(t.in[p]) << 8) | t.in[p + 1];
                    if (t.in_len - p < 2 + L) break;
                    const uint8_t* r = t.in.data() + p + 2;
                    uint16_t id = L >= 12 ? uint16_t((r[0] << 8) | r[1]) : 0;
                    if (L >= 12 && (r[2] & 0x80) && t.id_used[id]) {
                        t.id_used[id] = 0;
                        c.count_rcode(r);
                    } else {
                        ++c.errors;  // short, not a response, or an ID we have no query for
                    }
                    --t.outstanding;
                    p += 2 + L;
                }
                if (p) {
                    std::memmove(t.in.data(), t.in.data() + p, t.in_len - p);
                    t.in_len -= p;
                }
                if (size_t(n) < t.in.size() / 2) break;
            }
            if (dead) {
                c.lost += uint64_t(std::max(t.outstanding, 0));
                close(t.fd);
                t.fd = -1;
            }
        }
        if (!progress) {
            int np = 0;
            for (auto& t : conns) {
                if (t.fd < 0) continue;
                pfds[size_t(np++)] = {t.fd,
                                      short(POLLIN | (t.out_off < t.out.size() ? POLLOUT : 0)), 0};
            }
            if (np)
                poll(pfds.data(), nfds_t(np), 1);
            else
                usleep(1000);
        }
    }
    for (auto& t : conns)
        if (t.fd >= 0) close(t.fd);
}

// ---------------------------------------------------------------- readiness probe
// Skips a (possibly compressed) name; returns the offset after it or 0 on error.
size_t skip_name(const uint8_t* p, size_t len, size_t off) {
    for (int guard = 0; guard < 128; ++guard) {
        if (off >= len) return 0;
        uint8_t l = p[off];
        if (l == 0) return off + 1;
        if ((l & 0xc0) == 0xc0) return off + 2 <= len ? off + 2 : 0;
        if (l & 0xc0) return 0;
        off += 1 + l;
    }
    return 0;
}

// Returns the SOA serial, or -1 if the answer has no SOA / is not NOERROR.
long long soa_serial(const uint8_t* p, size_t len) {
    if (len < 12 || (p[3] & 0x0f) != 0) return -1;
    unsigned qd = (p[4] << 8) | p[5], an = (p[6] << 8) | p[7];
    size_t off = 12;
    for (unsigned i = 0; i < qd; ++i) {
        off = skip_name(p, len, off);
        if (!off || off + 4 > len) return -1;
        off += 4;
    }
    for (unsigned i = 0; i < an; ++i) {
        off = skip_name(p, len, off);
        if (!off || off + 10 > len) return -1;
        unsigned type = (p[off] << 8) | p[off + 1];
        unsigned rdlen = (p[off + 8] << 8) | p[off + 9];
        size_t rd = off + 10;
        if (rd + rdlen > len) return -1;
        if (type == 6) {
            size_t q = skip_name(p, len, rd);
            if (q) q = skip_name(p, len, q);
            if (!q || q + 4 > len) return -1;
            return (long long)(uint32_t(p[q]) << 24 | uint32_t(p[q + 1]) << 16 |
                               uint32_t(p[q + 2]) << 8 | p[q + 3]);
        }
        off = rd + rdlen;
    }
    return -1;
}

int wait_soa(const Options& o) {
    Options qo = o;
    qo.edns = false;
    socklen_t alen;
    sockaddr_storage addr = make_addr(o, alen);
    int fd = socket(addr.ss_family, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), alen) != 0) {
        perror("socket");
        return 1;
    }
    Rng rng(seed_from_env());
    std::vector<std::string> zones;
    {
        std::string z;
        for (char ch : o.wait_soa) {
            if (ch == ',') {
                if (!z.empty()) zones.push_back(z);
                z.clear();
            } else
                z += ch;
        }
        if (!z.empty()) zones.push_back(z);
    }
    uint64_t t0 = now_ns();
    uint64_t deadline = t0 + uint64_t(o.max_wait * 1e9);
    long long serial = -1;
    uint64_t tries = 0;
    for (auto& zone : zones) {
        std::vector<uint8_t> q;
        if (!encode_query(zone, 6, qo, q)) {
            std::fprintf(stderr, "loadgen: bad zone %s\n", zone.c_str());
            return 2;
        }
        for (;;) {
            if (now_ns() > deadline) {
                std::printf("ready ok=0 zone=%s waited_ms=%.1f tries=%llu\n", zone.c_str(),
                            double(now_ns() - t0) / 1e6, (unsigned long long)tries);
                return 1;
            }
            ++tries;
            uint16_t id = uint16_t(rng.next());
            q[0] = uint8_t(id >> 8);
            q[1] = uint8_t(id);
            (void)send(fd, q.data(), q.size(), 0);
            pollfd pf{fd, POLLIN, 0};
            bool got = false;
            uint64_t until = now_ns() + 20000000ull;
            while (!got) {
                uint64_t n = now_ns();
                if (n >= until) break;
                if (poll(&pf, 1, int((until - n) / 1000000ull) + 1) <= 0) break;
                uint8_t buf[4096];
                ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
                if (r < 12) {
                    if (r < 0 && errno == ECONNREFUSED) break;
                    continue;
                }
                if (((buf[0] << 8) | buf[1]) != id) continue;
                serial = soa_serial(buf, size_t(r));
                if (serial >= 0 && (o.serial < 0 || serial == o.serial))
                    got = true;
                else
                    break;
            }
            if (got) break;
            // wait out the rest of the 20 ms slot, so a refused port isn't hammered
            uint64_t n = now_ns();
            if (n < until) usleep(useconds_t((until - n) / 1000));
        }
    }
    std::printf("ready ok=1 zones=%zu serial=%lld waited_ms=%.1f tries=%llu\n", zones.size(),
                serial, double(now_ns() - t0) / 1e6, (unsigned long long)tries);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse_args(argc, argv);
    if (!o.wait_soa.empty()) return wait_soa(o);
    if (o.queries.empty()) usage("--queries is required");
    QuerySet qs = load_queries(o);

    Timing tm;
    tm.start = now_ns();
    tm.warm_end = tm.start + uint64_t(o.warmup * 1e9);
    tm.end = tm.warm_end + uint64_t(o.seconds * 1e9);

    const bool udp = o.mode == "udp";
    int units = udp ? o.sockets : o.conns;
    int nthreads = std::min(o.threads, units);
    std::vector<ThreadResult> res(static_cast<size_t>(nthreads));
    std::vector<std::thread> th;
    Rng seeder(seed_from_env());
    for (int t = 0; t < nthreads; ++t) {
        int n = units / nthreads + (t < units % nthreads ? 1 : 0);
        int infl = o.inflight / nthreads + (t < o.inflight % nthreads ? 1 : 0);
        uint64_t seed = seeder.next();
        if (udp)
            th.emplace_back(udp_thread, std::cref(o), std::cref(qs), std::cref(tm), n,
                            std::max(infl, n), seed, std::ref(res[size_t(t)]));
        else
            th.emplace_back(tcp_thread, std::cref(o), std::cref(qs), std::cref(tm), n, seed,
                            std::ref(res[size_t(t)]));
    }
    for (auto& t : th) t.join();

    Counters sum;
    uint64_t ms = ~0ull, me = 0;
    for (auto& r : res) {
        sum.add(r.total.minus(r.at_warm));
        ms = std::min(ms, r.t_measure_start);
        me = std::max(me, r.t_measure_end);
    }
    double secs = me > ms ? double(me - ms) / 1e9 : 0.0;
    double qps = secs > 0 ? double(sum.received) / secs : 0.0;
    double lat = sum.lat_n ? double(sum.lat_sum_ns) / double(sum.lat_n) / 1000.0 : 0.0;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);  // the generator's own CPU time, all threads, whole run
    double cpu_s = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                   double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    std::printf(
        "loadgen mode=%s sent=%llu received=%llu qps=%.0f noerror=%llu nxdomain=%llu other=%llu "
        "tc=%llu lost=%llu late=%llu errors=%llu reconnects=%llu avg_lat_us=%.1f "
        "seconds=%.3f cpu_s=%.3f queries=%zu threads=%d %s=%d inflight=%d edns=%d do=%d\n",
        o.mode.c_str(), (unsigned long long)sum.sent, (unsigned long long)sum.received, qps,
        (unsigned long long)sum.noerror, (unsigned long long)sum.nxdomain,
        (unsigned long long)sum.other, (unsigned long long)sum.tc, (unsigned long long)sum.lost,
        (unsigned long long)sum.late, (unsigned long long)sum.errors,
        (unsigned long long)sum.reconnects, udp ? lat : 0.0, secs, cpu_s, qs.size(), nthreads,
        udp ? "sockets" : "conns", units, udp ? o.inflight : o.conns * o.pipeline, int(o.edns),
        int(o.dnssec_ok));
    return 0;
}
