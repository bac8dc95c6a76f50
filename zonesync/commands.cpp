#include "zonesync/commands.hpp"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "lib/http/server.hpp"

namespace zonesync {

using dns::Errc;
using dns::make_error;
using dns::Result;
using json = nlohmann::json;

namespace {

int64_t now_unix() { return static_cast<int64_t>(std::time(nullptr)); }

// ---- on the database ----

class StoreBackend final : public Backend {
  public:
    explicit StoreBackend(std::unique_ptr<Store> s) : s_(std::move(s)) {}
    Result<void> add_zone(const ZoneEntry& z) override {
        if (auto r = writable(); !r) return r;
        return s_->add_zone(z, now_unix());
    }
    Result<void> remove_zone(const std::string& n) override {
        if (auto r = writable(); !r) return r;
        return s_->remove_zone(n);
    }
    Result<std::vector<ZoneEntry>> zones() override { return s_->zones(); }
    Result<ZoneDetail> zone(const std::string& name) override {
        auto z = s_->zone(name);
        if (!z) return z.error();
        ZoneDetail d{*z, {}, {}, {}};
        if (auto t = s_->transfers(z->name, 5)) d.transfers = *t;
        if (auto p = s_->pop_serials(z->name)) d.pops = *p;
        return d;
    }
    Result<void> release(const std::string& name) override {
        auto z = s_->zone(name);
        if (!z) return z.error();
        if (z->state != ZoneState::held)
            return make_error(Errc::semantic, "zone " + z->name + " is not held (state " +
                                                  state_name(z->state) + ")");
        return s_->set_state(z->name, ZoneState::active, kReleased, now_unix());
    }
    Result<void> add_pop(const PopEntry& p) override { return s_->add_pop(p, now_unix()); }
    Result<void> remove_pop(const std::string& n) override { return s_->remove_pop(n); }
    Result<std::vector<PopEntry>> pops() override { return s_->pops(); }
    Result<void> set_role(bool standby) override {
        return s_->set_setting("role", standby ? "standby" : "active");
    }

  private:
    Result<void> writable() {
        auto role = s_->setting("role");
        if (role && *role == "standby") return make_error(Errc::semantic, kStandbyRefusal);
        return {};
    }
    std::unique_ptr<Store> s_;
};

// ---- through the API ----

ZoneEntry zone_from_json(const json& j) {
    ZoneEntry z;
    z.name = j.value("name", "");
    z.state = parse_state(j.value("state", "pending")).value_or(ZoneState::pending);
    z.reason = j.value("reason", "");
    if (j.contains("primaries") && j["primaries"].is_array())
        for (const auto& p : j["primaries"]) z.primaries.push_back(p.get<std::string>());
    z.key = j.value("tsig_key", "");
    z.owner = j.value("owner", "");
    z.created = j.value("created", int64_t{0});
    z.updated = j.value("updated", int64_t{0});
    if (j.contains("serial") && j["serial"].is_number()) {
        z.has_data = true;
        z.serial = j["serial"].get<uint32_t>();
        z.verified = j.value("verified", int64_t{0});
    }
    return z;
}

class ApiBackend final : public Backend {
  public:
    ApiBackend(std::string url, std::string token)
        : url_(std::move(url)), token_(std::move(token)) {
        while (!url_.empty() && url_.back() == '/') url_.pop_back();
    }

    Result<void> add_zone(const ZoneEntry& z) override {
        json body{
            {"name", z.name}, {"primaries", z.primaries}, {"tsig_key", z.key}, {"owner", z.owner}};
        return done(call("POST", "/v1/zones", body.dump()));
    }
    Result<void> remove_zone(const std::string& name) override {
        return done(call("DELETE", "/v1/zones/" + name, ""));
    }
    Result<std::vector<ZoneEntry>> zones() override {
        auto r = call("GET", "/v1/zones", "");
        if (!r) return r.error();
        std::vector<ZoneEntry> out;
        for (const auto& j : *r) out.push_back(zone_from_json(j));
        return out;
    }
    Result<ZoneDetail> zone(const std::string& name) override {
        auto r = call("GET", "/v1/zones/" + name, "");
        if (!r) return r.error();
        ZoneDetail d{zone_from_json(*r), {}, {}, {}};
        if (r->contains("converged") && (*r)["converged"].is_object()) {
            const json& c = (*r)["converged"];
            const double notify = c.value("after_notify_ms", json(nullptr)).is_number()
                                      ? c["after_notify_ms"].get<double>()
                                      : -1;
            const size_t pops = c.value("pops", size_t{0});
            char b[160];
            std::snprintf(b, sizeof b, "serial %u on %zu of %zu POPs, %.1f ms after %s",
                          c.value("serial", 0u), pops, pops,
                          notify >= 0 ? notify : c.value("after_zonesync_ms", 0.0),
                          notify >= 0 ? "the primary's NOTIFY" : "zonesync had it");
            d.converged = b;
        }
        for (const auto& t : r->value("transfers", json::array()))
            if (d.transfers.size() < 5)
                d.transfers.push_back({t.value("at", int64_t{0}), t.value("primary", ""),
                                       t.value("kind", ""), t.value("serial", uint32_t{0}),
                                       t.value("ok", false), t.value("error", "")});
        for (const auto& p : r->value("pops", json::array()))
            d.pops.push_back({p.value("pop", ""), d.zone.name, p.value("serial", uint32_t{0}),
                              p.value("reached_ms", int64_t{0})});
        return d;
    }
    Result<void> release(const std::string& name) override {
        return done(call("POST", "/v1/zones/" + name + "/release", ""));
    }
    Result<void> add_pop(const PopEntry& p) override {
        return done(
            call("POST", "/v1/pops", json{{"name", p.name}, {"address", p.address}}.dump()));
    }
    Result<void> remove_pop(const std::string& name) override {
        return done(call("DELETE", "/v1/pops/" + name, ""));
    }
    Result<void> set_role(bool standby) override {
        return done(call("POST", standby ? "/v1/demote" : "/v1/promote", ""));
    }
    Result<std::vector<PopEntry>> pops() override {
        auto r = call("GET", "/v1/pops", "");
        if (!r) return r.error();
        std::vector<PopEntry> out;
        for (const auto& p : *r)
            out.push_back(
                {p.value("name", ""), p.value("address", ""), p.value("added", int64_t{0})});
        return out;
    }

  private:
    static Result<void> done(const Result<json>& r) {
        if (!r) return r.error();
        return {};
    }
    Result<json> call(const std::string& method, const std::string& path, const std::string& body) {
        auto r =
            dns::http::request(url_, method, path, body, {{"Authorization", "Bearer " + token_}});
        if (!r) return r.error();
        json j;
        try {
            j = json::parse(r->body);
        } catch (const json::exception&) {
            return make_error(Errc::malformed, url_ + path + ": HTTP " + std::to_string(r->status) +
                                                   ", not JSON: " + r->body.substr(0, 200));
        }
        if (r->status >= 300) {
            std::string m = j.is_object() ? j.value("error", "") : "";
            if (m.empty()) m = "HTTP " + std::to_string(r->status);
            Errc code = r->status == 404   ? Errc::not_found
                        : r->status == 409 ? Errc::semantic
                        : r->status == 401 ? Errc::refused
                                           : Errc::io;
            return make_error(code, m);
        }
        return j;
    }
    std::string url_, token_;
};

// ---- printing ----

std::string when(int64_t t) {
    if (t <= 0) return "-";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

int fail(const std::string& m, int rc = 1) {
    std::fprintf(stderr, "zonesync: %s\n", m.c_str());
    return rc;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

}  // namespace

Result<std::unique_ptr<Backend>> store_backend(const std::string& db, bool writer) {
    auto s = Store::open(db, {}, writer);
    if (!s) return s.error();
    return std::unique_ptr<Backend>(std::make_unique<StoreBackend>(std::move(*s)));
}

std::unique_ptr<Backend> api_backend(const std::string& url, const std::string& token) {
    return std::make_unique<ApiBackend>(url, token);
}

int run_command(Backend& b, const std::string& what, const std::string& action,
                const std::vector<std::string>& args, const CommandOptions& o) {
    auto need = [&](size_t n, const char* usage) -> bool {
        if (args.size() == n) return true;
        std::fprintf(stderr, "zonesync: usage: zonesync --db FILE %s %s %s\n", what.c_str(),
                     action.c_str(), usage);
        return false;
    };
    if (what == "zone" && action == "add") {
        if (!need(2, "NAME PRIMARY[,PRIMARY]")) return 2;
        auto z = make_zone(args[0], args[1], o.key, o.owner);
        if (!z) return fail(z.error().message);
        if (auto r = b.add_zone(*z); !r) return fail(r.error().message);
        std::printf("zone %s added (primaries %s%s%s), pending its first transfer\n",
                    z->name.c_str(), join(z->primaries).c_str(), z->key.empty() ? "" : ", key ",
                    z->key.c_str());
        return 0;
    }
    if (what == "zone" && action == "rm") {
        if (!need(1, "NAME")) return 2;
        if (auto r = b.remove_zone(args[0]); !r) return fail(r.error().message);
        std::printf("zone %s removed\n", args[0].c_str());
        return 0;
    }
    if (what == "zone" && action == "list") {
        if (!need(0, "")) return 2;
        auto zs = b.zones();
        if (!zs) return fail(zs.error().message);
        for (const auto& z : *zs)
            std::printf("%s\t%s\t%s\t%s\n", z.name.c_str(), state_name(z.state),
                        z.has_data ? std::to_string(z.serial).c_str() : "-",
                        join(z.primaries).c_str());
        return 0;
    }
    if (what == "zone" && action == "status") {
        if (!need(1, "NAME")) return 2;
        auto d = b.zone(args[0]);
        if (!d) return fail(d.error().message);
        const ZoneEntry& z = d->zone;
        std::printf(
            "zone:      %s\nstate:     %s%s%s\nprimaries: %s\nkey:       %s\n"
            "owner:     %s\nserial:    %s\nverified:  %s\nadded:     %s\n",
            z.name.c_str(), state_name(z.state), z.reason.empty() ? "" : ": ", z.reason.c_str(),
            join(z.primaries).c_str(), z.key.empty() ? "-" : z.key.c_str(),
            z.owner.empty() ? "-" : z.owner.c_str(),
            z.has_data ? std::to_string(z.serial).c_str() : "-", when(z.verified).c_str(),
            when(z.created).c_str());
        if (!d->converged.empty()) std::printf("converged: %s\n", d->converged.c_str());
        for (const auto& p : d->pops)
            std::printf("pop %s:    serial %u since %s\n", p.pop.c_str(), p.serial,
                        when(p.reached / 1000).c_str());
        for (const auto& t : d->transfers)
            std::printf("transfer:  %s %s from %s serial %u %s%s\n", when(t.at).c_str(),
                        t.kind.c_str(), t.primary.c_str(), t.serial,
                        t.ok ? "ok" : "failed: ", t.error.c_str());
        return 0;
    }
    if (what == "zone" && action == "release") {
        if (!need(1, "NAME")) return 2;
        if (auto r = b.release(args[0]); !r) return fail(r.error().message);
        std::printf("zone %s released: its next version is served as it is\n", args[0].c_str());
        return 0;
    }
    if (what == "pop" && action == "add") {
        if (!need(2, "NAME ADDR:PORT")) return 2;
        auto p = make_pop(args[0], args[1]);
        if (!p) return fail(p.error().message);
        if (auto r = b.add_pop(*p); !r) return fail(r.error().message);
        std::printf("POP %s added (%s)\n", p->name.c_str(), p->address.c_str());
        return 0;
    }
    if (what == "pop" && action == "rm") {
        if (!need(1, "NAME")) return 2;
        if (auto r = b.remove_pop(args[0]); !r) return fail(r.error().message);
        std::printf("POP %s removed\n", args[0].c_str());
        return 0;
    }
    if (what == "promote" || what == "demote") {
        const bool standby = what == "demote";
        if (auto r = b.set_role(standby); !r) return fail(r.error().message);
        std::printf("%s\n", standby ? "this zonesync is now a standby (it follows its --peer)"
                                    : "this zonesync is now active (zones are changed here)");
        return 0;
    }
    if (what == "pop" && action == "list") {
        if (!need(0, "")) return 2;
        auto ps = b.pops();
        if (!ps) return fail(ps.error().message);
        for (const auto& p : *ps) std::printf("%s\t%s\n", p.name.c_str(), p.address.c_str());
        return 0;
    }
    return fail("unknown command '" + what + " " + action + "' (see --help)", 2);
}

}  // namespace zonesync
