#include "dnsd/control.hpp"

#include <map>
#include <set>
#include <sstream>

#include "dnsd/server.hpp"
#include "lib/http/server.hpp"
#include "lib/io/secondary_runner.hpp"
#include "lib/zone/zone_store.hpp"

namespace dnsd {

using dns::http::json_string;

struct Control::Impl {
    dns::http::Server http;
};

namespace {

const char* rcode_name(size_t r) {
    static const char* const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
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
    size_t served = table->size(), expired = table->expired_count();
    size_t fresh = 0, stale = 0, empty = 0, sec_expired = 0;
    std::vector<dns::io::ZoneReport> st;
    dns::io::RunnerCounters counters;
    if (secondaries_) {
        st = secondaries_->zones();
        counters = secondaries_->counters();
        for (const auto& z : st) {
            if (z.state == "fresh")
                ++fresh;
            else if (z.state == "stale")
                ++stale;
            else if (z.state == "expired")
                ++sec_expired;
            else
                ++empty;
        }
    }
    // Announce while there is something correct to serve: at least one zone,
    // and not every zone expired.
    healthy = served > 0 && expired < served;
    const char* status = !healthy ? "failing" : (stale || sec_expired || empty) ? "degraded" : "ok";
    std::ostringstream o;
    o << "{\"status\":\"" << status << "\",\"zones\":" << served << ",\"expired\":" << expired
      << ",\"secondary\":{\"total\":" << st.size() << ",\"fresh\":" << fresh
      << ",\"stale\":" << stale << ",\"expired\":" << sec_expired << ",\"empty\":" << empty << "}"
      << ",\"last_refresh\":" << counters.last_success
      << ",\"last_catalog_refresh\":" << counters.last_catalog_refresh << ",\"catalogs\":[";
    bool first = true;
    if (secondaries_) {
        std::map<std::string, size_t> members;
        for (const auto& z : st)
            if (!z.catalog.empty()) ++members[z.catalog];
        for (const auto& z : st) {
            if (!z.is_catalog) continue;  // a catalog with no members yet shows up too
            o << (first ? "" : ",") << "{\"name\":" << json_string(z.name)
              << ",\"serial\":" << z.serial << ",\"state\":\"" << z.state
              << "\",\"members\":" << members[z.name] << ",\"last_refresh\":" << z.last_refresh
              << "}";
            first = false;
        }
    }
    o << "]}\n";
    return o.str();
}

std::string Control::metrics() const {
    dns::http::Metrics m;
    auto c = server_.counters();
    m.counter("dnsd_queries_total", "Queries received, by transport.",
              static_cast<double>(c.transport[0]), {{"transport", "udp"}});
    m.counter("dnsd_queries_total", "", static_cast<double>(c.transport[1]),
              {{"transport", "tcp"}});
    for (size_t i = 0; i < dns::answer::Counters::kTypes; ++i)
        m.counter("dnsd_queries_by_type_total", "Queries by QTYPE.",
                  static_cast<double>(c.qtype[i]), {{"qtype", dns::answer::qtype_bucket_name(i)}});
    for (size_t r = 0; r < 24; ++r)
        if (const char* n = rcode_name(r))
            m.counter("dnsd_responses_total", "Responses by RCODE.",
                      static_cast<double>(c.rcode[r]), {{"rcode", n}});
    m.counter("dnsd_truncated_total", "UDP responses sent with TC.",
              static_cast<double>(c.truncated));
    m.counter("dnsd_dropped_total", "Packets dropped without an answer.",
              static_cast<double>(c.dropped));
    auto table = store_.get();
    const size_t expired = table->expired_count();
    m.gauge("dnsd_zones_served", "Zones in the published table.",
            static_cast<double>(table->size()));
    m.gauge("dnsd_zones_expired", "Zones answering SERVFAIL because they expired.",
            static_cast<double>(expired));
    if (secondaries_) {
        auto s = secondaries_->counters();
        std::map<std::string, size_t> states;
        for (const auto& z : secondaries_->zones()) ++states[z.state];
        for (const char* st : {"fresh", "stale", "expired", "empty"})
            m.gauge("dnsd_secondary_zones", "Secondary zones by state.",
                    static_cast<double>(states[st]), {{"state", st}});
        const char* th = "Zone transfers, by kind and outcome.";
        m.counter("dnsd_transfers_total", th, static_cast<double>(s.axfr_ok),
                  {{"kind", "axfr"}, {"result", "ok"}});
        m.counter("dnsd_transfers_total", th, static_cast<double>(s.axfr_failed),
                  {{"kind", "axfr"}, {"result", "failed"}});
        m.counter("dnsd_transfers_total", th, static_cast<double>(s.ixfr_ok),
                  {{"kind", "ixfr"}, {"result", "ok"}});
        m.counter("dnsd_transfers_total", th, static_cast<double>(s.ixfr_failed),
                  {{"kind", "ixfr"}, {"result", "failed"}});
        m.counter("dnsd_transfers_refused_total", "Transfers rejected as malformed or hostile.",
                  static_cast<double>(s.refused_transfers));
        const char* sh = "SOA queries to primaries.";
        m.counter("dnsd_soa_checks_total", sh, static_cast<double>(s.soa_ok), {{"result", "ok"}});
        m.counter("dnsd_soa_checks_total", sh, static_cast<double>(s.soa_failed),
                  {{"result", "failed"}});
        m.counter("dnsd_soa_checks_total", sh, static_cast<double>(s.up_to_date),
                  {{"result", "up_to_date"}});
        m.counter("dnsd_soa_checks_total", sh, static_cast<double>(s.soa_skipped),
                  {{"result", "skipped"}});
        m.gauge("dnsd_primaries_paused",
                "Primaries not asked for a while after failing for every zone.",
                static_cast<double>(s.primaries_paused));
        m.counter("dnsd_notify_total", "NOTIFY messages received.",
                  static_cast<double>(s.notify_accepted), {{"result", "accepted"}});
        m.counter("dnsd_notify_total", "", static_cast<double>(s.notify_refused),
                  {{"result", "refused"}});
        m.counter("dnsd_notify_current_total",
                  "NOTIFYs accepted whose serial we already served (no check made).",
                  static_cast<double>(s.notify_current));
        m.gauge("dnsd_last_successful_refresh_timestamp_seconds",
                "Last successful refresh of any zone.", static_cast<double>(s.last_success));
    }
    return m.text();
}

std::string Control::zones() const {
    std::ostringstream o;
    o << "[";
    bool first = true;
    std::set<std::string> secondary;
    if (secondaries_) {
        for (const auto& z : secondaries_->zones()) {
            secondary.insert(z.name);
            o << (first ? "" : ",") << "\n{\"name\":" << json_string(z.name)
              << ",\"type\":\"secondary\""
              << ",\"serial\":" << z.serial << ",\"state\":\"" << z.state
              << "\",\"primary\":" << json_string(z.primary)
              << ",\"last_refresh\":" << z.last_refresh << ",\"next_refresh\":" << z.next_refresh
              << ",\"records\":" << z.records << ",\"catalog\":" << json_string(z.catalog)
              << ",\"last_error\":" << json_string(z.last_error) << "}";
            first = false;
        }
    }
    auto table = store_.get();
    table->for_each([&](const dns::zone::ZonePtr& z, bool) {
        std::string name = z->apex().lowercased().to_text();
        if (secondary.count(name)) return;
        o << (first ? "" : ",") << "\n{\"name\":" << json_string(name)
          << ",\"type\":\"file\",\"serial\":" << z->serial()
          << ",\"state\":\"fresh\",\"records\":" << z->record_count() << "}";
        first = false;
    });
    o << "\n]\n";
    return o.str();
}

dns::Result<void> Control::start(const dns::io::Endpoint& listen) {
    auto& http = impl_->http;
    http.get("/healthz", [this](const dns::http::Request&) {
        bool healthy = false;
        std::string body = healthz(healthy);
        return dns::http::Response{healthy ? 200 : 503, std::move(body), "application/json"};
    });
    http.get("/metrics", [this](const dns::http::Request&) {
        return dns::http::Response{200, metrics(), "text/plain; version=0.0.4"};
    });
    http.get("/zones", [this](const dns::http::Request&) {
        return dns::http::Response{200, zones(), "application/json"};
    });
    return http.start(listen, "control: /healthz, /metrics, /zones");
}

void Control::stop() { impl_->http.stop(); }

}  // namespace dnsd
