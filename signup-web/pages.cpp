#include "signup-web/pages.hpp"

#include "signup-web/validate.hpp"

namespace signup::pages {

const char* const kStylesheet = R"css(
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5360; --accent: #0b5cad; --bad: #a4161a; --ok: #17643a; }
* { box-sizing: border-box; }
body { font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; margin: 0; }
header, main, footer { max-width: 46rem; margin: 0 auto; padding: 1rem; }
header a { color: var(--ink); text-decoration: none; font-weight: 700; }
h1 { font-size: 1.6rem; line-height: 1.2; }
a { color: var(--accent); }
label { display: block; font-weight: 600; margin-top: 1rem; }
.hint { color: var(--muted); font-size: .92rem; margin: .2rem 0; }
input[type=text], textarea { width: 100%; font: inherit; padding: .5rem; border: 2px solid #6b7480; border-radius: 4px; }
input:focus, textarea:focus, button:focus { outline: 3px solid #f2b705; outline-offset: 1px; }
button { font: inherit; font-weight: 600; margin-top: 1.2rem; padding: .6rem 1.2rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
button.danger { background: var(--bad); }
.error { border-left: 5px solid var(--bad); padding: .5rem 1rem; background: #fbeaea; }
.ok { border-left: 5px solid var(--ok); padding: .5rem 1rem; background: #e9f5ee; }
pre { background: #f3f4f6; padding: .75rem; overflow-x: auto; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d0d4da; }
details { margin: .5rem 0; }
)css";

std::string layout(const std::string& title, const std::string& body) {
    return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>" +
           html_escape(title) +
           "</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
           "<header><a href=\"/\">Anycast secondary DNS</a></header><main>" +
           body +
           "</main><footer class=\"hint\">Free secondary DNS: we transfer your zone "
           "from your primary and answer for it from many places.</footer></body></html>\n";
}

std::string hidden(const std::string& name, const std::string& value) {
    return "<input type=\"hidden\" name=\"" + html_escape(name) + "\" value=\"" +
           html_escape(value) + "\">";
}

std::string signup_form(const std::string& csrf, const FormValues& v, const std::string& error) {
    std::string b = "<h1>Add your zone</h1>";
    if (!error.empty())
        b += "<div class=\"error\" role=\"alert\"><p>" + html_escape(error) + "</p></div>";
    b += "<p>Enter your domain and the address of your primary server. We look up your zone's "
         "SOA record in public DNS and send a confirmation link to the mail address in it "
         "(its RNAME field). No account, no password.</p>"
         "<form method=\"post\" action=\"/signup\">" +
         hidden("csrf", csrf) +
         "<label for=\"domain\">Domain</label>"
         "<p class=\"hint\" id=\"domain-hint\">The zone's apex, e.g. example.com</p>"
         "<input type=\"text\" id=\"domain\" name=\"domain\" required autocomplete=\"off\" "
         "aria-describedby=\"domain-hint\" value=\"" +
         html_escape(v.domain) +
         "\">"
         "<label for=\"primaries\">Primary server addresses</label>"
         "<p class=\"hint\" id=\"primaries-hint\">IPv4 or IPv6, one per line or separated by "
         "commas; add :PORT if it is not 53 (e.g. 192.0.2.1 or [2001:db8::1]:5353)</p>"
         "<textarea id=\"primaries\" name=\"primaries\" rows=\"3\" required "
         "aria-describedby=\"primaries-hint\">" +
         html_escape(v.primaries) +
         "</textarea>"
         "<label for=\"key\">TSIG key name (optional)</label>"
         "<p class=\"hint\" id=\"key-hint\">Only if your primary requires signed transfers; "
         "the key must be agreed with us first.</p>"
         "<input type=\"text\" id=\"key\" name=\"key\" autocomplete=\"off\" "
         "aria-describedby=\"key-hint\" value=\"" +
         html_escape(v.key) +
         "\">"
         "<button type=\"submit\">Check and send the confirmation mail</button></form>";
    return layout("Add your zone", b);
}

std::string primary_config(const std::string& zone, const std::string& key,
                           const ServiceInfo& info) {
    std::string z = zone;
    if (!z.empty() && z.back() == '.') z.pop_back();
    std::string notify_addr = info.notify_to, notify_port = "53";
    if (auto colon = info.notify_to.rfind(':'); colon != std::string::npos) {
        notify_addr = info.notify_to.substr(0, colon);
        notify_port = info.notify_to.substr(colon + 1);
    }
    if (!notify_addr.empty() && notify_addr.front() == '[')
        notify_addr = notify_addr.substr(1, notify_addr.size() - 2);
    std::string bind_allow, nsd, knot_acl, pdns;
    for (const auto& a : info.transfer_from) {
        bind_allow += (key.empty() ? a : "key " + key) + "; ";
        nsd += "    provide-xfr: " + a + " " + (key.empty() ? "NOKEY" : key) + "\n";
        knot_acl += (knot_acl.empty() ? "" : ", ") + a;
        pdns += (pdns.empty() ? "" : ",") + a;
    }
    std::string out =
        "<h2>Your primary's settings</h2><p>Allow our transfers and send us NOTIFY, "
        "so changes reach every server in milliseconds:</p>";
    out +=
        "<details open><summary>BIND</summary><pre>" +
        html_escape("zone \"" + z + "\" {\n    allow-transfer { " + bind_allow +
                    "};\n    also-notify { " + notify_addr + " port " + notify_port + "; };\n};") +
        "</pre></details>";
    out += "<details><summary>NSD</summary><pre>" +
           html_escape("zone:\n    name: \"" + z + "\"\n" + nsd + "    notify: " + notify_addr +
                       "@" + notify_port + " " + (key.empty() ? "NOKEY" : key)) +
           "</pre></details>";
    out += "<details><summary>Knot DNS</summary><pre>" +
           html_escape("remote:\n  - id: anycast-secondary\n    address: " + notify_addr + "@" +
                       notify_port + (key.empty() ? "" : "\n    key: " + key) +
                       "\nacl:\n  - id: anycast-transfer\n    address: [" + knot_acl + "]\n" +
                       (key.empty() ? "" : "    key: " + key + "\n") +
                       "    action: transfer\nzone:\n  - domain: " + z +
                       "\n    notify: anycast-secondary\n    acl: anycast-transfer") +
           "</pre></details>";
    out += "<details><summary>PowerDNS</summary><pre>" +
           html_escape("# pdns.conf: primary=yes\npdnsutil set-meta " + z + " ALLOW-AXFR-FROM " +
                       pdns + "\npdnsutil set-meta " + z + " ALSO-NOTIFY " + notify_addr + ":" +
                       notify_port) +
           "</pre></details>";
    return out;
}

std::string ns_records(const std::string& zone, const ServiceInfo& info) {
    std::string lines;
    for (const auto& ns : info.name_servers)
        lines += zone + "  86400  IN  NS  " + ns + (ns.back() == '.' ? "" : ".") + "\n";
    return "<pre>" + html_escape(lines) + "</pre>";
}

std::string message(const std::string& title, const std::string& text) {
    return layout(title, "<h1>" + html_escape(title) + "</h1><p>" + html_escape(text) +
                             "</p><p><a href=\"/\">Back to the form</a></p>");
}

}  // namespace signup::pages
