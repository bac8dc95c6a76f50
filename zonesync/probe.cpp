#include "zonesync/probe.hpp"

#include <boost/asio/io_context.hpp>
#include <memory>

#include "lib/xfr/transfer.hpp"

namespace zonesync {

namespace {

// The outcome's name for an error of run_transfer (or of the transfer itself).
std::string outcome_of(const dns::Error& e, const dns::xfr::TransferIn& t) {
    if (t.rcode() != 0) return "refused";
    switch (e.code) {
        case dns::Errc::timeout:
            return "timeout";
        case dns::Errc::unreachable:
            return "unreachable";
        case dns::Errc::refused:
            return e.message.rfind("TSIG", 0) == 0 ? "tsig" : "refused";
        case dns::Errc::semantic:
            if (e.message.find("bytes") != std::string::npos &&
                e.message.rfind("more than", 0) == 0)
                return "too_large";
            if (e.message.find("SOA") != std::string::npos) return "no_soa";
            return "bad_zone";
        default:
            return "bad_zone";
    }
}

}  // namespace

std::vector<ProbeResult> probe_transfers(const dns::wire::Name& zone,
                                         const std::vector<dns::io::Endpoint>& primaries,
                                         const dns::xfr::TsigKey* key, const ProbeLimits& limits) {
    boost::asio::io_context io;
    std::vector<ProbeResult> out(primaries.size());
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < primaries.size(); ++i) {
        out[i].primary = primaries[i].to_string();
        out[i].outcome = "timeout";
        out[i].message =
            "no complete answer within " + std::to_string(limits.duration.count() / 1000) + " s";
        dns::xfr::Limits lim;
        lim.max_bytes = limits.max_bytes;
        auto t = std::make_shared<dns::xfr::TransferIn>(zone, dns::xfr::Kind::axfr, 0, lim);
        dns::io::TransferOptions opt;
        opt.connect_timeout = std::min(limits.duration, std::chrono::milliseconds(3000));
        opt.idle_timeout = limits.duration;
        opt.max_duration = limits.duration;
        opt.key = key;
        dns::io::run_transfer(io, primaries[i], t, opt, [&out, i, t, start](dns::Result<void> r) {
            auto& p = out[i];
            p.ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
            if (!r) {
                p.outcome = outcome_of(r.error(), *t);
                p.message = r.error().message;
                return;
            }
            if (t->outcome() != dns::xfr::TransferIn::Outcome::full_zone) {
                p.outcome = "bad_zone";
                p.message = "the answer to AXFR was not a whole zone";
                return;
            }
            p.outcome = "ok";
            p.message.clear();
            p.serial = t->serial();
            p.records = t->records();
        });
    }
    // Every transfer has its own deadline; this bounds the whole in case one
    // does not (a second over, for their timers to fire first).
    io.run_for(limits.duration + std::chrono::seconds(1));
    return out;
}

}  // namespace zonesync
