// echo — a trivial UDP "DNS responder" for calibrating the benchmark: one thread, one socket,
// recvmmsg/sendmmsg in batches, flips the QR bit and sends every packet back unchanged.
// It shows the kernel's floor (the least work a server can do per query) and the load
// generator's ceiling on this machine.
//
// Build: g++ -O2 -std=c++20 -o echo echo.cpp
// Usage: echo [--listen 127.0.0.1] [--port 5300] [--batch 64]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {
volatile sig_atomic_t stop_flag = 0;
void on_signal(int) { stop_flag = 1; }
}  // namespace

int main(int argc, char** argv) {
    std::string listen_addr = "127.0.0.1";
    int port = 5300, batch = 64;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--listen" && i + 1 < argc)
            listen_addr = argv[++i];
        else if (a == "--port" && i + 1 < argc)
            port = std::atoi(argv[++i]);
        else if (a == "--batch" && i + 1 < argc)
            batch = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: echo [--listen ADDR] [--port N] [--batch N]\n");
            return 2;
        }
    }
    if (batch < 1) batch = 1;
    if (batch > 1024) batch = 1024;

    sockaddr_storage ss{};
    socklen_t slen;
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, listen_addr.c_str(), &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(uint16_t(port));
        slen = sizeof *a4;
    } else if (inet_pton(AF_INET6, listen_addr.c_str(), &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(uint16_t(port));
        slen = sizeof *a6;
    } else {
        std::fprintf(stderr, "echo: bad --listen address\n");
        return 2;
    }
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    int one = 1, sz = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), slen) != 0) {
        perror("bind");
        return 1;
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;  // no SA_RESTART: recvmmsg returns EINTR and we exit
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    constexpr size_t BUF = 4096;
    const size_t B = size_t(batch);
    std::vector<uint8_t> bufs(B * BUF);
    std::vector<sockaddr_storage> peers(B);
    std::vector<iovec> iov(B);
    std::vector<mmsghdr> msgs(B);
    unsigned long long packets = 0;

    while (!stop_flag) {
        for (size_t i = 0; i < B; ++i) {
            iov[i] = {bufs.data() + i * BUF, BUF};
            msgs[i].msg_hdr = msghdr{};
            msgs[i].msg_hdr.msg_name = &peers[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs.data(), unsigned(B), MSG_WAITFORONE, nullptr);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("recvmmsg");
            break;
        }
        int m = 0;  // compact the valid ones to the front
        for (int i = 0; i < n; ++i) {
            if (msgs[size_t(i)].msg_len < 12) continue;
            uint8_t* p = bufs.data() + size_t(i) * BUF;
            p[2] |= 0x80;  // QR
            iov[size_t(i)].iov_len = msgs[size_t(i)].msg_len;
            if (m != i) msgs[size_t(m)].msg_hdr = msgs[size_t(i)].msg_hdr;
            ++m;
        }
        int off = 0;
        while (off < m) {
            int s = sendmmsg(fd, msgs.data() + off, unsigned(m - off), 0);
            if (s <= 0) {
                if (s < 0 && errno == EINTR && !stop_flag) continue;
                break;  // drop the rest, as a real server would under pressure
            }
            off += s;
        }
        packets += unsigned(n);
    }
    std::fprintf(stderr, "echo: %llu packets\n", packets);
    close(fd);
    return 0;
}
