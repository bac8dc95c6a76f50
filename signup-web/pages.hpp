#pragma once
// signup-web's pages: server-rendered HTML that works without JavaScript,
// one small stylesheet, labels on every field. Every value that comes from
// outside (form input, DNS data, zonesync's answers) is escaped here.
#include <string>
#include <vector>

namespace signup::pages {

/// The whole page around `body` (already HTML).
std::string layout(const std::string& title, const std::string& body);
extern const char* const kStylesheet;

struct FormValues {
    std::string domain, primaries, key;
};
/// The signup form; `error` (text) shown above it.
std::string signup_form(const std::string& csrf, const FormValues& v, const std::string& error);

/// What the owner's primary must allow: our transfer addresses and where to
/// send NOTIFY, as lines for BIND, NSD, Knot DNS and PowerDNS.
struct ServiceInfo {
    std::vector<std::string> transfer_from;  ///< addresses our transfers come from
    std::string notify_to;                   ///< "ADDR:PORT" to send NOTIFY to
    std::vector<std::string> name_servers;   ///< our NS names
};
std::string primary_config(const std::string& zone, const std::string& key,
                           const ServiceInfo& info);
/// The NS records to add at the parent (and at the apex).
std::string ns_records(const std::string& zone, const ServiceInfo& info);

/// A page with a heading and a paragraph of text (escaped), and a link back.
std::string message(const std::string& title, const std::string& text);
/// A hidden form field.
std::string hidden(const std::string& name, const std::string& value);

}  // namespace signup::pages
