// libFuzzer target for master files: the project's scanner and RDATA
// encoders (and ldns behind them). A file that loads must write back as text
// (to_text) that loads again to the same records; anything else must fail
// with an error that names the source. Built as fuzz_zonefile and
// fuzz_replay_zonefile.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lib/xfr/transfer.hpp"
#include "lib/zonefile/zonefile.hpp"

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_zonefile: %s\n", what);
        std::abort();
    }
}

std::vector<std::string> records(const dns::zone::Zone& z) {
    std::vector<std::string> out;
    for (const auto& r : dns::xfr::records_of(z))
        out.push_back(r.owner + "|" + std::to_string(r.type) + "|" + std::to_string(r.ttl) + "|" +
                      r.rdata);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const dns::wire::Name origin = *dns::wire::Name::from_text("example.com.");
    std::string text(reinterpret_cast<const char*>(data), size);
    dns::zonefile::LoadOptions opt;
    opt.limits.max_records = 2000;
    auto z = dns::zonefile::parse(text, origin, opt, "input");
    if (!z) {
        check(z.error().message.rfind("input", 0) == 0, "an error that does not name the source");
        return 0;
    }
    auto back = dns::zonefile::parse(dns::zonefile::to_text(**z), origin, opt, "written");
    if (!back) std::fprintf(stderr, "  %s\n", back.error().message.c_str());
    check(back.has_value(), "a zone written by to_text() does not load");
    check(records(**back) == records(**z), "to_text() round trip changed the records");
    return 0;
}
