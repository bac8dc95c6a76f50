#include "zonesync/api.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "lib/http/server.hpp"
#include "zonesync/probe.hpp"
#include "zonesync/service.hpp"

namespace zonesync {

using json = nlohmann::json;
using dns::http::Request;
using dns::http::Response;

namespace {

Response reply(int status, const json& body) { return Response{status, body.dump() + "\n"}; }

Response error(int status, const std::string& message) {
    return reply(status, json{{"error", message}});
}

int status_of(const dns::Error& e) {
    switch (e.code) {
        case dns::Errc::not_found:
            return 404;
        case dns::Errc::semantic:
            return 409;
        case dns::Errc::io:
            return 500;
        default:
            return 400;
    }
}

// "primaries": an array of address strings, as one comma-separated list.
dns::Result<std::string> primaries_of(const json& j) {
    std::string out;
    if (!j.contains("primaries")) return out;
    const auto bad =
        dns::make_error(dns::Errc::syntax, "\"primaries\" must be an array of addresses");
    if (!j["primaries"].is_array()) return bad;
    for (const auto& p : j["primaries"]) {
        if (!p.is_string()) return bad;
        out += (out.empty() ? "" : ",") + p.get<std::string>();
    }
    return out;
}

json zone_json(const ZoneEntry& z) {
    json j{{"name", z.name},       {"state", state_name(z.state)},
           {"reason", z.reason},   {"primaries", z.primaries},
           {"tsig_key", z.key},    {"owner", z.owner},
           {"created", z.created}, {"updated", z.updated}};
    if (z.has_data) {
        j["serial"] = z.serial;
        j["verified"] = z.verified;
    } else {
        j["serial"] = nullptr;
    }
    return j;
}

}  // namespace

struct Api::Impl {
    Service& service;
    std::string token;
    dns::http::Server http;

    Impl(Service& s, std::string t) : service(s), token(std::move(t)) {}

    bool authorized(const Request& r) const {
        auto it = r.headers.find("authorization");
        if (it == r.headers.end()) return false;
        const std::string want = "Bearer " + token;
        return it->second.size() == want.size() &&
               CRYPTO_memcmp(it->second.data(), want.data(), want.size()) == 0;
    }

    template <class F>
    dns::http::Handler guarded(F f) {
        return [this, f](const Request& r) -> Response {
            if (!authorized(r))
                return error(401, "missing or wrong bearer token (Authorization: Bearer TOKEN)");
            try {
                return f(r);
            } catch (const json::exception& e) {
                return error(400, std::string("bad JSON: ") + e.what());
            }
        };
    }

    void routes() {
        http.post("/v1/zones", guarded([this](const Request& r) {
                      if (service.standby()) return error(409, kStandbyRefusal);
                      json in = json::parse(r.body);
                      // One zone (an object), or several at once (an array: all or none).
                      const bool many = in.is_array();
                      if (!many) in = json::array({in});
                      if (in.empty()) return error(400, "no zones");
                      std::vector<ZoneEntry> zs;
                      for (size_t i = 0; i < in.size(); ++i) {
                          const std::string where =
                              many ? "zones[" + std::to_string(i) + "]: " : std::string();
                          const json& j = in[i];
                          if (!j.is_object()) return error(400, where + "expects a JSON object");
                          auto primaries = primaries_of(j);
                          if (!primaries) return error(400, where + primaries.error().message);
                          auto z = make_zone(j.value("name", ""), *primaries,
                                             j.value("tsig_key", ""), j.value("owner", ""));
                          if (!z) return error(400, where + z.error().message);
                          zs.push_back(std::move(*z));
                      }
                      auto added = service.with_store([&](Store& s) {
                          return s.add_zones(zs, static_cast<int64_t>(std::time(nullptr)));
                      });
                      if (!added) return error(status_of(added.error()), added.error().message);
                      service.zones_changed(zs, {});
                      if (!many) return reply(201, zone_json(zs[0]));
                      json out = json::array();
                      for (const auto& z : zs) out.push_back(zone_json(z));
                      return reply(201, out);
                  }));
        http.get("/v1/zones", guarded([this](const Request&) {
                     auto zs = service.with_store([](Store& s) { return s.zones(); });
                     if (!zs) return error(500, zs.error().message);
                     json out = json::array();
                     for (const auto& z : *zs) out.push_back(zone_json(z));
                     return reply(200, out);
                 }));
        http.get(
            "/v1/zones/:name", guarded([this](const Request& r) {
                const std::string name = r.params.at("name");
                json out;
                auto found = service.with_store([&](Store& s) -> dns::Result<void> {
                    auto z = s.zone(name);
                    if (!z) return z.error();
                    out = zone_json(*z);
                    json ts = json::array();
                    if (auto t = s.transfers(z->name, 20))
                        for (const auto& x : *t)
                            ts.push_back({{"at", x.at},
                                          {"primary", x.primary},
                                          {"kind", x.kind},
                                          {"serial", x.serial},
                                          {"ok", x.ok},
                                          {"error", x.error}});
                    out["transfers"] = ts;
                    json ps = json::array();
                    if (auto p = s.pop_serials(z->name))
                        for (const auto& x : *p)
                            ps.push_back(
                                {{"pop", x.pop}, {"serial", x.serial}, {"reached_ms", x.reached}});
                    out["pops"] = ps;
                    return {};
                });
                if (!found) return error(status_of(found.error()), found.error().message);
                const std::string key = out["name"].get<std::string>();
                if (auto served = service.served_serial(key)) out["served_serial"] = *served;
                if (auto c = service.convergence(key)) {
                    json j{{"serial", c->serial},
                           {"pops", c->pops},
                           {"after_zonesync_ms", c->after_zonesync_ms}};
                    j["after_notify_ms"] =
                        c->after_notify_ms < 0 ? json(nullptr) : json(c->after_notify_ms);
                    out["converged"] = j;
                }
                return reply(200, out);
            }));
        http.route("DELETE", "/v1/zones/:name", guarded([this](const Request& r) {
                       if (service.standby()) return error(409, kStandbyRefusal);
                       const std::string name = r.params.at("name");
                       auto gone =
                           service.with_store([&](Store& s) { return s.remove_zone(name); });
                       if (!gone) return error(status_of(gone.error()), gone.error().message);
                       if (auto key = zone_key(name)) service.zones_changed({}, {*key});
                       return reply(200, json{{"removed", name}});
                   }));
        http.post("/v1/zones/:name/refresh", guarded([this](const Request& r) {
                      auto z =
                          service.with_store([&](Store& s) { return s.zone(r.params.at("name")); });
                      if (!z) return error(status_of(z.error()), z.error().message);
                      service.runner().refresh(z->name);
                      return reply(202, json{{"refreshing", z->name}});
                  }));
        http.post("/v1/zones/:name/release", guarded([this](const Request& r) {
                      const int64_t now = static_cast<int64_t>(std::time(nullptr));
                      auto z = service.with_store([&](Store& s) -> dns::Result<ZoneEntry> {
                          auto e = s.zone(r.params.at("name"));
                          if (!e) return e.error();
                          if (e->state != ZoneState::held)
                              return dns::make_error(dns::Errc::semantic,
                                                     "zone " + e->name + " is not held (state " +
                                                         state_name(e->state) + ")");
                          if (auto u = s.set_state(e->name, ZoneState::active, kReleased, now); !u)
                              return u.error();
                          return e;
                      });
                      if (!z) return error(status_of(z.error()), z.error().message);
                      service.runner().refresh(z->name);
                      return reply(200, json{{"released", z->name}});
                  }));
        http.route(
            "PUT", "/v1/zones/:name", guarded([this](const Request& r) {
                if (service.standby()) return error(409, kStandbyRefusal);
                json in = json::parse(r.body);
                if (!in.is_object()) return error(400, "expects a JSON object");
                auto primaries = primaries_of(in);
                if (!primaries) return error(400, primaries.error().message);
                const int64_t now = static_cast<int64_t>(std::time(nullptr));
                auto z = service.with_store([&](Store& s) -> dns::Result<ZoneEntry> {
                    auto e = s.zone(r.params.at("name"));
                    if (!e) return e.error();
                    // The same checks as an added zone's (name, addresses, key name).
                    auto want =
                        make_zone(e->name, *primaries, in.value("tsig_key", e->key), e->owner);
                    if (!want) return want.error();
                    if (auto u = s.set_primaries(e->name, want->primaries, want->key, now); !u)
                        return u.error();
                    return s.zone(e->name);
                });
                if (!z) return error(status_of(z.error()), z.error().message);
                service.zones_changed({*z}, {});
                return reply(200, zone_json(*z));
            }));
        http.post("/v1/probe", guarded([this](const Request& r) {
                      json in = json::parse(r.body);
                      if (!in.is_object()) return error(400, "expects a JSON object");
                      auto primaries = primaries_of(in);
                      if (!primaries) return error(400, primaries.error().message);
                      auto z =
                          make_zone(in.value("name", ""), *primaries, in.value("tsig_key", ""));
                      if (!z) return error(400, z.error().message);
                      const dns::xfr::TsigKey* key = nullptr;
                      if (!z->key.empty() && !(key = service.key_named(z->key)))
                          return error(400, "no TSIG key named " + z->key + " is configured here");
                      auto name = dns::wire::Name::from_text(z->name);
                      std::vector<dns::io::Endpoint> eps;
                      for (const auto& p : z->primaries)
                          if (auto e = dns::io::parse_endpoint(p)) eps.push_back(*e);
                      ProbeLimits limits;
                      if (in.contains("timeout_ms"))
                          limits.duration = std::chrono::milliseconds(
                              std::clamp<int64_t>(in["timeout_ms"].get<int64_t>(), 100, 30000));
                      json out = json::array();
                      bool ok = false;
                      for (const auto& p : probe_transfers(*name, eps, key, limits)) {
                          ok = ok || p.outcome == "ok";
                          json j{{"primary", p.primary},
                                 {"outcome", p.outcome},
                                 {"message", p.message},
                                 {"ms", p.ms}};
                          if (p.outcome == "ok") {
                              j["serial"] = p.serial;
                              j["records"] = p.records;
                          }
                          out.push_back(j);
                      }
                      return reply(200, json{{"name", z->name}, {"ok", ok}, {"primaries", out}});
                  }));
        http.get(
            "/v1/pops", guarded([this](const Request&) {
                auto ps = service.with_store([](Store& s) { return s.pops(); });
                if (!ps) return error(500, ps.error().message);
                json out = json::array();
                for (const auto& p : *ps)
                    out.push_back({{"name", p.name}, {"address", p.address}, {"added", p.added}});
                return reply(200, out);
            }));
        http.post("/v1/pops", guarded([this](const Request& r) {
                      json in = json::parse(r.body);
                      if (!in.is_object()) return error(400, "expects a JSON object");
                      auto p = make_pop(in.value("name", ""), in.value("address", ""));
                      if (!p) return error(400, p.error().message);
                      auto added = service.with_store([&](Store& s) {
                          return s.add_pop(*p, static_cast<int64_t>(std::time(nullptr)));
                      });
                      if (!added) return error(status_of(added.error()), added.error().message);
                      service.resync_pops();
                      return reply(201, json{{"name", p->name}, {"address", p->address}});
                  }));
        http.route("DELETE", "/v1/pops/:name", guarded([this](const Request& r) {
                       const std::string name = r.params.at("name");
                       auto gone = service.with_store([&](Store& s) { return s.remove_pop(name); });
                       if (!gone) return error(status_of(gone.error()), gone.error().message);
                       service.resync_pops();
                       return reply(200, json{{"removed", name}});
                   }));
        for (const bool standby : {false, true})
            http.post(standby ? "/v1/demote" : "/v1/promote",
                      guarded([this, standby](const Request&) {
                          if (auto r = service.set_role(standby); !r)
                              return error(status_of(r.error()), r.error().message);
                          return reply(200, json{{"role", standby ? "standby" : "active"}});
                      }));
        http.get("/healthz", [this](const Request&) {
            auto c = service.with_store([](Store& s) { return s.counts(); });
            if (!c) return error(503, c.error().message);
            return reply(200, json{{"status", "ok"},
                                   {"role", service.standby() ? "standby" : "active"},
                                   {"zones", c->zones},
                                   {"served", service.served_count()},
                                   {"held", c->held},
                                   {"failing", c->failing}});
        });
        http.get("/metrics", [this](const Request&) {
            dns::http::Metrics m;
            auto c = service.runner().counters();
            m.gauge("zonesync_zones_served", "zones served to the POPs",
                    static_cast<double>(service.served_count()));
            m.counter("zonesync_notify_accepted_total", "NOTIFYs accepted from primaries",
                      static_cast<double>(service.runner().notify_gate().accepted()));
            m.counter("zonesync_notify_refused_total", "NOTIFYs refused",
                      static_cast<double>(c.notify_refused));
            m.counter("zonesync_notify_current_total",
                      "NOTIFYs whose serial zonesync already had (no SOA check made)",
                      static_cast<double>(c.notify_current));
            auto n = service.notify_counters();
            m.counter("zonesync_notify_out_total", "NOTIFYs sent to POPs (retries included)",
                      static_cast<double>(n.sent));
            m.counter("zonesync_notify_out_given_up_total", "POPs that never answered a NOTIFY",
                      static_cast<double>(n.given_up));
            Response r{200, m.text(), "text/plain; version=0.0.4"};
            return r;
        });
    }
};

Api::Api(Service& service, std::string token)
    : impl_(std::make_unique<Impl>(service, std::move(token))) {
    impl_->routes();
}

Api::~Api() { stop(); }

dns::Result<void> Api::start(const dns::io::Endpoint& listen) {
    return impl_->http.start(listen, "API: /v1/zones, /v1/pops, /healthz, /metrics");
}

uint16_t Api::port() const { return impl_->http.port(); }

void Api::stop() { impl_->http.stop(); }

}  // namespace zonesync
