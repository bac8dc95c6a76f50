// lib/io: the NOTIFY gate (who may notify what), NOTIFY out with retries,
// many SOA probes over one socket,
// DNS over TCP with streamed answers, transfer rules, and the state directory
// over a Storage that fails. Sockets are real, on 127.0.0.1.

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "lib/io/client.hpp"
#include "lib/io/notify_gate.hpp"
#include "lib/io/notify_sender.hpp"
#include "lib/io/soa_prober.hpp"
#include "lib/io/state_dir.hpp"
#include "lib/io/tcp_server.hpp"
#include "lib/io/transfer_server.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

namespace asio = boost::asio;
namespace w = dns::wire;
using test::N;

namespace {

sockaddr_in peer_v4(const char* addr) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sa.sin_addr);
    return sa;
}

std::vector<uint8_t> notify_query(const char* zone, uint16_t id = 5) {
    auto q = w::make_query(N(zone), w::type::SOA, id, false);
    q[2] = static_cast<uint8_t>((w::opcode::NOTIFY << 3) | 0x04);
    return q;
}

}  // namespace

TEST_SUITE("io") {
    TEST_CASE(
        "NotifyGate: a primary's NOTIFY is accepted; strangers, unknown zones and bad TSIG are "
        "NOTAUTH") {
        dns::io::NotifyGate gate;
        std::vector<std::string> accepted;
        gate.on_accept([&](const std::string& z, const std::string&, std::optional<uint32_t>) {
            accepted.push_back(z);
        });
        auto key =
            dns::xfr::parse_tsig_key("k.:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0").value();
        auto acl = std::make_shared<dns::io::NotifyAcl>();
        (*acl)["example.com."] = {{asio::ip::make_address("192.0.2.1")}, std::nullopt};
        (*acl)["signed.example."] = {{asio::ip::make_address("192.0.2.1")}, key};
        gate.set(acl);
        uint8_t out[4096];
        auto ask = [&](const std::vector<uint8_t>& q, const char* from) {
            auto sa = peer_v4(from);
            size_t n =
                gate.respond(q, reinterpret_cast<const sockaddr*>(&sa), out, sizeof out, 1000);
            REQUIRE(n >= 12);
            auto m = w::parse_message({out, n});
            REQUIRE(m.has_value());
            return *m;
        };
        CHECK(dns::io::NotifyGate::is_notify(notify_query("example.com.")));
        CHECK_FALSE(
            dns::io::NotifyGate::is_notify(w::make_query(N("example.com."), w::type::SOA, 1)));
        auto ok = ask(notify_query("Example.COM."), "192.0.2.1");
        CHECK(ok.rcode() == w::rcode::NOERROR);
        CHECK((ok.header.flags & w::flag::AA) != 0);
        CHECK(accepted == std::vector<std::string>{"example.com."});
        auto stranger = ask(notify_query("example.com."), "192.0.2.9");
        CHECK(stranger.rcode() == w::rcode::NOTAUTH);
        CHECK((stranger.header.flags & w::flag::AA) == 0);
        REQUIRE(stranger.question.size() == 1);
        CHECK(ask(notify_query("other.example."), "192.0.2.1").rcode() == w::rcode::NOTAUTH);
        // The zone wants TSIG: unsigned is NOTAUTH; signed with the key is accepted and signed.
        CHECK(ask(notify_query("signed.example."), "192.0.2.1").rcode() == w::rcode::NOTAUTH);
        auto q = notify_query("signed.example.", 9);
        std::vector<uint8_t> sq(q.size() + 512);
        std::copy(q.begin(), q.end(), sq.begin());
        dns::xfr::TsigSession client(key);
        auto len = client.sign_request(sq.data(), q.size(), sq.size(), 1000);
        REQUIRE(len.has_value());
        sq.resize(*len);
        auto sa = peer_v4("192.0.2.1");
        size_t n = gate.respond(sq, reinterpret_cast<const sockaddr*>(&sa), out, sizeof out, 1000);
        REQUIRE(n > 0);
        CHECK(client.verify_response({out, n}, 1000).has_value());
        CHECK(accepted.size() == 2);
        CHECK(gate.accepted() == 2);
        CHECK(gate.refused() == 3);

        // Catalog members: their catalog's entry decides, with its key.
        (*acl)["cat.example."] = {{asio::ip::make_address("192.0.2.7")}, std::nullopt};
        gate.set(acl);
        gate.set_members(
            {{"member.example.", "cat.example."}, {"orphan.example.", "gone.example."}});
        CHECK(ask(notify_query("Member.example."), "192.0.2.7").rcode() == w::rcode::NOERROR);
        CHECK(accepted.back() == "member.example.");
        CHECK(ask(notify_query("member.example."), "192.0.2.1").rcode() == w::rcode::NOTAUTH);
        CHECK(ask(notify_query("orphan.example."), "192.0.2.7").rcode() == w::rcode::NOTAUTH);
        gate.set_member("member.example.", "signed.example.");  // moved to a catalog with a key
        CHECK(ask(notify_query("member.example."), "192.0.2.1").rcode() == w::rcode::NOTAUTH);
        gate.set_member("member.example.", "");  // left its catalog
        CHECK(ask(notify_query("member.example."), "192.0.2.7").rcode() == w::rcode::NOTAUTH);
        // A zone configured on its own is found before any catalog listing it.
        gate.set_member("example.com.", "cat.example.");
        CHECK(ask(notify_query("example.com."), "192.0.2.1").rcode() == w::rcode::NOERROR);
    }

    TEST_CASE(
        "SoaProber: answers matched by ID and source; timeouts, TC, REFUSED; more than it keeps in "
        "flight") {
        asio::io_context io;
        auto lo = asio::ip::make_address("127.0.0.1");
        asio::ip::udp::socket server(io, asio::ip::udp::endpoint(lo, 0));
        asio::ip::udp::socket elsewhere(io, asio::ip::udp::endpoint(lo, 0));
        std::array<uint8_t, 1024> buf{};
        asio::ip::udp::endpoint from;
        // a.example: SOA serial 42; tc.example: TC; refused.example: REFUSED;
        // other.example: answered from another port; anything else: silence.
        std::function<void()> serve = [&] {
            server.async_receive_from(
                asio::buffer(buf), from, [&](boost::system::error_code ec, size_t n) {
                    if (ec) return;
                    size_t q = 12;
                    while (q < n && buf[q]) q += buf[q] + 1;
                    const std::string name = w::to_text(buf.data() + 12);
                    std::vector<uint8_t> r(buf.begin(), buf.begin() + q + 5);
                    r[2] = 0x84;  // QR, AA
                    r[3] = 0;
                    r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
                    if (name == "a.example." || name == "other.example.") {
                        r[7] = 1;
                        const uint8_t rr[] = {0xC0, 0x0C, 0, 6, 0, 1,  0, 0, 0, 60, 0, 22,
                                              0,    0,    0, 0, 0, 42, 0, 0, 0, 1,  0, 0,
                                              0,    1,    0, 0, 0, 1,  0, 0, 0, 1};
                        r.insert(r.end(), rr, rr + sizeof rr);
                    } else if (name == "tc.example.") {
                        r[2] |= 0x02;
                    } else if (name == "refused.example.") {
                        r[3] = 5;
                    } else {
                        return serve();
                    }
                    (name == "other.example." ? elsewhere : server).send_to(asio::buffer(r), from);
                    serve();
                });
        };
        serve();
        dns::io::SoaProber prober(io, 16);
        const dns::io::Endpoint ep{lo, server.local_endpoint().port()};
        std::map<std::string, std::string> got;
        auto ask = [&](const char* zone) {
            prober.probe(ep, N(zone), std::chrono::milliseconds(200),
                         [&got, zone](dns::Result<dns::io::SoaAnswer> r) {
                             got[zone] = r ? std::to_string(r->serial) : r.error().message;
                         });
        };
        for (const char* z :
             {"a.example.", "tc.example.", "refused.example.", "other.example.", "silent.example."})
            ask(z);
        CHECK(got.empty());  // never from inside probe()
        size_t many = 0, many_ok = 0;
        for (size_t i = 0; i < 500; ++i)
            prober.probe(ep, N("a.example."), std::chrono::milliseconds(2000),
                         [&](dns::Result<dns::io::SoaAnswer> r) {
                             ++many;
                             many_ok += r && r->serial == 42;
                         });
        for (int i = 0; i < 500 && (got.size() < 5 || many < 500); ++i)
            io.run_for(std::chrono::milliseconds(10));
        CHECK(got["a.example."] == "42");
        CHECK(got["tc.example."].find("truncated") != std::string::npos);
        CHECK(got["refused.example."].find("rcode 5") != std::string::npos);
        CHECK(got["other.example."].find("no answer") != std::string::npos);
        CHECK(got["silent.example."].find("no answer") != std::string::npos);
        CHECK(many == 500);
        CHECK(many_ok == 500);  // 16 at a time: nothing dropped
        CHECK(prober.in_flight() == 0);
    }

    TEST_CASE(
        "SoaProber with options: TSIG both ways, EXPIRE asked and TC then TCP, a second attempt, "
        "probes queued per server, a silent one holding up no other") {
        asio::io_context io;
        auto lo = asio::ip::make_address("127.0.0.1");
        asio::ip::udp::socket server(io, asio::ip::udp::endpoint(lo, 0));
        auto key =
            dns::xfr::parse_tsig_key("k.:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0").value();
        std::array<uint8_t, 2048> buf{};
        asio::ip::udp::endpoint from;
        std::map<std::string, int> seen;  // queries received per name
        bool saw_expire = false, saw_tsig = false;
        // signed.example: answered signed when the query verifies; unsigned.example: answered
        // without TSIG; tc.example: TC; second.example: the first query is dropped.
        std::function<void()> serve = [&] {
            server.async_receive_from(
                asio::buffer(buf), from, [&](boost::system::error_code ec, size_t n) {
                    if (ec) return;
                    const std::string name = w::to_text(buf.data() + 12);
                    const int count = ++seen[name];
                    auto q = w::parse_message({buf.data(), n});
                    REQUIRE(q.has_value());
                    for (const auto& o : q->edns.options)
                        saw_expire |= o.code == w::edns_opt::EXPIRE;
                    size_t qend = 12;
                    while (qend < n && buf[qend]) qend += buf[qend] + 1;
                    std::vector<uint8_t> r(buf.begin(), buf.begin() + qend + 5);
                    r[2] = 0x84;
                    r[3] = 0;
                    r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
                    if (name == "tc.example.") {
                        r[2] |= 0x02;
                    } else if ((name == "second.example." && count == 1) ||
                               name.find(".silent.") != std::string::npos) {
                        return serve();
                    } else {
                        r[7] = 1;
                        const uint8_t rr[] = {0xC0, 0x0C, 0, 6, 0, 1,  0, 0, 0, 60, 0, 22,
                                              0,    0,    0, 0, 0, 77, 0, 0, 0, 1,  0, 0,
                                              0,    1,    0, 0, 0, 1,  0, 0, 0, 1};
                        r.insert(r.end(), rr, rr + sizeof rr);
                    }
                    if (name == "signed.example.") {
                        uint16_t err = 0;
                        auto session = dns::xfr::TsigSession::verify_request(
                            {buf.data(), n}, {key}, static_cast<uint64_t>(std::time(nullptr)), err);
                        saw_tsig = session.has_value();
                        if (session) {
                            const size_t len = r.size();
                            r.resize(len + 512);
                            auto signed_len = session->sign_response(
                                r.data(), len, r.size(), static_cast<uint64_t>(std::time(nullptr)));
                            REQUIRE(signed_len.has_value());
                            r.resize(*signed_len);
                        }
                    }
                    server.send_to(asio::buffer(r), from);
                    serve();
                });
        };
        serve();
        dns::io::SoaProber prober(io, 1);  // one in flight: the rest wait their turn
        const dns::io::Endpoint ep{lo, server.local_endpoint().port()};
        std::map<std::string, std::string> got;
        auto ask = [&](const char* zone, dns::io::SoaProber::Options o) {
            prober.probe(ep, N(zone), o, [&got, zone](dns::Result<dns::io::SoaAnswer> r) {
                got[zone] = r ? std::to_string(r->serial) : r.error().message;
            });
        };
        using ms = std::chrono::milliseconds;
        auto k = std::make_shared<const dns::xfr::TsigKey>(key);
        ask("signed.example.", {ms(500), 1, k, true});
        ask("unsigned.example.", {ms(500), 1, k, false});
        ask("tc.example.", {ms(500), 1, nullptr, true});
        ask("second.example.", {ms(150), 2, nullptr, false});
        for (int i = 0; i < 300 && got.size() < 4; ++i) io.run_for(ms(10));
        CHECK(got["signed.example."] == "77");
        CHECK(saw_tsig);
        CHECK(saw_expire);
        CHECK(got["unsigned.example."].find("TSIG") != std::string::npos);
        // TC with EXPIRE asked: the answer is sought over TCP (nobody listens there).
        CHECK(got["tc.example."].find("truncated") == std::string::npos);
        CHECK(seen["tc.example."] >= 1);
        CHECK(got["second.example."] == "77");
        CHECK(seen["second.example."] == 2);

        // Silent zones behind one in flight: sent one after the other, each
        // given its whole timeout; those that wait more than four timeouts for
        // their turn fail unsent.
        got.clear();
        seen.clear();
        const auto t0 = std::chrono::steady_clock::now();
        const char* silent[] = {"s1.silent.", "s2.silent.", "s3.silent.", "s4.silent.",
                                "s5.silent.", "s6.silent.", "s7.silent.", "s8.silent."};
        for (const char* z : silent) ask(z, {ms(50), 1, nullptr, false});
        for (int i = 0; i < 300 && got.size() < 8; ++i) io.run_for(ms(5));
        const auto took = std::chrono::steady_clock::now() - t0;
        CHECK(got.size() == 8);
        for (const auto& [z, e] : got) CHECK(e.find("no answer") != std::string::npos);
        size_t sent = 0;
        for (const char* z : silent) sent += static_cast<size_t>(seen[z]);
        CHECK(sent >= 4);  // each sent one had its 50 ms ...
        CHECK(sent <= 5);  // ... and the rest gave up after waiting 200 ms
        CHECK(took < ms(400));

        // A silent server does not hold up another: with one probe in flight per
        // server, the live server's answer comes while the silent one's wait.
        asio::ip::udp::socket mute(io, asio::ip::udp::endpoint(lo, 0));
        dns::io::SoaProber two(io, 4);  // one per server
        const dns::io::Endpoint mute_ep{lo, mute.local_endpoint().port()};
        size_t mute_done = 0;
        for (int i = 0; i < 10; ++i)
            two.probe(mute_ep, N("a.example."), ms(200),
                      [&](dns::Result<dns::io::SoaAnswer>) { ++mute_done; });
        std::string live;
        const auto t1 = std::chrono::steady_clock::now();
        std::chrono::steady_clock::duration live_took{};
        two.probe(ep, N("live.example."), ms(200), [&](dns::Result<dns::io::SoaAnswer> r) {
            live = r ? std::to_string(r->serial) : r.error().message;
            live_took = std::chrono::steady_clock::now() - t1;
        });
        for (int i = 0; i < 300 && (live.empty() || mute_done < 10); ++i) io.run_for(ms(5));
        CHECK(live == "77");
        CHECK(live_took < ms(150));
        CHECK(mute_done == 10);
        CHECK(two.in_flight() == 0);
        CHECK(two.waiting() == 0);

        // An urgent probe (a NOTIFY's check) goes ahead of its server's queue.
        std::vector<std::string> order;
        for (int i = 0; i < 10; ++i) {
            const std::string z = "n" + std::to_string(i) + ".example.";
            two.probe(ep, N(z.c_str()), ms(500),
                      [&order, z](dns::Result<dns::io::SoaAnswer>) { order.push_back(z); });
        }
        two.probe(
            ep, N("urgent.example."), {ms(500), 1, nullptr, false, true},
            [&order](dns::Result<dns::io::SoaAnswer>) { order.push_back("urgent.example."); });
        for (int i = 0; i < 300 && order.size() < 11; ++i) io.run_for(ms(5));
        REQUIRE(order.size() == 11);
        CHECK(std::find(order.begin(), order.end(), "urgent.example.") - order.begin() <= 1);
        // ... and a waiting probe can be moved there (a NOTIFY for a zone whose
        // routine check waits).
        order.clear();
        for (int i = 0; i < 10; ++i) {
            const std::string z = "m" + std::to_string(i) + ".example.";
            two.probe(ep, N(z.c_str()), ms(500),
                      [&order, z](dns::Result<dns::io::SoaAnswer>) { order.push_back(z); });
        }
        two.promote(N("M9.example."));
        for (int i = 0; i < 300 && order.size() < 10; ++i) io.run_for(ms(5));
        REQUIRE(order.size() == 10);
        CHECK(std::find(order.begin(), order.end(), "m9.example.") - order.begin() <= 1);
        CHECK(prober.in_flight() == 0);
    }

    TEST_CASE(
        "SoaProber: probes queued for a slow server that still answers wait on, past four "
        "timeouts") {
        asio::io_context io;
        auto lo = asio::ip::make_address("127.0.0.1");
        asio::ip::udp::socket server(io, asio::ip::udp::endpoint(lo, 0));
        std::array<uint8_t, 1024> buf{};
        asio::ip::udp::endpoint from;
        // Every answer 40 ms late (the timeout is 50 ms): eight probes, one at
        // a time, take 320 ms, more than four timeouts of waiting for the last.
        std::function<void()> serve = [&] {
            server.async_receive_from(
                asio::buffer(buf), from, [&](boost::system::error_code ec, size_t n) {
                    if (ec) return;
                    size_t q = 12;
                    while (q < n && buf[q]) q += buf[q] + 1;
                    auto r =
                        std::make_shared<std::vector<uint8_t>>(buf.begin(), buf.begin() + q + 5);
                    (*r)[2] = 0x84;
                    (*r)[3] = 0;
                    for (int i = 6; i < 12; ++i) (*r)[i] = 0;
                    (*r)[7] = 1;
                    const uint8_t rr[] = {0xC0, 0x0C, 0, 6, 0, 1, 0, 0, 0, 60, 0, 22,
                                          0,    0,    0, 0, 0, 5, 0, 0, 0, 1,  0, 0,
                                          0,    1,    0, 0, 0, 1, 0, 0, 0, 1};
                    r->insert(r->end(), rr, rr + sizeof rr);
                    auto t =
                        std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(40));
                    auto to = from;
                    t->async_wait([&server, t, r, to](boost::system::error_code) {
                        server.send_to(asio::buffer(*r), to);
                    });
                    serve();
                });
        };
        serve();
        dns::io::SoaProber prober(io, 4);  // one in flight per server
        const dns::io::Endpoint ep{lo, server.local_endpoint().port()};
        size_t ok = 0, failed = 0;
        for (int i = 0; i < 8; ++i)
            prober.probe(ep, N("slow.example."), std::chrono::milliseconds(50),
                         [&](dns::Result<dns::io::SoaAnswer> r) { ++(r ? ok : failed); });
        for (int i = 0; i < 400 && ok + failed < 8; ++i) io.run_for(std::chrono::milliseconds(5));
        CHECK(ok == 8);
        CHECK(failed == 0);
    }

    TEST_CASE("NotifySender: retries until the target answers, gives up after its tries") {
        asio::io_context io;
        asio::ip::udp::socket target(
            io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        const uint16_t port = target.local_endpoint().port();
        int received = 0;
        std::array<uint8_t, 1024> buf{};
        asio::ip::udp::endpoint from;
        std::function<void()> serve = [&] {
            target.async_receive_from(
                asio::buffer(buf), from, [&](boost::system::error_code ec, size_t n) {
                    if (ec) return;
                    ++received;
                    if (received >= 3) {
                        // Answer the third try.
                        std::vector<uint8_t> resp(buf.begin(), buf.begin() + n);
                        resp[2] |= 0x80;
                        target.send_to(asio::buffer(resp), from);
                    }
                    serve();
                });
        };
        serve();
        dns::io::NotifySender::Options o;
        o.timeout = std::chrono::milliseconds(100);
        o.first_retry = std::chrono::milliseconds(20);
        o.tries = 5;
        dns::io::NotifySender sender(io, o);
        dns::io::Endpoint ep{asio::ip::make_address("127.0.0.1"), port};
        sender.notify(N("example.com."), 7, ep);
        // A target that never answers.
        asio::ip::udp::socket silent(
            io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        dns::io::Endpoint silent_ep{asio::ip::make_address("127.0.0.1"),
                                    silent.local_endpoint().port()};
        sender.notify(N("example.com."), 7, silent_ep);
        for (int i = 0;
             i < 400 && (sender.counters().answered < 1 || sender.counters().given_up < 1); ++i)
            io.run_for(std::chrono::milliseconds(10));
        CHECK(received == 3);
        auto c = sender.counters();
        CHECK(c.answered == 1);
        CHECK(c.given_up == 1);
        CHECK(c.sent == 3 + 5);
        CHECK(sender.pending() == 0);
    }

    TEST_CASE(
        "TcpListener: pipelined queries answered in order, a streamed answer in many messages") {
        struct Handler : dns::io::TcpHandler {
            struct Count : dns::io::MessageStream {
                int left;
                explicit Count(int n) : left(n) {}
                size_t next(uint8_t* out, size_t cap) override {
                    if (left == 0 || cap < 3) return 0;
                    out[0] = 's';
                    out[1] = static_cast<uint8_t>(left--);
                    return 2;
                }
            };
            size_t answer(std::span<const uint8_t> m, const sockaddr*, uint8_t* out, size_t,
                          std::unique_ptr<dns::io::MessageStream>& stream) noexcept override {
                if (m.size() == 1 && m[0] == 'x') {
                    stream = std::make_unique<Count>(1000);
                    return 0;
                }
                out[0] = 'a';
                out[1] = m[0];
                return 2;
            }
        } handler;
        asio::io_context io;
        dns::io::TcpListener l(io, handler, {});
        REQUIRE(l.open(asio::ip::make_address("127.0.0.1"), 0, false).has_value());
        l.start();
        std::thread t([&] { io.run_for(std::chrono::seconds(5)); });
        asio::io_context cio;
        asio::ip::tcp::socket s(cio);
        s.connect({asio::ip::make_address("127.0.0.1"), l.port()});
        // Three queries in one write: "1", "x" (a stream of 1000), "2".
        std::vector<uint8_t> q = {0, 1, '1', 0, 1, 'x', 0, 1, '2'};
        asio::write(s, asio::buffer(q));
        std::vector<std::string> got;
        for (int i = 0; i < 1002; ++i) {
            uint8_t hdr[2], body[4];
            asio::read(s, asio::buffer(hdr));
            REQUIRE(w::get16(hdr) == 2);
            asio::read(s, asio::buffer(body, 2));
            got.emplace_back(reinterpret_cast<char*>(body), 2);
        }
        CHECK(got.front() == "a1");
        CHECK(got[1][0] == 's');
        CHECK(static_cast<uint8_t>(got[1][1]) == 1000 % 256);
        CHECK(got.back() == "a2");
        s.close();
        io.stop();
        t.join();
    }

    TEST_CASE("transfer rules: prefixes, keys, and matching") {
        auto r = dns::io::parse_transfer_rule("192.0.2.0/24:Xfr-Key");
        REQUIRE(r.has_value());
        CHECK(r->prefix == 24);
        CHECK(r->key == "xfr-key.");
        CHECK(r->matches(asio::ip::make_address("192.0.2.200")));
        CHECK_FALSE(r->matches(asio::ip::make_address("192.0.3.1")));
        CHECK_FALSE(r->matches(asio::ip::make_address("2001:db8::1")));
        auto v6 = dns::io::parse_transfer_rule("2001:db8::/32");
        REQUIRE(v6.has_value());
        CHECK(v6->key.empty());
        CHECK(v6->matches(asio::ip::make_address("2001:db8:ffff::1")));
        auto host = dns::io::parse_transfer_rule("127.0.0.1");
        REQUIRE(host.has_value());
        CHECK(host->prefix == 32);
        CHECK_FALSE(host->matches(asio::ip::make_address("127.0.0.2")));
        auto odd = dns::io::parse_transfer_rule("192.0.2.0/20");
        REQUIRE(odd.has_value());
        CHECK(odd->matches(asio::ip::make_address("192.0.15.1")));
        CHECK_FALSE(odd->matches(asio::ip::make_address("192.0.16.1")));
        for (const char* bad :
             {"", "not-an-address", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/x"})
            CHECK_FALSE(dns::io::parse_transfer_rule(bad).has_value());
    }

    TEST_CASE("StateDir over a Storage that fails: the error says so and the saved copy stays") {
        struct Flaky : dns::io::Storage {
            dns::io::FileStorage real;
            bool fail = false;
            dns::Result<void> prepare_dir(const std::string& d) override {
                return real.prepare_dir(d);
            }
            dns::Result<void> write_atomically(const std::string& p,
                                               std::span<const uint8_t> d) override {
                if (fail) return dns::make_error(dns::Errc::io, p + ": disk full");
                return real.write_atomically(p, d);
            }
            dns::Result<void> write_at(const std::string& p, size_t o,
                                       std::span<const uint8_t> d) override {
                if (fail) return dns::make_error(dns::Errc::io, p + ": disk full");
                return real.write_at(p, o, d);
            }
            dns::Result<std::vector<uint8_t>> read(const std::string& p) override {
                return real.read(p);
            }
            size_t size(const std::string& p) override { return real.size(p); }
            void remove(const std::string& p) override { real.remove(p); }
        } storage;
        char tmpl[] = "/tmp/io_test.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dns::io::StateDir dir(tmpl, &storage);
        REQUIRE(dir.prepare().has_value());
        auto z1 = dns::zonefile::parse("@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n",
                                       N("example.com."));
        auto z2 = dns::zonefile::parse("@ SOA ns hm 2 2 3 4 5\n@ NS ns\nns A 192.0.2.2\n",
                                       N("example.com."));
        REQUIRE(z1.has_value());
        REQUIRE(z2.has_value());
        REQUIRE(dir.save(**z1, 100, "192.0.2.53:53").has_value());
        storage.fail = true;
        auto r = dir.save(**z2, 200, "192.0.2.53:53");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find("disk full") != std::string::npos);
        CHECK_FALSE(dir.touch(N("example.com."), 300).has_value());
        storage.fail = false;
        auto back = dir.load(N("example.com."));
        REQUIRE(back.has_value());
        CHECK(back->zone->serial() == 1);
        CHECK(back->verified_unix == 100);
        CHECK(back->primary == "192.0.2.53:53");
        dir.remove(N("example.com."));
        std::filesystem::remove_all(tmpl);
    }

}  // TEST_SUITE
