#include "dnsd/control.hpp"

#include <httplib.h>

#include <cstdio>
#include <map>
#include <set>
#include <ctime>
#include <sstream>

#include "dnsd/server.hpp"
#include "lib/base/log.hpp"
#include "lib/io/client.hpp"
#include "lib/io/secondary_runner.hpp"
#include "lib/zone/zone_store.hpp"

namespace dnsd {

struct Control::Impl {
    httplib::Server http;
};

namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

const char* rcode_name(size_t r) {
    static const char* const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (r < sizeof names / sizeof *names) return names[r];
    if (r == 16) return "BADVERS";
    return nullptr;
}

}  // namespace

Control::Control(const Server& server, const dns::zone::ZoneStore& store,
                 const dns::io::SecondaryRunner* secondaries)
    : impl_(std::make_unique<Impl>()), server_(server), store_(store), secondaries_(secondaries) {}

Control::~Control() { stop(); }

std::string Control::healthz(bool& healthy) const {
    auto table = store_.get();
    size_t served = table->size(), expired = 0;
    for (size_t i = 0; i < table->size(); ++i) expired += table->expired(i) ? 1 : 0;
    size_t fresh = 0, stale = 0, empty = 0, sec_expired = 0;
    std::vector<dns::io::ZoneReport> st;
    dns::io::RunnerCounters counters;
    if (secondaries_) {
        st = secondaries_->zones();
        counters = secondaries_->counters();
        for (const auto& z : st) {
            if (z.state == "fresh") ++fresh;
            else if (z.state == "stale") ++stale;
            else if (z.state == "expired") ++sec_expired;
            else ++empty;
        }
    }
    // Announce while there is something correct to serve: at least one zone,
    // and not every zone expired.
    healthy = served > 0 && expired < served;
    const char* status = !healthy ? "failing" : (stale || sec_expired || empty) ? "degraded" : "ok";
    std::ostringstream o;
    o << "{\"status\":\"" << status << "\",\"zones\":" << served << ",\"expired\":" << expired
      << ",\"secondary\":{\"total\":" << st.size() << ",\"fresh\":" << fresh << ",\"stale\":" << stale
      << ",\"expired\":" << sec_expired << ",\"empty\":" << empty << "}"
      << ",\"last_refresh\":" << counters.last_success
      << ",\"last_catalog_refresh\":" << counters.last_catalog_refresh << ",\"catalogs\":[";
    bool first = true;
    if (secondaries_) {
        std::map<std::string, size_t> members;
        for (const auto& z : st)
            if (!z.catalog.empty()) ++members[z.catalog];
        for (const auto& z : st) {
            if (!z.is_catalog) continue;  // a catalog with no members yet shows up too
            o << (first ? "" : ",") << "{\"name\":" << json_string(z.name) << ",\"serial\":" << z.serial
              << ",\"state\":\"" << z.state << "\",\"members\":" << members[z.name]
              << ",\"last_refresh\":" << z.last_refresh << "}";
            first = false;
        }
    }
    o << "]}\n";
    return o.str();
}

std::string Control::metrics() const {
    std::ostringstream o;
    auto c = server_.counters();
    o << "# HELP dnsd_queries_total Queries received, by transport.\n# TYPE dnsd_queries_total counter\n";
    o << "dnsd_queries_total{transport=\"udp\"} " << c.transport[0] << "\n";
    o << "dnsd_queries_total{transport=\"tcp\"} " << c.transport[1] << "\n";
    o << "# HELP dnsd_queries_by_type_total Queries by QTYPE.\n# TYPE dnsd_queries_by_type_total counter\n";
    for (size_t i = 0; i < dns::answer::Counters::kTypes; ++i)
        o << "dnsd_queries_by_type_total{qtype=\"" << dns::answer::qtype_bucket_name(i) << "\"} " << c.qtype[i]
          << "\n";
    o << "# HELP dnsd_responses_total Responses by RCODE.\n# TYPE dnsd_responses_total counter\n";
    for (size_t r = 0; r < 24; ++r)
        if (const char* n = rcode_name(r)) o << "dnsd_responses_total{rcode=\"" << n << "\"} " << c.rcode[r] << "\n";
    o << "# HELP dnsd_truncated_total UDP responses sent with TC.\n# TYPE dnsd_truncated_total counter\n"
      << "dnsd_truncated_total " << c.truncated << "\n";
    o << "# HELP dnsd_dropped_total Packets dropped without an answer.\n# TYPE dnsd_dropped_total counter\n"
      << "dnsd_dropped_total " << c.dropped << "\n";
    auto table = store_.get();
    size_t expired = 0;
    for (size_t i = 0; i < table->size(); ++i) expired += table->expired(i) ? 1 : 0;
    o << "# HELP dnsd_zones_served Zones in the published table.\n# TYPE dnsd_zones_served gauge\n"
      << "dnsd_zones_served " << table->size() << "\n"
      << "# HELP dnsd_zones_expired Zones answering SERVFAIL because they expired.\n# TYPE dnsd_zones_expired gauge\n"
      << "dnsd_zones_expired " << expired << "\n";
    if (secondaries_) {
        auto s = secondaries_->counters();
        std::map<std::string, size_t> states;
        for (const auto& z : secondaries_->zones()) ++states[z.state];
        o << "# HELP dnsd_secondary_zones Secondary zones by state.\n# TYPE dnsd_secondary_zones gauge\n";
        for (const char* st : {"fresh", "stale", "expired", "empty"})
            o << "dnsd_secondary_zones{state=\"" << st << "\"} " << states[st] << "\n";
        o << "# HELP dnsd_transfers_total Zone transfers, by kind and outcome.\n# TYPE dnsd_transfers_total counter\n"
          << "dnsd_transfers_total{kind=\"axfr\",result=\"ok\"} " << s.axfr_ok << "\n"
          << "dnsd_transfers_total{kind=\"axfr\",result=\"failed\"} " << s.axfr_failed << "\n"
          << "dnsd_transfers_total{kind=\"ixfr\",result=\"ok\"} " << s.ixfr_ok << "\n"
          << "dnsd_transfers_total{kind=\"ixfr\",result=\"failed\"} " << s.ixfr_failed << "\n"
          << "# HELP dnsd_transfers_refused_total Transfers rejected as malformed or hostile.\n"
          << "# TYPE dnsd_transfers_refused_total counter\n"
          << "dnsd_transfers_refused_total " << s.refused_transfers << "\n"
          << "# HELP dnsd_soa_checks_total SOA queries to primaries.\n# TYPE dnsd_soa_checks_total counter\n"
          << "dnsd_soa_checks_total{result=\"ok\"} " << s.soa_ok << "\n"
          << "dnsd_soa_checks_total{result=\"failed\"} " << s.soa_failed << "\n"
          << "dnsd_soa_checks_total{result=\"up_to_date\"} " << s.up_to_date << "\n"
          << "dnsd_soa_checks_total{result=\"skipped\"} " << s.soa_skipped << "\n"
          << "# HELP dnsd_primaries_paused Primaries not asked for a while after failing for every zone.\n"
          << "# TYPE dnsd_primaries_paused gauge\n"
          << "dnsd_primaries_paused " << s.primaries_paused << "\n"
          << "# HELP dnsd_notify_total NOTIFY messages received.\n# TYPE dnsd_notify_total counter\n"
          << "dnsd_notify_total{result=\"accepted\"} " << s.notify_accepted << "\n"
          << "dnsd_notify_total{result=\"refused\"} " << s.notify_refused << "\n"
          << "# HELP dnsd_last_successful_refresh_timestamp_seconds Last successful refresh of any zone.\n"
          << "# TYPE dnsd_last_successful_refresh_timestamp_seconds gauge\n"
          << "dnsd_last_successful_refresh_timestamp_seconds " << s.last_success << "\n";
    }
    return o.str();
}

std::string Control::zones() const {
    std::ostringstream o;
    o << "[";
    bool first = true;
    std::set<std::string> secondary;
    if (secondaries_) {
        for (const auto& z : secondaries_->zones()) {
            secondary.insert(z.name);
            o << (first ? "" : ",") << "\n{\"name\":" << json_string(z.name) << ",\"type\":\"secondary\""
              << ",\"serial\":" << z.serial << ",\"state\":\"" << z.state << "\",\"primary\":" << json_string(z.primary)
              << ",\"last_refresh\":" << z.last_refresh << ",\"next_refresh\":" << z.next_refresh
              << ",\"records\":" << z.records << ",\"catalog\":" << json_string(z.catalog)
              << ",\"last_error\":" << json_string(z.last_error) << "}";
            first = false;
        }
    }
    auto table = store_.get();
    for (const auto& z : table->zones()) {
        std::string name = z->apex().lowercased().to_text();
        if (secondary.count(name)) continue;
        o << (first ? "" : ",") << "\n{\"name\":" << json_string(name) << ",\"type\":\"file\",\"serial\":"
          << z->serial() << ",\"state\":\"fresh\",\"records\":" << z->record_count() << "}";
        first = false;
    }
    o << "\n]\n";
    return o.str();
}

dns::Result<void> Control::start(const std::string& listen) {
    auto ep = dns::io::parse_endpoint(listen);
    if (!ep) return ep.error();
    auto& http = impl_->http;
    http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
        bool healthy = false;
        res.set_content(healthz(healthy), "application/json");
        res.status = healthy ? 200 : 503;
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics(), "text/plain; version=0.0.4");
    });
    http.Get("/zones", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(zones(), "application/json");
    });
    int port = ep->port;
    bool bound = port == 0 ? (port = http.bind_to_any_port(ep->address.to_string().c_str())) > 0
                           : http.bind_to_port(ep->address.to_string().c_str(), port);
    if (!bound) return dns::make_error(dns::Errc::io, "cannot bind HTTP to " + listen);
    ep->port = static_cast<uint16_t>(port);
    LOG_INFO("control HTTP on %s (/healthz, /metrics, /zones)", ep->to_string().c_str());
    thread_ = std::thread([this] { impl_->http.listen_after_bind(); });
    return {};
}

void Control::stop() {
    if (!thread_.joinable()) return;
    impl_->http.stop();
    thread_.join();
}

}  // namespace dnsd
