#include "lib/options/options.hpp"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace dns::options {

namespace {

std::string toml_key(const std::string& name) {
    std::string k = name;
    std::replace(k.begin(), k.end(), '-', '_');
    return k;
}

std::string node_text(const toml::node& n) {
    if (auto s = n.as_string()) return s->get();
    if (auto i = n.as_integer()) return std::to_string(i->get());
    if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
    if (auto f = n.as_floating_point()) return std::to_string(f->get());
    return {};
}

}  // namespace

Table::Table(Program program, std::vector<Option> options, std::vector<Section> sections)
    : program_(std::move(program)), options_(std::move(options)), sections_(std::move(sections)) {}

const Option* Table::find(std::string_view name) const {
    for (const auto& o : options_)
        if (o.name == name) return &o;
    return nullptr;
}

Result<void> Table::set(std::string_view name, std::string_view value) {
    const Option* o = find(name);
    if (!o)
        return make_error(Errc::not_found,
                          "unknown option --" + std::string(name) + " (see --help)");
    if (auto r = o->set(value); !r)
        return make_error(r.error().code, "--" + std::string(name) + ": " + r.error().message);
    return {};
}

Result<void> Table::load_file(const std::string& path) {
    toml::table tbl;
    try {
        tbl = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream m;
        m << path << ":" << e.source().begin.line << ": " << e.description();
        return make_error(Errc::syntax, m.str());
    }
    for (const auto& [key, value] : tbl) {
        const std::string k(key.str());
        if (auto sec = std::find_if(sections_.begin(), sections_.end(),
                                    [&](const Section& s) { return s.name == k; });
            sec != sections_.end()) {
            auto arr = value.as_array();
            if (!arr)
                return make_error(Errc::syntax, path + ": '" + k +
                                                    "' must be an array of tables ([[" + k + "]])");
            for (const auto& e : *arr) {
                auto t = e.as_table();
                if (!t)
                    return make_error(Errc::syntax, path + ": each [[" + k + "]] must be a table");
                Fields fields;
                for (const auto& [fk, fv] : *t) {
                    auto& out = fields[std::string(fk.str())];
                    if (auto a = fv.as_array())
                        for (const auto& x : *a) out.push_back(node_text(x));
                    else
                        out.push_back(node_text(fv));
                }
                if (auto r = sec->add(fields); !r)
                    return make_error(Errc::syntax, path + ": " + k + ": " + r.error().message);
            }
            continue;
        }
        const Option* opt = nullptr;
        for (const auto& o : options_)
            if (toml_key(o.name) == k) opt = &o;
        if (!opt) return make_error(Errc::syntax, path + ": unknown setting '" + k + "'");
        auto apply = [&](const toml::node& n) -> Result<void> {
            auto r = opt->set(node_text(n));
            if (!r) return make_error(Errc::syntax, path + ": " + k + ": " + r.error().message);
            return {};
        };
        if (auto arr = value.as_array()) {
            if (!opt->repeatable)
                return make_error(Errc::syntax, path + ": " + k + " takes one value");
            for (const auto& n : *arr)
                if (auto r = apply(n); !r) return r;
        } else if (auto r = apply(value); !r) {
            return r;
        }
    }
    return {};
}

Table::Outcome Table::parse(int argc, const char* const* argv, std::string& error,
                            std::string* config_file) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    // The config file is read first so flags can add to it.
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" || args[i].rfind("--config=", 0) == 0) {
            std::string path = args[i] == "--config"
                                   ? (i + 1 < args.size() ? std::string(args[i + 1]) : "")
                                   : std::string(args[i].substr(9));
            if (path.empty()) {
                error = "--config needs a FILE";
                return Outcome::exit_error;
            }
            if (config_file) *config_file = path;
            if (auto r = load_file(path); !r) {
                error = r.error().message;
                return Outcome::exit_error;
            }
        }
    }
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == "--help" || a == "-h") {
            std::fputs(help().c_str(), stdout);
            return Outcome::exit_ok;
        }
        if (a == "--version") {
            std::printf("%s %s\n", program_.name.c_str(), program_.version.c_str());
            return Outcome::exit_ok;
        }
        if (a == "--config") {
            ++i;
            continue;
        }
        if (a.rfind("--config=", 0) == 0) continue;
        if (a.rfind("--", 0) != 0) {
            error = "unexpected argument '" + std::string(a) + "' (see --help)";
            return Outcome::exit_error;
        }
        std::string_view name = a.substr(2), value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        const Option* opt = find(name);
        if (!opt) {
            error = "unknown option --" + std::string(name) + " (see --help)";
            return Outcome::exit_error;
        }
        if (!opt->arg.empty() && !inline_value) {
            if (i + 1 >= args.size()) {
                error = "--" + std::string(name) + " needs " + opt->arg;
                return Outcome::exit_error;
            }
            value = args[++i];
        }
        if (auto r = opt->set(value); !r) {
            error = "--" + std::string(name) + ": " + r.error().message;
            return Outcome::exit_error;
        }
    }
    return Outcome::run;
}

std::string Table::help() const {
    std::ostringstream o;
    o << program_.name << " " << program_.version << " - " << program_.summary << "\n\n"
      << "Usage: " << program_.name << " [--config FILE] [OPTIONS]\n\n"
      << "Options (each may also be set in the TOML config file, with '_' for '-'):\n";
    auto line = [&](const std::string& flag, const std::string& text) {
        o << flag;
        if (flag.size() >= 30)
            o << "\n" << std::string(30, ' ');
        else
            o << std::string(30 - flag.size(), ' ');
        o << text << "\n";
    };
    for (const auto& opt : options_)
        line("  --" + opt.name + (opt.arg.empty() ? "" : " " + opt.arg), opt.help);
    line("  --config FILE", "read settings from a TOML file first; flags add to it");
    line("  --help", "this text");
    line("  --version", "print the version");
    if (!sections_.empty()) {
        o << "\nConfig file tables:\n";
        for (const auto& s : sections_) line("  [[" + s.name + "]]", s.help);
    }
    if (!program_.footer.empty()) o << "\n" << program_.footer;
    return o.str();
}

std::vector<std::string> Table::restart_needed(const Table& other) const {
    std::vector<std::string> out;
    for (const auto& o : options_) {
        if (o.live || !o.value) continue;
        const Option* p = other.find(o.name);
        if (p && p->value && p->value() != o.value()) out.push_back(o.name);
    }
    for (const auto& s : sections_) {
        if (s.live || !s.value) continue;
        for (const auto& t : other.sections_)
            if (t.name == s.name && t.value && t.value() != s.value())
                out.push_back("[[" + s.name + "]]");
    }
    return out;
}

// ---- typed values ----

Result<uint64_t> number(std::string_view v, uint64_t lo, uint64_t hi) {
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
        return make_error(Errc::syntax, "expects a number from " + std::to_string(lo) + " to " +
                                            std::to_string(hi) + ", got '" + std::string(v) + "'");
    return n;
}

Result<bool> boolean(std::string_view v) {
    if (v.empty() || v == "true" || v == "yes" || v == "1") return true;
    if (v == "false" || v == "no" || v == "0") return false;
    return make_error(Errc::syntax, "expects true or false, got '" + std::string(v) + "'");
}

Result<wire::Name> domain_name(std::string_view v) {
    if (v.empty()) return make_error(Errc::syntax, "empty zone name");
    std::string text(v);
    if (text.back() != '.') text += '.';
    auto n = wire::Name::from_text(text, nullptr);
    if (!n)
        return make_error(Errc::syntax, "bad name '" + std::string(v) + "': " + n.error().message);
    return n;
}

Result<io::Endpoint> listen_address(std::string_view v) {
    auto colon = v.rfind(':');
    bool bracketed = !v.empty() && v.front() == '[';
    if (colon == std::string_view::npos || colon == 0 || (!bracketed && v.find(':') != colon) ||
        (bracketed && (colon == 0 || v[colon - 1] != ']')))
        return make_error(Errc::syntax,
                          "expects ADDR:PORT or [ADDR6]:PORT, got '" + std::string(v) + "'");
    auto ep = io::parse_endpoint(std::string(v));
    if (!ep)
        return make_error(Errc::syntax,
                          "expects an IP address and a port (IPv6 in brackets), got '" +
                              std::string(v) + "': " + ep.error().message);
    return ep;
}

Result<io::Endpoint> server_address(std::string_view v) {
    if (v.empty()) return make_error(Errc::syntax, "empty address");
    auto ep = io::parse_endpoint(std::string(v));
    if (!ep)
        return make_error(Errc::syntax, "expects an IP address, got '" + std::string(v) +
                                            "': " + ep.error().message);
    return ep;
}

Result<xfr::TsigKey> tsig_key(std::string_view v) {
    if (std::count(v.begin(), v.end(), ':') < 2)
        return make_error(Errc::syntax, "expects NAME:ALGORITHM:BASE64SECRET");
    return xfr::parse_tsig_key(v);
}

Result<std::string> token_file(const std::string& path, std::string_view flag) {
    std::ifstream f(path);
    const std::string where = std::string(flag) + " " + path;
    if (!f) return make_error(Errc::io, where + ": cannot read it");
    std::stringstream ss;
    ss << f.rdbuf();
    std::string t = ss.str();
    const auto space = [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; };
    while (!t.empty() && space(t.back())) t.pop_back();
    t.erase(t.begin(), std::find_if_not(t.begin(), t.end(), space));
    if (t.size() < 16)
        return make_error(Errc::semantic, where + ": the token must have 16 characters or more");
    return t;
}

}  // namespace dns::options
