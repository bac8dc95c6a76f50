#include "lib/zonefile/zonefile.hpp"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "lib/wire/rrtype.hpp"
#include "lib/zonefile/scanner.hpp"

// ldns last: its headers define macros that break C++ standard headers.
#include <ldns/ldns.h>

namespace dns::zonefile {
namespace {

struct FileCloser {
    void operator()(FILE* f) const {
        if (f) std::fclose(f);
    }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

Error at(const std::string& source, int line, const std::string& what) {
    return make_error(Errc::syntax, source + ":" + std::to_string(line) + ": " + what);
}

// Inlines $INCLUDE files into one text (only when allowed). The optional origin
// argument of $INCLUDE is honoured by $ORIGIN lines around the included text.
Result<std::string> expand_includes(const std::string& path, int depth) {
    if (depth > 8) return make_error(Errc::limit, path + ": $INCLUDE nested too deeply");
    std::ifstream in(path);
    if (!in) return make_error(Errc::io, path + ": cannot open");
    std::string out, line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.rfind("$INCLUDE", 0) == 0) {
            std::istringstream ls(line.substr(8));
            std::string file, origin;
            ls >> file >> origin;
            if (file.empty()) return at(path, n, "$INCLUDE without a file name");
            if (!origin.empty()) return at(path, n, "$INCLUDE with an origin is not supported");
            if (file[0] != '/') {
                auto slash = path.rfind('/');
                if (slash != std::string::npos) file = path.substr(0, slash + 1) + file;
            }
            auto sub = expand_includes(file, depth + 1);
            if (!sub) return sub.error();
            out += *sub;
            out += '\n';
            continue;
        }
        out += line;
        out += '\n';
    }
    return out;
}

Result<zone::ZonePtr> load_stream(FILE* fp, const wire::Name& origin, const LoadOptions& opt,
                                  const std::string& source) {
    zone::Builder builder(origin, opt.limits);
    ldns_rdf* ldns_origin =
        ldns_dname_new_frm_data(static_cast<uint16_t>(origin.size()), origin.data());
    ldns_rdf* prev = nullptr;
    uint32_t default_ttl = 3600;
    int line = 1;
    ldns_buffer* buf = ldns_buffer_new(4096);
    Result<void> failed;
    for (;;) {
        ldns_rr* rr = nullptr;
        ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &default_ttl, &ldns_origin, &prev, &line);
        if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
            s == LDNS_STATUS_SYNTAX_ORIGIN) {
            if (std::feof(fp)) break;
            continue;
        }
        if (s == LDNS_STATUS_SYNTAX_INCLUDE) {
            failed = at(source, line, "$INCLUDE is disabled (enable it with include = true)");
            break;
        }
        if (s != LDNS_STATUS_OK) {
            failed = at(source, line, ldns_get_errorstr_by_id(s));
            break;
        }
        const ldns_rdf* owner = ldns_rr_owner(rr);
        auto name = wire::Name::from_wire_checked({ldns_rdf_data(owner), ldns_rdf_size(owner)});
        ldns_buffer_clear(buf);
        ldns_status ws = ldns_rr_rdata2buffer_wire(buf, rr);
        if (!name || ws != LDNS_STATUS_OK) {
            ldns_rr_free(rr);
            failed = at(source, line, "cannot convert record to wire form");
            break;
        }
        auto added =
            builder.add(*name, ldns_rr_get_type(rr), ldns_rr_get_class(rr), ldns_rr_ttl(rr),
                        {ldns_buffer_begin(buf), ldns_buffer_position(buf)});
        ldns_rr_free(rr);
        if (!added) {
            failed = at(source, line, added.error().message);
            break;
        }
        if (builder.out_of_zone() && !opt.allow_out_of_zone) {
            failed = at(source, line,
                        "record " + name->to_text() + " is outside the zone " + origin.to_text());
            break;
        }
        if (std::feof(fp)) break;
    }
    ldns_buffer_free(buf);
    ldns_rdf_deep_free(ldns_origin);
    if (prev) ldns_rdf_deep_free(prev);
    if (!failed) return failed.error();
    auto z = builder.build();
    if (!z) return make_error(z.error().code, source + ": " + z.error().message);
    return z;
}

Result<zone::ZonePtr> load_text(std::string_view text, const wire::Name& origin,
                                const LoadOptions& opt, const std::string& source) {
    zone::Builder builder(origin, opt.limits);
    Scanner scanner(text, origin);
    Entry e;
    std::string error;
    ldns_buffer* buf = ldns_buffer_new(4096);
    ldns_rdf* ldns_origin = nullptr;
    wire::Name ldns_origin_name;
    Result<void> failed;
    for (;;) {
        Scanner::Step step = scanner.next(e, error);
        if (step == Scanner::Step::end) break;
        if (step == Scanner::Step::error) {
            failed = make_error(Errc::syntax, source + ":" + error.substr(5));
            break;
        }
        Result<void> added;
        wire::Name owner = e.owner;
        if (e.parsed) {
            added = builder.add(e.owner, e.type, e.rrclass, e.ttl,
                                {reinterpret_cast<const uint8_t*>(e.rdata.data()), e.rdata.size()});
        } else {
            if (!ldns_origin || !(ldns_origin_name == scanner.origin())) {
                if (ldns_origin) ldns_rdf_deep_free(ldns_origin);
                ldns_origin_name = scanner.origin();
                ldns_origin = ldns_dname_new_frm_data(
                    static_cast<uint16_t>(ldns_origin_name.size()), ldns_origin_name.data());
            }
            ldns_rr* rr = nullptr;
            ldns_status s = ldns_rr_new_frm_str(&rr, e.text.c_str(), e.ttl, ldns_origin, nullptr);
            if (s != LDNS_STATUS_OK) {
                failed = at(source, e.line, ldns_get_errorstr_by_id(s));
                break;
            }
            ldns_buffer_clear(buf);
            if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK)
                added = make_error(Errc::syntax, "cannot convert record to wire form");
            else
                added = builder.add(e.owner, ldns_rr_get_type(rr), ldns_rr_get_class(rr),
                                    ldns_rr_ttl(rr),
                                    {ldns_buffer_begin(buf), ldns_buffer_position(buf)});
            ldns_rr_free(rr);
        }
        if (!added) {
            failed = at(source, e.line, added.error().message);
            break;
        }
        if (builder.out_of_zone() && !opt.allow_out_of_zone) {
            failed = at(source, e.line,
                        "record " + owner.to_text() + " is outside the zone " + origin.to_text());
            break;
        }
    }
    ldns_buffer_free(buf);
    if (ldns_origin) ldns_rdf_deep_free(ldns_origin);
    if (!failed) return failed.error();
    auto z = builder.build();
    if (!z) return make_error(z.error().code, source + ": " + z.error().message);
    return z;
}

Result<std::string> read_file(const std::string& path) {
    FilePtr fp(std::fopen(path.c_str(), "rb"));
    if (!fp) return make_error(Errc::io, path + ": cannot open");
    std::string data;
    if (std::fseek(fp.get(), 0, SEEK_END) == 0) {
        long size = std::ftell(fp.get());
        if (size > 0) data.reserve(static_cast<size_t>(size));
        std::rewind(fp.get());
    }
    char chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, fp.get())) > 0) data.append(chunk, n);
    if (std::ferror(fp.get())) return make_error(Errc::io, path + ": read error");
    return data;
}

}  // namespace

Result<zone::ZonePtr> load(const std::string& path, const wire::Name& origin,
                           const LoadOptions& opt) {
    if (opt.allow_include) {
        auto text = expand_includes(path, 0);
        if (!text) return text.error();
        return parse(*text, origin, opt, path);
    }
    if (!opt.ldns_only) {
        auto text = read_file(path);
        if (!text) return text.error();
        return load_text(*text, origin, opt, path);
    }
    FilePtr fp(std::fopen(path.c_str(), "r"));
    if (!fp) return make_error(Errc::io, path + ": cannot open");
    return load_stream(fp.get(), origin, opt, path);
}

Result<zone::ZonePtr> parse(const std::string& text, const wire::Name& origin,
                            const LoadOptions& opt, const std::string& source) {
    if (!opt.ldns_only) return load_text(text, origin, opt, source);
    FilePtr fp(fmemopen(const_cast<char*>(text.data()), text.size(), "r"));
    if (text.empty()) fp.reset(std::fopen("/dev/null", "r"));
    if (!fp) return make_error(Errc::io, source + ": cannot read");
    return load_stream(fp.get(), origin, opt, source);
}

std::string to_text(const zone::Zone& z) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    auto line = [&](const zone::Node& n, uint16_t type, uint32_t ttl, uint32_t d) {
        out += wire::to_text(z.owner(n));
        out += ' ' + std::to_string(ttl) + " IN TYPE" + std::to_string(type) + " \\# " +
               std::to_string(z.rdata(d).length);
        if (z.rdata(d).length) out += ' ';
        const uint8_t* p = z.rdata_bytes(d);
        for (size_t i = 0; i < z.rdata(d).length; ++i) {
            out.push_back(hex[p[i] >> 4]);
            out.push_back(hex[p[i] & 15]);
        }
        out += '\n';
    };
    const zone::Node& apex = z.node(zone::Zone::apex_id());
    line(apex, wire::type::SOA, z.soa().ttl, z.soa().first);
    for (uint32_t id = 0; id < z.node_count(); ++id) {
        const zone::Node& n = z.node(id);
        if (n.flags & zone::nf::removed) continue;
        z.for_each_record(n, [&](uint16_t type, uint32_t ttl, uint32_t d) {
            if (!(type == wire::type::SOA && id == zone::Zone::apex_id())) line(n, type, ttl, d);
        });
    }
    return out;
}

}  // namespace dns::zonefile
