#include "lib/http/server.hpp"

#include <httplib.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "lib/base/log.hpp"

namespace dns::http {

struct Server::Impl {
    httplib::Server http;
};

Server::Server() : impl_(std::make_unique<Impl>()) {}

Server::~Server() { stop(); }

void Server::route(const std::string& method, const std::string& pattern, Handler handler) {
    // ":name" segments become regex groups (this cpp-httplib has no path parameters).
    std::vector<std::string> names;
    std::string regex;
    for (size_t i = 0; i < pattern.size();) {
        if (pattern[i] == ':' && i > 0 && pattern[i - 1] == '/') {
            size_t end = pattern.find('/', i);
            names.push_back(
                pattern.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1));
            regex += "([^/]+)";
            i = end == std::string::npos ? pattern.size() : end;
            continue;
        }
        if (std::string(".+*?()[]{}|^$\\").find(pattern[i]) != std::string::npos) regex += '\\';
        regex += pattern[i++];
    }
    auto adapt = [handler = std::move(handler), method, names](const httplib::Request& req,
                                                               httplib::Response& res) {
        Request r;
        r.method = method;
        r.path = req.path;
        for (const auto& [k, v] : req.params) r.params[k] = v;
        for (size_t i = 0; i < names.size() && i + 1 < req.matches.size(); ++i)
            r.params[names[i]] = req.matches[i + 1];
        for (const auto& [k, v] : req.headers) {
            std::string lower = k;
            for (char& c : lower)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            r.headers[lower] = v;
        }
        r.body = req.body;
        r.remote_addr = req.remote_addr;
        Response out;
        try {
            out = handler(r);
        } catch (const std::exception& e) {
            out = {500, "{\"error\":" + json_string(e.what()) + "}\n", "application/json", {}};
        }
        res.status = out.status;
        for (const auto& [k, v] : out.headers) res.set_header(k, v);
        res.set_content(out.body, out.content_type);
    };
    if (method == "GET")
        impl_->http.Get(regex, adapt);
    else if (method == "POST")
        impl_->http.Post(regex, adapt);
    else if (method == "PUT")
        impl_->http.Put(regex, adapt);
    else if (method == "DELETE")
        impl_->http.Delete(regex, adapt);
}

Result<void> Server::start(const io::Endpoint& listen, const std::string& what) {
    auto& http = impl_->http;
    // Bodies up to 16 MiB (room for a bulk API call; the library's default
    // is unbounded). Form-encoded bodies stay at the library's 8 KiB: API
    // clients send application/json.
    http.set_payload_max_length(16u << 20);
    const std::string host = listen.address.to_string();
    int port = listen.port;
    bool bound = port == 0 ? (port = http.bind_to_any_port(host.c_str())) > 0
                           : http.bind_to_port(host.c_str(), port);
    if (!bound) return make_error(Errc::io, "cannot bind HTTP to " + listen.to_string());
    port_ = static_cast<uint16_t>(port);
    io::Endpoint bound_ep{listen.address, port_};
    LOG_INFO("HTTP on %s (%s)", bound_ep.to_string().c_str(), what.c_str());
    thread_ = std::thread([this] { impl_->http.listen_after_bind(); });
    return {};
}

void Server::stop() {
    if (!thread_.joinable()) return;
    impl_->http.stop();
    thread_.join();
}

Result<ClientReply> request(const std::string& base_url, const std::string& method,
                            const std::string& path, const std::string& body,
                            const std::map<std::string, std::string>& headers, int timeout_s) {
    if (base_url.rfind("http://", 0) != 0)
        return make_error(Errc::unsupported,
                          "'" + base_url + "': only http://HOST:PORT URLs are supported");
    httplib::Client cli(base_url);
    cli.set_connection_timeout(timeout_s, 0);
    cli.set_read_timeout(timeout_s, 0);
    cli.set_write_timeout(timeout_s, 0);
    httplib::Headers h;
    for (const auto& [k, v] : headers) h.emplace(k, v);
    if (method != "GET" && method != "DELETE" && method != "POST" && method != "PUT")
        return make_error(Errc::unsupported, "HTTP method " + method);
    httplib::Result r = method == "GET"      ? cli.Get(path, h)
                        : method == "DELETE" ? cli.Delete(path, h, body, "application/json")
                        : method == "PUT"    ? cli.Put(path, h, body, "application/json")
                                             : cli.Post(path, h, body, "application/json");
    if (!r)
        return make_error(Errc::unreachable,
                          base_url + path + ": " + httplib::to_string(r.error()));
    return ClientReply{r->status, r->body};
}

std::map<std::string, std::string> parse_form(std::string_view body) {
    std::map<std::string, std::string> out;
    auto decode = [](std::string_view v) {
        std::string d;
        for (size_t i = 0; i < v.size(); ++i) {
            if (v[i] == '+') {
                d += ' ';
            } else if (v[i] == '%' && i + 2 < v.size() &&
                       std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
                       std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
                d += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
                i += 2;
            } else {
                d += v[i];
            }
        }
        return d;
    };
    while (!body.empty()) {
        size_t amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        out[decode(pair.substr(0, eq))] =
            eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
    }
    return out;
}

std::string cookie(const Request& r, std::string_view name) {
    auto it = r.headers.find("cookie");
    if (it == r.headers.end()) return {};
    std::string_view c = it->second;
    while (!c.empty()) {
        size_t semi = c.find(';');
        std::string_view part = c.substr(0, semi);
        c = semi == std::string_view::npos ? std::string_view() : c.substr(semi + 1);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        size_t eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == name)
            return std::string(part.substr(eq + 1));
    }
    return {};
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
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

void Metrics::sample(const std::string& name, const std::string& type, const std::string& help,
                     double value, const Labels& labels) {
    if (!declared_[name]) {
        declared_[name] = true;
        out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    out_ += name;
    if (!labels.empty()) {
        out_ += "{";
        for (size_t i = 0; i < labels.size(); ++i) {
            std::string v;
            for (char c : labels[i].second) {
                if (c == '"' || c == '\\') v += '\\';
                if (c == '\n') {
                    v += "\\n";
                    continue;
                }
                v += c;
            }
            out_ += (i ? "," : "") + labels[i].first + "=\"" + v + "\"";
        }
        out_ += "}";
    }
    char buf[64];
    if (std::floor(value) == value && std::fabs(value) < 1e15)
        std::snprintf(buf, sizeof buf, " %.0f\n", value);
    else
        std::snprintf(buf, sizeof buf, " %g\n", value);
    out_ += buf;
}

void Metrics::counter(const std::string& name, const std::string& help, double value,
                      const Labels& labels) {
    sample(name, "counter", help, value, labels);
}

void Metrics::gauge(const std::string& name, const std::string& help, double value,
                    const Labels& labels) {
    sample(name, "gauge", help, value, labels);
}

}  // namespace dns::http
