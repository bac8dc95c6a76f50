#include "lib/wire/rrtype.hpp"

#include <strings.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace dns::wire {
namespace {

constexpr Field kOpaque[] = {Field::rest, Field::end};
constexpr Field kCname[] = {Field::cname, Field::end};
constexpr Field kName[] = {Field::name, Field::end};
constexpr Field kSoa[] = {Field::cname, Field::cname, Field::fixed20, Field::end};
constexpr Field kMx[] = {Field::fixed2, Field::cname, Field::end};
constexpr Field kMinfo[] = {Field::cname, Field::cname, Field::end};
constexpr Field kRp[] = {Field::name, Field::name, Field::end};
constexpr Field kPref[] = {Field::fixed2, Field::name, Field::end};  // AFSDB, RT, KX
constexpr Field kPx[] = {Field::fixed2, Field::name, Field::name, Field::end};
constexpr Field kSrv[] = {Field::fixed2, Field::fixed2, Field::fixed2, Field::name, Field::end};
constexpr Field kNaptr[] = {Field::fixed2,  Field::fixed2, Field::charstr, Field::charstr,
                            Field::charstr, Field::name,   Field::end};
constexpr Field kRrsig[] = {Field::fixed18, Field::name, Field::rest, Field::end};
constexpr Field kNsec[] = {Field::name, Field::rest, Field::end};

struct Mnemonic {
    uint16_t code;
    const char* text;
};
constexpr Mnemonic kTypes[] = {
    {type::A, "A"},         {type::NS, "NS"},           {type::MD, "MD"},
    {type::MF, "MF"},       {type::CNAME, "CNAME"},     {type::SOA, "SOA"},
    {type::MB, "MB"},       {type::MG, "MG"},           {type::MR, "MR"},
    {type::NULL_, "NULL"},  {type::WKS, "WKS"},         {type::PTR, "PTR"},
    {type::HINFO, "HINFO"}, {type::MINFO, "MINFO"},     {type::MX, "MX"},
    {type::TXT, "TXT"},     {type::RP, "RP"},           {type::AFSDB, "AFSDB"},
    {type::X25, "X25"},     {type::ISDN, "ISDN"},       {type::RT, "RT"},
    {type::NSAP, "NSAP"},   {type::SIG, "SIG"},         {type::KEY, "KEY"},
    {type::PX, "PX"},       {type::GPOS, "GPOS"},       {type::AAAA, "AAAA"},
    {type::LOC, "LOC"},     {type::NXT, "NXT"},         {type::SRV, "SRV"},
    {type::NAPTR, "NAPTR"}, {type::KX, "KX"},           {type::CERT, "CERT"},
    {type::DNAME, "DNAME"}, {type::OPT, "OPT"},         {type::APL, "APL"},
    {type::DS, "DS"},       {type::SSHFP, "SSHFP"},     {type::IPSECKEY, "IPSECKEY"},
    {type::RRSIG, "RRSIG"}, {type::NSEC, "NSEC"},       {type::DNSKEY, "DNSKEY"},
    {type::DHCID, "DHCID"}, {type::NSEC3, "NSEC3"},     {type::NSEC3PARAM, "NSEC3PARAM"},
    {type::TLSA, "TLSA"},   {type::SMIMEA, "SMIMEA"},   {type::HIP, "HIP"},
    {type::CDS, "CDS"},     {type::CDNSKEY, "CDNSKEY"}, {type::OPENPGPKEY, "OPENPGPKEY"},
    {type::CSYNC, "CSYNC"}, {type::ZONEMD, "ZONEMD"},   {type::SVCB, "SVCB"},
    {type::HTTPS, "HTTPS"}, {type::SPF, "SPF"},         {type::NID, "NID"},
    {type::L32, "L32"},     {type::L64, "L64"},         {type::LP, "LP"},
    {type::EUI48, "EUI48"}, {type::EUI64, "EUI64"},     {type::TKEY, "TKEY"},
    {type::TSIG, "TSIG"},   {type::IXFR, "IXFR"},       {type::AXFR, "AXFR"},
    {type::MAILB, "MAILB"}, {type::MAILA, "MAILA"},     {type::ANY, "ANY"},
    {type::URI, "URI"},     {type::CAA, "CAA"},         {type::AVC, "AVC"},
    {type::DLV, "DLV"},
};

}  // namespace

const Field* rdata_layout(uint16_t t) noexcept {
    switch (t) {
        case type::NS:
        case type::MD:
        case type::MF:
        case type::CNAME:
        case type::MB:
        case type::MG:
        case type::MR:
        case type::PTR:
            return kCname;
        case type::SOA:
            return kSoa;
        case type::MX:
            return kMx;
        case type::MINFO:
            return kMinfo;
        case type::RP:
            return kRp;
        case type::AFSDB:
        case type::RT:
        case type::KX:
            return kPref;
        case type::PX:
            return kPx;
        case type::SRV:
            return kSrv;
        case type::NAPTR:
            return kNaptr;
        case type::DNAME:
            return kName;
        case type::RRSIG:
        case type::SIG:
            return kRrsig;
        case type::NSEC:
        case type::NXT:
            return kNsec;
        default:
            return kOpaque;
    }
}

bool rdata_has_names(uint16_t t) noexcept { return rdata_layout(t) != kOpaque; }

std::string type_to_text(uint16_t t) {
    for (const auto& m : kTypes)
        if (m.code == t) return m.text;
    return "TYPE" + std::to_string(t);
}

std::optional<uint16_t> type_from_text(std::string_view s) {
    for (const auto& m : kTypes)
        if (s.size() == std::char_traits<char>::length(m.text) &&
            strncasecmp(s.data(), m.text, s.size()) == 0)
            return m.code;
    if (s.size() > 4 && strncasecmp(s.data(), "TYPE", 4) == 0) {
        unsigned v = 0;
        for (size_t i = 4; i < s.size(); ++i) {
            if (s[i] < '0' || s[i] > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(s[i] - '0');
            if (v > 65535) return std::nullopt;
        }
        return static_cast<uint16_t>(v);
    }
    return std::nullopt;
}

std::string class_to_text(uint16_t c) {
    switch (c) {
        case rrclass::IN:
            return "IN";
        case rrclass::CH:
            return "CH";
        case rrclass::HS:
            return "HS";
        case rrclass::NONE:
            return "NONE";
        case rrclass::ANY:
            return "ANY";
        default:
            return "CLASS" + std::to_string(c);
    }
}

}  // namespace dns::wire
