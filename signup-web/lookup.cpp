#include "signup-web/lookup.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"

namespace signup {

using dns::Errc;
using dns::make_error;
using dns::wire::Name;
namespace type = dns::wire::type;
namespace rcode = dns::wire::rcode;

namespace {

dns::io::QueryOptions resolver_options() {
    dns::io::QueryOptions o;
    o.timeout = std::chrono::milliseconds(2500);
    o.attempts = 2;
    return o;
}

std::string text_of(const Name& n) { return n.lowercased().to_text(); }

Name name_at(const std::string& rdata, size_t& pos) {
    auto n = Name::from_wire(reinterpret_cast<const uint8_t*>(rdata.data()) + pos);
    pos += n.size();
    return n;
}

uint32_t u32_at(const std::string& rdata, size_t pos) {
    return dns::wire::get32(reinterpret_cast<const uint8_t*>(rdata.data()) + pos);
}

dns::Result<dns::io::Reply> ask(const dns::io::Endpoint& server, const Name& name, uint16_t qtype,
                                bool recursion) {
    auto r = dns::io::query_blocking(server, name, qtype, resolver_options(), recursion);
    if (!r)
        return make_error(r.error().code, "the resolver " + server.to_string() +
                                              " did not answer (" + r.error().message + ")");
    return r;
}

std::vector<std::string> names_of(const std::vector<dns::wire::RR>& rrs, uint16_t t,
                                  const Name& owner) {
    std::vector<std::string> out;
    for (const auto& rr : rrs)
        if (rr.type == t && rr.owner == owner) {
            size_t pos = 0;
            out.push_back(text_of(name_at(rr.rdata, pos)));
        }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

dns::Result<Soa> public_soa(const dns::io::Endpoint& resolver, const Name& zone) {
    auto r = ask(resolver, zone, type::SOA, true);
    if (!r) return r.error();
    const auto& m = r->message;
    const std::string z = text_of(zone);
    switch (m.rcode()) {
        case rcode::NOERROR:
            break;
        case rcode::NXDOMAIN:
            return make_error(Errc::not_found,
                              z + " does not exist in public DNS yet: register it (or wait until "
                                  "its delegation is published) and try again");
        case rcode::SERVFAIL:
            return make_error(Errc::unreachable,
                              "public DNS cannot resolve " + z +
                                  " (SERVFAIL): its name servers do not answer, or its DNSSEC "
                                  "signatures do not validate");
        case rcode::REFUSED:
            return make_error(Errc::refused,
                              "the resolver " + resolver.to_string() + " refused to answer");
        default:
            return make_error(Errc::malformed, "public DNS answered rcode " +
                                                   std::to_string(m.rcode()) + " for " + z);
    }
    for (const auto& rr : m.answer) {
        if (rr.type != type::SOA) continue;
        if (!(rr.owner == zone)) break;
        Soa s;
        s.owner = zone.lowercased();
        size_t pos = 0;
        s.mname = name_at(rr.rdata, pos);
        s.rname = name_at(rr.rdata, pos);
        if (pos + 20 > rr.rdata.size()) break;
        s.serial = u32_at(rr.rdata, pos);
        s.refresh = u32_at(rr.rdata, pos + 4);
        s.retry = u32_at(rr.rdata, pos + 8);
        s.expire = u32_at(rr.rdata, pos + 12);
        s.minimum = u32_at(rr.rdata, pos + 16);
        return s;
    }
    // NODATA: the SOA in the authority section names the zone the name is in.
    for (const auto& rr : m.authority)
        if (rr.type == type::SOA)
            return make_error(Errc::semantic,
                              z + " is not a zone of its own: it is a name inside the zone " +
                                  text_of(rr.owner) + ". Enter the zone's apex (" +
                                  text_of(rr.owner) + ") or delegate " + z + " first");
    return make_error(Errc::semantic, "public DNS has no SOA record for " + z);
}

namespace {

// The addresses of a name server, through the resolver.
std::vector<dns::io::Endpoint> addresses_of(const dns::io::Endpoint& resolver, const Name& ns) {
    std::vector<dns::io::Endpoint> out;
    for (uint16_t t : {type::A, type::AAAA}) {
        auto r = ask(resolver, ns, t, true);
        if (!r) continue;
        for (const auto& rr : r->message.answer) {
            if (rr.type == type::A && rr.rdata.size() == 4) {
                boost::asio::ip::address_v4::bytes_type b;
                std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
                out.push_back({boost::asio::ip::address_v4(b), 53});
            } else if (rr.type == type::AAAA && rr.rdata.size() == 16) {
                boost::asio::ip::address_v6::bytes_type b;
                std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
                out.push_back({boost::asio::ip::address_v6(b), 53});
            }
        }
    }
    return out;
}

void check_dnssec(const dns::io::Endpoint& resolver, const Name& zone, Delegation& d) {
    auto ds = ask(resolver, zone, type::DS, true);
    if (!ds) {
        d.dnssec = "the DS records could not be fetched: " + ds.error().message;
        return;
    }
    std::vector<const dns::wire::RR*> dss;
    for (const auto& rr : ds->message.answer)
        if (rr.type == type::DS && rr.owner == zone && rr.rdata.size() > 4) dss.push_back(&rr);
    if (dss.empty()) {
        d.dnssec = ds->message.rcode() == rcode::SERVFAIL
                       ? "the parent's DS answer does not validate (SERVFAIL)"
                       : "unsigned (no DS record at the parent)";
        d.dnssec_ok = ds->message.rcode() != rcode::SERVFAIL;
        return;
    }
    auto keys = ask(resolver, zone, type::DNSKEY, true);
    if (!keys || keys->message.rcode() != rcode::NOERROR) {
        d.dnssec =
            "the parent has DS records but the zone's DNSKEY set cannot be fetched: "
            "validating resolvers will fail to resolve it";
        d.dnssec_ok = false;
        return;
    }
    for (const auto* x : dss) {
        const uint16_t tag = static_cast<uint16_t>(static_cast<uint8_t>(x->rdata[0]) << 8 |
                                                   static_cast<uint8_t>(x->rdata[1]));
        const uint8_t digest_type = static_cast<uint8_t>(x->rdata[3]);
        for (const auto& k : keys->message.answer) {
            if (k.type != type::DNSKEY || !(k.owner == zone) || key_tag(k.rdata) != tag) continue;
            if (ds_digest(zone, k.rdata, digest_type) == x->rdata.substr(4)) {
                d.dnssec = "secure: DS " + std::to_string(tag) + " matches a DNSKEY of the zone";
                return;
            }
        }
    }
    d.dnssec =
        "the parent's DS records match no DNSKEY of the zone: validating resolvers "
        "answer SERVFAIL for it. Publish the DS of the zone's current key";
    d.dnssec_ok = false;
}

}  // namespace

std::vector<std::string> missing_from(const std::vector<std::string>& have,
                                      const std::vector<std::string>& ours) {
    std::vector<std::string> out;
    for (const auto& o : ours) {
        auto on = Name::from_text(!o.empty() && o.back() == '.' ? o : o + ".");
        if (!on) continue;
        const std::string t = text_of(*on);
        if (std::find(have.begin(), have.end(), t) == have.end()) out.push_back(t);
    }
    return out;
}

Delegation check_delegation(const dns::io::Endpoint& resolver, const Name& zone,
                            const std::vector<std::string>& ours) {
    Delegation d;
    const Name apex = zone.lowercased();
    // The zone's own NS set.
    if (auto r = ask(resolver, apex, type::NS, true); r)
        d.zone_ns = names_of(r->message.answer, type::NS, apex);
    // The parent zone: the owner of the SOA that answers for the parent name.
    auto parent_soa = ask(resolver, apex.parent(), type::SOA, true);
    if (!parent_soa) {
        d.error = parent_soa.error().message;
        return d;
    }
    for (const auto* sec : {&parent_soa->message.answer, &parent_soa->message.authority})
        for (const auto& rr : *sec)
            if (rr.type == type::SOA && d.parent.empty()) d.parent = text_of(rr.owner);
    if (d.parent.empty()) {
        d.error = "the parent zone of " + text_of(apex) + " could not be found";
        return d;
    }
    auto parent = Name::from_text(d.parent);
    auto pns = ask(resolver, *parent, type::NS, true);
    if (!pns) {
        d.error = pns.error().message;
        return d;
    }
    // Ask the parent's own servers (no recursion) for the delegation.
    bool asked = false;
    for (const auto& ns : names_of(pns->message.answer, type::NS, *parent)) {
        auto nsn = Name::from_text(ns);
        for (const auto& addr : addresses_of(resolver, *nsn)) {
            auto r = dns::io::query_blocking(addr, apex, type::NS, resolver_options(), false);
            if (!r || (r->message.rcode() != rcode::NOERROR)) continue;
            const auto& m = r->message;
            d.parent_ns = names_of(m.authority, type::NS, apex);
            if (d.parent_ns.empty()) d.parent_ns = names_of(m.answer, type::NS, apex);
            for (const auto& n : d.parent_ns) {
                auto nn = Name::from_text(n);
                if (!nn->is_subdomain_of(apex)) continue;  // glue is needed only below the cut
                bool glued = false;
                for (const auto* sec : {&m.additional, &m.answer})
                    for (const auto& rr : *sec)
                        glued = glued ||
                                ((rr.type == type::A || rr.type == type::AAAA) && rr.owner == *nn);
                if (!glued) d.no_glue.push_back(n);
            }
            asked = true;
            break;
        }
        if (asked) break;
    }
    if (!asked) {
        d.error = "no name server of the parent zone " + d.parent + " answered";
        return d;
    }
    d.missing = missing_from(d.parent_ns, ours);
    check_dnssec(resolver, apex, d);
    return d;
}

std::string to_json(const Delegation& d) {
    nlohmann::json j{{"parent", d.parent},       {"parent_ns", d.parent_ns}, {"zone_ns", d.zone_ns},
                     {"missing", d.missing},     {"no_glue", d.no_glue},     {"dnssec", d.dnssec},
                     {"dnssec_ok", d.dnssec_ok}, {"error", d.error}};
    return j.dump();
}

Delegation delegation_from_json(const std::string& text) {
    Delegation d;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) {
        d.error = "not checked yet";
        return d;
    }
    d.parent = j.value("parent", "");
    d.parent_ns = j.value("parent_ns", std::vector<std::string>{});
    d.zone_ns = j.value("zone_ns", std::vector<std::string>{});
    d.missing = j.value("missing", std::vector<std::string>{});
    d.no_glue = j.value("no_glue", std::vector<std::string>{});
    d.dnssec = j.value("dnssec", "");
    d.dnssec_ok = j.value("dnssec_ok", true);
    d.error = j.value("error", "");
    return d;
}

std::string ds_digest(const Name& owner, const std::string& dnskey_rdata, uint8_t digest_type) {
    const EVP_MD* md = digest_type == 1   ? EVP_sha1()
                       : digest_type == 2 ? EVP_sha256()
                       : digest_type == 4 ? EVP_sha384()
                                          : nullptr;
    if (!md) return {};
    const Name lower = owner.lowercased();
    std::string input(reinterpret_cast<const char*>(lower.data()), lower.size());
    input += dnskey_rdata;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(input.data(), input.size(), out, &len, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out), len);
}

uint16_t key_tag(const std::string& rdata) {
    uint32_t ac = 0;
    for (size_t i = 0; i < rdata.size(); ++i) {
        const auto b = static_cast<uint8_t>(rdata[i]);
        ac += (i & 1) ? b : static_cast<uint32_t>(b) << 8;
    }
    ac += (ac >> 16) & 0xFFFF;
    return static_cast<uint16_t>(ac & 0xFFFF);
}

}  // namespace signup
