#include "signup-web/app.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "lib/base/log.hpp"
#include "lib/base/serial.hpp"
#include "signup-web/lookup.hpp"
#include "signup-web/tokens.hpp"

namespace signup {

using dns::http::Request;
using dns::http::Response;
using json = nlohmann::json;

namespace {

int64_t unix_now() { return static_cast<int64_t>(std::time(nullptr)); }

Response html(int status, std::string body) {
    return Response{status, std::move(body), "text/html; charset=utf-8"};
}

std::string join(const std::vector<dns::io::Endpoint>& eps) {
    std::string out;
    for (const auto& e : eps) out += (out.empty() ? "" : ",") + e.to_string();
    return out;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t comma = s.find(',', start);
        std::string item =
            s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string duration(int64_t s) {
    if (s < 0) return "already";
    if (s < 3600) return std::to_string(s / 60) + " minutes";
    if (s < 2 * 86400) return std::to_string(s / 3600) + " hours";
    return std::to_string(s / 86400) + " days";
}

std::string when(int64_t unix) {
    if (unix <= 0) return "never";
    char buf[32];
    std::time_t t = static_cast<std::time_t>(unix);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

// What a probe outcome means for the owner, and what to do about it.
std::string explain(const json& p, const std::string& ours) {
    const std::string who = p.value("primary", "");
    const std::string o = p.value("outcome", "");
    const std::string m = p.value("message", "");
    if (o == "refused")
        return who + " refused to transfer the zone to us (" + m + "). Allow transfers to " + ours +
               " in its configuration (the lines are below).";
    if (o == "timeout")
        return who + " did not complete a transfer within 10 seconds (" + m +
               "). Is TCP port 53 open to " + ours + "?";
    if (o == "unreachable")
        return "We could not connect to " + who + " (" + m +
               "): is it running, and is TCP open to " + ours + "?";
    if (o == "tsig")
        return who + ": the TSIG signature failed (" + m + "). Check the key name and secret.";
    if (o == "too_large") return who + " sent a zone larger than we accept (" + m + ").";
    if (o == "no_soa")
        return who + " did not send the zone's SOA record (" + m +
               "): is it authoritative for the zone?";
    return who + " sent no usable zone: " + m + ".";
}

}  // namespace

App::App(AppConfig config, Store& store, const Mailer& mailer,
         std::shared_ptr<const PublicSuffixes> psl)
    : config_(std::move(config)), store_(store), mailer_(mailer), psl_(std::move(psl)) {
    // Every page carries the same security headers.
    auto wrap = [](auto f) {
        return [f](const Request& r) {
            Response res = f(r);
            res.headers.emplace_back("Content-Security-Policy",
                                     "default-src 'none'; style-src 'self'; form-action 'self'; "
                                     "frame-ancestors 'none'; base-uri 'none'");
            res.headers.emplace_back("X-Content-Type-Options", "nosniff");
            res.headers.emplace_back("Referrer-Policy", "no-referrer");
            res.headers.emplace_back("Cache-Control", "no-store");
            return res;
        };
    };
    auto member = [this, wrap](Response (App::*f)(const Request&)) {
        return wrap([this, f](const Request& r) { return (this->*f)(r); });
    };
    http_.get("/", member(&App::handle));
    http_.get("/style.css", [](const Request&) {
        return Response{200, pages::kStylesheet, "text/css; charset=utf-8"};
    });
    http_.post("/signup", member(&App::signup));
    http_.get("/confirm", member(&App::confirm_page));
    http_.post("/confirm", member(&App::confirm));
    http_.get("/zone/:name", member(&App::status_page));
    http_.post("/zone/:name/change",
               wrap([this](const Request& r) { return change(r, Action::change); }));
    http_.post("/zone/:name/remove",
               wrap([this](const Request& r) { return change(r, Action::remove); }));
    http_.get("/healthz", [this](const Request&) {
        auto z = zonesync("GET", "/healthz");
        const bool up = z && z->status == 200;
        return Response{up ? 200 : 503,
                        std::string("{\"zonesync\":") + (up ? "true" : "false") + "}\n"};
    });
    http_.get("/metrics", [this](const Request&) {
        dns::http::Metrics m;
        const auto& c = counters_;
        m.counter("signup_requests_total", "forms that passed the checks",
                  static_cast<double>(c.requests.load()));
        m.counter("signup_mails_total", "mails sent", static_cast<double>(c.mails.load()));
        m.counter("signup_mail_errors_total", "mails the relay did not take",
                  static_cast<double>(c.mail_errors.load()));
        m.counter("signup_confirmed_total", "links confirmed",
                  static_cast<double>(c.confirmed.load()));
        m.counter("signup_rate_limited_total", "requests refused by a rate limit (429)",
                  static_cast<double>(c.rate_limited.load()));
        m.counter("signup_refused_total", "requests refused (bad input, DNS, transfer)",
                  static_cast<double>(c.refused.load()));
        m.counter("signup_alerts_total", "alert mails", static_cast<double>(c.alerts.load()));
        return Response{200, m.text(), "text/plain; version=0.0.4"};
    });
}

App::~App() { stop(); }

dns::Result<void> App::start(const dns::io::Endpoint& listen) {
    if (auto r = http_.start(listen, "signup pages"); !r) return r;
    checker_ = std::thread([this] { loop(); });
    return {};
}

Tunables App::tunables() const {
    std::lock_guard lock(mu_);
    return config_.tunables;
}

void App::set_tunables(const Tunables& t) {
    {
        std::lock_guard lock(mu_);
        config_.tunables = t;
    }
    cv_.notify_all();
}

void App::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (checker_.joinable()) checker_.join();
    http_.stop();
}

std::string App::csrf_of(const Request& r, Response& res) const {
    std::string c = dns::http::cookie(r, "csrf");
    if (c.size() == 43) return c;
    c = new_token();
    res.headers.emplace_back("Set-Cookie",
                             "csrf=" + c + "; Path=/; HttpOnly; SameSite=Lax" +
                                 (config_.base_url.rfind("https://", 0) == 0 ? "; Secure" : ""));
    return c;
}

bool App::csrf_ok(const Request& r, const std::map<std::string, std::string>& f) const {
    auto it = f.find("csrf");
    return it != f.end() && same_secret(it->second, dns::http::cookie(r, "csrf"));
}

dns::Result<dns::http::ClientReply> App::zonesync(const std::string& method,
                                                  const std::string& path,
                                                  const std::string& body) const {
    return dns::http::request(config_.zonesync, method, path, body,
                              {{"Authorization", "Bearer " + config_.token}}, 30);
}

Response App::form(const Request& r, const pages::FormValues& v, const std::string& error,
                   int status) {
    Response res = html(status, "");
    res.body = pages::signup_form(csrf_of(r, res), v, error);
    return res;
}

Response App::handle(const Request& r) { return form(r, {}, ""); }

Response App::signup(const Request& r) {
    const auto f = dns::http::parse_form(r.body);
    auto value = [&](const char* k) {
        auto it = f.find(k);
        return it == f.end() ? std::string() : it->second;
    };
    pages::FormValues v{value("domain"), value("primaries"), value("key")};
    if (!csrf_ok(r, f))
        return form(r, v, "This form expired or came from another site. Please submit it again.",
                    403);
    auto fail = [&](const std::string& why, int status = 400) {
        ++counters_.refused;
        return form(r, v, why, status);
    };
    auto zone = parse_domain(v.domain, *psl_);
    if (!zone) return fail(zone.error().message);
    auto primaries = parse_primaries(v.primaries, config_.allow_private);
    if (!primaries) return fail(primaries.error().message);
    auto key = parse_key_name(v.key);
    if (!key) return fail(key.error().message);
    const std::string name = zone->to_text();
    auto existing = zonesync("GET", "/v1/zones/" + name);
    if (!existing) return fail("the service is unavailable right now; please try again later", 503);
    if (existing->status == 200)
        return fail(name +
                        " is already served here. To change its primaries or remove it, use "
                        "its status page at " +
                        config_.base_url + "/zone/" + name +
                        ": a confirmation goes to the address in its SOA record.",
                    409);
    PendingRequest req;
    req.action = Action::add;
    req.zone = name;
    req.primaries = join(*primaries);
    req.key = *key;
    return request_mail(r, std::move(req));
}

Response App::request_mail(const Request& r, PendingRequest req) {
    const int64_t now = unix_now();
    auto zone = dns::wire::Name::from_text(req.zone);
    auto back = [&](const std::string& why, int status) {
        ++counters_.refused;
        if (req.action == Action::add)
            return form(r, {req.zone, req.primaries, req.key}, why, status);
        return html(status, pages::message("Not sent", why));
    };
    auto soa = public_soa(config_.resolver, *zone);
    if (!soa) return back(soa.error().message, 422);
    auto mailbox = mailbox_of(soa->rname);
    if (!mailbox) return back(mailbox.error().message, 422);
    // Rate limits, from the mails of the last hour.
    auto counts = store_.mails_since(*mailbox, req.zone, r.remote_addr, now - 3600);
    auto pending = store_.pending_for(*mailbox, now);
    if (!counts || !pending)
        return back("the service's database failed; please try again later", 500);
    const Tunables tun = tunables();
    const auto& l = tun.limits;
    std::string limited;
    if (counts->mailbox_zone >= l.per_mailbox_zone || counts->zone >= l.per_zone)
        limited =
            "We already sent several confirmation mails for " + req.zone + " in the last hour.";
    else if (counts->mailbox >= l.per_mailbox || *pending >= l.max_pending)
        limited = "We already sent several confirmation mails to " + *mailbox + " recently.";
    else if (counts->client >= l.per_client)
        limited = "Your address sent many requests in the last hour.";
    if (!limited.empty()) {
        ++counters_.rate_limited;
        LOG_INFO("%s %s: rate limited (%s asked): %s", action_name(req.action), req.zone.c_str(),
                 r.remote_addr.c_str(), limited.c_str());
        Response res =
            html(429, pages::message("Please try again later",
                                     limited + " Please use the link in the mail "
                                               "already sent, or try again in an hour."));
        res.headers.emplace_back("Retry-After", "3600");
        return res;
    }
    if (req.action == Action::add || req.action == Action::change) {
        json probe{{"name", req.zone}, {"primaries", split(req.primaries)}};
        if (!req.key.empty()) probe["tsig_key"] = req.key;
        auto p = zonesync("POST", "/v1/probe", probe.dump());
        if (!p || p->status != 200) {
            auto j = p ? json::parse(p->body, nullptr, false) : json();
            return back("We could not try a transfer: " +
                            (j.is_object() ? j.value("error", p->body)
                                           : std::string("the service is unavailable")),
                        p && p->status == 400 ? 400 : 503);
        }
        auto j = json::parse(p->body, nullptr, false);
        std::string ours;
        for (const auto& a : config_.info.transfer_from) ours += (ours.empty() ? "" : " and ") + a;
        if (ours.empty()) ours = "our transfer address";
        std::string problems;
        bool any_ok = false;
        for (const auto& x : j.value("primaries", json::array())) {
            if (x.value("outcome", "") == "ok") {
                any_ok = true;
                const uint32_t got = x.value("serial", 0u);
                if (dns::serial_lt(got, soa->serial))
                    problems += x.value("primary", "") + " serves serial " + std::to_string(got) +
                                ", older than the " + std::to_string(soa->serial) +
                                " public DNS has: is it really the zone's primary? ";
            } else {
                problems += explain(x, ours) + " ";
            }
        }
        if (!any_ok || !problems.empty()) {
            ++counters_.refused;
            std::string body =
                "<h1>The transfer test failed</h1><div class=\"error\" role=\"alert\"><p>" +
                html_escape(problems) +
                "</p></div><p>No mail was sent. Fix the primary and submit the form "
                "again.</p>" +
                pages::primary_config(req.zone, req.key, config_.info) +
                "<p><a href=\"/\">Back to the form</a></p>";
            return html(422, pages::layout("The transfer test failed", body));
        }
    }
    const std::string token = new_token();
    req.mailbox = *mailbox;
    req.client = r.remote_addr;
    req.created = now;
    req.expires = now + tun.token_ttl;
    if (auto a = store_.add_request(req, token_hash(token)); !a)
        return back("the service's database failed; please try again later", 500);
    const std::string link = config_.base_url + "/confirm?t=" + token;
    std::string what = req.action == Action::add ? "add " + req.zone + " to"
                       : req.action == Action::change
                           ? "change the primaries of " + req.zone + " on"
                           : "remove " + req.zone + " from";
    Mail m{*mailbox, "Confirm: " + what + " the anycast secondary DNS service",
           "Hello,\n\nsomeone (from " + r.remote_addr + ") asked to " + what +
               " our anycast secondary DNS service. This address is the one in the zone's SOA "
               "record.\n\nTo confirm, open this link and press the button on the page:\n\n" +
               link +
               "\n\nThe link works once and expires in 24 hours. If you did not ask for this, "
               "ignore this mail: nothing happens without the button.\n"};
    if (auto s = mailer_.send(m); !s) {
        ++counters_.mail_errors;
        LOG_WARN("mail to %s for %s: %s", mailbox->c_str(), req.zone.c_str(),
                 s.error().message.c_str());
        return back("We could not send the mail right now; please try again later.", 502);
    }
    ++counters_.mails;
    ++counters_.requests;
    (void)store_.record_mail(*mailbox, req.zone, r.remote_addr, "confirm", now);
    LOG_INFO("%s %s: confirmation mail sent to %s (asked from %s)", action_name(req.action),
             req.zone.c_str(), mailbox->c_str(), r.remote_addr.c_str());
    return html(
        200,
        pages::layout("Check your mail",
                      "<h1>Check your mail</h1><div class=\"ok\" role=\"status\"><p>We sent a "
                      "confirmation link to <strong>" +
                          html_escape(*mailbox) + "</strong>, the address in the SOA record of " +
                          html_escape(req.zone) +
                          ".</p></div><p>Open the link and press the confirm button. It works "
                          "once and expires in 24 hours.</p>"));
}

Response App::confirm_page(const Request& r) {
    auto it = r.params.find("t");
    const std::string token = it == r.params.end() ? "" : it->second;
    auto req = store_.request(token_hash(token), unix_now());
    if (!req)
        return html(req.error().code == dns::Errc::not_found ? 404 : 410,
                    pages::message("This link does not work", req.error().message));
    Response res = html(200, "");
    const std::string csrf = csrf_of(r, res);
    std::string what, button = "Confirm", cls;
    switch (req->action) {
        case Action::add:
            what = "add " + req->zone + " to the service, transferred from " + req->primaries;
            break;
        case Action::change:
            what = "transfer " + req->zone + " from " + req->primaries + " from now on";
            break;
        case Action::remove:
            what = "remove " + req->zone + " from the service: our servers stop answering for it";
            button = "Remove the zone";
            cls = " class=\"danger\"";
            break;
        case Action::pause_alerts:
            what = "stop sending alert mails for " + req->zone;
            button = "Pause alerts";
            break;
    }
    std::string body = "<h1>Confirm</h1><p>Press the button to " + html_escape(what) + ".</p>" +
                       "<form method=\"post\" action=\"/confirm\">" + pages::hidden("csrf", csrf) +
                       pages::hidden("t", token) + "<button type=\"submit\"" + cls + ">" +
                       html_escape(button) + "</button></form>";
    if (req->action == Action::add || req->action == Action::change) {
        body += pages::primary_config(req->zone, req->key, config_.info);
        if (req->action == Action::add && !config_.info.name_servers.empty())
            body +=
                "<h2>Delegation</h2><p>Once we serve the zone, list our name servers at your "
                "registrar (and in the zone's own NS set):</p>" +
                pages::ns_records(req->zone, config_.info);
    }
    res.body = pages::layout("Confirm", body);
    return res;
}

Response App::confirm(const Request& r) {
    const auto f = dns::http::parse_form(r.body);
    if (!csrf_ok(r, f))
        return html(403, pages::message("Please try again",
                                        "This page expired or came from another site. Open the "
                                        "link from the mail again and press the button."));
    auto it = f.find("t");
    const int64_t now = unix_now();
    auto req = store_.request(token_hash(it == f.end() ? "" : it->second), now);
    if (!req)
        return html(req.error().code == dns::Errc::not_found ? 404 : 410,
                    pages::message("This link does not work", req.error().message));
    auto used = store_.use_request(req->id, now);
    if (!used || !*used)
        return html(410, pages::message("This link does not work", "this link was already used"));
    dns::Result<dns::http::ClientReply> done = dns::make_error(dns::Errc::io, "");
    switch (req->action) {
        case Action::add: {
            json z{
                {"name", req->zone}, {"primaries", split(req->primaries)}, {"owner", req->mailbox}};
            if (!req->key.empty()) z["tsig_key"] = req->key;
            done = zonesync("POST", "/v1/zones", z.dump());
            break;
        }
        case Action::change: {
            json z{{"primaries", split(req->primaries)}, {"tsig_key", req->key}};
            done = zonesync("PUT", "/v1/zones/" + req->zone, z.dump());
            break;
        }
        case Action::remove:
            done = zonesync("DELETE", "/v1/zones/" + req->zone);
            break;
        case Action::pause_alerts:
            if (store_.pause_alerts(req->zone)) done = dns::http::ClientReply{200, ""};
            break;
    }
    if (!done || done->status >= 300) {
        auto j = done ? json::parse(done->body, nullptr, false) : json();
        const std::string why = j.is_object() ? j.value("error", "") : std::string();
        if (done && done->status == 409 && req->action == Action::add)
            return html(409,
                        pages::message("Already served", req->zone + " is already served here."));
        (void)store_.unuse_request(req->id);  // nothing happened: the link may be used again
        LOG_WARN("confirm %s %s: %s", action_name(req->action), req->zone.c_str(),
                 done ? why.c_str() : done.error().message.c_str());
        return html(502, pages::message("Not done yet",
                                        "The service could not do it right now" +
                                            (why.empty() ? std::string() : " (" + why + ")") +
                                            ". The link still works: please try again later."));
    }
    ++counters_.confirmed;
    if (req->action == Action::add) (void)store_.add_zone(req->zone, req->mailbox, now);
    if (req->action == Action::remove) (void)store_.remove_zone(req->zone);
    LOG_INFO("%s %s: confirmed by %s", action_name(req->action), req->zone.c_str(),
             req->mailbox.c_str());
    cv_.notify_all();  // a new zone's delegation is checked at once
    Response res = html(303, "");
    res.headers.emplace_back("Location",
                             req->action == Action::remove
                                 ? "/"
                                 : "/zone/" + req->zone + "?done=" + action_name(req->action));
    return res;
}

Response App::status_page(const Request& r) {
    auto n = parse_domain(r.params.at("name"), *psl_);
    if (!n) return html(404, pages::message("Not found", n.error().message));
    const std::string name = n->to_text();
    auto z = zonesync("GET", "/v1/zones/" + name);
    if (!z)
        return html(503,
                    pages::message("Unavailable", "The service is unavailable; try again later."));
    if (z->status == 404)
        return html(404,
                    pages::message("Not served here",
                                   name + " is not served by this service. Add it with the form."));
    auto j = json::parse(z->body, nullptr, false);
    if (!j.is_object())
        return html(502, pages::message("Unavailable", "The service sent a bad answer."));
    Response res = html(200, "");
    const std::string csrf = csrf_of(r, res);
    std::string b = "<h1>" + html_escape(name) + "</h1>";
    if (r.params.count("done"))
        b += "<div class=\"ok\" role=\"status\"><p>Done. Changes reach every server within "
             "seconds.</p></div>";
    const std::string state = j.value("state", "");
    b += "<table><tr><th scope=\"row\">State</th><td>" + html_escape(state) +
         (j.value("reason", "").empty() ? "" : " (" + html_escape(j.value("reason", "")) + ")") +
         "</td></tr>";
    const bool has = j.contains("serial") && j["serial"].is_number();
    b += "<tr><th scope=\"row\">Serial from your primary</th><td>" +
         (has ? std::to_string(j["serial"].get<uint32_t>()) : std::string("none yet")) +
         "</td></tr>";
    if (j.contains("converged") && j["converged"].is_object()) {
        const auto& c = j["converged"];
        b +=
            "<tr><th scope=\"row\">Convergence</th><td>serial " +
            std::to_string(c.value("serial", 0u)) + " on " + std::to_string(c.value("pops", 0)) +
            " servers" +
            (c["after_notify_ms"].is_number()
                 ? ", " + std::to_string(c["after_notify_ms"].get<double>() / 1000.0).substr(0, 5) +
                       " s after your primary's NOTIFY"
                 : std::string()) +
            "</td></tr>";
    }
    int64_t last_ok = 0;
    std::string last_error;
    for (const auto& t : j.value("transfers", json::array())) {
        if (t.value("ok", false) && !last_ok) last_ok = t.value("at", int64_t{0});
        if (!t.value("ok", false) && last_error.empty() && !last_ok)
            last_error = t.value("error", "");
    }
    b += "<tr><th scope=\"row\">Last transfer</th><td>" + html_escape(when(last_ok)) + "</td></tr>";
    b += "<tr><th scope=\"row\">Last error</th><td>" +
         html_escape(last_error.empty() ? "none since the last transfer" : last_error) +
         "</td></tr>";
    if (auto soa = public_soa(config_.resolver, *n); soa && has) {
        const int64_t left = j.value("verified", int64_t{0}) + soa->expire - unix_now();
        b += "<tr><th scope=\"row\">Expires on our servers</th><td>in " +
             html_escape(duration(left)) + " unless a transfer or check succeeds (SOA expire " +
             std::to_string(soa->expire) + " s)</td></tr>";
    }
    b += "</table><h2>Our servers</h2><table><tr><th scope=\"col\">Server</th><th "
         "scope=\"col\">Serial</th><th scope=\"col\">Since</th></tr>";
    for (const auto& p : j.value("pops", json::array()))
        b += "<tr><td>" + html_escape(p.value("pop", "")) + "</td><td>" +
             std::to_string(p.value("serial", 0u)) + "</td><td>" +
             html_escape(when(p.value("reached_ms", int64_t{0}) / 1000)) + "</td></tr>";
    b += "</table><h2>Delegation</h2>";
    auto sz = store_.zone(name);
    if (sz && *sz && !(*sz)->delegation.empty()) {
        auto d = delegation_from_json((*sz)->delegation);
        b += "<p class=\"hint\">Checked " + html_escape(when((*sz)->last_check)) + ".</p>";
        if (!d.error.empty()) {
            b += "<p>" + html_escape("The delegation could not be checked: " + d.error) + "</p>";
        } else if (!d.missing.empty()) {
            b +=
                "<div class=\"error\"><p>The parent zone " + html_escape(d.parent) +
                " does not list our name servers yet. Add these NS records at your registrar:</p>" +
                pages::ns_records(name, config_.info) + "</div>";
        } else {
            b += "<div class=\"ok\"><p>The parent zone " + html_escape(d.parent) +
                 " delegates to our name servers.</p></div>";
        }
        if (!d.no_glue.empty()) {
            std::string g;
            for (const auto& x : d.no_glue) g += (g.empty() ? "" : ", ") + x;
            b += "<p>" + html_escape("The parent gives no address (glue) for " + g) + ".</p>";
        }
        if (d.error.empty()) {
            std::string z;
            for (const auto& x : missing_from(d.zone_ns, config_.info.name_servers))
                z += (z.empty() ? "" : ", ") + x;
            if (!z.empty())
                b += "<p>" +
                     html_escape(
                         "The zone's own NS set (at its apex, on your primary) does not "
                         "list " +
                         z + " yet: add the same NS records there too.") +
                     "</p>";
        }
        if (!d.dnssec.empty()) b += "<p>DNSSEC: " + html_escape(d.dnssec) + "</p>";
    } else {
        b +=
            "<p>Not checked yet. Our name servers are:</p>" + pages::ns_records(name, config_.info);
    }
    b += "<h2>Change or remove</h2><p>Both need a confirmation by mail to the address in the "
         "zone's SOA record.</p><form method=\"post\" action=\"/zone/" +
         html_escape(name) + "/change\">" + pages::hidden("csrf", csrf) +
         "<label for=\"primaries\">New primary addresses</label><textarea id=\"primaries\" "
         "name=\"primaries\" rows=\"2\" required></textarea><label for=\"key\">TSIG key name "
         "(optional)</label><input type=\"text\" id=\"key\" name=\"key\"><button "
         "type=\"submit\">Change the primaries</button></form><form method=\"post\" "
         "action=\"/zone/" +
         html_escape(name) + "/remove\">" + pages::hidden("csrf", csrf) +
         "<button type=\"submit\" class=\"danger\">Remove the zone</button></form>";
    res.body = pages::layout(name, b);
    return res;
}

Response App::change(const Request& r, Action action) {
    const auto f = dns::http::parse_form(r.body);
    if (!csrf_ok(r, f))
        return html(403, pages::message("Please try again", "This form expired; reload the page."));
    auto n = parse_domain(r.params.at("name"), *psl_);
    if (!n) return html(404, pages::message("Not found", n.error().message));
    auto z = zonesync("GET", "/v1/zones/" + n->to_text());
    if (!z || z->status != 200)
        return html(404, pages::message("Not served here", n->to_text() + " is not served here."));
    PendingRequest req;
    req.action = action;
    req.zone = n->to_text();
    if (action == Action::change) {
        auto get = [&](const char* k) {
            auto it = f.find(k);
            return it == f.end() ? std::string() : it->second;
        };
        auto primaries = parse_primaries(get("primaries"), config_.allow_private);
        if (!primaries) return html(400, pages::message("Not sent", primaries.error().message));
        auto key = parse_key_name(get("key"));
        if (!key) return html(400, pages::message("Not sent", key.error().message));
        req.primaries = join(*primaries);
        req.key = *key;
    }
    return request_mail(r, std::move(req));
}

void App::alert(const SignedZone& z, const std::string& why, int64_t now) {
    std::string links;
    for (Action a : {Action::pause_alerts, Action::remove}) {
        const std::string token = new_token();
        PendingRequest req;
        req.action = a;
        req.zone = z.name;
        req.mailbox = z.mailbox;
        req.client = "alert";
        req.created = now;
        req.expires = now + tunables().token_ttl;
        if (!store_.add_request(req, token_hash(token))) return;
        links += std::string(a == Action::remove ? "Remove the zone: " : "Pause these alerts: ") +
                 config_.base_url + "/confirm?t=" + token + "\n";
    }
    Mail m{z.mailbox, "Alert for " + z.name + " on the anycast secondary DNS service",
           "Hello,\n\n" + why + "\n\nStatus: " + config_.base_url + "/zone/" + z.name + "\n\n" +
               links + "(Each link opens a page with a button; nothing happens without it.)\n"};
    if (auto s = mailer_.send(m); !s) {
        ++counters_.mail_errors;
        LOG_WARN("alert mail for %s: %s", z.name.c_str(), s.error().message.c_str());
        return;
    }
    ++counters_.alerts;
    (void)store_.record_mail(z.mailbox, z.name, "alert", "alert", now);
    (void)store_.set_alerted(z.name, now);
    LOG_INFO("zone %s: alert mailed to %s: %s", z.name.c_str(), z.mailbox.c_str(), why.c_str());
}

void App::check_zone(const SignedZone& z, int64_t now) {
    auto name = dns::wire::Name::from_text(z.name);
    if (!name) return;
    Delegation d;
    bool checked = false;
    if (z.last_check == 0 || now - z.last_check >= 86400) {
        d = check_delegation(config_.resolver, *name, config_.info.name_servers);
        (void)store_.set_delegation(z.name, to_json(d), now);
        checked = true;
    } else {
        d = delegation_from_json(z.delegation);
    }
    std::vector<std::string> why;
    if (checked && d.error.empty() && !d.missing.empty())
        why.push_back("Our name servers are missing from the delegation of " + z.name +
                      " in its parent zone (" + d.parent + "): add them at your registrar.");
    auto s = zonesync("GET", "/v1/zones/" + z.name);
    if (s && s->status == 200) {
        auto j = json::parse(s->body, nullptr, false);
        auto soa = public_soa(config_.resolver, *name);
        if (j.is_object() && j["serial"].is_number()) {
            const uint32_t serial = j["serial"].get<uint32_t>();
            if (z.last_serial && dns::serial_lt(serial, *z.last_serial))
                why.push_back("The serial went backwards, from " + std::to_string(*z.last_serial) +
                              " to " + std::to_string(serial) + ".");
            if (!z.last_serial || dns::serial_gt(serial, *z.last_serial))
                (void)store_.set_serial(z.name, serial);
            if (soa) {
                const int64_t verified = j.value("verified", int64_t{0});
                const int64_t left = verified + soa->expire - now;
                if (left < soa->expire / 4)
                    why.push_back("The zone expires on our servers in " + duration(left) +
                                  " unless a transfer from your primary succeeds.");
                if (j.value("state", "") == "failing" && now - verified > soa->refresh)
                    why.push_back(
                        "Transfers from your primaries have failed for more than the "
                        "refresh interval: " +
                        j.value("reason", "") + ".");
            }
        }
    }
    if (why.empty() || z.alerts_paused || now - z.last_alert < 86400) return;
    std::string text;
    for (const auto& w : why) text += w + "\n";
    alert(z, text, now);
}

void App::check_all() {
    const int64_t now = unix_now();
    (void)store_.prune(now - 7 * 86400);
    auto zs = store_.zones();
    if (!zs) return;
    for (const auto& z : *zs) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
        }
        check_zone(z, now);
    }
}

void App::loop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        lock.unlock();
        check_all();
        lock.lock();
        cv_.wait_for(lock, std::chrono::seconds(config_.tunables.check_interval));
    }
}

}  // namespace signup
