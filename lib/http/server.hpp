#pragma once
// The HTTP side of a program (control, metrics, APIs) on cpp-httplib: routes
// that return a status and a body, a listener bound at start (port 0 picks one
// and the log says which), its own thread; and the text formats such
// endpoints speak: JSON strings and Prometheus exposition (format 0.0.4).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/io/client.hpp"

namespace dns::http {

struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> params;   ///< query string, and path parameters (":name")
    std::map<std::string, std::string> headers;  ///< lower-case names
    std::string body;
    std::string remote_addr;  ///< the client's address
};

struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers = {};  ///< more (Set-Cookie, ...)
};

/// The fields of an application/x-www-form-urlencoded body (or a query
/// string), decoded; a repeated field keeps its last value.
std::map<std::string, std::string> parse_form(std::string_view body);
/// One cookie of a request's Cookie header ("" when absent).
std::string cookie(const Request& r, std::string_view name);

using Handler = std::function<Response(const Request&)>;

class Server {
  public:
    Server();
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Routes, before start(). `pattern` is a path, with ":name" segments
    /// ("/v1/zones/:name") given to the handler as params.
    void route(const std::string& method, const std::string& pattern, Handler handler);
    void get(const std::string& pattern, Handler h) { route("GET", pattern, std::move(h)); }
    void post(const std::string& pattern, Handler h) { route("POST", pattern, std::move(h)); }

    /// Binds `listen` and serves on a thread of its own; `what` names the
    /// endpoints in the log line that gives the address (and the port picked
    /// for port 0).
    Result<void> start(const io::Endpoint& listen, const std::string& what);
    /// The port bound (after start()).
    uint16_t port() const { return port_; }
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::thread thread_;
    uint16_t port_ = 0;
};

/// One request to an HTTP server ("http://HOST:PORT" base URL; TLS is not
/// supported): for command-line tools and programs that talk to a running
/// program's API. GET, POST, PUT, DELETE.
struct ClientReply {
    int status = 0;
    std::string body;
};
Result<ClientReply> request(const std::string& base_url, const std::string& method,
                            const std::string& path, const std::string& body = {},
                            const std::map<std::string, std::string>& headers = {},
                            int timeout_s = 10);

/// A JSON string literal with its quotes (control characters escaped).
std::string json_string(const std::string& s);

/// Prometheus text exposition: each metric's HELP and TYPE once, then its samples.
class Metrics {
  public:
    using Labels = std::vector<std::pair<std::string, std::string>>;
    void counter(const std::string& name, const std::string& help, double value,
                 const Labels& labels = {});
    void gauge(const std::string& name, const std::string& help, double value,
               const Labels& labels = {});
    std::string text() const { return out_; }

  private:
    void sample(const std::string& name, const std::string& type, const std::string& help,
                double value, const Labels& labels);
    std::string out_;
    std::map<std::string, bool> declared_;
};

}  // namespace dns::http
